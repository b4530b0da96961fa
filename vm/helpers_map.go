package vm

import (
	"errors"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// Map helpers (kernel/bpf/helpers.c, 6.12). Keys and values are read
// through env.Mem, so a helper touches only memory the program could.

func init() {
	registerHelper(asm.BPF_FUNC_map_lookup_elem, helperMapLookup)
	registerHelper(asm.BPF_FUNC_map_update_elem, helperMapUpdate)
	registerHelper(asm.BPF_FUNC_map_delete_elem, helperMapDelete)
	registerHelper(asm.BPF_FUNC_map_push_elem, helperMapPush)
	registerHelper(asm.BPF_FUNC_map_pop_elem, func(env *Env, m, v, _, _, _ uint64) (uint64, error) {
		return queueTake(env, m, v, "bpf_map_pop_elem", Queue.Pop)
	})
	registerHelper(asm.BPF_FUNC_map_peek_elem, func(env *Env, m, v, _, _, _ uint64) (uint64, error) {
		return queueTake(env, m, v, "bpf_map_peek_elem", Queue.Peek)
	})
	registerHelper(asm.BPF_FUNC_ringbuf_output, helperRingbufOutput)
	registerHelper(asm.BPF_FUNC_perf_event_output, helperPerfEventOutput)
}

// errnoResult turns a map error into the helper's r0: -errno, or a fault
// for errors that are not errnos (a caller's bug).
func errnoResult(err error) (uint64, error) {
	if err == nil {
		return 0, nil
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return negErrno(int(e)), nil
	}
	return 0, err
}

func mapKey(env *Env, m Map, addr uint64) ([]byte, error) {
	return env.Mem.Slice(addr, int(m.Spec().KeySize), false)
}

func mapName(m Map) string {
	if n := m.Spec().Name; n != "" {
		return n
	}
	return "map_value"
}

// helperMapLookup is bpf_map_lookup_elem(map, key): a pointer to the live
// value (a writable region over the map's storage, the same region for the
// same value within a run) or NULL.
func helperMapLookup(env *Env, mapAddr, keyAddr, _, _, _ uint64) (uint64, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return 0, err
	}
	key, err := mapKey(env, m, keyAddr)
	if err != nil {
		return 0, err
	}
	v := m.Lookup(key)
	if v == nil {
		return 0, nil
	}
	writable := m.Spec().Flags&bpfFRdonlyProg == 0
	return env.Mem.AddTemp(RegionMapValue, v, writable, mapName(m)), nil
}

// helperMapUpdate is bpf_map_update_elem(map, key, value, flags).
func helperMapUpdate(env *Env, mapAddr, keyAddr, valAddr, flags, _ uint64) (uint64, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return 0, err
	}
	key, err := mapKey(env, m, keyAddr)
	if err != nil {
		return 0, err
	}
	val, err := env.Mem.Slice(valAddr, int(m.Spec().ValueSize), false)
	if err != nil {
		return 0, err
	}
	return errnoResult(m.Update(key, append([]byte(nil), val...), flags))
}

// helperMapDelete is bpf_map_delete_elem(map, key).
func helperMapDelete(env *Env, mapAddr, keyAddr, _, _, _ uint64) (uint64, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return 0, err
	}
	key, err := mapKey(env, m, keyAddr)
	if err != nil {
		return 0, err
	}
	return errnoResult(m.Delete(key))
}

func queueOf(env *Env, mapAddr uint64, helper string) (Map, Queue, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return nil, nil, err
	}
	q, ok := m.(Queue)
	if !ok {
		return nil, nil, fault(FaultHelper, "%s on map %q, which is not a queue or stack", helper, mapName(m))
	}
	return m, q, nil
}

