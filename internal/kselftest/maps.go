package kselftest

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/bpflab/bpflab/asm"
)

// FixupKind describes the map test_verifier.c creates for one fixup_*
// array of struct bpf_test.
type FixupKind struct {
	Name  string // the field without "fixup_": "map_hash_8b", "prog1", …
	Order int    // position in test_verifier.c's map_fds, which fixes the order of maps
	Spec  asm.MapSpec
	// BTFValue, when set, says that the kernel needs BTF for the value type
	// (spin locks, timers, kptrs, socket storage) and which C struct
	// test_verifier.c describes with it; engines must provide that BTF.
	BTFValue string
	// TailCalls lists, for the program arrays, which dummy programs sit at
	// which keys (see TailCallTargets).
	TailCalls []tailCall
}

type tailCall struct {
	key uint32
	ret int32
	// loopIdx >= 0 makes the program tail-call the same array at that
	// index before returning ret.
	loopIdx int32
}

// testVal is the initial value test_verifier.c's update_map stores at key 0
// of its array maps: struct test_val { .index = 7 * sizeof(int),
// .foo[6] = 0xabcdef12 } (48 bytes).
func testVal(size int) []asm.MapEntry {
	v := make([]byte, 48)
	binary.LittleEndian.PutUint32(v[0:], 7*4)
	binary.LittleEndian.PutUint32(v[4+6*4:], 0xabcdef12)
	return []asm.MapEntry{{Key: make([]byte, 4), Value: v[:size]}}
}

func spec(name string, t asm.MapType, key, value, max, flags uint32) asm.MapSpec {
	return asm.MapSpec{Name: name, Type: t, KeySize: key, ValueSize: value, MaxEntries: max, Flags: flags}
}

const (
	fNoPrealloc = 1 << 0 // BPF_F_NO_PREALLOC
	fRdonlyProg = 1 << 7 // BPF_F_RDONLY_PROG
	fWronlyProg = 1 << 8 // BPF_F_WRONLY_PROG
	pageSize    = 4096
)

// fixupKinds are the maps of test_verifier.c's do_test_fixup. Hash maps are
// created without preallocation, as its __create_map does for every hash.
var fixupKinds = func() map[string]*FixupKind {
	ks := []*FixupKind{
		{Name: "map_hash_8b", Spec: spec("map_hash_8b", asm.BPF_MAP_TYPE_HASH, 8, 8, 1, fNoPrealloc)},
		{Name: "map_hash_48b", Spec: spec("map_hash_48b", asm.BPF_MAP_TYPE_HASH, 8, 48, 1, fNoPrealloc)},
		{Name: "map_hash_16b", Spec: spec("map_hash_16b", asm.BPF_MAP_TYPE_HASH, 8, 16, 1, fNoPrealloc)},
		{Name: "map_array_48b", Spec: spec("map_array_48b", asm.BPF_MAP_TYPE_ARRAY, 4, 48, 1, 0)},
		{Name: "prog1", Spec: spec("prog1", asm.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0),
			TailCalls: []tailCall{{0, 42, -1}, {1, 41, 1}, {2, 24, -1}}},
		{Name: "prog2", Spec: spec("prog2", asm.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, 0),
			TailCalls: []tailCall{{7, 42, -1}, {1, 41, 1}, {2, 24, -1}}},
		{Name: "map_in_map", Spec: spec("map_in_map", asm.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, 0)},
		{Name: "cgroup_storage", Spec: spec("cgroup_storage", asm.BPF_MAP_TYPE_CGROUP_STORAGE, 16, DataLen, 0, 0)},
		{Name: "percpu_cgroup_storage", Spec: spec("percpu_cgroup_storage", asm.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, 16, DataLen, 0, 0)},
		{Name: "map_sockmap", Spec: spec("map_sockmap", asm.BPF_MAP_TYPE_SOCKMAP, 4, 4, 1, 0)},
		{Name: "map_sockhash", Spec: spec("map_sockhash", asm.BPF_MAP_TYPE_SOCKHASH, 4, 4, 1, 0)},
		{Name: "map_xskmap", Spec: spec("map_xskmap", asm.BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0)},
		{Name: "map_stacktrace", Spec: spec("map_stacktrace", asm.BPF_MAP_TYPE_STACK_TRACE, 4, 8, 1, 0)},
		{Name: "map_spin_lock", Spec: spec("map_spin_lock", asm.BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0),
			BTFValue: "struct val { int cnt; struct bpf_spin_lock l; }"},
		{Name: "map_array_ro", Spec: spec("map_array_ro", asm.BPF_MAP_TYPE_ARRAY, 4, 48, 1, fRdonlyProg)},
		{Name: "map_array_wo", Spec: spec("map_array_wo", asm.BPF_MAP_TYPE_ARRAY, 4, 48, 1, fWronlyProg)},
		{Name: "map_array_small", Spec: spec("map_array_small", asm.BPF_MAP_TYPE_ARRAY, 4, 1, 1, 0)},
		{Name: "sk_storage_map", Spec: spec("sk_storage_map", asm.BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, fNoPrealloc),
			BTFValue: "struct val { int cnt; struct bpf_spin_lock l; }"},
		{Name: "map_event_output", Spec: spec("map_event_output", asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0)},
		{Name: "map_reuseport_array", Spec: spec("map_reuseport_array", asm.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, 1, 0)},
		{Name: "map_ringbuf", Spec: spec("map_ringbuf", asm.BPF_MAP_TYPE_RINGBUF, 0, 0, pageSize, 0)},
		{Name: "map_timer", Spec: spec("map_timer", asm.BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0),
			BTFValue: "struct timer { struct bpf_timer t; }"},
		{Name: "map_kptr", Spec: spec("map_kptr", asm.BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0),
			BTFValue: "struct btf_ptr { struct prog_test_ref_kfunc __kptr_untrusted *ptr; struct prog_test_ref_kfunc __kptr *ptr; struct prog_test_member __kptr *ptr; }"},
	}
	m := map[string]*FixupKind{}
	for i, k := range ks {
		k.Order = i
		m[k.Name] = k
	}
	// The arrays start with test_val at key 0 (update_map); the one-byte
	// array keeps its first byte.
	m["map_array_48b"].Spec.Contents = testVal(48)
	m["map_array_ro"].Spec.Contents = testVal(48)
	m["map_array_wo"].Spec.Contents = testVal(48)
	m["map_array_small"].Spec.Contents = testVal(1)
	inner := spec("inner_map", asm.BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0)
	m["map_in_map"].Spec.InnerMap = &inner
	return m
}()

