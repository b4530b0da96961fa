package kernel

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
)

// TestDisabled checks that every entry point of the package reports a
// simulated unavailability as ErrNotPermitted with the reason.
func TestDisabled(t *testing.T) {
	const reason = "simulated for the test"
	restore := Disable(reason)
	defer restore()
	spec := &asm.ProgramSpec{Insns: asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())}
	calls := map[string]func() error{
		"Available": Available,
		"Load":      func() error { _, err := Load(spec, nil); return err },
		"TestRun":   func() error { _, err := (&Program{}).TestRun(RunInput{}); return err },
		"RunWithMemory": func() error {
			_, err := RunWithMemory(spec.Insns, nil)
			return err
		},
		"Probe": func() error { _, err := Probe(); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrNotPermitted) || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: err = %v, want ErrNotPermitted with the reason", name, err)
		}
	}
}
