package asm

import (
	"fmt"
	"math"
)

// form is one instruction (one slot, or two for lddw) of the table that
// covers the opcode space the kernel accepts; tests in this package print,
// parse, validate and encode every form.
type form struct {
	name  string
	insns Program
}

// Representative operand values.
var (
	formImms = []int32{0, 1, -1, 0x7fff, math.MaxInt32, math.MinInt32}
	formOffs = []int16{0, 2, -1, math.MaxInt16, math.MinInt16}
	formRegs = [][2]Reg{{BPF_REG_1, BPF_REG_2}, {BPF_REG_0, BPF_REG_10}, {BPF_REG_9, BPF_REG_0}}
)

func one(name string, i Insn) form { return form{name: name, insns: Program{i}} }

// allForms lists every instruction form with representative registers,
// offsets and immediates, including negative and extreme values.
func allForms() []form {
	var fs []form
	add := func(f form) { fs = append(fs, f) }
	aluOps := []ALUOp{BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH}
	for _, class := range []Class{BPF_ALU, BPF_ALU64} {
		for _, op := range aluOps {
			for _, imm := range formImms {
				add(one(fmt.Sprintf("%s %s K imm=%d", class, op, imm), Insn{Code: Op(class, op, BPF_K), Dst: BPF_REG_3, Imm: imm}))
			}
			for _, r := range formRegs {
				add(one(fmt.Sprintf("%s %s X r%d r%d", class, op, r[0], r[1]), Insn{Code: Op(class, op, BPF_X), Dst: r[0], Src: r[1]}))
			}
		}
		for _, op := range []ALUOp{BPF_DIV, BPF_MOD} {
			add(one(fmt.Sprintf("%s signed %s K", class, op), Insn{Code: Op(class, op, BPF_K), Dst: BPF_REG_1, Off: 1, Imm: -7}))
			add(one(fmt.Sprintf("%s signed %s X", class, op), Insn{Code: Op(class, op, BPF_X), Dst: BPF_REG_1, Src: BPF_REG_2, Off: 1}))
		}
		add(one(fmt.Sprintf("%s neg", class), Insn{Code: Op(class, BPF_NEG, BPF_K), Dst: BPF_REG_4}))
		for _, off := range []int16{8, 16, 32} {
			if off == 32 && class == BPF_ALU {
				continue
			}
			add(one(fmt.Sprintf("%s movsx %d", class, off), Insn{Code: Op(class, BPF_MOV, BPF_X), Dst: BPF_REG_1, Src: BPF_REG_2, Off: off}))
		}
		for _, bits := range []int32{16, 32, 64} {
			add(one(fmt.Sprintf("%s end le %d", class, bits), Insn{Code: Op(class, BPF_END, BPF_TO_LE), Dst: BPF_REG_5, Imm: bits}))
			if class == BPF_ALU {
				add(one(fmt.Sprintf("%s end be %d", class, bits), Insn{Code: Op(class, BPF_END, BPF_TO_BE), Dst: BPF_REG_5, Imm: bits}))
			}
		}
	}
	jmpOps := []JmpOp{BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE}
	for _, class := range []Class{BPF_JMP, BPF_JMP32} {
		for _, op := range jmpOps {
			for _, imm := range []int32{0, -5, math.MaxInt32, math.MinInt32} {
				add(one(fmt.Sprintf("%s %s K imm=%d", class, op, imm), Insn{Code: Op(class, op, BPF_K), Dst: BPF_REG_1, Off: 3, Imm: imm}))
			}
			for _, off := range []int16{0, -2, 5} {
				add(one(fmt.Sprintf("%s %s X off=%d", class, op, off), Insn{Code: Op(class, op, BPF_X), Dst: BPF_REG_10, Src: BPF_REG_0, Off: off}))
			}
		}
	}
	for _, off := range formOffs {
		add(one(fmt.Sprintf("ja %d", off), BPF_JMP_A(off)))
		add(one(fmt.Sprintf("may_goto %d", off), BPF_MAY_GOTO_INSN(off)))
	}
	for _, imm := range []int32{0, 3, -4, 40000, -40000} {
		add(one(fmt.Sprintf("gotol %d", imm), BPF_JMP32_A(imm)))
		add(one(fmt.Sprintf("pseudo call %d", imm), BPF_CALL_REL(imm)))
	}
	for _, imm := range []int32{0, 1, 12, 211, -1, math.MaxInt32} {
		add(one(fmt.Sprintf("helper call %d", imm), BPF_EMIT_CALL(Func(imm))))
	}
	add(one("kfunc call", BPF_CALL_KFUNC(0, 12345)))
	add(one("kfunc call max", BPF_CALL_KFUNC(0, math.MaxInt32)))
	add(one("callx", BPF_CALLX(BPF_REG_2)))
	add(one("exit", BPF_EXIT_INSN()))
	// lddw
	for _, v := range []uint64{0, 1, 0x1234, 0xffffffff, 0x100000000, 0x1fffffffe, math.MaxUint64, 1 << 63, 0x7fffffffffffffff, 0x1234567890abcdef} {
		add(form{fmt.Sprintf("lddw %#x", v), Prog(BPF_LD_IMM64(BPF_REG_1, v))})
	}
	for src := Reg(1); src <= BPF_PSEUDO_MAP_IDX_VALUE; src++ {
		for _, imm := range [][2]int32{{0, 0}, {5, 0}, {5, 7}, {-1, -1}, {math.MaxInt32, math.MinInt32}} {
			if src == BPF_PSEUDO_FUNC {
				continue
			}
			add(form{fmt.Sprintf("lddw pseudo %d %d %d", src, imm[0], imm[1]), Prog(BPF_LD_IMM64_RAW_FULL(BPF_REG_2, src, 0, 0, imm[0], imm[1]))})
		}
	}
	for _, rel := range []int32{1, 2, -3} {
		add(form{fmt.Sprintf("lddw pseudo func %d", rel), Prog(BPF_LD_FUNC(BPF_REG_3, rel))})
	}
	// legacy packet loads
	for _, sz := range []Size{BPF_B, BPF_H, BPF_W} {
		for _, imm := range []int32{0, 12, -1, math.MaxInt32} {
			add(one(fmt.Sprintf("ld abs %s %d", sz, imm), BPF_LD_ABS(sz, imm)))
			add(one(fmt.Sprintf("ld ind %s %d", sz, imm), BPF_LD_IND(sz, BPF_REG_3, imm)))
		}
	}
	// loads and stores
	for _, sz := range []Size{BPF_B, BPF_H, BPF_W, BPF_DW} {
		for _, off := range formOffs {
			add(one(fmt.Sprintf("ldx %s %d", sz, off), BPF_LDX_MEM(sz, BPF_REG_0, BPF_REG_1, off)))
			add(one(fmt.Sprintf("stx %s %d", sz, off), BPF_STX_MEM(sz, BPF_REG_10, BPF_REG_1, off)))
			if sz != BPF_DW {
				add(one(fmt.Sprintf("ldxsx %s %d", sz, off), BPF_LDX_MEMSX(sz, BPF_REG_7, BPF_REG_10, off)))
			}
		}
		for _, imm := range formImms {
			add(one(fmt.Sprintf("st %s %d", sz, imm), BPF_ST_MEM(sz, BPF_REG_10, -8, imm)))
		}
		add(one(fmt.Sprintf("load-acquire %s", sz), BPF_ATOMIC_OP(sz, BPF_LOAD_ACQ, BPF_REG_0, BPF_REG_1, -8)))
		add(one(fmt.Sprintf("store-release %s", sz), BPF_ATOMIC_OP(sz, BPF_STORE_REL, BPF_REG_1, BPF_REG_2, 16)))
	}
	for _, sz := range []Size{BPF_W, BPF_DW} {
		for _, op := range []ALUOp{BPF_ADD, BPF_AND, BPF_OR, BPF_XOR} {
			add(one(fmt.Sprintf("atomic %s %s", sz, op), BPF_ATOMIC_OP(sz, op, BPF_REG_1, BPF_REG_2, 4)))
			add(one(fmt.Sprintf("atomic %s %s|fetch", sz, op), BPF_ATOMIC_OP(sz, op|BPF_FETCH, BPF_REG_10, BPF_REG_3, -4)))
		}
		add(one(fmt.Sprintf("atomic %s xchg", sz), BPF_ATOMIC_OP(sz, BPF_XCHG, BPF_REG_1, BPF_REG_2, 0)))
		add(one(fmt.Sprintf("atomic %s cmpxchg", sz), BPF_ATOMIC_OP(sz, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, math.MinInt16)))
	}
	return fs
}

