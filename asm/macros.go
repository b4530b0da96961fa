package asm

// The kernel's instruction macros from include/linux/filter.h and
// tools/include/linux/filter.h (v6.12), with their names and argument order.
// Each returns the instruction the macro's initializer produces; the
// two-slot macros (BPF_LD_IMM64 and friends) return a Wide.

// Fragment is anything that contributes instruction slots to a program: an
// Insn, a Wide (lddw) or a whole Program.
type Fragment interface{ appendTo(Program) Program }

// Wide is a two-slot instruction: lddw and its pseudo forms.
type Wide [2]Insn

func (i Insn) appendTo(p Program) Program    { return append(p, i) }
func (w Wide) appendTo(p Program) Program    { return append(p, w[0], w[1]) }
func (q Program) appendTo(p Program) Program { return append(p, q...) }

// Prog builds a program from macros, as a kernel test table's .insns
// initializer does:
//
//	asm.Prog(
//		BPF_LD_MAP_FD(BPF_REG_1, 0),
//		BPF_MOV64_IMM(BPF_REG_0, 0),
//		BPF_EXIT_INSN(),
//	)
func Prog(fs ...Fragment) Program {
	var p Program
	for _, f := range fs {
		p = f.appendTo(p)
	}
	return p
}

// BPF_ALU64_REG mirrors BPF_ALU64_REG(OP, DST, SRC): dst = dst OP src.
func BPF_ALU64_REG(op ALUOp, dst, src Reg) Insn {
	return Insn{Code: Op(BPF_ALU64, op, BPF_X), Dst: dst, Src: src}
}

// BPF_ALU32_REG mirrors BPF_ALU32_REG(OP, DST, SRC): wdst = wdst OP wsrc.
func BPF_ALU32_REG(op ALUOp, dst, src Reg) Insn {
	return Insn{Code: Op(BPF_ALU, op, BPF_X), Dst: dst, Src: src}
}

// BPF_ALU64_IMM mirrors BPF_ALU64_IMM(OP, DST, IMM): dst = dst OP imm.
func BPF_ALU64_IMM(op ALUOp, dst Reg, imm int32) Insn {
	return Insn{Code: Op(BPF_ALU64, op, BPF_K), Dst: dst, Imm: imm}
}

// BPF_ALU32_IMM mirrors BPF_ALU32_IMM(OP, DST, IMM): wdst = wdst OP imm.
func BPF_ALU32_IMM(op ALUOp, dst Reg, imm int32) Insn {
	return Insn{Code: Op(BPF_ALU, op, BPF_K), Dst: dst, Imm: imm}
}

// BPF_ALU64_REG_OFF mirrors BPF_ALU64_REG_OFF(OP, DST, SRC, OFF); off 1 with
// BPF_DIV or BPF_MOD makes the operation signed.
func BPF_ALU64_REG_OFF(op ALUOp, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_ALU64, op, BPF_X), Dst: dst, Src: src, Off: off}
}

// BPF_ALU32_REG_OFF mirrors BPF_ALU32_REG_OFF(OP, DST, SRC, OFF).
func BPF_ALU32_REG_OFF(op ALUOp, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_ALU, op, BPF_X), Dst: dst, Src: src, Off: off}
}

// BPF_ALU64_IMM_OFF mirrors BPF_ALU64_IMM_OFF(OP, DST, IMM, OFF).
func BPF_ALU64_IMM_OFF(op ALUOp, dst Reg, imm int32, off int16) Insn {
	return Insn{Code: Op(BPF_ALU64, op, BPF_K), Dst: dst, Off: off, Imm: imm}
}

// BPF_ALU32_IMM_OFF mirrors BPF_ALU32_IMM_OFF(OP, DST, IMM, OFF).
func BPF_ALU32_IMM_OFF(op ALUOp, dst Reg, imm int32, off int16) Insn {
	return Insn{Code: Op(BPF_ALU, op, BPF_K), Dst: dst, Off: off, Imm: imm}
}

