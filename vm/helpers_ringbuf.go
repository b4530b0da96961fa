package vm

import (
	"github.com/bpflab/bpflab/asm"
)

// Ring buffer reservations (kernel/bpf/ringbuf.c, 6.12): a program
// reserves a record, writes it in place and submits or discards it. The
// space stays taken either way, since nothing consumes during a run.

func init() {
	registerHelper(asm.BPF_FUNC_ringbuf_reserve, helperRingbufReserve)
	registerHelper(asm.BPF_FUNC_ringbuf_submit, func(env *Env, rec, flags, _, _, _ uint64) (uint64, error) {
		return 0, ringbufCommit(env, rec, true)
	})
	registerHelper(asm.BPF_FUNC_ringbuf_discard, func(env *Env, rec, flags, _, _, _ uint64) (uint64, error) {
		return 0, ringbufCommit(env, rec, false)
	})
	registerHelper(asm.BPF_FUNC_ringbuf_query, helperRingbufQuery)
}

func ringbufOf(env *Env, mapAddr uint64, helper string) (*ringBuf, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return nil, err
	}
	rb, ok := m.(*ringBuf)
	if !ok {
		return nil, fault(FaultHelper, "%s on map %q, which is not a ring buffer", helper, mapName(m))
	}
	return rb, nil
}

// helperRingbufReserve is bpf_ringbuf_reserve(ringbuf, size, flags): a
// pointer to size writable bytes, or NULL for flags, an oversized record
// or a full buffer.
func helperRingbufReserve(env *Env, mapAddr, size, flags, _, _ uint64) (uint64, error) {
	rb, err := ringbufOf(env, mapAddr, "bpf_ringbuf_reserve")
	if err != nil {
		return 0, err
	}
	if flags != 0 || !rb.reserve(size) {
		return 0, nil
	}
	buf := make([]byte, size)
	addr := env.Mem.AddTemp(RegionHelper, buf, true, "ringbuf_record")
	if rb.pending == nil {
		rb.pending = map[uint64][]byte{}
	}
	rb.pending[addr] = buf
	return addr, nil
}

// ringbufCommit is bpf_ringbuf_submit and bpf_ringbuf_discard(data,
// flags): a submitted record joins the map's records.
func ringbufCommit(env *Env, addr uint64, submit bool) error {
	for _, m := range env.Maps {
		rb, ok := m.(*ringBuf)
		if !ok {
			continue
		}
		if buf, ok := rb.pending[addr]; ok {
			delete(rb.pending, addr)
			if submit {
				rb.records = append(rb.records, Record{Data: append([]byte(nil), buf...)})
			}
			return nil
		}
	}
	return fault(FaultHelper, "%#x is not a reserved ring buffer record", addr)
}

// helperRingbufQuery is bpf_ringbuf_query(ringbuf, flags): 0 the bytes
// not consumed, 1 the size, 2 the consumer position, 3 the producer
// position; 0 for other flags.
func helperRingbufQuery(env *Env, mapAddr, flags, _, _, _ uint64) (uint64, error) {
	rb, err := ringbufOf(env, mapAddr, "bpf_ringbuf_query")
	if err != nil {
		return 0, err
	}
	switch flags {
	case 0, 3: // BPF_RB_AVAIL_DATA, BPF_RB_PROD_POS (the consumer is at 0)
		return uint64(rb.used), nil
	case 1: // BPF_RB_RING_SIZE
		return uint64(rb.spec.MaxEntries), nil
	}
	return 0, nil
}