// program embeds the form in a program that Validate accepts: padding
// before it so that backward jumps land inside, and after it so that forward
// jumps and the final instruction are in order. Long padding is made of lddw
// pairs (two slots per line of text) so that the extreme offsets stay cheap
// to print and parse; the jump target itself is always an exit.
func (f form) program() Program {
	ins := f.insns[0]
	rel := 0
	switch {
	case ins.IsJump() || ins.IsPseudoCall():
		rel = ins.JumpTarget(0) - 1
	case ins.IsLdImm64() && ins.Src == BPF_PSEUDO_FUNC:
		rel = int(ins.Imm)
	}
	var p Program
	if rel < 0 { // the target, slot 0, is an exit; then pairs, then odd exits
		pre := -rel - 1
		p = append(p, BPF_EXIT_INSN())
		p = pad(p, pre-1)
	}
	start := len(p)
	p = append(p, f.insns...)
	if rel >= 0 {
		t := start + 1 + rel // the target slot
		p = pad(p, t-len(p))
	}
	return append(p, BPF_EXIT_INSN())
}

// pad appends n slots: lddw pairs, and an exit when n is odd.
func pad(p Program, n int) Program {
	if n%2 == 1 {
		p = append(p, BPF_EXIT_INSN())
		n--
	}
	w := BPF_LD_IMM64(BPF_REG_9, 0)
	for ; n > 0; n -= 2 {
		p = append(p, w[0], w[1])
	}
	return p
}

