package jit

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit/amd64"
)

// Scratch registers.
const (
	s9  = amd64.R9
	s10 = amd64.R10
	s11 = amd64.R11
)

var simpleALU = map[asm.ALUOp]amd64.ALUOp{
	asm.BPF_ADD: amd64.ADD, asm.BPF_SUB: amd64.SUB, asm.BPF_OR: amd64.OR,
	asm.BPF_AND: amd64.AND, asm.BPF_XOR: amd64.XOR,
}

var shifts = map[asm.ALUOp]amd64.ShiftOp{asm.BPF_LSH: amd64.SHL, asm.BPF_RSH: amd64.SHR, asm.BPF_ARSH: amd64.SAR}

// lowerALU compiles ALU and ALU64 instructions; dst is not R10.
func (c *compiler) lowerALU(pc int, in asm.Insn) error {
	a := &c.a
	w := amd64.W64
	if in.Class() == asm.BPF_ALU {
		w = amd64.W32
	}
	dst := regMap[in.Dst]
	x := in.Source() == asm.BPF_X
	op := in.ALUOp()
	if op == asm.BPF_NEG {
		a.Neg(w, dst)
		return nil
	}
	if op == asm.BPF_END {
		return c.lowerEnd(pc, in, dst)
	}
	var src amd64.Reg
	if x {
		src = c.src(in.Src, s9)
	}
	switch op {
	case asm.BPF_MOV:
		switch {
		case x && in.Off != 0:
			from := map[int16]amd64.Width{8: amd64.W8, 16: amd64.W16, 32: amd64.W32}[in.Off]
			a.Movsx(from, w, dst, src)
		case x:
			if w == amd64.W32 || dst != src {
				a.Mov(w, dst, src)
			}
		case w == amd64.W64:
			a.MovImm64(dst, int64(in.Imm))
		default:
			a.MovImm32(dst, uint32(in.Imm))
		}
	case asm.BPF_ADD, asm.BPF_SUB, asm.BPF_OR, asm.BPF_AND, asm.BPF_XOR:
		if x {
			a.ALU(simpleALU[op], w, dst, src)
		} else {
			a.ALUImm(simpleALU[op], w, dst, in.Imm)
		}
	case asm.BPF_MUL:
		if x {
			a.IMul(w, dst, src)
		} else {
			a.IMulImm(w, dst, dst, in.Imm)
		}
	case asm.BPF_DIV, asm.BPF_MOD:
		c.lowerDiv(in, w, dst, src, x)
	case asm.BPF_LSH, asm.BPF_RSH, asm.BPF_ARSH:
		sh := shifts[op]
		if !x {
			mask := int32(63)
			if w == amd64.W32 {
				mask = 31
			}
			n := in.Imm & mask
			if n == 0 {
				if w == amd64.W32 {
					a.Mov(amd64.W32, dst, dst)
				}
				return nil
			}
			a.ShiftImm(sh, w, dst, uint8(n))
			return nil
		}
		// The count must be in CL, and RCX is R4.
		if src == amd64.RCX {
			if dst == amd64.RCX {
				a.Mov(amd64.W64, s11, amd64.RCX)
				a.Shift(sh, w, s11)
				a.Mov(amd64.W64, amd64.RCX, s11)
			} else {
				a.Shift(sh, w, dst)
			}
			return nil
		}
		a.Mov(amd64.W64, s11, dst)
		a.Mov(amd64.W64, s10, amd64.RCX)
		a.Mov(amd64.W64, amd64.RCX, src)
		a.Shift(sh, w, s11)
		a.Mov(amd64.W64, amd64.RCX, s10)
		a.Mov(amd64.W64, dst, s11)
	default:
		return &CompileError{Insn: pc, Msg: fmt.Sprintf("unsupported ALU operation %#02x", in.Code)}
	}
	return nil
}

// lowerDiv compiles division and modulo with the ISA's rules: by zero, a
// quotient is 0 and a remainder the dividend; signed MIN/-1 wraps (x86
// would trap). RAX (R0) and RDX (R3) are saved in R9/R10 around div.
func (c *compiler) lowerDiv(in asm.Insn, w amd64.Width, dst, src amd64.Reg, x bool) {
	a := &c.a
	signed := in.Off == 1
	mod := in.ALUOp() == asm.BPF_MOD
	if x {
		a.Mov(amd64.W64, s11, src)
	} else if w == amd64.W64 {
		a.MovImm64(s11, int64(in.Imm))
	} else {
		a.MovImm32(s11, uint32(in.Imm))
	}
	a.Mov(amd64.W64, s9, amd64.RAX)
	a.Mov(amd64.W64, s10, amd64.RDX)
	if dst != amd64.RAX {
		a.Mov(amd64.W64, amd64.RAX, dst)
	}
	zero, norm, res, done := a.NewLabel(), a.NewLabel(), a.NewLabel(), a.NewLabel()
	a.Test(w, s11, s11)
	a.Jcc(amd64.CondE, zero)
	if signed {
		a.ALUImm(amd64.CMP, w, s11, -1)
		a.Jcc(amd64.CondNE, norm)
		if mod {
			a.ALU(amd64.XOR, amd64.W32, amd64.RAX, amd64.RAX)
		} else {
			a.Neg(w, amd64.RAX)
		}
		a.Jmp(res)
	}
	a.Bind(norm)
	if signed {
		a.SignExtendAX(w)
		a.IDiv(w, s11)
	} else {
		a.ALU(amd64.XOR, amd64.W32, amd64.RDX, amd64.RDX)
		a.Div(w, s11)
	}
	if mod {
		a.Mov(w, amd64.RAX, amd64.RDX)
	}
	a.Bind(res)
	a.Mov(w, s11, amd64.RAX)
	a.Jmp(done)
	a.Bind(zero)
	if mod {
		a.Mov(w, s11, amd64.RAX)
	} else {
		a.ALU(amd64.XOR, amd64.W32, s11, s11)
	}
	a.Bind(done)
	a.Mov(amd64.W64, amd64.RAX, s9)
	a.Mov(amd64.W64, amd64.RDX, s10)
	a.Mov(amd64.W64, dst, s11)
}

// lowerEnd compiles byte swaps (BPF_END, and ALU64 bswap).
func (c *compiler) lowerEnd(pc int, in asm.Insn, dst amd64.Reg) error {
	a := &c.a
	swap := in.Class() == asm.BPF_ALU64 || in.Source() == asm.BPF_TO_BE
	switch {
	case in.Imm == 16 && swap:
		a.Bswap(amd64.W32, dst)
		a.ShiftImm(amd64.SHR, amd64.W32, dst, 16)
	case in.Imm == 32 && swap:
		a.Bswap(amd64.W32, dst)
	case in.Imm == 64 && swap:
		a.Bswap(amd64.W64, dst)
	case in.Imm == 16:
		a.Movzx(amd64.W16, dst, dst)
	case in.Imm == 32:
		a.Mov(amd64.W32, dst, dst)
	case in.Imm == 64:
	default:
		return &CompileError{Insn: pc, Msg: fmt.Sprintf("byte swap of %d bits", in.Imm)}
	}
	return nil
}
