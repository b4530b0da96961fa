package vm

import (
	"fmt"
)

// ldPacket is LD_ABS/LD_IND at pc; errFrameExit when the frame returns 0.
func (m *machine) ldPacket(in *insn, pc int) *RuntimeError {
	r := &m.r
	off, size := int32(in.imm), 1<<(in.op-opLdAbsB)
	if in.op >= opLdIndB {
		off, size = int32(r[in.src&15]+uint64(in.imm)), 1<<(in.op-opLdIndB)
	}
	v, ok, err := m.env.LoadPacket(pc, off, size)
	if err != nil {
		return err
	}
	if !ok {
		r[0] = 0
		return errFrameExit
	}
	r[0] = v
	return nil
}

// lddwPseudo runs the lddw forms that refer to maps and functions; pc is
// the lddw's index.
func (m *machine) lddwPseudo(in *insn, pc int) *RuntimeError {
	env := m.env
	r := &m.r
	dst := in.dst & 15
	switch in.op {
	case opLddwMap:
		if in.imm >= int64(len(env.Maps)) {
			return &RuntimeError{PC: pc, Fault: FaultBadOpcode, Detail: fmt.Sprintf("lddw refers to map %d, the environment has %d", in.imm, len(env.Maps))}
		}
		r[dst] = env.MapAddr(int(in.imm))
	case opLddwMapValue:
		a, err := env.MapValueAddr(int(in.imm), uint32(in.off))
		if err != nil {
			err.PC = pc
			return err
		}
		r[dst] = a
	case opLddwFunc:
		// A subprogram's address is its instruction index: only helpers
		// that take callbacks look at it.
		r[dst] = uint64(in.off)

	}
	return nil
}

// bpfFRdonlyProg is BPF_F_RDONLY_PROG: the program may only read the map.
const bpfFRdonlyProg = 1 << 7
