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
// while per-CPU hashes update in place. The LRU variants take their
// elements from a model of the kernel's LRU lists (maps_lru.go), so they
// evict the keys the kernel evicts when the program runs on one CPU, for
// the common LRU and for BPF_F_NO_COMMON_LRU's one list per CPU.
type hashMap struct {
	spec  *asm.MapSpec
	items map[string]*hashEntry
	cpus  int // value copies: 1 unless per-CPU
	cpu   int // the CPU whose value programs see (0 unless per-CPU)
	lru   lruPool
	// lruCPU is the CPU the program runs on, whose LRU lists it uses.
	lruCPU, lruCPUs int
}

// bpfFNoCommonLRU is BPF_F_NO_COMMON_LRU: one LRU list per CPU.
const bpfFNoCommonLRU = 1 << 1

type hashEntry struct {
	key    []byte
	values [][]byte // one per CPU
	node   *lruNode // LRU maps: the element's node
}

func newHashMap(spec *asm.MapSpec, cpus int) *hashMap {
	h := &hashMap{spec: spec, items: map[string]*hashEntry{}, cpus: 1}
	if h.perCPU() {
		h.cpus = cpus
	}
	if spec.Type == asm.BPF_MAP_TYPE_LRU_HASH || spec.Type == asm.BPF_MAP_TYPE_LRU_PERCPU_HASH {
		del := func(n *lruNode) bool {
			if !n.inMap {
				return false
			}
			delete(h.items, n.key)
			n.inMap = false
			return true
		}
		h.lruCPUs = cpus
		if spec.Flags&bpfFNoCommonLRU != 0 {
			// Every CPU gets the same number of nodes: max_entries is
			// rounded to a multiple of the CPU count.
			n := (int(spec.MaxEntries) + cpus - 1) / cpus * cpus
			h.lru = newPercpuLRU(n, cpus, del)
		} else {
			h.lru = newLRUList(int(spec.MaxEntries), cpus, del)
		}
	}
	return h
}

func (h *hashMap) Spec() *asm.MapSpec { return h.spec }

// SetCPU selects the CPU the program runs on.
func (h *hashMap) SetCPU(cpu int) {
	h.cpu = cpu % h.cpus
	if h.lru != nil {
		h.lruCPU = cpu % h.lruCPUs
	}
}

// Lookup models htab_map_lookup_elem (the LRU variants also set the
// element's reference bit).
func (h *hashMap) Lookup(key []byte) []byte {
	e := h.items[string(key)]
	if e == nil {
		return nil
	}
	if e.node != nil {
		e.node.ref = true
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
	// LRU maps take a node before looking at the key (which may evict
	// it): htab_lru_map_update_elem always, the per-CPU variant unless
	// the update is BPF_EXIST.
	var node *lruNode
	if h.lru != nil && (!h.perCPU() || flags != BPF_EXIST) {
		if node = h.lru.popFree(h.lruCPU); node == nil {
			return syscall.ENOMEM
		}
	}
	e := h.items[string(key)]
	var err error
	switch {
	case e != nil && flags == BPF_NOEXIST:
		err = syscall.EEXIST
	case e == nil && flags == BPF_EXIST:
		err = syscall.ENOENT
	case e == nil && h.lru == nil && len(h.items) >= int(h.spec.MaxEntries):
		err = syscall.E2BIG
	}
	if err != nil {
		if node != nil {
			h.lru.pushFree(node)
		}
		return err
	}
	if e != nil && h.perCPU() {
		// In place; an LRU node taken for nothing goes back.
		if e.node != nil {
			e.node.ref = true
		}
		if node != nil {
			h.lru.pushFree(node)
		}
		h.store(e, value, all)
		return nil
	}
	// A new element, also in place of an existing one: a pointer the
	// program got before keeps seeing the old value.
	ne := &hashEntry{key: append([]byte(nil), key...), values: make([][]byte, h.cpus), node: node}
	for c := range ne.values {
		ne.values[c] = make([]byte, vs)
	}
	if node != nil {
		node.key, node.inMap = string(key), true
		if e != nil {
			node.ref = true
		}
	}
	h.items[string(key)] = ne
	if e != nil && e.node != nil {
		h.lru.pushFree(e.node)
	}
	h.store(ne, value, all)
	return nil
}

// store copies value into the entry: the current CPU's copy for a
// program, every CPU's for user space.
func (h *hashMap) store(e *hashEntry, value []byte, all bool) {
	vs := int(h.spec.ValueSize)
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

// Delete models htab_map_delete_elem: ENOENT for a missing key.
func (h *hashMap) Delete(key []byte) error {
	e, ok := h.items[string(key)]
	if !ok {
		return syscall.ENOENT
	}
	delete(h.items, string(key))
	if e.node != nil {
		h.lru.pushFree(e.node)
	}
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