// BPF_ENDIAN mirrors BPF_ENDIAN(TYPE, DST, LEN): dst = to_le/to_be LEN bits.
func BPF_ENDIAN(typ Source, dst Reg, len int32) Insn {
	return Insn{Code: Op(BPF_ALU, BPF_END, typ), Dst: dst, Imm: len}
}

// BPF_BSWAP mirrors BPF_BSWAP(DST, LEN): unconditional byte swap (ISA v4).
func BPF_BSWAP(dst Reg, len int32) Insn {
	return Insn{Code: Op(BPF_ALU64, BPF_END, BPF_TO_LE), Dst: dst, Imm: len}
}

// BPF_NEG64 builds dst = -dst (filter.h spells it BPF_ALU64_IMM(BPF_NEG, DST, 0)).
func BPF_NEG64(dst Reg) Insn { return BPF_ALU64_IMM(BPF_NEG, dst, 0) }

// BPF_MOV64_REG mirrors BPF_MOV64_REG(DST, SRC): dst = src.
func BPF_MOV64_REG(dst, src Reg) Insn { return BPF_ALU64_REG(BPF_MOV, dst, src) }

// BPF_MOV32_REG mirrors BPF_MOV32_REG(DST, SRC): wdst = wsrc, zero-extended.
func BPF_MOV32_REG(dst, src Reg) Insn { return BPF_ALU32_REG(BPF_MOV, dst, src) }

// BPF_MOV64_IMM mirrors BPF_MOV64_IMM(DST, IMM): dst = imm, sign-extended.
func BPF_MOV64_IMM(dst Reg, imm int32) Insn { return BPF_ALU64_IMM(BPF_MOV, dst, imm) }

// BPF_MOV32_IMM mirrors BPF_MOV32_IMM(DST, IMM): wdst = imm, zero-extended.
func BPF_MOV32_IMM(dst Reg, imm int32) Insn { return BPF_ALU32_IMM(BPF_MOV, dst, imm) }

// BPF_MOVSX64_REG mirrors BPF_MOVSX64_REG(DST, SRC, OFF): dst = (sOFF)src.
func BPF_MOVSX64_REG(dst, src Reg, off int16) Insn {
	return BPF_ALU64_REG_OFF(BPF_MOV, dst, src, off)
}

// BPF_MOVSX32_REG mirrors BPF_MOVSX32_REG(DST, SRC, OFF): wdst = (sOFF)wsrc.
func BPF_MOVSX32_REG(dst, src Reg, off int16) Insn {
	return BPF_ALU32_REG_OFF(BPF_MOV, dst, src, off)
}

// BPF_ZEXT_REG mirrors BPF_ZEXT_REG(DST): the kernel's explicit
// zero-extension, a mov32 of a register to itself with imm 1.
func BPF_ZEXT_REG(dst Reg) Insn {
	return Insn{Code: Op(BPF_ALU, BPF_MOV, BPF_X), Dst: dst, Src: dst, Imm: 1}
}

// BPF_MOV64_RAW mirrors BPF_MOV64_RAW(TYPE, DST, SRC, IMM).
func BPF_MOV64_RAW(typ Source, dst, src Reg, imm int32) Insn {
	return Insn{Code: Op(BPF_ALU64, BPF_MOV, typ), Dst: dst, Src: src, Imm: imm}
}

// BPF_MOV32_RAW mirrors BPF_MOV32_RAW(TYPE, DST, SRC, IMM).
func BPF_MOV32_RAW(typ Source, dst, src Reg, imm int32) Insn {
	return Insn{Code: Op(BPF_ALU, BPF_MOV, typ), Dst: dst, Src: src, Imm: imm}
}

// BPF_LD_IMM64 mirrors BPF_LD_IMM64(DST, IMM): dst = imm64 (two slots).
func BPF_LD_IMM64(dst Reg, imm uint64) Wide { return BPF_LD_IMM64_RAW(dst, 0, imm) }

// BPF_LD_IMM64_RAW mirrors BPF_LD_IMM64_RAW(DST, SRC, IMM).
func BPF_LD_IMM64_RAW(dst, src Reg, imm uint64) Wide {
	return Wide{
		{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Dst: dst, Src: src, Imm: int32(uint32(imm))},
		{Imm: int32(uint32(imm >> 32))},
	}
}

