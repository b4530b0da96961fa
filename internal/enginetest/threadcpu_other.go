//go:build !linux

package enginetest

import "time"

// ThreadCPU is the CPU time the calling OS thread has used: 0, since only
// Linux tells it per thread.
func ThreadCPU() time.Duration { return 0 }
