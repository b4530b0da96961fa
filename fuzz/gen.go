package fuzz

import "github.com/bpflab/bpflab/asm"

// Gen turns fuzz bytes into a well-formed program: every instruction
// decodes and validates, jumps go forward and stay inside the program, and
// the program ends in exit, so fuzzers explore semantics instead of being
// stopped by the decoder. Registers are initialised up front, so programs
// rarely trip over R0 !read_ok. Loads and stores address the stack (R10)
// and, when mem is set, the memory or context in R1, with offsets chosen to
// be mostly but not always in bounds; engines must report the rest as
// faults, never crash.
type Gen struct {
	b   []byte
	Mem bool // allow accesses through R1 (plain memory or context)
}

// NewGen returns a generator reading choices from b.
func NewGen(b []byte) *Gen { return &Gen{b: b} }

func (g *Gen) next() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *Gen) imm() int32 {
	switch g.next() % 6 {
	case 0:
		return int32(int8(g.next()))
	case 1:
		return int32(g.next()) | int32(g.next())<<8 | int32(g.next())<<16 | int32(g.next())<<24
	case 2:
		return []int32{0, 1, -1, 31, 32, 63, 64, -0x80000000, 0x7fffffff}[g.next()%9]
	default:
		return int32(g.next() % 16)
	}
}

var aluOps = []asm.ALUOp{asm.BPF_ADD, asm.BPF_SUB, asm.BPF_MUL, asm.BPF_DIV, asm.BPF_OR, asm.BPF_AND,
	asm.BPF_LSH, asm.BPF_RSH, asm.BPF_MOD, asm.BPF_XOR, asm.BPF_MOV, asm.BPF_ARSH}

var jmpOps = []asm.JmpOp{asm.BPF_JEQ, asm.BPF_JGT, asm.BPF_JGE, asm.BPF_JSET, asm.BPF_JNE,
	asm.BPF_JSGT, asm.BPF_JSGE, asm.BPF_JLT, asm.BPF_JLE, asm.BPF_JSLT, asm.BPF_JSLE}

var sizes = []asm.Size{asm.BPF_B, asm.BPF_H, asm.BPF_W, asm.BPF_DW}

// Program generates a program of at most max instruction slots (max ≥ 16).
func (g *Gen) Program(max int) asm.Program {
	var p asm.Program
	for r := asm.BPF_REG_0; r <= asm.BPF_REG_9; r++ {
		if r == asm.BPF_REG_1 && g.Mem {
			continue
		}
		p = append(p, asm.BPF_MOV64_IMM(r, g.imm()))
	}
	body := max - len(p) - 1
	type pending struct{ at int }
	var jumps []pending
	for body > 0 && len(g.b) > 0 {
		n := len(p)
		p = g.insn(p, body)
		body -= len(p) - n
		if p[n].IsJump() {
			jumps = append(jumps, pending{at: n})
		}
	}
	p = append(p, asm.BPF_EXIT_INSN())
	// Resolve jump offsets now that the length is known: forward, in range,
	// and never into the second slot of an lddw.
	second := map[int]bool{}
	for pc := range p {
		if p[pc].IsLdImm64() {
			second[pc+1] = true
		}
	}
	for _, j := range jumps {
		room := len(p) - 1 - j.at
		off := int(p[j.at].Off) % room
		if off < 0 {
			off = -off
		}
		for second[j.at+1+off] {
			off++
		}
		if p[j.at].IsGotol() {
			p[j.at].Imm = int32(off)
		} else {
			p[j.at].Off = int16(off)
		}
	}
	return p
}

func (g *Gen) reg() asm.Reg { return asm.Reg(g.next() % 10) }

// dstReg avoids R1 when it must keep pointing at memory.
func (g *Gen) dstReg() asm.Reg {
	r := g.reg()
	if g.Mem && r == asm.BPF_REG_1 {
		return asm.BPF_REG_0
	}
	return r
}

