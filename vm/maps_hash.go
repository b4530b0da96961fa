package vm

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// hashMap is BPF_MAP_TYPE_HASH, LRU_HASH, PERCPU_HASH and LRU_PERCPU_HASH.
//
// Values live in their own slices, so a pointer a program got from a lookup
// keeps working. As in the kernel, an update of an existing key gives a
// plain or LRU hash a new value (the old pointer keeps seeing the old one),
// while per-CPU hashes update in place. The LRU variants evict the
// least recently used entry when full, exactly. The kernel's LRU is not
// exact (kernel/bpf/bpf_lru_list.c: per-CPU free lists refilled in batches,
// active and inactive lists whose reference bits give looked-up entries a
// second chance), so once a full LRU map evicts, the kernel may keep a
// different set of keys; checked against 6.18, it does after a few
// evictions mixed with lookups.
type hashMap struct {
	spec  *asm.MapSpec
	items map[string]*hashEntry
	lru   bool
	cpus  int // 1 unless per-CPU
	cpu   int
	clock uint64 // LRU use counter
}

type hashEntry struct {
	key    []byte
	values [][]byte // one per CPU
	used   uint64
}

func (h *hashMap) Spec() *asm.MapSpec { return h.spec }

// SetCPU selects the CPU whose values programs see.
func (h *hashMap) SetCPU(cpu int) { h.cpu = cpu % h.cpus }

func (h *hashMap) touch(e *hashEntry) {
	h.clock++
	e.used = h.clock
}

// Lookup models htab_map_lookup_elem (and the per-CPU and LRU variants,
// which mark the entry used).
func (h *hashMap) Lookup(key []byte) []byte {
	e := h.items[string(key)]
	if e == nil {
		return nil
	}
	if h.lru {
		h.touch(e)
	}
	return e.values[h.cpu]
}

// LookupAll returns every CPU's value, each padded to 8 bytes, as the
// bpf(BPF_MAP_LOOKUP_ELEM) system call returns them.
func (h *hashMap) LookupAll(key []byte) []byte {
	e := h.items[string(key)]
	if e == nil {
		return nil
	}
	return h.concat(e)
}

func (h *hashMap) concat(e *hashEntry) []byte {
	if h.cpus == 1 {
		return append([]byte(nil), e.values[0]...)
	}
	stride := round8(int(h.spec.ValueSize))
	out := make([]byte, stride*h.cpus)
	for c, v := range e.values {
		copy(out[c*stride:], v)
	}
	return out
}

// Update models htab_map_update_elem: EINVAL for unknown flags, EEXIST for
// BPF_NOEXIST on an existing key, ENOENT for BPF_EXIST on a missing one,
// E2BIG when a plain hash is full (an LRU hash evicts instead). A program's
// update of a per-CPU map sets the current CPU's value; a new entry's other
// CPUs start at zero.
func (h *hashMap) Update(key, value []byte, flags uint64) error {
	return h.update(key, value, flags, false)
}

func (h *hashMap) updateAll(key, value []byte, flags uint64) error {
	return h.update(key, value, flags, true)
}

func (h *hashMap) update(key, value []byte, flags uint64, all bool) error {
	if err := checkFlags(flags); err != nil {
		return err
	}
	if err := checkSize("key", key, h.spec.KeySize); err != nil {
		return err
	}
	vs := int(h.spec.ValueSize)
	if !all || h.cpus == 1 {
		if err := checkSize("value", value, h.spec.ValueSize); err != nil {
			return err
		}
	} else if len(value) != vs && len(value) != round8(vs)*h.cpus {
		return checkSize("value", value, uint32(round8(vs)*h.cpus))
	}
	e := h.items[string(key)]
	existed := e != nil
	switch {
	case e != nil && flags == BPF_NOEXIST:
		return syscall.EEXIST
	case e == nil && flags == BPF_EXIST:
		return syscall.ENOENT
	}
	if e == nil {
		if len(h.items) >= int(h.spec.MaxEntries) {
			if !h.lru {
				return syscall.E2BIG
			}
			h.evict()
		}
		e = &hashEntry{key: append([]byte(nil), key...), values: make([][]byte, h.cpus)}
		for c := range e.values {
			e.values[c] = make([]byte, vs)
		}
		h.items[string(key)] = e
	}
	if h.lru {
		h.touch(e)
	}
	if existed && !h.perCPU() {
		// htab_map_update_elem links a new element in place of the old
		// one: a pointer the program got before keeps the old value.
		e.values[0] = make([]byte, vs)
	}
	switch {
	case !all || h.cpus == 1:
		copy(e.values[h.cpuFor(all)], value)
	case len(value) == vs:
		for _, v := range e.values {
			copy(v, value)
		}
	default:
		for c, v := range e.values {
			copy(v, value[c*round8(vs):])
		}
	}
	return nil
}

func (h *hashMap) perCPU() bool {
	t := h.spec.Type
	return t == asm.BPF_MAP_TYPE_PERCPU_HASH || t == asm.BPF_MAP_TYPE_LRU_PERCPU_HASH
}

func (h *hashMap) cpuFor(all bool) int {
	if all {
		return 0
	}
	return h.cpu
}

func (h *hashMap) evict() {
	var old *hashEntry
	for _, e := range h.items {
		if old == nil || e.used < old.used {
			old = e
		}
	}
	if old != nil {
		delete(h.items, string(old.key))
	}
}

// Delete models htab_map_delete_elem: ENOENT for a missing key.
func (h *hashMap) Delete(key []byte) error {
	if _, ok := h.items[string(key)]; !ok {
		return syscall.ENOENT
	}
	delete(h.items, string(key))
	return nil
}

// Entries returns the entries sorted by key bytes.
func (h *hashMap) Entries() []asm.MapEntry {
	es := make([]asm.MapEntry, 0, len(h.items))
	for _, e := range h.items {
		es = append(es, asm.MapEntry{Key: append([]byte(nil), e.key...), Value: h.concat(e)})
	}
	sortEntries(es)
	return es
}
