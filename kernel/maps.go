package kernel

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/bpflab/bpflab/asm"
	"github.com/cilium/ebpf"
)

// Map is a kernel map created from an asm.MapSpec.
type Map struct {
	Spec *asm.MapSpec
	m    *ebpf.Map
}

func newMap(spec *asm.MapSpec) (*Map, error) {
	cs, err := ciliumMapSpec(spec)
	if err != nil {
		return nil, err
	}
	km := &Map{Spec: spec}
	// cilium/ebpf fills Contents in before it freezes .rodata maps; per-CPU
	// values, which it wants one per CPU, are stored after creation.
	if !km.perCPU() {
		for _, e := range spec.Contents {
			cs.Contents = append(cs.Contents, ebpf.MapKV{Key: e.Key, Value: e.Value})
		}
	}
	m, err := ebpf.NewMap(cs)
	if err != nil {
		return nil, err
	}
	km.m = m
	if km.perCPU() {
		if err := km.SetEntries(spec.Contents); err != nil {
			m.Close()
			return nil, err
		}
	}
	return km, nil
}

func ciliumMapSpec(s *asm.MapSpec) (*ebpf.MapSpec, error) {
	cs := &ebpf.MapSpec{
		Name:       objName(s.Name),
		Type:       ebpf.MapType(s.Type),
		KeySize:    s.KeySize,
		ValueSize:  s.ValueSize,
		MaxEntries: s.MaxEntries,
		Flags:      s.Flags,
	}
	if s.InnerMap != nil {
		inner, err := ciliumMapSpec(s.InnerMap)
		if err != nil {
			return nil, err
		}
		cs.InnerMap = inner
	}
	return cs, nil
}

// Close releases the map.
func (m *Map) Close() error { return m.m.Close() }

// FD returns the map's file descriptor.
func (m *Map) FD() int { return m.m.FD() }

// perCPU reports whether values exist once per possible CPU.
func (m *Map) perCPU() bool {
	switch m.Spec.Type {
	case asm.BPF_MAP_TYPE_PERCPU_HASH, asm.BPF_MAP_TYPE_PERCPU_ARRAY,
		asm.BPF_MAP_TYPE_LRU_PERCPU_HASH, asm.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true
	}
	return false
}

// Lookup returns the value stored under key, or nil and no error when the
// key is absent. Values of per-CPU maps are the values of every possible
// CPU one after the other, each padded to a multiple of 8 bytes.
func (m *Map) Lookup(key []byte) ([]byte, error) {
	v, err := m.m.LookupBytes(key)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Update stores value under key (BPF_ANY). For per-CPU maps value is
// either one value (stored for every CPU) or one per possible CPU as
// Lookup returns them.
func (m *Map) Update(key, value []byte) error {
	if !m.perCPU() {
		return m.m.Update(key, value, ebpf.UpdateAny)
	}
	n, err := ebpf.PossibleCPU()
	if err != nil {
		return err
	}
	size := int(m.Spec.ValueSize)
	stride := (size + 7) &^ 7
	vals := make([][]byte, n)
	for i := range vals {
		switch {
		case len(value) == size:
			vals[i] = value
		case len(value) == n*stride:
			vals[i] = value[i*stride : i*stride+size]
		default:
			return fmt.Errorf("per-CPU value of %d bytes: want %d or %d×%d", len(value), size, n, stride)
		}
	}
	return m.m.Update(key, vals, ebpf.UpdateAny)
}

// Delete removes key; deleting an absent key is not an error.
func (m *Map) Delete(key []byte) error {
	err := m.m.Delete(key)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return nil
	}
	return err
}

// SetEntries stores each entry (preloading a map before a run).
func (m *Map) SetEntries(entries []asm.MapEntry) error {
	for _, e := range entries {
		if err := m.Update(e.Key, e.Value); err != nil {
			return fmt.Errorf("update key %x: %w", e.Key, err)
		}
	}
	return nil
}

// Entries returns every entry of the map, sorted by key bytes. Array maps
// have all their entries, zero or not. Map types without keys to walk
// (queues, ring buffers, …) return nil.
func (m *Map) Entries() ([]asm.MapEntry, error) {
	switch m.Spec.Type {
	case asm.BPF_MAP_TYPE_QUEUE, asm.BPF_MAP_TYPE_STACK, asm.BPF_MAP_TYPE_RINGBUF,
		asm.BPF_MAP_TYPE_USER_RINGBUF, asm.BPF_MAP_TYPE_BLOOM_FILTER,
		asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY, asm.BPF_MAP_TYPE_PROG_ARRAY,
		asm.BPF_MAP_TYPE_ARRAY_OF_MAPS, asm.BPF_MAP_TYPE_HASH_OF_MAPS:
		return nil, nil
	}
	var out []asm.MapEntry
	var key []byte
	for {
		var prev any // an untyped nil asks for the first key
		if key != nil {
			prev = key
		}
		next, err := m.m.NextKeyBytes(prev)
		if err != nil {
			return nil, err
		}
		if next == nil {
			break
		}
		v, err := m.Lookup(next)
		if err != nil {
			return nil, fmt.Errorf("lookup key %x: %w", next, err)
		}
		if v != nil {
			out = append(out, asm.MapEntry{Key: next, Value: v})
		}
		key = next
		if len(out) > int(m.Spec.MaxEntries) {
			return nil, errors.New("map iteration did not end")
		}
	}
	slices.SortFunc(out, func(a, b asm.MapEntry) int { return bytes.Compare(a.Key, b.Key) })
	return out, nil
}

// Replace makes entries the whole content of the map: other keys of hash
// maps are deleted, other entries of array maps are zeroed. Only entries
// that change are written, so replacing the contents of a frozen map
// (.rodata) with what it holds succeeds.
func (m *Map) Replace(entries []asm.MapEntry) error {
	old, err := m.Entries()
	if err != nil {
		return err
	}
	want := map[string][]byte{}
	for _, e := range entries {
		want[string(e.Key)] = e.Value
	}
	have := map[string][]byte{}
	for _, e := range old {
		have[string(e.Key)] = e.Value
		if _, ok := want[string(e.Key)]; ok {
			continue
		}
		switch m.Spec.Type {
		case asm.BPF_MAP_TYPE_ARRAY, asm.BPF_MAP_TYPE_PERCPU_ARRAY:
			if !allZero(e.Value) {
				err = m.Update(e.Key, make([]byte, m.Spec.ValueSize))
			}
		default:
			err = m.Delete(e.Key)
		}
		if err != nil {
			return fmt.Errorf("clear key %x: %w", e.Key, err)
		}
	}
	var changed []asm.MapEntry
	for _, e := range entries {
		if v, ok := have[string(e.Key)]; !ok || !bytes.Equal(v, e.Value) {
			changed = append(changed, e)
		}
	}
	return m.SetEntries(changed)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// PossibleCPUs returns the number of possible CPUs: how many values a
// per-CPU map holds for each key.
func PossibleCPUs() (int, error) { return ebpf.PossibleCPU() }