func (g *Gen) insn(p asm.Program, room int) asm.Program {
	c := g.next()
	switch c % 16 {
	case 0, 1, 2:
		op := aluOps[int(g.next())%len(aluOps)]
		return append(p, asm.BPF_ALU64_IMM(op, g.dstReg(), g.shiftSafe(op, g.imm())))
	case 3, 4:
		op := aluOps[int(g.next())%len(aluOps)]
		return append(p, asm.BPF_ALU32_IMM(op, g.dstReg(), g.shiftSafe(op, g.imm())))
	case 5:
		op := aluOps[int(g.next())%len(aluOps)]
		return append(p, asm.BPF_ALU64_REG(op, g.dstReg(), g.reg()))
	case 6:
		op := aluOps[int(g.next())%len(aluOps)]
		return append(p, asm.BPF_ALU32_REG(op, g.dstReg(), g.reg()))
	case 7:
		switch g.next() % 6 {
		case 0:
			return append(p, asm.BPF_NEG64(g.dstReg()))
		case 1:
			return append(p, asm.BPF_ENDIAN([]asm.Source{asm.BPF_TO_LE, asm.BPF_TO_BE}[g.next()%2], g.dstReg(), []int32{16, 32, 64}[g.next()%3]))
		case 2:
			return append(p, asm.BPF_BSWAP(g.dstReg(), []int32{16, 32, 64}[g.next()%3]))
		case 3:
			return append(p, asm.BPF_MOVSX64_REG(g.dstReg(), g.reg(), []int16{8, 16, 32}[g.next()%3]))
		case 4:
			return append(p, asm.BPF_ALU64_REG_OFF([]asm.ALUOp{asm.BPF_DIV, asm.BPF_MOD}[g.next()%2], g.dstReg(), g.reg(), 1))
		default:
			return append(p, asm.BPF_ALU32_IMM_OFF([]asm.ALUOp{asm.BPF_DIV, asm.BPF_MOD}[g.next()%2], g.dstReg(), g.imm(), 1))
		}
	case 8, 9:
		op := jmpOps[int(g.next())%len(jmpOps)]
		off := int16(g.next())
		if g.next()%2 == 0 {
			return append(p, asm.BPF_JMP_IMM(op, g.reg(), g.imm(), off))
		}
		return append(p, asm.BPF_JMP32_REG(op, g.reg(), g.reg(), off))
	case 10:
		if room >= 2 {
			v := uint64(g.imm())<<32 | uint64(uint32(g.imm()))
			return asm.BPF_LD_IMM64(g.dstReg(), v).AppendTo(p)
		}
		return append(p, asm.BPF_MOV32_IMM(g.dstReg(), g.imm()))
	case 11, 12:
		base, off := g.base()
		sz := sizes[g.next()%4]
		if g.next()%4 == 0 {
			return append(p, asm.BPF_LDX_MEMSX([]asm.Size{asm.BPF_B, asm.BPF_H, asm.BPF_W}[g.next()%3], g.dstReg(), base, off))
		}
		return append(p, asm.BPF_LDX_MEM(sz, g.dstReg(), base, off))
	case 13, 14:
		base, off := g.base()
		sz := sizes[g.next()%4]
		if g.next()%2 == 0 {
			return append(p, asm.BPF_ST_MEM(sz, base, off, g.imm()))
		}
		return append(p, asm.BPF_STX_MEM(sz, base, g.reg(), off))
	default:
		base, off := g.base()
		off &^= 7
		ops := []asm.ALUOp{asm.BPF_ADD, asm.BPF_OR, asm.BPF_AND, asm.BPF_XOR, asm.BPF_ADD | asm.BPF_FETCH,
			asm.BPF_OR | asm.BPF_FETCH, asm.BPF_AND | asm.BPF_FETCH, asm.BPF_XOR | asm.BPF_FETCH, asm.BPF_XCHG, asm.BPF_CMPXCHG}
		sz := []asm.Size{asm.BPF_W, asm.BPF_DW}[g.next()%2]
		src := g.reg()
		if base == src || src == asm.BPF_REG_1 && g.Mem {
			src = asm.BPF_REG_2
		}
		return append(p, asm.BPF_ATOMIC_OP(sz, ops[int(g.next())%len(ops)], base, src, off))
	}
}

// shiftSafe keeps immediate shift amounts in range (the kernel refuses
// others at load time, so differential runs would only compare refusals).
func (g *Gen) shiftSafe(op asm.ALUOp, imm int32) int32 {
	if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH {
		return imm & 31
	}
	return imm
}

// base picks a base register and offset for a memory access: the stack
// frame (R10, offsets -512…-1 mostly) or R1's memory.
func (g *Gen) base() (asm.Reg, int16) {
	if g.Mem && g.next()%2 == 0 {
		return asm.BPF_REG_1, int16(g.next() % 72)
	}
	off := -int16(g.next())*2 - 8
	if g.next()%16 == 0 {
		off = int16(g.next()) // mostly out of bounds: above the frame
	}
	return asm.BPF_REG_10, off
}
