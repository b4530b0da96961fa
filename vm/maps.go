package vm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// Update flags (include/uapi/linux/bpf.h).
const (
	BPF_ANY     = 0
	BPF_NOEXIST = 1
	BPF_EXIST   = 2
	BPF_F_LOCK  = 4
)

// MapOptions configure NewMap.
type MapOptions struct {
	// CPUs is the number of possible CPUs per-CPU maps keep a value for,
	// and the number of perf event array slots the kernel would create by
	// default; 1 when 0.
	CPUs int
}

// Dumper is implemented by every map NewMap returns: its entries as user
// space sees them, sorted by key (array maps by index), values of per-CPU
// maps concatenated per CPU, each rounded up to 8 bytes.
type Dumper interface {
	Entries() []asm.MapEntry
}

// PerCPU is implemented by per-CPU maps. A program's Lookup and Update act
// on the value of the current CPU; user-space style access goes through
// LookupAll and the concatenated values of Entries.
type PerCPU interface {
	SetCPU(cpu int)
	LookupAll(key []byte) []byte
}

// Queue is implemented by queue and stack maps (bpf_map_push_elem,
// bpf_map_pop_elem, bpf_map_peek_elem).
type Queue interface {
	Push(value []byte, flags uint64) error
	Pop() ([]byte, error)
	Peek() ([]byte, error)
}

// Output is implemented by the maps programs send records to: ring buffers
// (bpf_ringbuf_output) and perf event arrays (bpf_perf_event_output).
type Output interface {
	// Output appends a record; index is the perf event array slot (ignored
	// by ring buffers).
	Output(index uint64, data []byte) error
	// Records returns the records written so far, oldest first.
	Records() []Record
}

// Record is one record a program wrote to a ring buffer or perf event
// array.
type Record struct {
	Index uint64 // perf event array slot (CPU); 0 for ring buffers
	Data  []byte
}

// NewMap creates an empty map of spec's type, with the kernel's checks of
// the spec (EINVAL for impossible key or value sizes), then stores
// spec.Contents with BPF_ANY. A per-CPU map's content value may be one
// value (stored for every CPU) or the values of all CPUs concatenated.
func NewMap(spec *asm.MapSpec, opts MapOptions) (Map, error) {
	cpus := max(opts.CPUs, 1)
	ks, vs, n := int(spec.KeySize), int(spec.ValueSize), int(spec.MaxEntries)
	bad := func(why string) error {
		return fmt.Errorf("map %q: %s: %w", spec.Name, why, syscall.EINVAL)
	}
	if n == 0 && spec.Type != asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY {
		return nil, bad("max_entries is 0")
	}
	var m Map
	switch spec.Type {
	case asm.BPF_MAP_TYPE_HASH, asm.BPF_MAP_TYPE_LRU_HASH, asm.BPF_MAP_TYPE_PERCPU_HASH, asm.BPF_MAP_TYPE_LRU_PERCPU_HASH:
		if ks == 0 || vs == 0 {
			return nil, bad("key and value size must not be 0")
		}
		m = newHashMap(spec, cpus)
	case asm.BPF_MAP_TYPE_ARRAY, asm.BPF_MAP_TYPE_PERCPU_ARRAY:
		if ks != 4 || vs == 0 {
			return nil, bad("array maps need 4-byte keys and a value")
		}
		a := &arrayMap{spec: spec, cpus: 1}
		if spec.Type == asm.BPF_MAP_TYPE_PERCPU_ARRAY {
			a.cpus = cpus
		}
		a.values = make([][]byte, n*a.cpus)
		for i := range a.values {
			a.values[i] = make([]byte, vs)
		}
		m = a
	case asm.BPF_MAP_TYPE_PROG_ARRAY:
		if ks != 4 || vs != 4 {
			return nil, bad("program arrays need 4-byte keys and values")
		}
		m = &fdArray{spec: spec, slots: make([][]byte, n)}
	case asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		if ks != 4 || vs != 4 {
			return nil, bad("perf event arrays need 4-byte keys and values")
		}
		if n == 0 {
			n = cpus
		}
		m = &perfArray{fdArray: fdArray{spec: spec, slots: make([][]byte, n)}}
	case asm.BPF_MAP_TYPE_DEVMAP:
		if ks != 4 || (vs != 4 && vs != 8) {
			return nil, bad("device maps need 4-byte keys and 4- or 8-byte values")
		}
		m = &devMap{fdArray: fdArray{spec: spec, slots: make([][]byte, n)}}
	case asm.BPF_MAP_TYPE_DEVMAP_HASH:
		if ks != 4 || (vs != 4 && vs != 8) {
			return nil, bad("device maps need 4-byte keys and 4- or 8-byte values")
		}
		m = &devHash{*newHashMap(spec, cpus)}
	case asm.BPF_MAP_TYPE_LPM_TRIE:
		if ks <= 4 || ks > 4+256 || vs == 0 {
			return nil, bad("LPM trie keys are a 4-byte prefix length and 1 to 256 data bytes")
		}
		m = &lpmTrie{spec: spec}
	case asm.BPF_MAP_TYPE_QUEUE, asm.BPF_MAP_TYPE_STACK:
		if ks != 0 || vs == 0 {
			return nil, bad("queue and stack maps have no key and a value")
		}
		m = &queueMap{spec: spec, stack: spec.Type == asm.BPF_MAP_TYPE_STACK}
	case asm.BPF_MAP_TYPE_RINGBUF:
		if ks != 0 || vs != 0 || n < 4096 || n&(n-1) != 0 {
			return nil, bad("ring buffers have no key or value and a power-of-two size of at least a page")
		}
		m = &ringBuf{spec: spec}
	default:
		return nil, fmt.Errorf("map %q: map type %d is not modelled: %w", spec.Name, spec.Type, syscall.EOPNOTSUPP)
	}
	for _, e := range spec.Contents {
		var err error
		if pc, ok := m.(interface {
			updateAll(key, value []byte, flags uint64) error
		}); ok {
			err = pc.updateAll(e.Key, e.Value, BPF_ANY)
		} else {
			err = m.Update(e.Key, e.Value, BPF_ANY)
		}
		if err != nil {
			return nil, fmt.Errorf("map %q: preloading key %x: %w", spec.Name, e.Key, err)
		}
	}
	return m, nil
}

// checkFlags models the flag checks every update makes: only BPF_ANY,
// BPF_NOEXIST and BPF_EXIST are known (BPF_F_LOCK needs a spin lock, which
// no modelled map has).
func checkFlags(flags uint64) error {
	if flags > BPF_EXIST {
		return syscall.EINVAL
	}
	return nil
}

// checkSize rejects a key or value of the wrong length (a caller's bug:
// programs always pass the map's sizes).
func checkSize(what string, b []byte, want uint32) error {
	if len(b) != int(want) {
		return fmt.Errorf("%s is %d bytes, the map's is %d: %w", what, len(b), want, syscall.EINVAL)
	}
	return nil
}

// round8 is the per-CPU value stride of user-space lookups.
func round8(n int) int { return (n + 7) &^ 7 }

func sortEntries(es []asm.MapEntry) {
	sort.Slice(es, func(i, j int) bool { return bytes.Compare(es[i].Key, es[j].Key) < 0 })
}

func u32key(i int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(i)) }
