package kernel

import (
	"errors"
	"strings"
	"testing"
)

// TestNoKernelEnv checks that BPFLAB_NO_KERNEL makes every caller skip with
// its reason before any system call is made.
func TestNoKernelEnv(t *testing.T) {
	t.Setenv(NoKernelEnv, "bpf() hung in CI")
	err := Available()
	if !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("Available() = %v, want ErrNotPermitted", err)
	}
	if !strings.Contains(err.Error(), "bpf() hung in CI") {
		t.Errorf("error %q does not carry the reason", err)
	}
}