// BPF_LD_IMM64_RAW_FULL mirrors BPF_LD_IMM64_RAW_FULL(DST, SRC, OFF1, OFF2, IMM1, IMM2).
func BPF_LD_IMM64_RAW_FULL(dst, src Reg, off1, off2 int16, imm1, imm2 int32) Wide {
	return Wide{
		{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Dst: dst, Src: src, Off: off1, Imm: imm1},
		{Off: off2, Imm: imm2},
	}
}

// BPF_LD_MAP_FD mirrors BPF_LD_MAP_FD(DST, MAP_FD): dst = the map with that fd.
func BPF_LD_MAP_FD(dst Reg, fd int32) Wide {
	return BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, uint64(uint32(fd)))
}

// BPF_LD_MAP_VALUE mirrors BPF_LD_MAP_VALUE(DST, MAP_FD, VALUE_OFF): dst =
// address of the map's value at that offset (array maps of one element).
func BPF_LD_MAP_VALUE(dst Reg, fd int32, off int32) Wide {
	return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_MAP_VALUE, 0, 0, fd, off)
}

// BPF_LD_FUNC builds dst = address of the subprogram imm instructions after
// the next one (lddw with src BPF_PSEUDO_FUNC), as used for callbacks.
func BPF_LD_FUNC(dst Reg, imm int32) Wide {
	return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_FUNC, 0, 0, imm, 0)
}

// BPF_LD_ABS mirrors BPF_LD_ABS(SIZE, IMM): r0 = packet[imm] (legacy, network order).
func BPF_LD_ABS(size Size, imm int32) Insn {
	return Insn{Code: Op(BPF_LD, size, BPF_ABS), Imm: imm}
}

// BPF_LD_IND mirrors BPF_LD_IND(SIZE, SRC, IMM): r0 = packet[src + imm].
func BPF_LD_IND(size Size, src Reg, imm int32) Insn {
	return Insn{Code: Op(BPF_LD, size, BPF_IND), Src: src, Imm: imm}
}

// BPF_LDX_MEM mirrors BPF_LDX_MEM(SIZE, DST, SRC, OFF): dst = *(size *)(src + off).
func BPF_LDX_MEM(size Size, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_LDX, size, BPF_MEM), Dst: dst, Src: src, Off: off}
}

// BPF_LDX_MEMSX mirrors BPF_LDX_MEMSX(SIZE, DST, SRC, OFF): sign-extending load.
func BPF_LDX_MEMSX(size Size, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_LDX, size, BPF_MEMSX), Dst: dst, Src: src, Off: off}
}

// BPF_STX_MEM mirrors BPF_STX_MEM(SIZE, DST, SRC, OFF): *(size *)(dst + off) = src.
func BPF_STX_MEM(size Size, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_STX, size, BPF_MEM), Dst: dst, Src: src, Off: off}
}

// BPF_ST_MEM mirrors BPF_ST_MEM(SIZE, DST, OFF, IMM): *(size *)(dst + off) = imm.
func BPF_ST_MEM(size Size, dst Reg, off int16, imm int32) Insn {
	return Insn{Code: Op(BPF_ST, size, BPF_MEM), Dst: dst, Off: off, Imm: imm}
}

// BPF_ATOMIC_OP mirrors BPF_ATOMIC_OP(SIZE, OP, DST, SRC, OFF): an atomic
// read-modify-write of *(size *)(dst + off) with src; OP is BPF_ADD, BPF_AND,
// BPF_OR, BPF_XOR (each optionally | BPF_FETCH), BPF_XCHG, BPF_CMPXCHG,
// BPF_LOAD_ACQ or BPF_STORE_REL.
func BPF_ATOMIC_OP(size Size, op ALUOp, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_STX, size, BPF_ATOMIC), Dst: dst, Src: src, Off: off, Imm: int32(op)}
}

