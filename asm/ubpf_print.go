package asm

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The uBPF syntax printer. The grammar is described in ubpf_parse.go; every
// slot is printed in a form the parser turns back into the same bytes, with
// ".insn" for slots that have no mnemonic form.

var ubpfSizeNames = map[Size]string{BPF_B: "b", BPF_H: "h", BPF_W: "w", BPF_DW: "dw"}

var ubpfALUNames = map[ALUOp]string{
	BPF_ADD: "add", BPF_SUB: "sub", BPF_MUL: "mul", BPF_DIV: "div", BPF_OR: "or",
	BPF_AND: "and", BPF_LSH: "lsh", BPF_RSH: "rsh", BPF_MOD: "mod", BPF_XOR: "xor",
	BPF_MOV: "mov", BPF_ARSH: "arsh",
}

var ubpfJmpNames = map[JmpOp]string{
	BPF_JEQ: "jeq", BPF_JGT: "jgt", BPF_JGE: "jge", BPF_JSET: "jset", BPF_JNE: "jne",
	BPF_JSGT: "jsgt", BPF_JSGE: "jsge", BPF_JLT: "jlt", BPF_JLE: "jle",
	BPF_JSLT: "jslt", BPF_JSLE: "jsle",
}

var ubpfPseudoNames = map[Reg]string{
	BPF_PSEUDO_MAP_FD: "map_fd", BPF_PSEUDO_MAP_VALUE: "map_value",
	BPF_PSEUDO_BTF_ID: "btf_id", BPF_PSEUDO_FUNC: "func",
	BPF_PSEUDO_MAP_IDX: "map_idx", BPF_PSEUDO_MAP_IDX_VALUE: "map_idx_value",
}

func ubpfReg(r Reg) string { return "%r" + strconv.Itoa(int(r)) }

