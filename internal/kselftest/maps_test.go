package kselftest

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpflab/bpflab/asm"
)

func TestMapSpecs(t *testing.T) {
	src := `
{
	"two maps",
	.insns = {
	BPF_LD_MAP_FD(BPF_REG_1, 0),
	BPF_LD_MAP_FD(BPF_REG_1, 0),
	BPF_LD_MAP_VALUE(BPF_REG_2, 0, 4),
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
	},
	.fixup_map_array_48b = { 2 },
	.fixup_map_hash_8b = { 0, 4 },
	.result = ACCEPT,
},`
	tests, err := Parse([]byte(src), "maps.c")
	if err != nil {
		t.Fatal(err)
	}
	tc := tests[0]
	if tc.Err != nil {
		t.Fatal(tc.Err)
	}
	// fixup lists stop at the first 0, as test_verifier.c's do: index 0
	// cannot be fixed up, so "{ 0, 4 }" fixes nothing.
	if got := tc.Fixups["map_hash_8b"]; got != nil {
		t.Errorf("fixup_map_hash_8b = %v, want none (the list starts with 0)", got)
	}
	tc.Fixups["map_hash_8b"] = []int{4}
	maps, err := tc.MapSpecs()
	if err != nil {
		t.Fatal(err)
	}
	want := []*asm.MapSpec{
		{Name: "map_hash_8b", Type: asm.BPF_MAP_TYPE_HASH, KeySize: 8, ValueSize: 8, MaxEntries: 1, Flags: 1},
		{Name: "map_array_48b", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 48, MaxEntries: 1,
			Contents: []asm.MapEntry{{Key: []byte{0, 0, 0, 0}, Value: append([]byte{28, 0, 0, 0}, append(make([]byte, 24), 0x12, 0xef, 0xcd, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)...)}}},
	}
	if diff := cmp.Diff(want, maps); diff != "" {
		t.Errorf("maps: diff (-want +got):\n%s", diff)
	}
	if got := []int32{tc.Insns[2].Imm, tc.Insns[4].Imm, tc.Insns[5].Imm}; !cmp.Equal(got, []int32{1, 0, 4}) {
		t.Errorf("imm after fixup = %v, want [1 0 4] (array is map 1, hash map 0, value offset kept)", got)
	}
	spec, err := tc.ProgramSpec()
	if err != nil {
		t.Fatal(err)
	}
	if names := spec.MapNames(); names[2] != "map_array_48b" || names[4] != "map_hash_8b" {
		t.Errorf("ProgramSpec.MapNames() = %v", names)
	}
}

// TestKernelTableFixups applies the fixups of every kernel table entry and
// checks that each lands on an lddw of a map and names a map of its kind.
func TestKernelTableFixups(t *testing.T) {
	tests, err := ReadDir(filepath.Join(verifierDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	withMaps, fixed := 0, 0
	for _, tc := range tests {
		if len(tc.Fixups) == 0 {
			continue
		}
		withMaps++
		maps, err := tc.MapSpecs()
		if err != nil {
			t.Errorf("%s: %v", tc.Name(), err)
			continue
		}
		for kind, idx := range tc.Fixups {
			for _, pc := range idx {
				ins := tc.Insns[pc]
				if !ins.IsLdImm64() || (ins.Src != asm.BPF_PSEUDO_MAP_FD && ins.Src != asm.BPF_PSEUDO_MAP_VALUE) {
					t.Errorf("%s: fixup_%s at %d is not a map lddw: %v", tc.Name(), kind, pc, ins)
					continue
				}
				if m := maps[ins.Imm]; m.Name != kind {
					t.Errorf("%s: insn %d refers to map %q, want %q", tc.Name(), pc, m.Name, kind)
				}
				fixed++
			}
		}
		for _, m := range maps {
			if targets := TailCallTargets(m, tc.ProgType); (m.Type == asm.BPF_MAP_TYPE_PROG_ARRAY) != (len(targets) == 3) {
				t.Errorf("%s: map %s has %d tail-call targets", tc.Name(), m.Name, len(targets))
			}
		}
	}
	t.Logf("%d entries use maps; %d fixed-up instructions checked", withMaps, fixed)
	if withMaps == 0 {
		t.Error("no entry uses maps")
	}
}