// helperMapPush is bpf_map_push_elem(map, value, flags).
func helperMapPush(env *Env, mapAddr, valAddr, flags, _, _ uint64) (uint64, error) {
	m, q, err := queueOf(env, mapAddr, "bpf_map_push_elem")
	if err != nil {
		return 0, err
	}
	val, err := env.Mem.Slice(valAddr, int(m.Spec().ValueSize), false)
	if err != nil {
		return 0, err
	}
	return errnoResult(q.Push(append([]byte(nil), val...), flags))
}

// queueTake is bpf_map_pop_elem and bpf_map_peek_elem(map, value): the
// element is copied to value; -ENOENT, with value zeroed, when empty.
func queueTake(env *Env, mapAddr, valAddr uint64, helper string, take func(Queue) ([]byte, error)) (uint64, error) {
	m, q, err := queueOf(env, mapAddr, helper)
	if err != nil {
		return 0, err
	}
	dst, err := env.Mem.Slice(valAddr, int(m.Spec().ValueSize), true)
	if err != nil {
		return 0, err
	}
	v, err := take(q)
	if err != nil {
		clear(dst) // 6.18 zeroes the value when there is nothing to take
		return errnoResult(err)
	}
	copy(dst, v)
	return 0, nil
}

// helperRingbufOutput is bpf_ringbuf_output(ringbuf, data, size, flags):
// the record is kept in the map (Output.Records); -EINVAL for flags other
// than BPF_RB_NO_WAKEUP/BPF_RB_FORCE_WAKEUP, -EAGAIN when full.
func helperRingbufOutput(env *Env, mapAddr, dataAddr, size, flags, _ uint64) (uint64, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return 0, err
	}
	out, ok := m.(Output)
	if !ok || m.Spec().Type != asm.BPF_MAP_TYPE_RINGBUF {
		return 0, fault(FaultHelper, "bpf_ringbuf_output on map %q, which is not a ring buffer", mapName(m))
	}
	if flags&^3 != 0 {
		return negErrno(int(syscall.EINVAL)), nil
	}
	data, err := env.Mem.Slice(dataAddr, int(size), false)
	if err != nil {
		return 0, err
	}
	return errnoResult(out.Output(0, data))
}

// Flags of bpf_perf_event_output.
const (
	bpfFIndexMask  = 0xffffffff
	bpfFCurrentCPU = bpfFIndexMask
	bpfFCtxlenMask = 0xfffff << 32
)

// helperPerfEventOutput is bpf_perf_event_output(ctx, map, flags, data,
// size) for packet programs: the record is data followed by the first
// flags>>32 bytes of the packet. Slots of the perf event array that user
// space did not fill fail with -ENOENT, as they do in a test run.
func helperPerfEventOutput(env *Env, _, mapAddr, flags, dataAddr, size uint64) (uint64, error) {
	m, err := env.Map(mapAddr)
	if err != nil {
		return 0, err
	}
	out, ok := m.(Output)
	if !ok || m.Spec().Type != asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY {
		return 0, fault(FaultHelper, "bpf_perf_event_output on map %q, which is not a perf event array", mapName(m))
	}
	if flags&^uint64(bpfFCtxlenMask|bpfFIndexMask) != 0 {
		return negErrno(int(syscall.EINVAL)), nil
	}
	data, err := env.Mem.Slice(dataAddr, int(size), false)
	if err != nil {
		return 0, err
	}
	rec := append([]byte(nil), data...)
	if n := int(flags >> 32); n > 0 {
		pr, err := packetRun(env, "bpf_perf_event_output with a packet length")
		if err != nil {
			return 0, err
		}
		pkt := pr.Run.Packet()
		if n > len(pkt) {
			return negErrno(int(syscall.EFAULT)), nil
		}
		rec = append(rec, pkt[:n]...)
	}
	index := flags & bpfFIndexMask
	if index == bpfFCurrentCPU {
		index = 0
		if pr, ok := env.Ctx.(*PacketRun); ok {
			index = uint64(pr.CPU)
		}
	}
	return errnoResult(out.Output(index, rec))
}
