package vm

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// queueMap is BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO):
// keyless maps used with push, pop and peek.
type queueMap struct {
	spec  *asm.MapSpec
	stack bool
	items [][]byte // oldest first
}

func (q *queueMap) Spec() *asm.MapSpec { return q.spec }

// Lookup is not how these maps are read: programs peek.
func (q *queueMap) Lookup(key []byte) []byte { return nil }

// Update is push, as the bpf(BPF_MAP_UPDATE_ELEM) system call does it.
func (q *queueMap) Update(key, value []byte, flags uint64) error { return q.Push(value, flags) }

// Delete is not supported by queue and stack maps.
func (q *queueMap) Delete(key []byte) error { return syscall.EINVAL }

// Push models queue_stack_map_push_elem: only BPF_ANY or BPF_EXIST
// (EINVAL otherwise); when full, E2BIG, or with BPF_EXIST the oldest
// element is dropped.
func (q *queueMap) Push(value []byte, flags uint64) error {
	if flags&BPF_NOEXIST != 0 || flags > BPF_EXIST {
		return syscall.EINVAL
	}
	if err := checkSize("value", value, q.spec.ValueSize); err != nil {
		return err
	}
	if len(q.items) >= int(q.spec.MaxEntries) {
		if flags != BPF_EXIST {
			return syscall.E2BIG
		}
		q.items = q.items[1:]
	}
	q.items = append(q.items, append([]byte(nil), value...))
	return nil
}

func (q *queueMap) next() int {
	if q.stack {
		return len(q.items) - 1
	}
	return 0
}

// Pop removes and returns the next element (ENOENT when empty).
func (q *queueMap) Pop() ([]byte, error) {
	if len(q.items) == 0 {
		return nil, syscall.ENOENT
	}
	i := q.next()
	v := q.items[i]
	q.items = append(q.items[:i], q.items[i+1:]...)
	return v, nil
}

// Peek returns the next element without removing it (ENOENT when empty).
func (q *queueMap) Peek() ([]byte, error) {
	if len(q.items) == 0 {
		return nil, syscall.ENOENT
	}
	return q.items[q.next()], nil
}

// Entries lists the elements in pop order, keyed by their position.
func (q *queueMap) Entries() []asm.MapEntry {
	es := make([]asm.MapEntry, len(q.items))
	for n := range q.items {
		i := n
		if q.stack {
			i = len(q.items) - 1 - n
		}
		es[n] = asm.MapEntry{Key: u32key(n), Value: append([]byte(nil), q.items[i]...)}
	}
	return es
}

// ringBuf is BPF_MAP_TYPE_RINGBUF. Nothing consumes during a run, so
// records accumulate until the buffer (max_entries bytes, each record
// taking an 8-byte header and its data rounded up to 8) is full.
type ringBuf struct {
	spec    *asm.MapSpec
	used    int // producer position: bytes reserved so far
	records []Record
	pending map[uint64][]byte // reserved, not yet submitted or discarded
}

// reserve models __bpf_ringbuf_reserve: room for a record of size bytes,
// or false when it does not fit.
func (r *ringBuf) reserve(size uint64) bool {
	if size > 1<<32/4-1 { // RINGBUF_MAX_RECORD_SZ
		return false
	}
	n := 8 + round8(int(size))
	if r.used+n >= int(r.spec.MaxEntries) {
		return false
	}
	r.used += n
	return true
}

func (r *ringBuf) Spec() *asm.MapSpec { return r.spec }

// Lookup is not supported by ring buffers.
func (r *ringBuf) Lookup(key []byte) []byte { return nil }

// Update is not supported by ring buffers.
func (r *ringBuf) Update(key, value []byte, flags uint64) error { return syscall.EOPNOTSUPP }

// Delete is not supported by ring buffers.
func (r *ringBuf) Delete(key []byte) error { return syscall.EOPNOTSUPP }

// Output models bpf_ringbuf_output's reservation: EAGAIN when the record
// does not fit. The producer may not get a whole buffer ahead of the
// consumer, so the records can fill at most size-1 bytes (checked against
// 6.18: a record that would fill the buffer exactly fails).
func (r *ringBuf) Output(_ uint64, data []byte) error {
	if !r.reserve(uint64(len(data))) {
		return syscall.EAGAIN
	}
	r.records = append(r.records, Record{Data: append([]byte(nil), data...)})
	return nil
}

// Records returns the records in the order they were written.
func (r *ringBuf) Records() []Record { return r.records }

// Entries: a ring buffer has no entries, only records.
func (r *ringBuf) Entries() []asm.MapEntry { return nil }
