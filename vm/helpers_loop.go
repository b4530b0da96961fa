package vm

import (
	"fmt"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// Helpers that call back into the program (kernel/bpf/bpf_iter.c,
// kernel/bpf/helpers.c, 6.12). Their callback is a subprogram whose
// address the program took with lddw BPF_PSEUDO_FUNC: in this package that
// address is the subprogram's instruction index (lddwPseudo). The engine
// runs the callback itself, as a bpf-to-bpf call one frame deeper than the
// caller, so these helpers are not Helper functions: the machine's call
// path handles them (callbackHelper), and package jit reaches them through
// Program.Slow like any other helper.

// MaxLoops is the most iterations bpf_loop accepts (BPF_MAX_LOOPS).
const MaxLoops = 1 << 23

func init() {
	for _, id := range []asm.Func{asm.BPF_FUNC_loop, asm.BPF_FUNC_for_each_map_elem} {
		// Listed as builtins so Env.Helper and Builtins report them; the
		// engines never call these placeholders.
		registerHelper(id, func(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) {
			return 0, fault(FaultHelper, "%v calls back into the program: only an engine can run it", id)
		})
	}
}

// isCallbackHelper reports whether a call of id is one of the helpers the
// engine runs itself (unless Env.Helpers replaces it).
func (env *Env) isCallbackHelper(id asm.Func) bool {
	if id != asm.BPF_FUNC_loop && id != asm.BPF_FUNC_for_each_map_elem {
		return false
	}
	_, replaced := env.Helpers[id]
	return !replaced
}

// callbackHelper runs bpf_loop or bpf_for_each_map_elem for the call at pc
// of code, and sets r0. Like other helpers it leaves r1–r5 (and the
// caller's r6–r9 and stack) as they were.
func (m *machine) callbackHelper(id asm.Func, pc int, code []insn) *RuntimeError {
	saved := [10]uint64(m.r[:10])
	var r0 uint64
	var err *RuntimeError
	if id == asm.BPF_FUNC_loop {
		r0, err = m.bpfLoop(pc, code)
	} else {
		r0, err = m.forEachMapElem(pc, code)
	}
	if err != nil {
		return err
	}
	copy(m.r[1:10], saved[1:])
	m.r[10] = m.env.StackTop(m.depth)
	m.r[0] = r0
	return nil
}

// bpfLoop is bpf_loop(nr_loops, callback_fn, callback_ctx, flags): it
// calls callback_fn(i, callback_ctx) for i = 0, 1, … until nr_loops calls
// were made or one returned non-zero, and returns the number of calls.
// Flags other than 0 give -EINVAL.
//
// With flags 0 this follows the code the kernel's verifier puts in place
// of the call when it knows the flags are 0 (inline_bpf_loop), which is
// what the kernel runs for nearly every program: nr_loops is compared on
// 64 bits, and more than MaxLoops gives -E2BIG as a 32-bit value
// (0xfffffff9). The helper itself (bpf_iter.c), which the kernel calls when
// the flags are 0 only at run time, takes nr_loops as 32 bits and returns a
// 64-bit -E2BIG; we do not model that case.
func (m *machine) bpfLoop(pc int, code []insn) (uint64, *RuntimeError) {
	n, fn, arg, flags := m.r[1], m.r[2], m.r[3], m.r[4]
	if flags != 0 {
		return negErrno(int(syscall.EINVAL)), nil
	}
	if n > MaxLoops {
		return uint64(uint32(negErrno(int(syscall.E2BIG)))), nil
	}
	start, err := callbackStart(pc, code, fn)
	if err != nil {
		return 0, err
	}
	for i := uint64(0); i < n; i++ {
		ret, err := m.callback(pc, code, start, [5]uint64{i, arg})
		if err != nil {
			return 0, err
		}
		if ret != 0 {
			return i + 1, nil
		}
	}
	return n, nil
}

// forEachMapElem is bpf_for_each_map_elem(map, callback_fn, callback_ctx,
// flags): callback_fn(map, &key, &value, callback_ctx) for each element in
// the map's order until one returns non-zero; the result is the number of
// elements visited. Arrays go by index as in the kernel; hashes go in key
// order, where the kernel's order depends on its hash seed. The key is a read-only copy; the value is the map's
// live storage, as bpf_map_lookup_elem gives it.
func (m *machine) forEachMapElem(pc int, code []insn) (uint64, *RuntimeError) {
	env := m.env
	mapAddr, fn, arg, flags := m.r[1], m.r[2], m.r[3], m.r[4]
	if flags != 0 {
		return negErrno(int(syscall.EINVAL)), nil
	}
	mp, merr := env.Map(mapAddr)
	if merr != nil {
		return 0, atPC(merr, pc)
	}
	d, ok := mp.(Dumper)
	switch mp.Spec().Type {
	case asm.BPF_MAP_TYPE_ARRAY, asm.BPF_MAP_TYPE_PERCPU_ARRAY, asm.BPF_MAP_TYPE_HASH,
		asm.BPF_MAP_TYPE_PERCPU_HASH, asm.BPF_MAP_TYPE_LRU_HASH, asm.BPF_MAP_TYPE_LRU_PERCPU_HASH:
	default:
		ok = false
	}
	if !ok {
		// The verifier refuses the call for other map types.
		return 0, &RuntimeError{PC: pc, Fault: FaultHelper, Detail: fmt.Sprintf("bpf_for_each_map_elem does not iterate %v maps", mp.Spec().Type)}
	}
	start, err := callbackStart(pc, code, fn)
	if err != nil {
		return 0, err
	}
	writable := mp.Spec().Flags&bpfFRdonlyProg == 0
	var visited uint64
	for _, e := range d.Entries() {
		v := mp.Lookup(e.Key)
		if v == nil {
			continue // removed by an earlier callback
		}
		visited++
		key := env.Mem.AddTemp(RegionMapValue, append([]byte(nil), e.Key...), false, "map_key")
		val := env.Mem.AddTemp(RegionMapValue, v, writable, mapName(mp))
		ret, err := m.callback(pc, code, start, [5]uint64{mapAddr, key, val, arg})
		if err != nil {
			return 0, err
		}
		if ret != 0 {
			break
		}
	}
	return visited, nil
}

// callbackStart checks that fn, a helper's callback argument, is the
// start of a subprogram of code.
func callbackStart(pc int, code []insn, fn uint64) (int, *RuntimeError) {
	if fn >= uint64(len(code)) || code[fn].op == opInvalid {
		return 0, &RuntimeError{PC: pc, Fault: FaultHelper, Detail: fmt.Sprintf("callback %#x is not a subprogram", fn)}
	}
	return int(fn), nil
}

// callback runs the subprogram at start of code with r1–r5 = args in a new
// frame below the current one, as a bpf-to-bpf call, and returns its r0.
// Its steps count against the run's budget, which is checked when the
// callback is entered, as after any call.
func (m *machine) callback(pc int, code []insn, start int, args [5]uint64) (uint64, *RuntimeError) {
	env := m.env
	if m.depth+1 >= MaxCallFrames {
		return 0, CallDepthFault(pc)
	}
	budget := env.EffectiveBudget()
	if m.steps > budget {
		return 0, BudgetFault(start, budget)
	}
	caller, loops := m.depth, m.loops
	m.depth++
	m.r[10] = env.StackTop(m.depth)
	clear(env.Mem.regions[env.stacks+uint32(m.depth)].Data)
	copy(m.r[1:6], args[:])
	m.loops = MayGotoLoops
	err := m.loop(code, start, budget, m.depth)
	// On a fault the run ends here; the frame is unwound all the same, so
	// that the machine's depth is right for the caller's error handling.
	for m.depth > caller+1 {
		m.depth--
		m.frames[m.depth].code = nil
	}
	m.depth, m.loops = caller, loops
	if err != nil {
		return 0, err
	}
	return m.r[0], nil
}
