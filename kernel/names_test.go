package kernel

import (
	"testing"

	"github.com/bpflab/bpflab/asm"
)

// TestNamesAgreeWithAsm checks this package's program and attach type
// names against package asm's, which ELF objects are read with.
func TestNamesAgreeWithAsm(t *testing.T) {
	for i, name := range progTypeNames[1:] {
		if v, ok := asm.ProgTypeByName(name); !ok || v != uint32(i+1) {
			t.Errorf("program type %s: asm says %d, %v; we say %d", name, v, ok, i+1)
		}
	}
	for i, name := range attachTypeNames {
		if v, ok := asm.AttachTypeByName(name); !ok || v != uint32(i) {
			t.Errorf("attach type %s: asm says %d, %v; we say %d", name, v, ok, i)
		}
	}
	for _, c := range []struct {
		in   string
		want uint32
	}{{"xdp", 6}, {"tc", 3}, {"BPF_PROG_TYPE_SCHED_ACT", 4}, {"socket", 1}, {"7", 7}} {
		if got, err := ProgTypeByName(c.in); err != nil || got != c.want {
			t.Errorf("ProgTypeByName(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if _, err := ProgTypeByName("nosuch"); err == nil {
		t.Error("ProgTypeByName(nosuch) did not fail")
	}
}
