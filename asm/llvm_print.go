package asm

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// The LLVM pseudo-C syntax, as llvm-objdump-19 prints it ("r0 = 0x0",
// "if r1 > 0x5 goto +0x2", "*(u32 *)(r10 - 0x4) = r1"). Where objdump's text
// loses information (bpf-to-bpf and kfunc calls print as "call IMM", the
// second immediate of a pseudo lddw is dropped, LLVM 19 knows no
// load-acquire) the default printer uses a lossless spelling instead, so that
// every printed program assembles back to the same bytes; PrintOptions.Objdump
// asks for objdump's text even there.

func init() {
	registerSyntax(SyntaxLLVM, syntaxImpl{
		print: printLLVM,
		insn: func(p Program, pc int) string {
			lp := llvmPrinter{p: p, o: &PrintOptions{}}
			return lp.text(pc)
		},
		parse:  parseLLVM,
		detect: detectLLVM,
	})
}

// llvmPrinter formats one program; labels maps a jump or call target index to
// its name when labels are printed.
type llvmPrinter struct {
	p      Program
	o      *PrintOptions
	labels map[int]string
	// syms lists the indexes that start a block (symbols and, with labels in
	// index mode, labels), sorted, for objdump's "<sym+0xoff>" annotations.
	syms []int
}