// invalidForms lists single slots (followed by exit) that Validate refuses.
func invalidForms() []form {
	return []form{
		one("unknown class op", Insn{Code: 0xff}),
		one("alu op 0xe0", Insn{Code: Op(BPF_ALU64, BPF_K) | 0xe0}),
		one("alu reserved off", Insn{Code: Op(BPF_ALU64, BPF_ADD, BPF_K), Off: 3}),
		one("alu reserved src", Insn{Code: Op(BPF_ALU64, BPF_ADD, BPF_K), Src: 1}),
		one("alu reserved imm", Insn{Code: Op(BPF_ALU64, BPF_ADD, BPF_X), Imm: 1}),
		one("dst r11", Insn{Code: Op(BPF_ALU64, BPF_MOV, BPF_K), Dst: 11}),
		one("src r12", Insn{Code: Op(BPF_ALU64, BPF_MOV, BPF_X), Src: 12}),
		one("neg with X", Insn{Code: Op(BPF_ALU64, BPF_NEG, BPF_X)}),
		one("end 8", Insn{Code: Op(BPF_ALU, BPF_END, BPF_TO_LE), Imm: 8}),
		one("bswap be", Insn{Code: Op(BPF_ALU64, BPF_END, BPF_TO_BE), Imm: 16}),
		one("movsx32 off 32", Insn{Code: Op(BPF_ALU, BPF_MOV, BPF_X), Off: 32}),
		one("movsx off 4", Insn{Code: Op(BPF_ALU64, BPF_MOV, BPF_X), Off: 4}),
		one("sdiv off 2", Insn{Code: Op(BPF_ALU64, BPF_DIV, BPF_X), Off: 2}),
		one("ldx mode abs", Insn{Code: Op(BPF_LDX, BPF_W, BPF_ABS)}),
		one("ldxsx dw", Insn{Code: Op(BPF_LDX, BPF_DW, BPF_MEMSX)}),
		one("ldx imm", Insn{Code: Op(BPF_LDX, BPF_W, BPF_MEM), Imm: 1}),
		one("st atomic", Insn{Code: Op(BPF_ST, BPF_W, BPF_ATOMIC)}),
		one("st src", Insn{Code: Op(BPF_ST, BPF_W, BPF_MEM), Src: 1}),
		one("stx imm", Insn{Code: Op(BPF_STX, BPF_W, BPF_MEM), Imm: 1}),
		one("atomic b add", Insn{Code: Op(BPF_STX, BPF_B, BPF_ATOMIC), Imm: int32(BPF_ADD)}),
		one("atomic sub", Insn{Code: Op(BPF_STX, BPF_DW, BPF_ATOMIC), Imm: int32(BPF_SUB)}),
		one("ld abs dw", Insn{Code: Op(BPF_LD, BPF_DW, BPF_ABS)}),
		one("ld mem", Insn{Code: Op(BPF_LD, BPF_W, BPF_MEM)}),
		one("ld imm w", Insn{Code: Op(BPF_LD, BPF_W, BPF_IMM)}),
		one("lddw alone", Insn{Code: Op(BPF_LD, BPF_DW, BPF_IMM)}),
		one("lddw src 7", Insn{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Src: 7}),
		one("ja with imm", Insn{Code: Op(BPF_JMP, BPF_JA), Imm: 1}),
		one("ja dst", Insn{Code: Op(BPF_JMP, BPF_JA), Dst: 1}),
		one("gotol off", Insn{Code: Op(BPF_JMP32, BPF_JA), Off: 1}),
		one("jmp op 0xf0", Insn{Code: Op(BPF_JMP, BPF_K) | 0xf0}),
		one("jmp32 call", Insn{Code: Op(BPF_JMP32, BPF_CALL), Imm: 1}),
		one("jmp32 exit", Insn{Code: Op(BPF_JMP32, BPF_EXIT)}),
		one("exit imm", Insn{Code: Op(BPF_JMP, BPF_EXIT), Imm: 1}),
		one("call src 3", Insn{Code: Op(BPF_JMP, BPF_CALL), Src: 3}),
		one("call dst", Insn{Code: Op(BPF_JMP, BPF_CALL), Dst: 1}),
		one("may_goto src 1", Insn{Code: Op(BPF_JMP, BPF_JCOND), Src: 1}),
		one("jeq K src", Insn{Code: Op(BPF_JMP, BPF_JEQ, BPF_K), Src: 1}),
		one("jeq X imm", Insn{Code: Op(BPF_JMP, BPF_JEQ, BPF_X), Imm: 1}),
		one("jump out", BPF_JMP_A(5)),
		one("jump back out", BPF_JMP_A(-3)),
	}
}
