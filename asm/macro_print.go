package asm

import (
	"fmt"
	"io"
	"strings"
)

// The printer of the kernel's C macro syntax: one filter.h macro per line,
// "BPF_MOV64_IMM(BPF_REG_0, 0),", choosing the most specific macro whose
// expansion gives back exactly the same slot(s). Anything no named macro
// produces (reserved fields set, unknown opcodes) is written with
// BPF_RAW_INSN, so every program, valid or not, reads back unchanged.

func printMacro(w io.Writer, p Program, o *PrintOptions) error {
	var b strings.Builder
	for pc := 0; pc < len(p); {
		if name, ok := o.Symbols[pc]; ok {
			fmt.Fprintf(&b, "/* %s: */\n", name)
		}
		text, n := macroInsn(p, pc)
		b.WriteByte('\t')
		if o.Index {
			fmt.Fprintf(&b, "/* %4d */ ", pc)
		}
		b.WriteString(text)
		b.WriteByte(',')
		if name, ok := o.MapNames[pc]; ok && name != "" {
			fmt.Fprintf(&b, " /* %s */", strings.ReplaceAll(name, "*/", "* /"))
		}
		b.WriteByte('\n')
		pc += n
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func macroInsnString(p Program, pc int) string {
	if pc < 0 || pc >= len(p) {
		return "<no instruction>"
	}
	s, _ := macroInsn(p, pc)
	return s
}

func mReg(r Reg) string {
	if r <= BPF_REG_10 {
		return r.String()
	}
	return itoa(int(r))
}

// mImm formats a 32-bit immediate: decimal when small, hex otherwise. A
// negative hex literal is written as the negation of an unsigned constant,
// which C truncates back to the same 32 bits.
func mImm(v int32) string {
	if v > -65536 && v < 65536 {
		return itoa(int(v))
	}
	if v < 0 {
		return "-" + hexString(uint64(-int64(v)))
	}
	return hexString(uint64(v))
}

func mImm64(v uint64) string {
	if s := int64(v); s > -65536 && s < 65536 {
		return itoa(int(s))
	}
	return hexString(v) + "ULL"
}

func mFunc(imm int32) string {
	if f := Func(imm); f.Known() {
		return "BPF_FUNC_" + funcNames[f]
	}
	return mImm(imm)
}

// mAtomic names the operation in the immediate of an atomic instruction.
func mAtomic(imm int32) string {
	if imm < 0 || imm > 0xffff {
		return mImm(imm)
	}
	if s, ok := aluNames[ALUOp(imm)]; ok {
		return s
	}
	if ALUOp(imm)&BPF_FETCH != 0 {
		if s, ok := aluNames[ALUOp(imm)&^BPF_FETCH]; ok && ALUOp(imm)&^BPF_FETCH <= BPF_XOR {
			return s + " | BPF_FETCH"
		}
	}
	return mImm(imm)
}

// mCode writes an opcode as the OR of its named fields when it has a
// known meaning, or in hex.
func mCode(code uint8) string {
	if code == 0 {
		return "0"
	}
	c := Class(code & classMask)
	switch c {
	case BPF_ALU, BPF_ALU64:
		if s, ok := aluNames[ALUOp(code&opMask)]; ok {
			return c.String() + " | " + s + " | " + Source(code&sourceMask).String()
		}
	case BPF_JMP, BPF_JMP32:
		if s, ok := jmpNames[JmpOp(code&opMask)]; ok {
			return c.String() + " | " + s + " | " + Source(code&sourceMask).String()
		}
	default:
		m := Mode(code & modeMask)
		if !strings.HasPrefix(m.String(), "Mode(") {
			return c.String() + " | " + Size(code&sizeMask).String() + " | " + m.String()
		}
	}
	return hexString(uint64(code))
}

func mRaw(i Insn) string {
	return fmt.Sprintf("BPF_RAW_INSN(%s, %s, %s, %d, %s)", mCode(i.Code), mReg(i.Dst), mReg(i.Src), i.Off, mImm(i.Imm))
}

// macroInsn formats the instruction at pc and says how many slots it took.
func macroInsn(p Program, pc int) (string, int) {
	i := p[pc]
	if i.IsLdImm64() && pc+1 < len(p) {
		if s, ok := mLdImm64Text(i, p[pc+1]); ok {
			return s, 2
		}
		return mRaw(i), 1
	}
	if s := mNamed(i); s != "" {
		return s, 1
	}
	return mRaw(i), 1
}

func mLdImm64Text(i, n Insn) (string, bool) {
	if n.Code != 0 || n.Dst != 0 || n.Src != 0 {
		return "", false
	}
	d := mReg(i.Dst)
	if i.Off != 0 || n.Off != 0 {
		return fmt.Sprintf("BPF_LD_IMM64_RAW_FULL(%s, %d, %d, %d, %s, %s)", d, i.Src, i.Off, n.Off, mImm(i.Imm), mImm(n.Imm)), true
	}
	switch i.Src {
	case 0:
		return fmt.Sprintf("BPF_LD_IMM64(%s, %s)", d, mImm64(Imm64(i, n))), true
	case BPF_PSEUDO_MAP_FD:
		if n.Imm == 0 {
			return fmt.Sprintf("BPF_LD_MAP_FD(%s, %s)", d, mImm(i.Imm)), true
		}
	case BPF_PSEUDO_MAP_VALUE:
		return fmt.Sprintf("BPF_LD_MAP_VALUE(%s, %s, %s)", d, mImm(i.Imm), mImm(n.Imm)), true
	}
	if name, ok := pseudoNames[i.Src]; ok {
		return fmt.Sprintf("BPF_LD_IMM64_RAW(%s, %s, %s)", d, name, mImm64(Imm64(i, n))), true
	}
	return fmt.Sprintf("BPF_LD_IMM64_RAW(%s, %d, %s)", d, i.Src, mImm64(Imm64(i, n))), true
}

var pseudoNames = map[Reg]string{
	BPF_PSEUDO_MAP_FD: "BPF_PSEUDO_MAP_FD", BPF_PSEUDO_MAP_VALUE: "BPF_PSEUDO_MAP_VALUE",
	BPF_PSEUDO_BTF_ID: "BPF_PSEUDO_BTF_ID", BPF_PSEUDO_FUNC: "BPF_PSEUDO_FUNC",
	BPF_PSEUDO_MAP_IDX: "BPF_PSEUDO_MAP_IDX", BPF_PSEUDO_MAP_IDX_VALUE: "BPF_PSEUDO_MAP_IDX_VALUE",
}

// mNamed returns the most specific named macro for a one-slot instruction,
// or "" when only BPF_RAW_INSN reproduces it.
func mNamed(i Insn) string {
	d, s := mReg(i.Dst), mReg(i.Src)
	off, imm := i.Off, mImm(i.Imm)
	c := i.Class()
	switch c {
	case BPF_ALU, BPF_ALU64:
		op, x := i.ALUOp(), i.Source() == BPF_X
		w := "64"
		if c == BPF_ALU {
			w = "32"
		}
		opName, known := aluNames[op]
		if !known || op > BPF_END {
			return ""
		}
		switch {
		case op == BPF_END:
			if i.Src != 0 || i.Off != 0 {
				return ""
			}
			if c == BPF_ALU {
				return fmt.Sprintf("BPF_ENDIAN(%s, %s, %s)", map[bool]string{false: "BPF_TO_LE", true: "BPF_TO_BE"}[x], d, imm)
			}
			if !x {
				return fmt.Sprintf("BPF_BSWAP(%s, %s)", d, imm)
			}
			return ""
		case op == BPF_MOV && x:
			switch {
			case c == BPF_ALU && i.Imm == 1 && i.Src == i.Dst && off == 0:
				return fmt.Sprintf("BPF_ZEXT_REG(%s)", d)
			case i.Imm == 0 && off == 0:
				return fmt.Sprintf("BPF_MOV%s_REG(%s, %s)", w, d, s)
			case i.Imm == 0:
				return fmt.Sprintf("BPF_MOVSX%s_REG(%s, %s, %d)", w, d, s, off)
			case off == 0:
				return fmt.Sprintf("BPF_MOV%s_RAW(BPF_X, %s, %s, %s)", w, d, s, imm)
			}
			return ""
		case op == BPF_MOV:
			switch {
			case i.Src == 0 && off == 0:
				return fmt.Sprintf("BPF_MOV%s_IMM(%s, %s)", w, d, imm)
			case off == 0:
				return fmt.Sprintf("BPF_MOV%s_RAW(BPF_K, %s, %s, %s)", w, d, s, imm)
			case i.Src == 0:
				return fmt.Sprintf("BPF_ALU%s_IMM_OFF(BPF_MOV, %s, %s, %d)", w, d, imm, off)
			}
			return ""
		case x && i.Imm == 0:
			if off == 0 {
				return fmt.Sprintf("BPF_ALU%s_REG(%s, %s, %s)", w, opName, d, s)
			}
			return fmt.Sprintf("BPF_ALU%s_REG_OFF(%s, %s, %s, %d)", w, opName, d, s, off)
		case !x && i.Src == 0:
			if off == 0 {
				return fmt.Sprintf("BPF_ALU%s_IMM(%s, %s, %s)", w, opName, d, imm)
			}
			return fmt.Sprintf("BPF_ALU%s_IMM_OFF(%s, %s, %s, %d)", w, opName, d, imm, off)
		}
	case BPF_JMP, BPF_JMP32:
		op, x := i.JmpOp(), i.Source() == BPF_X
		jw := "JMP"
		if c == BPF_JMP32 {
			jw = "JMP32"
		}
		switch op {
		case BPF_JA:
			if x || i.Dst != 0 || i.Src != 0 {
				return ""
			}
			if c == BPF_JMP && i.Imm == 0 {
				return fmt.Sprintf("BPF_JMP_A(%d)", off)
			}
			if c == BPF_JMP32 && off == 0 {
				return fmt.Sprintf("BPF_JMP32_A(%s)", imm)
			}
			return ""
		case BPF_CALL:
			if c != BPF_JMP || x || i.Dst != 0 || off != 0 {
				return ""
			}
			switch i.Src {
			case 0:
				return fmt.Sprintf("BPF_EMIT_CALL(%s)", mFunc(i.Imm))
			case BPF_PSEUDO_CALL:
				return fmt.Sprintf("BPF_CALL_REL(%s)", imm)
			}
			return ""
		case BPF_EXIT:
			if c == BPF_JMP && i == BPF_EXIT_INSN() {
				return "BPF_EXIT_INSN()"
			}
			return ""
		case BPF_JCOND, 0xf0:
			return ""
		}
		opName := jmpNames[op]
		if x && i.Imm == 0 {
			return fmt.Sprintf("BPF_%s_REG(%s, %s, %s, %d)", jw, opName, d, s, off)
		}
		if !x && i.Src == 0 {
			return fmt.Sprintf("BPF_%s_IMM(%s, %s, %s, %d)", jw, opName, d, imm, off)
		}
	case BPF_LD:
		sz := i.Size().String()
		switch {
		case i.Mode() == BPF_ABS && i.Dst == 0 && i.Src == 0 && off == 0:
			return fmt.Sprintf("BPF_LD_ABS(%s, %s)", sz, imm)
		case i.Mode() == BPF_IND && i.Dst == 0 && off == 0:
			return fmt.Sprintf("BPF_LD_IND(%s, %s, %s)", sz, s, imm)
		}
	case BPF_LDX:
		if i.Imm != 0 {
			return ""
		}
		switch i.Mode() {
		case BPF_MEM:
			return fmt.Sprintf("BPF_LDX_MEM(%s, %s, %s, %d)", i.Size(), d, s, off)
		case BPF_MEMSX:
			return fmt.Sprintf("BPF_LDX_MEMSX(%s, %s, %s, %d)", i.Size(), d, s, off)
		}
	case BPF_ST:
		if i.Mode() == BPF_MEM && i.Src == 0 {
			return fmt.Sprintf("BPF_ST_MEM(%s, %s, %d, %s)", i.Size(), d, off, imm)
		}
		if i.Code == uint8(BPF_ST)|0xc0 && i == (Insn{Code: i.Code}) {
			return "BPF_ST_NOSPEC()"
		}
	case BPF_STX:
		switch i.Mode() {
		case BPF_MEM:
			if i.Imm == 0 {
				return fmt.Sprintf("BPF_STX_MEM(%s, %s, %s, %d)", i.Size(), d, s, off)
			}
		case BPF_ATOMIC:
			return fmt.Sprintf("BPF_ATOMIC_OP(%s, %s, %s, %s, %d)", i.Size(), mAtomic(i.Imm), d, s, off)
		}
	}
	return ""
}