func printLLVM(w io.Writer, p Program, o *PrintOptions) error {
	lp := llvmPrinter{p: p, o: o}
	lp.assignLabels()
	var b strings.Builder
	blocks := map[int]string{}
	for pc, name := range o.Symbols {
		blocks[pc] = name
	}
	if o.Labels {
		for pc, name := range lp.labels {
			if _, ok := blocks[pc]; !ok {
				blocks[pc] = name
			}
		}
	}
	indent := ""
	if !o.Index && len(blocks) > 0 {
		indent = "\t"
	}
	first := true
	for pc := 0; pc < len(p); pc++ {
		if name, ok := blocks[pc]; ok {
			if o.Index {
				if !first {
					b.WriteByte('\n')
				}
				fmt.Fprintf(&b, "%016x <%s>:\n", pc*InsnSize, name)
			} else {
				b.WriteString(name + ":\n")
			}
		}
		first = false
		if o.Index {
			fmt.Fprintf(&b, "%8d:\t", pc)
		}
		b.WriteString(indent)
		b.WriteString(lp.text(pc))
		b.WriteByte('\n')
		if lp.isWide(pc) {
			pc++
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// isWide reports whether pc starts a complete lddw pair that prints as one
// instruction.
func (lp *llvmPrinter) isWide(pc int) bool {
	if !lp.p[pc].IsLdImm64() || pc+1 >= len(lp.p) {
		return false
	}
	n := lp.p[pc+1]
	return n.Code == 0 && n.Dst == 0 && n.Src == 0 && n.Off == 0 && lp.p[pc].check() == ""
}

// assignLabels names every jump and bpf-to-bpf call target when labels are
// printed: a symbol's name if it has one, otherwise LBB<f>_<n>, where f counts
// the symbol blocks before the target and n numbers labels within a block,
// after clang's basic-block labels.
func (lp *llvmPrinter) assignLabels() {
	syms := make([]int, 0, len(lp.o.Symbols))
	for pc := range lp.o.Symbols {
		syms = append(syms, pc)
	}
	sort.Ints(syms)
	if !lp.o.Labels {
		lp.syms = syms
		return
	}
	targets := map[int]bool{}
	second := map[int]bool{}
	for pc := 0; pc < len(lp.p); pc++ {
		if lp.isWide(pc) {
			second[pc+1] = true
		}
	}
	for pc := 0; pc < len(lp.p); pc++ {
		ins := lp.p[pc]
		if lp.isWide(pc) {
			pc++
			continue
		}
		if ins.check() != "" {
			continue
		}
		if ins.IsJump() || ins.IsPseudoCall() {
			// Targets outside the program or inside an lddw keep their
			// numeric offsets: no label line could mark them.
			if t := ins.JumpTarget(pc); t >= 0 && t < len(lp.p) && !second[t] {
				targets[t] = true
			}
		}
	}
	order := make([]int, 0, len(targets))
	for t := range targets {
		order = append(order, t)
	}
	sort.Ints(order)
	lp.labels = map[int]string{}
	fn, n, si := 0, 0, 0
	for _, t := range order {
		for si < len(syms) && syms[si] <= t {
			if si > 0 || syms[si] > 0 {
				fn++
			}
			n = 0
			si++
		}
		if name, ok := lp.o.Symbols[t]; ok {
			lp.labels[t] = name
			continue
		}
		n++
		lp.labels[t] = "LBB" + itoa(fn) + "_" + itoa(n)
	}
	all := append([]int(nil), syms...)
	for t := range lp.labels {
		if _, ok := lp.o.Symbols[t]; !ok {
			all = append(all, t)
		}
	}
	sort.Ints(all)
	lp.syms = all
}

// sx formats a signed number in hex as objdump does: 0x5, -0x5.
func sx(v int64) string {
	if v < 0 {
		return "-0x" + strconv.FormatUint(uint64(-v), 16)
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// signed formats an offset with its sign: +0x2, -0x3, +0x0.
func signed(v int64) string {
	if v < 0 {
		return sx(v)
	}
	return "+" + sx(v)
}

func regName(r Reg, w bool) string {
	if w {
		return "w" + itoa(int(r))
	}
	return "r" + itoa(int(r))
}

var llvmALUOps = map[ALUOp]string{
	BPF_ADD: "+=", BPF_SUB: "-=", BPF_MUL: "*=", BPF_DIV: "/=", BPF_OR: "|=",
	BPF_AND: "&=", BPF_LSH: "<<=", BPF_RSH: ">>=", BPF_MOD: "%=", BPF_XOR: "^=",
	BPF_MOV: "=", BPF_ARSH: "s>>=",
}

var llvmJmpOps = map[JmpOp]string{
	BPF_JEQ: "==", BPF_JGT: ">", BPF_JGE: ">=", BPF_JSET: "&", BPF_JNE: "!=",
	BPF_JSGT: "s>", BPF_JSGE: "s>=", BPF_JLT: "<", BPF_JLE: "<=", BPF_JSLT: "s<",
	BPF_JSLE: "s<=",
}

var sizeNames = map[Size]string{BPF_B: "u8", BPF_H: "u16", BPF_W: "u32", BPF_DW: "u64"}
var sxSizeNames = map[Size]string{BPF_B: "s8", BPF_H: "s16", BPF_W: "s32", BPF_DW: "s64"}

var atomicNames = map[ALUOp]string{BPF_ADD: "add", BPF_AND: "and", BPF_OR: "or", BPF_XOR: "xor"}

// raw spells one slot as its 8 little-endian bytes read as a number, the
// ".8byte" directive that clang and llvm-mc assemble verbatim (the kernel's
// selftests write instructions LLVM cannot spell this way too).
func raw(i Insn) string {
	var b [InsnSize]byte
	i.put(b[:], binary.LittleEndian)
	return fmt.Sprintf(".8byte 0x%016x", binary.LittleEndian.Uint64(b[:]))
}

// mem formats "(r1 + 0x2)".
func mem(r Reg, off int16) string {
	if off < 0 {
		return "(" + regName(r, false) + " - " + sx(-int64(off)) + ")"
	}
	return "(" + regName(r, false) + " + " + sx(int64(off)) + ")"
}

// target formats the destination of a jump at pc whose relative offset is rel.
func (lp *llvmPrinter) target(pc int, rel int64) string {
	t := pc + 1 + int(rel)
	if lp.o.Labels && !lp.o.Index {
		if name, ok := lp.labels[t]; ok {
			return name
		}
	}
	s := signed(rel)
	if lp.o.Index {
		s += lp.annotate(t)
	}
	return s
}

// annotate returns objdump's " <sym+0xoff>" for an index: the closest block
// start at or before the target's byte address, compared as unsigned 64-bit
// numbers as objdump does, so that a target before the section wraps around
// to the last block.
func (lp *llvmPrinter) annotate(t int) string {
	if len(lp.syms) == 0 {
		return ""
	}
	addr := uint64(int64(t) * InsnSize)
	i := len(lp.syms) - 1 // a negative target wraps past every block
	if t >= 0 {
		i = sort.SearchInts(lp.syms, t+1) - 1
	}
	if i < 0 {
		return ""
	}
	s := lp.syms[i]
	name, ok := lp.o.Symbols[s]
	if !ok {
		name = lp.labels[s]
	}
	if off := addr - uint64(s*InsnSize); off != 0 {
		return " <" + name + "+0x" + strconv.FormatUint(off, 16) + ">"
	}
	return " <" + name + ">"
}

// text formats the instruction at pc (both slots for lddw).
func (lp *llvmPrinter) text(pc int) string {
	ins := lp.p[pc]
	if ins.check() != "" || (ins.IsLdImm64() && !lp.isWide(pc)) {
		if lp.o.Objdump {
			return "<unknown>"
		}
		return raw(ins)
	}
	switch ins.Class() {
	case BPF_ALU, BPF_ALU64:
		return lp.alu(ins)
	case BPF_JMP, BPF_JMP32:
		return lp.jmp(pc, ins)
	case BPF_LD:
		return lp.ld(pc, ins)
	case BPF_LDX:
		w := lp.o.W32 && ins.Mode() == BPF_MEM && ins.Size() != BPF_DW
		sz := sizeNames[ins.Size()]
		if ins.Mode() == BPF_MEMSX {
			sz = sxSizeNames[ins.Size()]
		}
		return regName(ins.Dst, w) + " = *(" + sz + " *)" + mem(ins.Src, ins.Off)
	case BPF_ST:
		return "*(" + sizeNames[ins.Size()] + " *)" + mem(ins.Dst, ins.Off) + " = " + sx(int64(ins.Imm))
	default: // BPF_STX
		if ins.Mode() == BPF_MEM {
			w := lp.o.W32 && ins.Size() != BPF_DW
			return "*(" + sizeNames[ins.Size()] + " *)" + mem(ins.Dst, ins.Off) + " = " + regName(ins.Src, w)
		}
		return lp.atomic(ins)
	}
}

func (lp *llvmPrinter) alu(ins Insn) string {
	w := ins.Class() == BPF_ALU
	d := regName(ins.Dst, w)
	switch op := ins.ALUOp(); op {
	case BPF_NEG:
		return d + " = -" + d
	case BPF_END:
		r := regName(ins.Dst, false)
		if !w {
			return r + " = bswap" + itoa(int(ins.Imm)) + " " + r
		}
		e := "le"
		if ins.Source() == BPF_TO_BE {
			e = "be"
		}
		return r + " = " + e + itoa(int(ins.Imm)) + " " + r
	default:
		sym := llvmALUOps[op]
		if (op == BPF_DIV || op == BPF_MOD) && ins.Off == 1 {
			sym = "s" + sym
		}
		if ins.Source() == BPF_K {
			return d + " " + sym + " " + sx(int64(ins.Imm))
		}
		s := regName(ins.Src, w)
		if op == BPF_MOV && ins.Off != 0 {
			s = "(s" + itoa(int(ins.Off)) + ")" + s
		}
		return d + " " + sym + " " + s
	}
}

func (lp *llvmPrinter) jmp(pc int, ins Insn) string {
	w := ins.Class() == BPF_JMP32
	switch op := ins.JmpOp(); op {
	case BPF_JA:
		if w {
			return "gotol " + lp.target(pc, int64(ins.Imm))
		}
		return "goto " + lp.target(pc, int64(ins.Off))
	case BPF_JCOND:
		return "may_goto " + lp.target(pc, int64(ins.Off))
	case BPF_EXIT:
		return "exit"
	case BPF_CALL:
		return lp.call(pc, ins)
	default:
		s := sx(int64(ins.Imm))
		if ins.Source() == BPF_X {
			s = regName(ins.Src, w)
		}
		return "if " + regName(ins.Dst, w) + " " + llvmJmpOps[op] + " " + s + " goto " + lp.target(pc, int64(ins.Off))
	}
}

func (lp *llvmPrinter) call(pc int, ins Insn) string {
	if ins.Source() == BPF_X {
		return "callx " + regName(ins.Dst, false)
	}
	if lp.o.Objdump {
		return "call " + sx(int64(ins.Imm))
	}
	switch ins.Src {
	case BPF_PSEUDO_CALL:
		t := ins.JumpTarget(pc)
		if lp.o.Labels {
			if name, ok := lp.labels[t]; ok {
				return "call " + name
			}
		}
		return "call pc" + fmt.Sprintf("%+d", ins.Imm)
	case BPF_PSEUDO_KFUNC_CALL:
		s := "call kernel-function#" + itoa(int(ins.Imm))
		if ins.Off != 0 {
			s += ", " + itoa(int(ins.Off))
		}
		return s
	}
	if lp.o.HelperNames && Func(ins.Imm).Known() {
		return "call " + Func(ins.Imm).String()
	}
	return "call " + sx(int64(ins.Imm))
}

func (lp *llvmPrinter) ld(pc int, ins Insn) string {
	sz := sizeNames[ins.Size()]
	switch ins.Mode() {
	case BPF_ABS:
		return "r0 = *(" + sz + " *)skb[" + sx(int64(ins.Imm)) + "]"
	case BPF_IND:
		s := "r0 = *(" + sz + " *)skb[" + regName(ins.Src, false)
		if ins.Imm != 0 && !lp.o.Objdump {
			if ins.Imm < 0 {
				s += " - " + sx(-int64(ins.Imm))
			} else {
				s += " + " + sx(int64(ins.Imm))
			}
		}
		return s + "]"
	}
	// lddw
	next := lp.p[pc+1]
	d := regName(ins.Dst, false)
	if ins.Src == 0 {
		return d + " = " + sx(int64(Imm64(ins, next))) + " ll"
	}
	if name, ok := lp.o.MapNames[pc]; ok && !lp.o.Objdump && isIdent(name) {
		switch ins.Src {
		case BPF_PSEUDO_MAP_FD:
			return d + " = map[" + name + "]"
		case BPF_PSEUDO_MAP_VALUE:
			return d + " = map[" + name + "][0]+" + itoa(int(uint32(next.Imm)))
		}
	}
	// objdump shows the immediate as an unsigned 32-bit number here.
	s := "ld_pseudo\t" + d + ", " + sx(int64(ins.Src)) + ", " + sx(int64(uint32(ins.Imm)))
	if next.Imm != 0 && !lp.o.Objdump {
		s += ", " + sx(int64(uint32(next.Imm)))
	}
	return s
}

func (lp *llvmPrinter) atomic(ins Insn) string {
	if op := ALUOp(ins.Imm); lp.o.Objdump && (op == BPF_LOAD_ACQ || op == BPF_STORE_REL) {
		// LLVM 19 predates load-acquire and store-release: its decoder
		// ignores the immediate of the atomic add's encoding, so a 32- or
		// 64-bit load-acquire reads as an atomic add, and knows nothing
		// else there.
		if op == BPF_LOAD_ACQ && (ins.Size() == BPF_W || ins.Size() == BPF_DW) {
			w := ins.Size() == BPF_W && lp.o.W32
			return "lock *(" + sizeNames[ins.Size()] + " *)" + mem(ins.Dst, ins.Off) + " += " + regName(ins.Src, w)
		}
		return "<unknown>"
	}
	if lp.o.Objdump && !lp.o.W32 && ins.Size() == BPF_W {
		// llvm-objdump-19 without --mcpu decodes only the legacy 32-bit
		// atomic add, reads a fetching add as one, and knows no other
		// 32-bit atomic.
		switch ALUOp(ins.Imm) {
		case BPF_ADD, BPF_ADD | BPF_FETCH:
			return "lock *(u32 *)" + mem(ins.Dst, ins.Off) + " += " + regName(ins.Src, false)
		}
		return "<unknown>"
	}
	dw := ins.Size() == BPF_DW
	sz := sizeNames[ins.Size()]
	addr := mem(ins.Dst, ins.Off)
	src := regName(ins.Src, !dw)
	switch op := ALUOp(ins.Imm); op {
	case BPF_ADD, BPF_AND, BPF_OR, BPF_XOR:
		// llvm-objdump without --mcpu spells the 32-bit add with an r register.
		s := regName(ins.Src, !dw && (lp.o.W32 || op != BPF_ADD))
		return "lock *(" + sz + " *)" + addr + " " + llvmALUOps[op] + " " + s
	case BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH:
		return src + " = atomic_fetch_" + atomicNames[op&^BPF_FETCH] + "((" + sz + " *)" + addr + ", " + src + ")"
	case BPF_XCHG:
		if dw {
			return src + " = xchg_64" + addr[:len(addr)-1] + ", " + src + ")"
		}
		return src + " = xchg32_32" + addr[:len(addr)-1] + ", " + src + ")"
	case BPF_CMPXCHG:
		r0 := regName(BPF_REG_0, !dw)
		if dw {
			return r0 + " = cmpxchg_64" + addr[:len(addr)-1] + ", " + r0 + ", " + src + ")"
		}
		return r0 + " = cmpxchg32_32" + addr[:len(addr)-1] + ", " + r0 + ", " + src + ")"
	case BPF_LOAD_ACQ:
		return regName(ins.Dst, !dw) + " = load_acquire((" + sz + " *)" + mem(ins.Src, ins.Off) + ")"
	default: // BPF_STORE_REL
		return "store_release((" + sz + " *)" + addr + ", " + src + ")"
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
