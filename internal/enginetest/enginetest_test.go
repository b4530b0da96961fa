package enginetest

import (
	"testing"

	"github.com/bpflab/bpflab/vm"
)

// TestRepair checks that Repair turns most random inputs
// into programs, so the fuzzer is not wasting its time.
func TestRepair(t *testing.T) {
	seed := uint64(1)
	ok, faults := 0, 0
	for range 1000 {
		b := make([]byte, 8*32)
		for i := range b {
			seed = seed*6364136223846793005 + 1442695040888963407
			b[i] = byte(seed >> 56)
		}
		p := Repair(b)
		if p == nil {
			continue
		}
		ok++
		env := vm.NewPlainEnv(make([]byte, 32))
		env.Budget = 1000
		if _, err := p.Run(env); err != nil {
			faults++
		}
	}
	if ok < 900 {
		t.Errorf("Repair made %d programs of 1000 inputs, want ≥ 900", ok)
	}
	t.Logf("%d programs, %d faulted", ok, faults)
}
