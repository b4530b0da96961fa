package vm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// This file is what an engine needs besides the region table to run a
// program exactly as the interpreter does. Package jit calls these from its
// exits to Go, so both engines produce the same results and the same
// RuntimeError values.
//
// The contract, beyond RFC 9669:
//   - Engines call Env.ResetTemp at the start of a run, set r1, r2 and r10
//     (Env.R1, Env.R2, Env.StackTop(0)) and zero the other registers.
//   - Helper calls leave r1–r5 unchanged (CallHelper).
//   - The step budget is checked after each taken jump, call, exit to the
//     caller, tail call and may_goto: when more than Env.Budget
//     instructions have run, the run fails with BudgetFault at the pc of
//     the instruction that would run next. lddw counts as one instruction.
//   - A failed access is AccessFault at the instruction's pc.

// AccessFault is the error of a failed load, store or atomic ("load",
// "store", "atomic" for op) of size bytes at addr by the instruction at pc.
func (m *Memory) AccessFault(pc int, op string, addr uint64, size int) *RuntimeError {
	return atPC(m.accessError(op, addr, size), pc)
}

// BudgetFault is the error of a run stopped by its step budget; pc is the
// instruction that would have run next.
func BudgetFault(pc, budget int) *RuntimeError {
	return &RuntimeError{PC: pc, Fault: FaultBudget, Detail: fmt.Sprintf("more than %d instructions", budget)}
}

// IsTailCall reports whether a call of helper id is bpf_tail_call, which
// engines run themselves (TailCall) unless Env.Helpers replaces it.
func (env *Env) IsTailCall(id asm.Func) bool {
	if id != asm.BPF_FUNC_tail_call {
		return false
	}
	_, replaced := env.Helpers[id]
	return !replaced
}

// CallHelper runs helper id for the call instruction at pc with r1–r5 in
// args, and returns r0. exit is set when the helper ended the run
// (ErrExit); r0 is then the program's result. Errors are RuntimeErrors at
// pc: FaultUnknownHelper for an id the environment lacks, the helper's own
// fault, or FaultHelper.
func (env *Env) CallHelper(id asm.Func, pc int, args *[5]uint64) (r0 uint64, exit bool, err *RuntimeError) {
	h, ok := env.Helper(id)
	if !ok {
		return 0, false, &RuntimeError{PC: pc, Fault: FaultUnknownHelper, Detail: fmt.Sprintf("helper %d (%v) is not available", int32(id), id)}
	}
	ret, herr := h(env, args[0], args[1], args[2], args[3], args[4])
	if herr != nil {
		if errors.Is(herr, ErrExit) {
			return ret, true, nil
		}
		return 0, false, atPC(herr, pc)
	}
	return ret, false, nil
}

// LoadPacket is the load of LD_ABS/LD_IND at pc: the size (1, 2 or 4)
// bytes at offset off of the packet, in network byte order. ok is false
// when they are not in the packet; the kernel's rewrite of these
// instructions then makes the current function return 0, and so must the
// engine. A program without a packet (Env.Packet 0) faults.
func (env *Env) LoadPacket(pc int, off int32, size int) (v uint64, ok bool, err *RuntimeError) {
	if env.Packet == 0 {
		return 0, false, &RuntimeError{PC: pc, Fault: FaultBadOpcode, Detail: "legacy packet load in a program without a packet"}
	}
	reg := env.Mem.region(env.Packet)
	start := uint64(uint32(env.Packet)) + uint64(int64(off))
	if reg == nil || off < 0 || start+uint64(size) > uint64(len(reg.Data)) {
		return 0, false, nil
	}
	b := reg.Data[start:]
	switch size {
	case 1:
		return uint64(b[0]), true, nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), true, nil
	}
	return uint64(binary.BigEndian.Uint32(b)), true, nil
}

// MapValueAddr is lddw BPF_PSEUDO_MAP_VALUE: the address of byte off of
// the first value of map i (the kernel allows it for arrays). The error's
// PC is -1: the engine sets it.
func (env *Env) MapValueAddr(i int, off uint32) (uint64, *RuntimeError) {
	if i >= len(env.Maps) || env.Maps[i] == nil {
		return 0, &RuntimeError{PC: -1, Fault: FaultBadOpcode, Detail: fmt.Sprintf("lddw refers to map %d, the environment has %d", i, len(env.Maps))}
	}
	mp := env.Maps[i]
	v := mp.Lookup(make([]byte, mp.Spec().KeySize))
	if v == nil || uint64(off) >= uint64(len(v)) {
		return 0, &RuntimeError{PC: -1, Fault: FaultBadOpcode, Detail: fmt.Sprintf("lddw refers to offset %d of map %d's value, which it does not have", off, i)}
	}
	writable := mp.Spec().Flags&bpfFRdonlyProg == 0
	return env.Mem.AddTemp(RegionMapValue, v, writable, "map_value") + uint64(off), nil
}
