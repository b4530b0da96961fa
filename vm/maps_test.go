package vm

import (
	"errors"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/google/go-cmp/cmp"
)

func mustMap(t *testing.T, s asm.MapSpec, cpus int) Map {
	t.Helper()
	m, err := NewMap(&s, MapOptions{CPUs: cpus})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// TestMapUpdateErrors checks the errnos of the kernel's update and delete
// paths (kernel/bpf/hashtab.c, arraymap.c, lpm_trie.c, queue_stack_maps.c).
func TestMapUpdateErrors(t *testing.T) {
	k := func(b ...byte) []byte { return b }
	hash := asm.MapSpec{Type: asm.BPF_MAP_TYPE_HASH, KeySize: 1, ValueSize: 1, MaxEntries: 2}
	arr := asm.MapSpec{Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 1, MaxEntries: 2}
	lpm := asm.MapSpec{Type: asm.BPF_MAP_TYPE_LPM_TRIE, KeySize: 5, ValueSize: 1, MaxEntries: 1, Flags: 1}
	tests := []struct {
		name string
		spec asm.MapSpec
		ops  func(m Map) error
		want syscall.Errno
	}{
		{"hash noexist on existing", hash, func(m Map) error { m.Update(k(1), k(1), BPF_ANY); return m.Update(k(1), k(2), BPF_NOEXIST) }, syscall.EEXIST},
		{"hash exist on missing", hash, func(m Map) error { return m.Update(k(1), k(2), BPF_EXIST) }, syscall.ENOENT},
		{"hash full", hash, func(m Map) error { m.Update(k(1), k(1), 0); m.Update(k(2), k(1), 0); return m.Update(k(3), k(1), 0) }, syscall.E2BIG},
		{"hash full, existing key", hash, func(m Map) error { m.Update(k(1), k(1), 0); m.Update(k(2), k(1), 0); return m.Update(k(2), k(3), 0) }, 0},
		{"hash bad flags", hash, func(m Map) error { return m.Update(k(1), k(1), 3) }, syscall.EINVAL},
		{"hash delete missing", hash, func(m Map) error { return m.Delete(k(1)) }, syscall.ENOENT},
		{"array past end", arr, func(m Map) error { return m.Update(k(2, 0, 0, 0), k(1), 0) }, syscall.E2BIG},
		{"array noexist", arr, func(m Map) error { return m.Update(k(1, 0, 0, 0), k(1), BPF_NOEXIST) }, syscall.EEXIST},
		{"array delete", arr, func(m Map) error { return m.Delete(k(0, 0, 0, 0)) }, syscall.EINVAL},
		{"lpm too long", lpm, func(m Map) error { return m.Update(k(9, 0, 0, 0, 1), k(1), 0) }, syscall.EINVAL},
		{"lpm full", lpm, func(m Map) error { m.Update(k(8, 0, 0, 0, 1), k(1), 0); return m.Update(k(8, 0, 0, 0, 2), k(1), 0) }, syscall.ENOSPC},
		{"lpm exist on missing", lpm, func(m Map) error { return m.Update(k(8, 0, 0, 0, 1), k(1), BPF_EXIST) }, syscall.ENOENT},
		{"queue full", asm.MapSpec{Type: asm.BPF_MAP_TYPE_QUEUE, ValueSize: 1, MaxEntries: 1}, func(m Map) error {
			m.(Queue).Push(k(1), 0)
			return m.(Queue).Push(k(2), 0)
		}, syscall.E2BIG},
		{"queue noexist", asm.MapSpec{Type: asm.BPF_MAP_TYPE_QUEUE, ValueSize: 1, MaxEntries: 1}, func(m Map) error { return m.(Queue).Push(k(1), BPF_NOEXIST) }, syscall.EINVAL},
		{"stack pop empty", asm.MapSpec{Type: asm.BPF_MAP_TYPE_STACK, ValueSize: 1, MaxEntries: 1}, func(m Map) error { _, err := m.(Queue).Pop(); return err }, syscall.ENOENT},
		{"prog array flags", asm.MapSpec{Type: asm.BPF_MAP_TYPE_PROG_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 1}, func(m Map) error { return m.Update(k(0, 0, 0, 0), k(0, 0, 0, 0), BPF_NOEXIST) }, syscall.EINVAL},
		{"ringbuf full", asm.MapSpec{Type: asm.BPF_MAP_TYPE_RINGBUF, MaxEntries: 4096}, func(m Map) error {
			m.(Output).Output(0, make([]byte, 4080))
			return m.(Output).Output(0, nil)
		}, syscall.EAGAIN},
	}
	for _, tt := range tests {
		m := mustMap(t, tt.spec, 1)
		if got := errnoOf(tt.ops(m)); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMapContents(t *testing.T) {
	// LPM: longest match, bounded by the key's prefix length.
	m := mustMap(t, asm.MapSpec{Type: asm.BPF_MAP_TYPE_LPM_TRIE, KeySize: 8, ValueSize: 1, MaxEntries: 8, Flags: 1, Contents: []asm.MapEntry{
		{Key: []byte{8, 0, 0, 0, 10, 0, 0, 0}, Value: []byte{8}},
		{Key: []byte{24, 0, 0, 0, 10, 1, 2, 0}, Value: []byte{24}},
	}}, 1)
	for _, tt := range []struct {
		key  []byte
		want []byte
	}{
		{[]byte{32, 0, 0, 0, 10, 1, 2, 3}, []byte{24}},
		{[]byte{32, 0, 0, 0, 10, 1, 3, 3}, []byte{8}},
		{[]byte{16, 0, 0, 0, 10, 1, 2, 3}, []byte{8}},
		{[]byte{32, 0, 0, 0, 11, 1, 2, 3}, nil},
	} {
		if got := m.Lookup(tt.key); !cmp.Equal(got, tt.want) {
			t.Errorf("lpm lookup %x = %x, want %x", tt.key, got, tt.want)
		}
	}

	// Per-CPU array: a program sees its CPU's value; the dump shows all.
	pa := mustMap(t, asm.MapSpec{Type: asm.BPF_MAP_TYPE_PERCPU_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 1}, 2)
	pa.(PerCPU).SetCPU(1)
	copy(pa.Lookup([]byte{0, 0, 0, 0}), []byte{7})
	want := []asm.MapEntry{{Key: []byte{0, 0, 0, 0}, Value: []byte{0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0}}}
	if diff := cmp.Diff(want, pa.(Dumper).Entries()); diff != "" {
		t.Errorf("percpu dump (-want +got):\n%s", diff)
	}

	// Hash dump is sorted; LRU evicts the least recently used key.
	lru := mustMap(t, asm.MapSpec{Type: asm.BPF_MAP_TYPE_LRU_HASH, KeySize: 1, ValueSize: 1, MaxEntries: 2}, 1)
	lru.Update([]byte{2}, []byte{2}, 0)
	lru.Update([]byte{1}, []byte{1}, 0)
	lru.Lookup([]byte{2})
	lru.Update([]byte{3}, []byte{3}, 0)
	want = []asm.MapEntry{{Key: []byte{2}, Value: []byte{2}}, {Key: []byte{3}, Value: []byte{3}}}
	if diff := cmp.Diff(want, lru.(Dumper).Entries()); diff != "" {
		t.Errorf("lru dump (-want +got):\n%s", diff)
	}

	// Stack pops newest first; queue oldest first.
	for _, typ := range []asm.MapType{asm.BPF_MAP_TYPE_QUEUE, asm.BPF_MAP_TYPE_STACK} {
		q := mustMap(t, asm.MapSpec{Type: typ, ValueSize: 1, MaxEntries: 2}, 1).(Queue)
		q.Push([]byte{1}, 0)
		q.Push([]byte{2}, 0)
		q.Push([]byte{3}, BPF_EXIST) // drops 1
		v, _ := q.Pop()
		wantV := byte(2)
		if typ == asm.BPF_MAP_TYPE_STACK {
			wantV = 3
		}
		if v[0] != wantV {
			t.Errorf("map type %d popped %d, want %d", typ, v[0], wantV)
		}
	}
}

func TestNewMapRejects(t *testing.T) {
	for _, s := range []asm.MapSpec{
		{Type: asm.BPF_MAP_TYPE_HASH, KeySize: 0, ValueSize: 4, MaxEntries: 1},
		{Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 8, ValueSize: 4, MaxEntries: 1},
		{Type: asm.BPF_MAP_TYPE_RINGBUF, MaxEntries: 1000},
		{Type: asm.BPF_MAP_TYPE_HASH, KeySize: 4, ValueSize: 4},
	} {
		if _, err := NewMap(&s, MapOptions{}); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%+v: got %v, want EINVAL", s, err)
		}
	}
}
