package vm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// rare executes atomics and acquire/release accesses (the instruction at
// pc).
func (m *machine) rare(in *insn, pc int) *RuntimeError {
	env := m.env
	r := &m.r
	dst, src := in.dst&15, in.src&15
	switch in.op {
	case opAtomic32, opAtomic64:
		return m.atomic(in, pc)
	case opLoadAcqB, opLoadAcqH, opLoadAcqW, opLoadAcqDW:
		// One goroutine runs a program, so ordering is trivially kept.
		size := 1 << (in.op - opLoadAcqB)
		a := r[src] + uint64(in.off)
		b := at(env.Mem.regions, a, uint64(size), false)
		if b == nil {
			return atPC(env.Mem.accessError("load", a, size), pc)
		}
		r[dst] = getN(b, size)
	case opStoreRelB, opStoreRelH, opStoreRelW, opStoreRelDW:
		size := 1 << (in.op - opStoreRelB)
		a := r[dst] + uint64(in.off)
		b := at(env.Mem.regions, a, uint64(size), true)
		if b == nil {
			return atPC(env.Mem.accessError("store", a, size), pc)
		}
		putN(b, size, r[src])
	default:
		panic(fmt.Sprintf("BUG: interpreter op %d has no implementation", in.op))
	}
	return nil
}

// helperID is the helper a call or callx instruction at pc calls.
func (m *machine) helperID(in *insn, pc int) (asm.Func, *RuntimeError) {
	if in.op == opCall {
		return asm.Func(in.imm), nil
	}
	id := m.r[in.dst&15]
	if id > 1<<31-1 {
		return 0, &RuntimeError{PC: pc, Fault: FaultUnknownHelper, Detail: fmt.Sprintf("callx to %#x, which is not a helper id", id)}
	}
	return asm.Func(id), nil
}

// call runs helper id. The kernel's tail call is built in unless
// Env.Helpers replaces it.
func (m *machine) call(id asm.Func, pc int) ([]insn, *RuntimeError) {
	env := m.env
	r := &m.r
	if id == asm.BPF_FUNC_tail_call {
		if _, replaced := env.Helpers[id]; !replaced {
			return m.tailCall(), nil
		}
	}
	h, ok := env.Helper(id)
	if !ok {
		return nil, &RuntimeError{PC: pc, Fault: FaultUnknownHelper, Detail: fmt.Sprintf("helper %d (%v) is not available", int32(id), id)}
	}
	ret, err := h(env, r[1], r[2], r[3], r[4], r[5])
	if err != nil {
		if errors.Is(err, ErrExit) {
			r[0] = ret
			return nil, errExitNow
		}
		return nil, atPC(err, pc)
	}
	r[0] = ret
	return nil, nil
}

// tailCall is bpf_tail_call(ctx, prog_array, index); see Env.TailCall.
func (m *machine) tailCall() []insn {
	if i, ok := m.env.TailCall(&m.tailCalls, m.r[2], m.r[3]); ok {
		return m.env.Programs[i].code
	}
	return nil
}

// ldPacket is LD_ABS/LD_IND: r0 = the size bytes at packet offset off, in
// network byte order. The kernel rewrites these into a helper call that,
// when the bytes are not in the packet, makes the program return 0; so
// does this.
func (m *machine) ldPacket(in *insn, pc int) *RuntimeError {
	env := m.env
	r := &m.r
	off, size := int32(in.imm), 1<<(in.op-opLdAbsB)
	if in.op >= opLdIndB {
		off, size = int32(r[in.src&15]+uint64(in.imm)), 1<<(in.op-opLdIndB)
	}
	if env.Packet == 0 {
		return &RuntimeError{PC: pc, Fault: FaultBadOpcode, Detail: "legacy packet load in a program without a packet"}
	}
	reg, _ := env.Mem.Region(env.Packet)
	start := uint64(uint32(env.Packet)) + uint64(int64(off))
	if reg == nil || off < 0 || start+uint64(size) > uint64(len(reg.Data)) {
		r[0] = 0
		return errFrameExit
	}
	b := reg.Data[start:]
	switch size {
	case 1:
		r[0] = uint64(b[0])
	case 2:
		r[0] = uint64(binary.BigEndian.Uint16(b))
	default:
		r[0] = uint64(binary.BigEndian.Uint32(b))
	}
	return nil
}

// atomic runs the read-modify-write operations of BPF_STX|BPF_ATOMIC.
// Programs run on one goroutine, so plain loads and stores are atomic.
func (m *machine) atomic(in *insn, pc int) *RuntimeError {
	mem := m.env.Mem
	r := &m.r
	size := 8
	if in.op == opAtomic32 {
		size = 4
	}
	dst, src := in.dst&15, in.src&15
	a := r[dst] + uint64(in.off)
	b := at(mem.regions, a, uint64(size), true)
	if b == nil {
		return atPC(mem.accessError("atomic", a, size), pc)
	}
	old := getN(b, size)
	val := r[src]
	mask := ^uint64(0)
	if size == 4 {
		mask = 0xffffffff
	}
	op := asm.ALUOp(in.imm)
	var nv uint64
	switch op &^ asm.BPF_FETCH {
	case asm.BPF_ADD:
		nv = old + val
	case asm.BPF_AND:
		nv = old & val
	case asm.BPF_OR:
		nv = old | val
	case asm.BPF_XOR:
		nv = old ^ val
	case asm.BPF_XCHG &^ asm.BPF_FETCH:
		nv = val
	case asm.BPF_CMPXCHG &^ asm.BPF_FETCH:
		nv = old
		if old == r[0]&mask {
			nv = val
		}
		putN(b, size, nv)
		r[0] = old
		return nil
	default:
		panic(fmt.Sprintf("BUG: atomic op %#x passed validation", in.imm))
	}
	putN(b, size, nv)
	if op&asm.BPF_FETCH != 0 {
		r[src] = old
	}
	return nil
}

// mapValueAddr is lddw BPF_PSEUDO_MAP_VALUE: the address of byte off of
// the first value of map i (the kernel allows it for arrays).
func (env *Env) mapValueAddr(i int, off uint32) (uint64, *RuntimeError) {
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

// bpfFRdonlyProg is BPF_F_RDONLY_PROG: the program may only read the map.
const bpfFRdonlyProg = 1 << 7

func getN(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

func putN(b []byte, size int, v uint64) {
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, v)
	}
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
		a, err := env.mapValueAddr(int(in.imm), uint32(in.off))
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
