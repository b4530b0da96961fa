package kernel

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/rlimit"
)

// ErrNotPermitted is returned (wrapped, with the reason) by every call when
// this process cannot use bpf(): not root and no CAP_BPF, an unsupported
// kernel, or another operating system.
var ErrNotPermitted = errors.New("bpf() is not available")

var (
	availOnce sync.Once
	availErr  error
	// disabled simulates a machine without bpf(); see Disable.
	disabled error
)

// NoKernelEnv names an environment variable that, when set, makes Available
// report bpf() unavailable with the variable's value as the reason, without
// making any system call. .ci/run sets it when bpf() does not answer, so that
// no test blocks in an uninterruptible system call.
const NoKernelEnv = "BPFLAB_NO_KERNEL"

// probeTimeout bounds the availability probe: a kernel whose BPF subsystem
// is wedged never returns from BPF_PROG_LOAD, and users should get an answer.
const probeTimeout = 30 * time.Second

// Available reports whether this process can load programs and run them
// with BPF_PROG_TEST_RUN; the error says why not and wraps ErrNotPermitted.
func Available() error {
	if disabled != nil {
		return disabled
	}
	if reason := os.Getenv(NoKernelEnv); reason != "" {
		return fmt.Errorf("%w: %s=%s", ErrNotPermitted, NoKernelEnv, reason)
	}
	availOnce.Do(func() {
		done := make(chan error, 1)
		go func() { done <- probeAvailable() }()
		select {
		case availErr = <-done:
		case <-time.After(probeTimeout):
			availErr = fmt.Errorf("%w: loading a trivial program did not return within %v (the kernel's BPF subsystem does not answer)", ErrNotPermitted, probeTimeout)
		}
	})
	return availErr
}

// Disable makes Available (and so every call of this package) report that
// bpf() is unavailable with the given reason, until the returned function is
// called. Tests use it to check what users without privileges see.
func Disable(reason string) (restore func()) {
	prev := disabled
	disabled = fmt.Errorf("%w: %s", ErrNotPermitted, reason)
	return func() { disabled = prev }
}

func probeAvailable() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%w: %s has no bpf() system call", ErrNotPermitted, runtime.GOOS)
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return fmt.Errorf("%w: %v", ErrNotPermitted, err)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.SocketFilter,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return fmt.Errorf("%w: loading a trivial socket filter failed: %v", ErrNotPermitted, err)
	}
	defer prog.Close()
	if _, err := prog.Run(&ebpf.RunOptions{Data: make([]byte, 14)}); err != nil {
		return fmt.Errorf("%w: BPF_PROG_TEST_RUN failed: %v", ErrNotPermitted, err)
	}
	return nil
}
