package fuzz

import (
	"testing"

	"github.com/bpflab/bpflab/vm"
)

// TestVerifierGenValid: generated programs are well formed (the
// interpreter's decoder takes them), whatever the input bytes.
func TestVerifierGenValid(t *testing.T) {
	for i := range 500 {
		spec := NewVerifierGen(seedBytes(uint64(i))).Spec()
		if err := spec.Insns.Validate(); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if _, err := vm.Prepare(spec.Insns); err != nil {
			t.Fatalf("seed %d: vm.Prepare: %v", i, err)
		}
	}
	for _, b := range [][]byte{nil, {0}, {0xff}, {1, 2, 3}} {
		if _, err := vm.Prepare(NewVerifierGen(b).Spec().Insns); err != nil {
			t.Errorf("input %x: %v", b, err)
		}
	}
}