// Fixup returns the description of a fixup kind, or nil.
func Fixup(kind string) *FixupKind { return fixupKinds[kind] }

// MapSpecs returns the maps the test's fixups ask for, in test_verifier.c's
// order, and rewrites the imm of every fixed-up instruction of t.Insns to
// that map's index in the returned slice (the asm.ProgramSpec convention for
// lddw BPF_PSEUDO_MAP_FD / MAP_VALUE). Each call returns fresh specs.
func (t *Test) MapSpecs() ([]*asm.MapSpec, error) {
	return t.fixup(t.Insns)
}

// fixup builds the maps and points the fixed-up instructions of insns at
// them.
func (t *Test) fixup(insns asm.Program) ([]*asm.MapSpec, error) {
	kinds := make([]*FixupKind, 0, len(t.Fixups))
	for name := range t.Fixups {
		k, ok := fixupKinds[name]
		if !ok {
			return nil, fmt.Errorf("%s: unknown fixup %s", t.Name(), name)
		}
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Order < kinds[j].Order })
	var maps []*asm.MapSpec
	for _, k := range kinds {
		s := k.Spec
		if s.InnerMap != nil {
			in := *s.InnerMap
			s.InnerMap = &in
		}
		s.Contents = append([]asm.MapEntry(nil), s.Contents...)
		idx := len(maps)
		maps = append(maps, &s)
		for _, pc := range t.Fixups[k.Name] {
			if pc < 0 || pc >= len(insns) {
				return nil, fmt.Errorf("%s: fixup_%s index %d is outside the %d-slot program", t.Name(), k.Name, pc, len(insns))
			}
			insns[pc].Imm = int32(idx)
		}
	}
	return maps, nil
}

// ProgramSpec returns the test as an asm.ProgramSpec: a copy of its program
// with the map fixups applied, the maps they refer to, its program and
// attach type. t itself is not changed.
func (t *Test) ProgramSpec() (*asm.ProgramSpec, error) {
	insns := append(asm.Program(nil), t.Insns...)
	maps, err := t.fixup(insns)
	if err != nil {
		return nil, err
	}
	return &asm.ProgramSpec{
		Name:       t.Descr,
		Type:       t.ProgType,
		AttachType: t.ExpectedAttachType,
		License:    "GPL",
		Insns:      insns,
		Maps:       maps,
	}, nil
}

// TailCallTargets returns the programs test_verifier.c puts into a fixup
// program array (prog1, prog2) by key, built for the given program type:
// "return 42", "tail-call this array at index 1, then return 41" and
// "return 24". It returns nil for other maps. The looping program refers
// to m itself as map 0.
func TailCallTargets(m *asm.MapSpec, progType string) map[uint32]*asm.ProgramSpec {
	k, ok := fixupKinds[m.Name]
	if !ok || len(k.TailCalls) == 0 {
		return nil
	}
	out := map[uint32]*asm.ProgramSpec{}
	for _, tc := range k.TailCalls {
		var p asm.Program
		if tc.loopIdx >= 0 {
			p = asm.Prog(
				asm.BPF_MOV64_IMM(asm.BPF_REG_3, tc.loopIdx),
				asm.BPF_LD_MAP_FD(asm.BPF_REG_2, 0),
				asm.BPF_EMIT_CALL(asm.BPF_FUNC_tail_call),
				asm.BPF_MOV64_IMM(asm.BPF_REG_0, tc.ret),
				asm.BPF_EXIT_INSN(),
			)
		} else {
			p = asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, tc.ret), asm.BPF_EXIT_INSN())
		}
		out[tc.key] = &asm.ProgramSpec{
			Name:    fmt.Sprintf("%s_%d", m.Name, tc.key),
			Type:    progType,
			License: "GPL",
			Insns:   p,
			Maps:    []*asm.MapSpec{m},
		}
	}
	return out
}