// ubpfImm prints a 32-bit immediate: decimal when small, hex otherwise.
func ubpfImm(v int32) string {
	if v >= -0xffff && v <= 0xffff {
		return strconv.Itoa(int(v))
	}
	if v < 0 {
		return "-0x" + strconv.FormatUint(uint64(-int64(v)), 16)
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

func ubpfMem(r Reg, off int16) string {
	return fmt.Sprintf("[%s%+d]", ubpfReg(r), off)
}

func ubpfRel(off int64) string { return fmt.Sprintf("%+d", off) }

// ubpfRawSlot prints one slot as ".insn".
func ubpfRawSlot(i Insn) string {
	return fmt.Sprintf(".insn %#02x, %d, %d, %d, %s", i.Code, i.Dst, i.Src, i.Off, ubpfImm(i.Imm))
}

// ubpfFormat prints the instruction at pc (both slots of an lddw) in
// mnemonic form, or "" when it has none. target names a jump or call target
// (an absolute slot index); nil prints relative offsets.
func ubpfFormat(p Program, pc int, target func(int) (string, bool)) string {
	i := p[pc]
	rel := func(off int64) string {
		if target != nil {
			if name, ok := target(pc + 1 + int(off)); ok {
				return name
			}
		}
		return ubpfRel(off)
	}
	switch c := i.Class(); c {
	case BPF_ALU, BPF_ALU64:
		sfx := ""
		if c == BPF_ALU {
			sfx = "32"
		}
		op := i.ALUOp()
		switch op {
		case BPF_NEG:
			return "neg" + sfx + " " + ubpfReg(i.Dst)
		case BPF_END:
			w := strconv.Itoa(int(i.Imm))
			switch {
			case c == BPF_ALU64:
				return "swap" + w + " " + ubpfReg(i.Dst)
			case i.Source() == BPF_TO_BE:
				return "be" + w + " " + ubpfReg(i.Dst)
			default:
				return "le" + w + " " + ubpfReg(i.Dst)
			}
		}
		name, ok := ubpfALUNames[op]
		if !ok {
			return ""
		}
		if op == BPF_MOV && i.Off != 0 {
			return fmt.Sprintf("movsx%d%s %s, %s", i.Off, cmpSfx(c), ubpfReg(i.Dst), ubpfReg(i.Src))
		}
		if (op == BPF_DIV || op == BPF_MOD) && i.Off == 1 {
			name = "s" + name
		}
		return name + sfx + " " + ubpfReg(i.Dst) + ", " + ubpfSrc(i)
	case BPF_JMP, BPF_JMP32:
		op := i.JmpOp()
		switch {
		case c == BPF_JMP && op == BPF_EXIT:
			return "exit"
		case c == BPF_JMP && op == BPF_CALL:
			switch {
			case i.Source() == BPF_X:
				return "call " + ubpfReg(i.Dst)
			case i.Src == BPF_PSEUDO_CALL:
				return "call local " + rel(int64(i.Imm))
			case i.Src == BPF_PSEUDO_KFUNC_CALL:
				return "call runtime " + strconv.Itoa(int(i.Imm))
			}
			return "call " + strconv.Itoa(int(i.Imm))
		case c == BPF_JMP && op == BPF_JA:
			return "ja " + rel(int64(i.Off))
		case c == BPF_JMP32 && op == BPF_JA:
			return "ja32 " + rel(int64(i.Imm))
		case c == BPF_JMP && op == BPF_JCOND:
			return "may_goto " + rel(int64(i.Off))
		}
		name, ok := ubpfJmpNames[op]
		if !ok {
			return ""
		}
		if c == BPF_JMP32 {
			name += "32"
		}
		return name + " " + ubpfReg(i.Dst) + ", " + ubpfSrc(i) + ", " + rel(int64(i.Off))
	case BPF_LD:
		switch i.Mode() {
		case BPF_IMM:
			if pc+1 >= len(p) {
				return ""
			}
			hi := p[pc+1]
			if name, ok := ubpfPseudoNames[i.Src]; ok {
				s := "lddw " + ubpfReg(i.Dst) + ", " + name + " "
				switch i.Src {
				case BPF_PSEUDO_FUNC:
					s += rel(int64(i.Imm))
				case BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_MAP_IDX_VALUE:
					s += strconv.Itoa(int(i.Imm)) + ", " + strconv.Itoa(int(hi.Imm))
				default:
					s += strconv.Itoa(int(i.Imm))
				}
				return s
			}
			return "lddw " + ubpfReg(i.Dst) + ", " + hexString(Imm64(i, hi))
		case BPF_ABS:
			return "ldabs" + ubpfSizeNames[i.Size()] + " " + ubpfImm(i.Imm)
		case BPF_IND:
			return "ldind" + ubpfSizeNames[i.Size()] + " " + ubpfReg(i.Src) + ", " + ubpfImm(i.Imm)
		}
	case BPF_LDX:
		sz := ubpfSizeNames[i.Size()]
		switch i.Mode() {
		case BPF_MEM:
			return "ldx" + sz + " " + ubpfReg(i.Dst) + ", " + ubpfMem(i.Src, i.Off)
		case BPF_MEMSX:
			return "ldxs" + sz + " " + ubpfReg(i.Dst) + ", " + ubpfMem(i.Src, i.Off)
		}
	case BPF_ST:
		return "st" + ubpfSizeNames[i.Size()] + " " + ubpfMem(i.Dst, i.Off) + ", " + ubpfImm(i.Imm)
	case BPF_STX:
		sz := ubpfSizeNames[i.Size()]
		switch i.Mode() {
		case BPF_MEM:
			return "stx" + sz + " " + ubpfMem(i.Dst, i.Off) + ", " + ubpfReg(i.Src)
		case BPF_ATOMIC:
			switch ALUOp(i.Imm) {
			case BPF_LOAD_ACQ:
				return "ldacq" + sz + " " + ubpfReg(i.Dst) + ", " + ubpfMem(i.Src, i.Off)
			case BPF_STORE_REL:
				return "strel" + sz + " " + ubpfMem(i.Dst, i.Off) + ", " + ubpfReg(i.Src)
			}
			w := ""
			if i.Size() == BPF_W {
				w = "32"
			}
			var name string
			switch op := ALUOp(i.Imm); op {
			case BPF_XCHG:
				name = "xchg"
			case BPF_CMPXCHG:
				name = "cmpxchg"
			default:
				n, ok := ubpfALUNames[op&^BPF_FETCH]
				if !ok || op&^(BPF_FETCH|0xf0) != 0 {
					return ""
				}
				name = n
				if op&BPF_FETCH != 0 {
					name = "fetch " + name
				}
			}
			return "lock " + name + w + " " + ubpfMem(i.Dst, i.Off) + ", " + ubpfReg(i.Src)
		}
	}
	return ""
}

func cmpSfx(c Class) string {
	if c == BPF_ALU {
		return "32"
	}
	return "64"
}

func ubpfSrc(i Insn) string {
	if i.Source() == BPF_X {
		return ubpfReg(i.Src)
	}
	return ubpfImm(i.Imm)
}

// ubpfSlots returns the text of the instruction at pc and how many slots it
// covers: its mnemonic form when that form reads back to the same slots,
// else ".insn" for the single slot at pc.
func ubpfSlots(p Program, pc int, target func(int) (string, bool)) (string, int) {
	text := ubpfFormat(p, pc, nil)
	n := 1
	if p[pc].IsLdImm64() {
		n = 2
	}
	if text == "" || !ubpfRoundTrips(text, p[pc:min(pc+n, len(p))]) {
		return ubpfRawSlot(p[pc]), 1
	}
	if target != nil {
		text = ubpfFormat(p, pc, target)
	}
	return text, n
}

// ubpfRoundTrips reports whether text (one instruction with numeric
// targets) assembles to want.
func ubpfRoundTrips(text string, want []Insn) bool {
	a := &ubpfAsm{labels: map[string]ubpfLabel{}, firstExit: -1}
	if err := a.line(1, text); err != nil || len(a.fixups) != 0 {
		return false
	}
	return slices.Equal(a.p, want)
}

func ubpfInsnString(p Program, pc int) string {
	s, _ := ubpfSlots(p, pc, nil)
	return s
}

// printUBPF writes the whole program.
func printUBPF(w io.Writer, p Program, o *PrintOptions) error {
	// First pass: where each instruction starts, so that labels are only
	// placed on instruction boundaries.
	starts := map[int]bool{len(p): true}
	type line struct {
		pc   int
		n    int
		text string
	}
	var lines []line
	for pc := 0; pc < len(p); {
		s, n := ubpfSlots(p, pc, nil)
		starts[pc] = true
		lines = append(lines, line{pc, n, s})
		pc += n
	}
	names := map[int]string{}
	for pc, name := range o.Symbols {
		if starts[pc] {
			names[pc] = name
		}
	}
	if o.Labels {
		for _, l := range lines {
			if !strings.HasPrefix(l.text, ".insn") {
				ubpfFormat(p, l.pc, func(t int) (string, bool) {
					if starts[t] && names[t] == "" {
						names[t] = "L" + strconv.Itoa(t)
					}
					return "", false
				})
			}
		}
	}
	target := func(t int) (string, bool) {
		n, ok := names[t]
		return n, ok
	}
	var b strings.Builder
	for k, l := range lines {
		if name, ok := names[l.pc]; ok {
			if _, sym := o.Symbols[l.pc]; sym && k > 0 {
				b.WriteString("\n")
			}
			b.WriteString(name + ":\n")
		}
		text := l.text
		if !strings.HasPrefix(text, ".insn") && len(names) > 0 {
			text = ubpfFormat(p, l.pc, target)
		}
		if o.Index {
			fmt.Fprintf(&b, "%4d:\t", l.pc)
		}
		b.WriteString(text)
		if name, ok := o.MapNames[l.pc]; ok {
			b.WriteString(" # " + name)
		}
		b.WriteString("\n")
	}
	if name, ok := names[len(p)]; ok {
		b.WriteString(name + ":\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
