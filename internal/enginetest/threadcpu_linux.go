package enginetest

import (
	"syscall"
	"time"
)

// ThreadCPU is the CPU time the calling OS thread has used (0 when the
// system cannot tell). Lock the goroutine to its thread around a
// measurement.
func ThreadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