// BPF_STX_XADD mirrors the legacy BPF_STX_XADD(SIZE, DST, SRC, OFF), an atomic add.
func BPF_STX_XADD(size Size, dst, src Reg, off int16) Insn {
	return BPF_ATOMIC_OP(size, BPF_ADD, dst, src, off)
}

// BPF_JMP_REG mirrors BPF_JMP_REG(OP, DST, SRC, OFF): if dst OP src goto pc+off.
func BPF_JMP_REG(op JmpOp, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_JMP, op, BPF_X), Dst: dst, Src: src, Off: off}
}

// BPF_JMP_IMM mirrors BPF_JMP_IMM(OP, DST, IMM, OFF): if dst OP imm goto pc+off.
func BPF_JMP_IMM(op JmpOp, dst Reg, imm int32, off int16) Insn {
	return Insn{Code: Op(BPF_JMP, op, BPF_K), Dst: dst, Off: off, Imm: imm}
}

// BPF_JMP32_REG mirrors BPF_JMP32_REG(OP, DST, SRC, OFF): 32-bit comparison.
func BPF_JMP32_REG(op JmpOp, dst, src Reg, off int16) Insn {
	return Insn{Code: Op(BPF_JMP32, op, BPF_X), Dst: dst, Src: src, Off: off}
}

// BPF_JMP32_IMM mirrors BPF_JMP32_IMM(OP, DST, IMM, OFF): 32-bit comparison.
func BPF_JMP32_IMM(op JmpOp, dst Reg, imm int32, off int16) Insn {
	return Insn{Code: Op(BPF_JMP32, op, BPF_K), Dst: dst, Off: off, Imm: imm}
}

// BPF_JMP_A mirrors BPF_JMP_A(OFF): goto pc+off.
func BPF_JMP_A(off int16) Insn { return Insn{Code: Op(BPF_JMP, BPF_JA), Off: off} }

// BPF_JMP32_A mirrors BPF_JMP32_A(IMM): gotol pc+imm (ISA v4).
func BPF_JMP32_A(imm int32) Insn { return Insn{Code: Op(BPF_JMP32, BPF_JA), Imm: imm} }

// BPF_MAY_GOTO_INSN builds may_goto pc+off, the kernel's bounded-loop escape.
func BPF_MAY_GOTO_INSN(off int16) Insn {
	return Insn{Code: Op(BPF_JMP, BPF_JCOND), Src: BPF_MAY_GOTO, Off: off}
}

// BPF_CALL_REL mirrors BPF_CALL_REL(IMM): call the subprogram at pc+1+imm.
func BPF_CALL_REL(imm int32) Insn {
	return Insn{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_CALL, Imm: imm}
}

// BPF_CALL_KFUNC mirrors BPF_CALL_KFUNC(OFF, IMM): call a kernel function by BTF id.
func BPF_CALL_KFUNC(off int16, imm int32) Insn {
	return Insn{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_KFUNC_CALL, Off: off, Imm: imm}
}

// BPF_EMIT_CALL mirrors BPF_EMIT_CALL(FUNC): call a kernel helper by id.
func BPF_EMIT_CALL(fn Func) Insn { return Insn{Code: Op(BPF_JMP, BPF_CALL), Imm: int32(fn)} }

// BPF_CALLX builds callx dst: call the helper whose id is in dst (the
// register-indirect call of bpf_conformance; the kernel refuses it).
func BPF_CALLX(dst Reg) Insn { return Insn{Code: Op(BPF_JMP, BPF_CALL, BPF_X), Dst: dst} }

// BPF_RAW_INSN mirrors BPF_RAW_INSN(CODE, DST, SRC, OFF, IMM); build CODE with Op.
func BPF_RAW_INSN(code uint8, dst, src Reg, off int16, imm int32) Insn {
	return Insn{Code: code, Dst: dst, Src: src, Off: off, Imm: imm}
}

// BPF_EXIT_INSN mirrors BPF_EXIT_INSN(): return r0.
func BPF_EXIT_INSN() Insn { return Insn{Code: Op(BPF_JMP, BPF_EXIT)} }

// AppendTo appends the fragment's slots to p.
func (w Wide) AppendTo(p Program) Program { return w.appendTo(p) }
