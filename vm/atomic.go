package vm

import (
	"encoding/binary"
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
			return env.Mem.AccessFault(pc, "load", a, size)
		}
		r[dst] = getN(b, size)
	case opStoreRelB, opStoreRelH, opStoreRelW, opStoreRelDW:
		size := 1 << (in.op - opStoreRelB)
		a := r[dst] + uint64(in.off)
		b := at(env.Mem.regions, a, uint64(size), true)
		if b == nil {
			return env.Mem.AccessFault(pc, "store", a, size)
		}
		putN(b, size, r[src])
	default:
		panic(fmt.Sprintf("BUG: interpreter op %d has no implementation", in.op))
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
		return mem.AccessFault(pc, "atomic", a, size)
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
