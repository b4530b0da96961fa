package vm

import (
	"encoding/binary"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// arrayMap is BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY: max_entries
// zero-initialised values indexed by a u32 key, all of which always exist.
type arrayMap struct {
	spec   *asm.MapSpec
	values [][]byte // index*cpus + cpu
	cpus   int
	cpu    int
}

func (a *arrayMap) Spec() *asm.MapSpec { return a.spec }

// SetCPU selects the CPU whose values programs see.
func (a *arrayMap) SetCPU(cpu int) { a.cpu = cpu % a.cpus }

func (a *arrayMap) index(key []byte) (int, bool) {
	if len(key) != 4 {
		return 0, false
	}
	i := binary.LittleEndian.Uint32(key)
	return int(i), i < a.spec.MaxEntries
}

// Lookup models array_map_lookup_elem: NULL past max_entries.
func (a *arrayMap) Lookup(key []byte) []byte {
	i, ok := a.index(key)
	if !ok {
		return nil
	}
	return a.values[i*a.cpus+a.cpu]
}

// LookupAll returns every CPU's value, each padded to 8 bytes.
func (a *arrayMap) LookupAll(key []byte) []byte {
	i, ok := a.index(key)
	if !ok {
		return nil
	}
	return a.concat(i)
}

func (a *arrayMap) concat(i int) []byte {
	if a.cpus == 1 {
		return append([]byte(nil), a.values[i]...)
	}
	stride := round8(int(a.spec.ValueSize))
	out := make([]byte, stride*a.cpus)
	for c := range a.cpus {
		copy(out[c*stride:], a.values[i*a.cpus+c])
	}
	return out
}

// Update models array_map_update_elem: EINVAL for unknown flags, E2BIG
// past max_entries, EEXIST for BPF_NOEXIST (every element exists).
func (a *arrayMap) Update(key, value []byte, flags uint64) error {
	return a.update(key, value, flags, false)
}

func (a *arrayMap) updateAll(key, value []byte, flags uint64) error {
	return a.update(key, value, flags, true)
}

func (a *arrayMap) update(key, value []byte, flags uint64, all bool) error {
	if err := checkFlags(flags); err != nil {
		return err
	}
	if err := checkSize("key", key, 4); err != nil {
		return err
	}
	i, ok := a.index(key)
	if !ok {
		return syscall.E2BIG
	}
	if flags == BPF_NOEXIST {
		return syscall.EEXIST
	}
	vs := int(a.spec.ValueSize)
	switch {
	case !all || a.cpus == 1:
		if err := checkSize("value", value, a.spec.ValueSize); err != nil {
			return err
		}
		c := a.cpu
		if all {
			c = 0
		}
		copy(a.values[i*a.cpus+c], value)
	case len(value) == vs:
		for c := range a.cpus {
			copy(a.values[i*a.cpus+c], value)
		}
	case len(value) == round8(vs)*a.cpus:
		for c := range a.cpus {
			copy(a.values[i*a.cpus+c], value[c*round8(vs):])
		}
	default:
		return checkSize("value", value, uint32(round8(vs)*a.cpus))
	}
	return nil
}

// Delete models array_map_delete_elem: arrays cannot delete (EINVAL).
func (a *arrayMap) Delete(key []byte) error { return syscall.EINVAL }

// Entries returns every element by index.
func (a *arrayMap) Entries() []asm.MapEntry {
	es := make([]asm.MapEntry, a.spec.MaxEntries)
	for i := range es {
		es[i] = asm.MapEntry{Key: u32key(i), Value: a.concat(i)}
	}
	return es
}

// fdArray is BPF_MAP_TYPE_PROG_ARRAY: slots holding a program, here the
// index of a program in Env.Programs as a u32.
type fdArray struct {
	spec  *asm.MapSpec
	slots [][]byte // nil: empty
}

func (f *fdArray) Spec() *asm.MapSpec { return f.spec }

// Lookup returns the slot's program index, nil for an empty slot.
func (f *fdArray) Lookup(key []byte) []byte {
	if len(key) != 4 {
		return nil
	}
	i := binary.LittleEndian.Uint32(key)
	if i >= uint32(len(f.slots)) {
		return nil
	}
	return f.slots[i]
}

// Update models bpf_fd_array_map_update_elem: only BPF_ANY (EINVAL
// otherwise), E2BIG past max_entries.
func (f *fdArray) Update(key, value []byte, flags uint64) error {
	if flags != BPF_ANY {
		return syscall.EINVAL
	}
	if err := checkSize("key", key, 4); err != nil {
		return err
	}
	if err := checkSize("value", value, 4); err != nil {
		return err
	}
	i := binary.LittleEndian.Uint32(key)
	if i >= uint32(len(f.slots)) {
		return syscall.E2BIG
	}
	f.slots[i] = append([]byte(nil), value...)
	return nil
}

// Delete models fd_array_map_delete_elem: EINVAL past max_entries, ENOENT
// for an empty slot.
func (f *fdArray) Delete(key []byte) error {
	if len(key) != 4 || binary.LittleEndian.Uint32(key) >= uint32(len(f.slots)) {
		return syscall.EINVAL
	}
	i := binary.LittleEndian.Uint32(key)
	if f.slots[i] == nil {
		return syscall.ENOENT
	}
	f.slots[i] = nil
	return nil
}

// Entries returns the occupied slots by index.
func (f *fdArray) Entries() []asm.MapEntry {
	var es []asm.MapEntry
	for i, v := range f.slots {
		if v != nil {
			es = append(es, asm.MapEntry{Key: u32key(i), Value: append([]byte(nil), v...)})
		}
	}
	return es
}

// perfArray is BPF_MAP_TYPE_PERF_EVENT_ARRAY. A slot holds a perf event
// in the kernel; here any value marks the slot open. bpf_perf_event_output
// to an empty slot fails with ENOENT as in the kernel (a test run has no
// perf events unless user space opened them), to an open slot it records.
type perfArray struct {
	fdArray
	records []Record
}

// Output records data for slot index, or fails with ENOENT (empty slot)
// or E2BIG (index past the array).
func (p *perfArray) Output(index uint64, data []byte) error {
	if index >= uint64(len(p.slots)) {
		return syscall.E2BIG
	}
	if p.slots[index] == nil {
		return syscall.ENOENT
	}
	p.records = append(p.records, Record{Index: index, Data: append([]byte(nil), data...)})
	return nil
}

// Records returns the records in the order they were written.
func (p *perfArray) Records() []Record { return p.records }

// devMap is BPF_MAP_TYPE_DEVMAP: slots holding a network device (struct
// bpf_devmap_val: the ifindex, and optionally a program) for
// bpf_redirect_map. Devices are not checked: any non-zero ifindex is taken
// to exist.
type devMap struct {
	fdArray
}

// Update models dev_map_update_elem: EINVAL for unknown flags, E2BIG past
// max_entries, EEXIST for BPF_NOEXIST (every slot exists); an ifindex of 0
// empties the slot, and a program with it is EINVAL.
func (d *devMap) Update(key, value []byte, flags uint64) error {
	if err := checkFlags(flags); err != nil {
		return err
	}
	if err := checkSize("key", key, 4); err != nil {
		return err
	}
	if err := checkSize("value", value, d.spec.ValueSize); err != nil {
		return err
	}
	i := binary.LittleEndian.Uint32(key)
	if i >= uint32(len(d.slots)) {
		return syscall.E2BIG
	}
	if flags == BPF_NOEXIST {
		return syscall.EEXIST
	}
	if binary.LittleEndian.Uint32(value) == 0 {
		if len(value) == 8 && int32(binary.LittleEndian.Uint32(value[4:])) > 0 {
			return syscall.EINVAL
		}
		d.slots[i] = nil
		return nil
	}
	d.slots[i] = append([]byte(nil), value...)
	return nil
}

// Delete models dev_map_delete_elem: EINVAL past max_entries, otherwise
// the slot is emptied (an empty slot is not an error).
func (d *devMap) Delete(key []byte) error {
	if len(key) != 4 || binary.LittleEndian.Uint32(key) >= uint32(len(d.slots)) {
		return syscall.EINVAL
	}
	d.slots[binary.LittleEndian.Uint32(key)] = nil
	return nil
}

// devHash is BPF_MAP_TYPE_DEVMAP_HASH: devices by a u32 key, with hash
// semantics; an ifindex of 0 names no device (EINVAL).
type devHash struct {
	hashMap
}

// Update rejects ifindex 0, then behaves as a hash map's update.
func (d *devHash) Update(key, value []byte, flags uint64) error {
	if len(value) >= 4 && binary.LittleEndian.Uint32(value) == 0 {
		return syscall.EINVAL
	}
	return d.hashMap.Update(key, value, flags)
}
