package kernel

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

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

// Available reports whether this process can load programs and run them
// with BPF_PROG_TEST_RUN; the error says why not and wraps ErrNotPermitted.
func Available() error {
	if disabled != nil {
		return disabled
	}
	availOnce.Do(func() { availErr = probeAvailable() })
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
