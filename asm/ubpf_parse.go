package asm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The uBPF / bpf_conformance mnemonic syntax (SyntaxUBPF), as read by
// bpf_conformance's assembler and uBPF's ubpf_assembler.py, which produced the
// shared test vectors:
//
//	# comment                      '#' to the end of the line
//	name:                          a label (may precede an instruction on the same line)
//	mov32 %r0, 0                   ALU: add sub mul div sdiv or and lsh rsh mod smod
//	add %r0, %r1                   xor mov arsh; suffix 32 = BPF_ALU, none (or 64) = BPF_ALU64
//	neg %r0 / neg32 %r0
//	movsx832 %r0, %r1              sign-extending move: movsx{8,16,32}{32,64}
//	le16 %r0 / be32 %r0            byte order conversion (BPF_ALU|BPF_END)
//	swap64 %r0 (or bswap64)        unconditional byte swap (BPF_ALU64|BPF_END)
//	lddw %r0, 0x123456789abcdef0   64-bit immediate (two slots)
//	ldxw %r0, [%r1+4]              loads ldx{b,h,w,dw}; sign-extending ldxs{b,h,w}
//	stw [%r10-4], 7                stores of an immediate st{b,h,w,dw}
//	stxdw [%r10-8], %r0            stores of a register stx{b,h,w,dw}
//	lock fetch add [%r10-8], %r1   atomics: [fetch] add/and/or/xor, xchg, cmpxchg; suffix 32 = BPF_W
//	ja +2 / ja L2                  jumps take a label or a signed relative offset
//	ja32 L2                        the 32-bit-offset jump (gotol)
//	jne %r0, 15, failed            conditional jumps j{eq,gt,ge,set,ne,sgt,sge,lt,le,slt,sle}[32]
//	call 5 / call helper 5         helper call by id
//	call local func1               bpf-to-bpf call (BPF_PSEUDO_CALL)
//	call runtime 1234              kfunc call by BTF id (BPF_PSEUDO_KFUNC_CALL)
//	call %r2                       call through a register (callx: register in dst)
//	exit
//
// A jump to the label "exit" that the program does not define goes to the
// first exit instruction, as in bpf_conformance.
//
// bpflab extends the syntax, in the same style, where the ISA has forms that
// uBPF cannot write:
//
//	lddw %r1, map_fd 3             pseudo lddw: src BPF_PSEUDO_MAP_FD, imm 3
//	lddw %r1, map_value 3, 16      BPF_PSEUDO_MAP_VALUE: map 3, offset 16 (second slot)
//	lddw %r1, btf_id 7             BPF_PSEUDO_BTF_ID
//	lddw %r1, func L3              BPF_PSEUDO_FUNC (label or relative offset)
//	lddw %r1, map_idx 0            BPF_PSEUDO_MAP_IDX
//	lddw %r1, map_idx_value 0, 8   BPF_PSEUDO_MAP_IDX_VALUE
//	may_goto L4                    BPF_JMP|BPF_JCOND, src BPF_MAY_GOTO
//	ldacqw %r0, [%r1+0]            load-acquire ldacq{b,h,w,dw}
//	strelw [%r1+0], %r2            store-release strel{b,h,w,dw}
//	ldabsh 12 / ldindb %r2, 14     legacy packet loads (BPF_LD|BPF_ABS, BPF_IND)
//	.insn 0x07, 1, 0, 0, 5         one raw slot: code, dst, src, off, imm
//
// The printer falls back to .insn for any slot that has no mnemonic form (a
// reserved field set, an unknown opcode), so every program prints in a form
// that reads back to the same bytes.
//
// Numbers are decimal or 0x-hex with an optional sign. A 32-bit immediate is
// a signed decimal (-2147483648…2147483647) or a hex bit pattern up to
// 0xffffffff; offsets are 16-bit signed.

func init() {
	registerSyntax(SyntaxUBPF, syntaxImpl{
		print:  printUBPF,
		insn:   ubpfInsnString,
		parse:  func(src []byte, file string) (Program, error) { return parseUBPF(src, file, true) },
		detect: detectUBPF,
	})
}

// ubpfTok is one word of a line with its 1-based column.
type ubpfTok struct {
	s   string
	col int
}

// ubpfPos is where an instruction slot came from.
type ubpfPos struct{ line, col int }

type ubpfFixKind uint8

const (
	fixOff ubpfFixKind = iota // 16-bit Off of a jump
	fixImm                    // 32-bit Imm: gotol, call local, lddw func
)

// ubpfFixup is a label reference to resolve once every label is known.
type ubpfFixup struct {
	slot int
	kind ubpfFixKind
	name string
	line int
	tok  ubpfTok
}

type ubpfLabel struct {
	slot int
	line int
}

// ubpfAsm is the state of one assembly.
type ubpfAsm struct {
	file      string
	p         Program
	pos       []ubpfPos // per slot
	labels    map[string]ubpfLabel
	fixups    []ubpfFixup
	firstExit int // slot of the first exit, -1 before one is seen
}

func (a *ubpfAsm) errorf(line, col int, format string, args ...any) error {
	return &SyntaxError{File: a.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// parseUBPF assembles src. With validate it also checks the result with
// Program.Validate, reporting a bad slot at the line that wrote it.
func parseUBPF(src []byte, file string, validate bool) (Program, error) {
	a := &ubpfAsm{file: file, labels: map[string]ubpfLabel{}, firstExit: -1}
	lines := strings.Split(string(src), "\n")
	for i, text := range lines {
		if err := a.line(i+1, text); err != nil {
			return nil, err
		}
	}
	if err := a.resolve(); err != nil {
		return nil, err
	}
	if validate {
		if err := a.p.Validate(); err != nil {
			de, ok := err.(*DecodeError)
			if !ok {
				return nil, err
			}
			line, col := len(lines), 1
			if de.Insn < len(a.pos) {
				line, col = a.pos[de.Insn].line, a.pos[de.Insn].col
			}
			if len(a.p) == 0 {
				line = 1
			}
			return nil, a.errorf(line, col, "insn %d: %s", de.Insn, de.Msg)
		}
	}
	return a.p, nil
}

// tokenize splits a line, without its comment, into words: separators are
// blanks and commas, and a bracketed memory operand is one word.
func (a *ubpfAsm) tokenize(lineNo int, text string) ([]ubpfTok, error) {
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i]
	}
	var toks []ubpfTok
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == ',':
			i++
		case c == '[':
			j := strings.IndexByte(text[i:], ']')
			if j < 0 {
				return nil, a.errorf(lineNo, i+1, "missing ] in memory operand")
			}
			toks = append(toks, ubpfTok{s: text[i : i+j+1], col: i + 1})
			i += j + 1
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r,[", rune(text[j])) {
				j++
			}
			toks = append(toks, ubpfTok{s: text[i:j], col: i + 1})
			i = j
		}
	}
	return toks, nil
}

func isLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c == '.' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		case i > 0 && c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return true
}

// line assembles one line of source.
func (a *ubpfAsm) line(lineNo int, text string) error {
	toks, err := a.tokenize(lineNo, text)
	if err != nil {
		return err
	}
	for len(toks) > 0 && strings.HasSuffix(toks[0].s, ":") {
		name := strings.TrimSuffix(toks[0].s, ":")
		if !isLabelName(name) {
			return a.errorf(lineNo, toks[0].col, "invalid label name %q", name)
		}
		if prev, dup := a.labels[name]; dup {
			return a.errorf(lineNo, toks[0].col, "duplicate label %q (first defined at line %d)", name, prev.line)
		}
		a.labels[name] = ubpfLabel{slot: len(a.p), line: lineNo}
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return nil
	}
	start := len(a.p)
	if err := a.insn(lineNo, toks); err != nil {
		return err
	}
	for range len(a.p) - start {
		a.pos = append(a.pos, ubpfPos{lineNo, toks[0].col})
	}
	return nil
}

// ubpfALUOps maps ALU mnemonic stems to their operation and Off.
var ubpfALUOps = map[string]struct {
	op  ALUOp
	off int16
}{
	"add": {BPF_ADD, 0}, "sub": {BPF_SUB, 0}, "mul": {BPF_MUL, 0},
	"div": {BPF_DIV, 0}, "sdiv": {BPF_DIV, 1}, "or": {BPF_OR, 0},
	"and": {BPF_AND, 0}, "lsh": {BPF_LSH, 0}, "rsh": {BPF_RSH, 0},
	"mod": {BPF_MOD, 0}, "smod": {BPF_MOD, 1}, "xor": {BPF_XOR, 0},
	"mov": {BPF_MOV, 0}, "arsh": {BPF_ARSH, 0},
}

var ubpfJmpOps = map[string]JmpOp{
	"jeq": BPF_JEQ, "jgt": BPF_JGT, "jge": BPF_JGE, "jset": BPF_JSET,
	"jne": BPF_JNE, "jsgt": BPF_JSGT, "jsge": BPF_JSGE, "jlt": BPF_JLT,
	"jle": BPF_JLE, "jslt": BPF_JSLT, "jsle": BPF_JSLE,
}

var ubpfSizes = map[string]Size{"b": BPF_B, "h": BPF_H, "w": BPF_W, "dw": BPF_DW}

var ubpfAtomicOps = map[string]ALUOp{
	"add": BPF_ADD, "and": BPF_AND, "or": BPF_OR, "xor": BPF_XOR,
	"xchg": BPF_XCHG, "cmpxchg": BPF_CMPXCHG,
}

var ubpfPseudoLddw = map[string]uint8{
	"map_fd": BPF_PSEUDO_MAP_FD, "map_value": BPF_PSEUDO_MAP_VALUE,
	"btf_id": BPF_PSEUDO_BTF_ID, "func": BPF_PSEUDO_FUNC,
	"map_idx": BPF_PSEUDO_MAP_IDX, "map_idx_value": BPF_PSEUDO_MAP_IDX_VALUE,
}

// cutSuffixWidth splits "add32" into ("add", BPF_ALU) and "add"/"add64" into
// ("add", BPF_ALU64).
func cutSuffixWidth(m string) (string, Class) {
	if s, ok := strings.CutSuffix(m, "32"); ok {
		return s, BPF_ALU
	}
	if s, ok := strings.CutSuffix(m, "64"); ok {
		return s, BPF_ALU64
	}
	return m, BPF_ALU64
}

// insn encodes one instruction; toks[0] is the mnemonic.
func (a *ubpfAsm) insn(ln int, toks []ubpfTok) error {
	mt := toks[0]
	m := strings.ToLower(mt.s)
	ops := toks[1:]
	want := func(n int) error {
		if len(ops) != n {
			return a.errorf(ln, mt.col, "invalid number of operands for %s: want %d, got %d", m, n, len(ops))
		}
		return nil
	}
	emit := func(ins ...Insn) { a.p = append(a.p, ins...) }

	switch {
	case m == "exit":
		if err := want(0); err != nil {
			return err
		}
		if a.firstExit < 0 {
			a.firstExit = len(a.p)
		}
		emit(Insn{Code: Op(BPF_JMP, BPF_EXIT)})
		return nil

	case m == "ja" || m == "may_goto":
		if err := want(1); err != nil {
			return err
		}
		ins := Insn{Code: Op(BPF_JMP, BPF_JA)}
		if m == "may_goto" {
			ins.Code = Op(BPF_JMP, BPF_JCOND)
		}
		off, err := a.target(ln, ops[0], fixOff)
		if err != nil {
			return err
		}
		ins.Off = int16(off)
		emit(ins)
		return nil

	case m == "ja32":
		if err := want(1); err != nil {
			return err
		}
		off, err := a.target(ln, ops[0], fixImm)
		if err != nil {
			return err
		}
		emit(Insn{Code: Op(BPF_JMP32, BPF_JA), Imm: off})
		return nil

	case m == "call":
		return a.call(ln, mt, ops)

	case m == "lock":
		return a.lock(ln, mt, ops)

	case m == "lddw":
		return a.lddw(ln, mt, ops)

	case m == ".insn":
		return a.raw(ln, mt, ops)
	}

	// Families with a size suffix.
	for _, fam := range []struct {
		prefix string
		class  Class
		mode   Mode
		form   string // "rm": reg, mem; "mr": mem, reg; "mi": mem, imm; "i": imm; "ri": reg, imm
		imm    ALUOp
	}{
		{"ldxs", BPF_LDX, BPF_MEMSX, "rm", 0},
		{"ldx", BPF_LDX, BPF_MEM, "rm", 0},
		{"stx", BPF_STX, BPF_MEM, "mr", 0},
		{"st", BPF_ST, BPF_MEM, "mi", 0},
		{"ldacq", BPF_STX, BPF_ATOMIC, "rm", BPF_LOAD_ACQ},
		{"strel", BPF_STX, BPF_ATOMIC, "mr", BPF_STORE_REL},
		{"ldabs", BPF_LD, BPF_ABS, "i", 0},
		{"ldind", BPF_LD, BPF_IND, "ri", 0},
	} {
		rest, ok := strings.CutPrefix(m, fam.prefix)
		if !ok {
			continue
		}
		sz, ok := ubpfSizes[rest]
		if !ok {
			continue
		}
		ins := Insn{Code: Op(fam.class, fam.mode, sz), Imm: int32(fam.imm)}
		var err error
		switch fam.form {
		case "rm":
			if err = want(2); err == nil {
				if ins.Dst, err = a.reg(ln, ops[0]); err == nil {
					ins.Src, ins.Off, err = a.mem(ln, ops[1])
				}
			}
		case "mr":
			if err = want(2); err == nil {
				if ins.Dst, ins.Off, err = a.mem(ln, ops[0]); err == nil {
					ins.Src, err = a.reg(ln, ops[1])
				}
			}
		case "mi":
			if err = want(2); err == nil {
				if ins.Dst, ins.Off, err = a.mem(ln, ops[0]); err == nil {
					ins.Imm, err = a.imm32(ln, ops[1])
				}
			}
		case "i":
			if err = want(1); err == nil {
				ins.Imm, err = a.imm32(ln, ops[0])
			}
		case "ri":
			if err = want(2); err == nil {
				if ins.Src, err = a.reg(ln, ops[0]); err == nil {
					ins.Imm, err = a.imm32(ln, ops[1])
				}
			}
		}
		if err != nil {
			return err
		}
		emit(ins)
		return nil
	}

	// Byte order.
	for _, fam := range []struct {
		prefix string
		class  Class
		src    Source
	}{{"le", BPF_ALU, BPF_TO_LE}, {"be", BPF_ALU, BPF_TO_BE}, {"swap", BPF_ALU64, BPF_TO_LE}, {"bswap", BPF_ALU64, BPF_TO_LE}} {
		rest, ok := strings.CutPrefix(m, fam.prefix)
		if !ok || (rest != "16" && rest != "32" && rest != "64") {
			continue
		}
		if err := want(1); err != nil {
			return err
		}
		dst, err := a.reg(ln, ops[0])
		if err != nil {
			return err
		}
		w, _ := strconv.Atoi(rest)
		emit(Insn{Code: Op(fam.class, BPF_END, fam.src), Dst: dst, Imm: int32(w)})
		return nil
	}

	// Conditional jumps.
	if stem, class := cutSuffixWidth(m); class == BPF_ALU || stem == m {
		if op, ok := ubpfJmpOps[stem]; ok {
			jc := BPF_JMP
			if class == BPF_ALU {
				jc = BPF_JMP32
			}
			if err := want(3); err != nil {
				return err
			}
			ins := Insn{Code: Op(jc, op)}
			var err error
			if ins.Dst, err = a.reg(ln, ops[0]); err != nil {
				return err
			}
			if err := a.regOrImm(ln, ops[1], &ins); err != nil {
				return err
			}
			off, err := a.target(ln, ops[2], fixOff)
			if err != nil {
				return err
			}
			ins.Off = int16(off)
			emit(ins)
			return nil
		}
	}

	// ALU.
	stem, class := cutSuffixWidth(m)
	if stem == "neg" {
		if err := want(1); err != nil {
			return err
		}
		dst, err := a.reg(ln, ops[0])
		if err != nil {
			return err
		}
		emit(Insn{Code: Op(class, BPF_NEG, BPF_K), Dst: dst})
		return nil
	}
	if w, ok := strings.CutPrefix(stem, "movsx"); ok {
		bits, err := strconv.Atoi(w)
		if err != nil || (bits != 8 && bits != 16 && bits != 32) {
			return a.errorf(ln, mt.col, "invalid mnemonic %q: want movsx{8,16,32}{32,64}", mt.s)
		}
		if err := want(2); err != nil {
			return err
		}
		ins := Insn{Code: Op(class, BPF_MOV, BPF_X), Off: int16(bits)}
		if ins.Dst, err = a.reg(ln, ops[0]); err != nil {
			return err
		}
		if ins.Src, err = a.reg(ln, ops[1]); err != nil {
			return err
		}
		emit(ins)
		return nil
	}
	if alu, ok := ubpfALUOps[stem]; ok {
		if err := want(2); err != nil {
			return err
		}
		ins := Insn{Code: Op(class, alu.op), Off: alu.off}
		var err error
		if ins.Dst, err = a.reg(ln, ops[0]); err != nil {
			return err
		}
		if err := a.regOrImm(ln, ops[1], &ins); err != nil {
			return err
		}
		emit(ins)
		return nil
	}
	return a.errorf(ln, mt.col, "invalid mnemonic %q", mt.s)
}

var ubpfCallModes = map[string]bool{"helper": true, "local": true, "runtime": true}

// call encodes the call forms.
func (a *ubpfAsm) call(ln int, mt ubpfTok, ops []ubpfTok) error {
	mode := "helper"
	if len(ops) == 2 {
		mode = strings.ToLower(ops[0].s)
		ops = ops[1:]
	} else if len(ops) != 1 || ubpfCallModes[strings.ToLower(ops[0].s)] {
		return a.errorf(ln, mt.col, "invalid number of operands for call: want [helper|local|runtime] TARGET, got %d operand(s)", len(ops))
	}
	ins := Insn{Code: Op(BPF_JMP, BPF_CALL)}
	switch mode {
	case "helper":
		if strings.HasPrefix(ops[0].s, "%") {
			r, err := a.reg(ln, ops[0])
			if err != nil {
				return err
			}
			ins.Code, ins.Dst = Op(BPF_JMP, BPF_CALL, BPF_X), r
			break
		}
		imm, err := a.imm32(ln, ops[0])
		if err != nil {
			return err
		}
		ins.Imm = imm
	case "local":
		imm, err := a.target(ln, ops[0], fixImm)
		if err != nil {
			return err
		}
		ins.Src, ins.Imm = BPF_PSEUDO_CALL, imm
	case "runtime":
		imm, err := a.imm32(ln, ops[0])
		if err != nil {
			return err
		}
		ins.Src, ins.Imm = BPF_PSEUDO_KFUNC_CALL, imm
	default:
		return a.errorf(ln, mt.col+len(mt.s)+1, "invalid call mode %q: want helper, local or runtime", mode)
	}
	a.p = append(a.p, ins)
	return nil
}

// lock encodes "lock [fetch] OP[32] [%rD+off], %rS".
func (a *ubpfAsm) lock(ln int, mt ubpfTok, ops []ubpfTok) error {
	fetch := false
	if len(ops) > 0 && strings.ToLower(ops[0].s) == "fetch" {
		fetch = true
		ops = ops[1:]
	}
	if len(ops) == 0 {
		return a.errorf(ln, mt.col, "invalid number of operands for lock: want lock [fetch] OP [%%rN+off], %%rN")
	}
	opTok := ops[0]
	stem, class := cutSuffixWidth(strings.ToLower(opTok.s))
	op, ok := ubpfAtomicOps[stem]
	if !ok {
		return a.errorf(ln, opTok.col, "invalid atomic operation %q: want add, and, or, xor, xchg or cmpxchg", opTok.s)
	}
	ops = ops[1:]
	if len(ops) != 2 {
		return a.errorf(ln, mt.col, "invalid number of operands for lock %s: want 2, got %d", opTok.s, len(ops))
	}
	sz := BPF_DW
	if class == BPF_ALU {
		sz = BPF_W
	}
	if fetch {
		op |= BPF_FETCH
	}
	ins := Insn{Code: Op(BPF_STX, BPF_ATOMIC, sz), Imm: int32(op)}
	var err error
	if ins.Dst, ins.Off, err = a.mem(ln, ops[0]); err != nil {
		return err
	}
	if ins.Src, err = a.reg(ln, ops[1]); err != nil {
		return err
	}
	a.p = append(a.p, ins)
	return nil
}

// lddw encodes the 64-bit immediate load and its pseudo forms.
func (a *ubpfAsm) lddw(ln int, mt ubpfTok, ops []ubpfTok) error {
	if len(ops) < 2 {
		return a.errorf(ln, mt.col, "invalid number of operands for lddw: want 2, got %d", len(ops))
	}
	dst, err := a.reg(ln, ops[0])
	if err != nil {
		return err
	}
	lo, hi := Insn{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Dst: dst}, Insn{}
	kind := strings.ToLower(ops[1].s)
	src, pseudo := ubpfPseudoLddw[kind]
	if !pseudo {
		if len(ops) != 2 {
			return a.errorf(ln, mt.col, "invalid number of operands for lddw: want 2, got %d", len(ops))
		}
		v, err := a.imm64(ln, ops[1])
		if err != nil {
			return err
		}
		lo.Imm, hi.Imm = int32(uint32(v)), int32(uint32(v>>32))
		a.p = append(a.p, lo, hi)
		return nil
	}
	lo.Src = Reg(src)
	n := 3
	if src == BPF_PSEUDO_MAP_VALUE || src == BPF_PSEUDO_MAP_IDX_VALUE {
		n = 4
	}
	if len(ops) != n {
		return a.errorf(ln, mt.col, "invalid number of operands for lddw %s: want %d, got %d", kind, n-2, len(ops)-2)
	}
	if src == BPF_PSEUDO_FUNC {
		// The fixup (if any) must see the slot of the lddw itself.
		if lo.Imm, err = a.target(ln, ops[2], fixImm); err != nil {
			return err
		}
	} else if lo.Imm, err = a.imm32(ln, ops[2]); err != nil {
		return err
	}
	if n == 4 {
		if hi.Imm, err = a.imm32(ln, ops[3]); err != nil {
			return err
		}
	}
	a.p = append(a.p, lo, hi)
	return nil
}

// raw encodes ".insn CODE, DST, SRC, OFF, IMM".
func (a *ubpfAsm) raw(ln int, mt ubpfTok, ops []ubpfTok) error {
	if len(ops) != 5 {
		return a.errorf(ln, mt.col, "invalid number of operands for .insn: want 5 (code, dst, src, off, imm), got %d", len(ops))
	}
	var f [4]uint64
	for i, lim := range []uint64{0xff, 0xf, 0xf} {
		v, neg, err := a.number(ln, ops[i])
		if err != nil {
			return err
		}
		if neg || v > lim {
			return a.errorf(ln, ops[i].col, "invalid .insn field %q: out of range 0 to %#x", ops[i].s, lim)
		}
		f[i] = v
	}
	off, err := a.off16(ln, ops[3])
	if err != nil {
		return err
	}
	imm, err := a.imm32(ln, ops[4])
	if err != nil {
		return err
	}
	a.p = append(a.p, Insn{Code: uint8(f[0]), Dst: Reg(f[1]), Src: Reg(f[2]), Off: off, Imm: imm})
	return nil
}

// reg parses %r0 … %r10.
func (a *ubpfAsm) reg(ln int, t ubpfTok) (Reg, error) {
	if s, ok := strings.CutPrefix(strings.ToLower(t.s), "%r"); ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 10 && strconv.Itoa(n) == s {
			return Reg(n), nil
		}
	}
	return 0, a.errorf(ln, t.col, "invalid register %q: want %%r0 to %%r10", t.s)
}

// regOrImm fills the source operand of an ALU or jump instruction.
func (a *ubpfAsm) regOrImm(ln int, t ubpfTok, ins *Insn) error {
	if strings.HasPrefix(t.s, "%") {
		r, err := a.reg(ln, t)
		if err != nil {
			return err
		}
		ins.Code |= uint8(BPF_X)
		ins.Src = r
		return nil
	}
	imm, err := a.imm32(ln, t)
	if err != nil {
		return err
	}
	ins.Imm = imm
	return nil
}

// mem parses "[%rN+off]", "[%rN-off]" or "[%rN]".
func (a *ubpfAsm) mem(ln int, t ubpfTok) (Reg, int16, error) {
	bad := func() error {
		return a.errorf(ln, t.col, "invalid memory operand %q: want [%%rN+offset]", t.s)
	}
	if len(t.s) < 2 || t.s[0] != '[' || t.s[len(t.s)-1] != ']' {
		return 0, 0, bad()
	}
	inner := strings.ReplaceAll(t.s[1:len(t.s)-1], " ", "")
	inner = strings.ReplaceAll(inner, "\t", "")
	i := strings.IndexAny(inner, "+-")
	if i < 0 {
		r, err := a.reg(ln, ubpfTok{s: inner, col: t.col + 1})
		return r, 0, err
	}
	r, err := a.reg(ln, ubpfTok{s: inner[:i], col: t.col + 1})
	if err != nil {
		return 0, 0, err
	}
	off, err := a.off16(ln, ubpfTok{s: inner[i:], col: t.col + 1 + i})
	return r, off, err
}

// number parses a decimal or 0x-hex magnitude with an optional sign.
func (a *ubpfAsm) number(ln int, t ubpfTok) (mag uint64, neg bool, err error) {
	s := t.s
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := 10
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	mag, perr := strconv.ParseUint(s, base, 64)
	if perr != nil || s == "" || s[0] == '+' || s[0] == '-' {
		if ne, ok := perr.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, false, a.errorf(ln, t.col, "invalid number %q: out of 64-bit range", t.s)
		}
		return 0, false, a.errorf(ln, t.col, "invalid number %q", t.s)
	}
	return mag, neg, nil
}

func isHexNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
}

// imm32 parses a 32-bit immediate: signed decimal, or hex up to 0xffffffff
// taken as a bit pattern.
func (a *ubpfAsm) imm32(ln int, t ubpfTok) (int32, error) {
	mag, neg, err := a.number(ln, t)
	if err != nil {
		return 0, err
	}
	switch {
	case neg && mag <= 1<<31:
		return int32(-int64(mag)), nil
	case !neg && mag <= math.MaxInt32:
		return int32(mag), nil
	case !neg && isHexNumber(t.s) && mag <= math.MaxUint32:
		return int32(uint32(mag)), nil
	}
	return 0, a.errorf(ln, t.col, "invalid immediate %q: out of 32-bit range", t.s)
}

// imm64 parses the 64-bit immediate of lddw.
func (a *ubpfAsm) imm64(ln int, t ubpfTok) (uint64, error) {
	mag, neg, err := a.number(ln, t)
	if err != nil {
		return 0, err
	}
	if !neg {
		return mag, nil
	}
	if mag > 1<<63 {
		return 0, a.errorf(ln, t.col, "invalid immediate %q: out of 64-bit range", t.s)
	}
	return -mag, nil
}

// off16 parses a signed 16-bit offset.
func (a *ubpfAsm) off16(ln int, t ubpfTok) (int16, error) {
	mag, neg, err := a.number(ln, t)
	if err != nil {
		return 0, err
	}
	if neg && mag <= 1<<15 {
		return int16(-int64(mag)), nil
	}
	if !neg && mag <= math.MaxInt16 {
		return int16(mag), nil
	}
	return 0, a.errorf(ln, t.col, "invalid offset %q: out of 16-bit signed range", t.s)
}

// target parses a jump or call target: a signed relative offset, or a label
// resolved later (the slot it will patch is the next one appended).
func (a *ubpfAsm) target(ln int, t ubpfTok, kind ubpfFixKind) (int32, error) {
	if c := t.s[0]; c == '+' || c == '-' || (c >= '0' && c <= '9') {
		if c != '+' && c != '-' {
			return 0, a.errorf(ln, t.col, "invalid jump target %q: want +N, -N or a label", t.s)
		}
		if kind == fixOff {
			off, err := a.off16(ln, t)
			return int32(off), err
		}
		return a.imm32(ln, t)
	}
	if !isLabelName(t.s) {
		return 0, a.errorf(ln, t.col, "invalid jump target %q: want +N, -N or a label", t.s)
	}
	a.fixups = append(a.fixups, ubpfFixup{slot: len(a.p), kind: kind, name: t.s, line: ln, tok: t})
	return 0, nil
}

// resolve patches label references.
func (a *ubpfAsm) resolve() error {
	for _, f := range a.fixups {
		dst, ok := a.labels[f.name]
		if !ok && f.name == "exit" && a.firstExit >= 0 {
			dst, ok = ubpfLabel{slot: a.firstExit}, true
		}
		if !ok {
			return a.errorf(f.line, f.tok.col, "invalid label %q: not defined", f.name)
		}
		rel := dst.slot - f.slot - 1
		if f.kind == fixOff {
			if rel < math.MinInt16 || rel > math.MaxInt16 {
				return a.errorf(f.line, f.tok.col, "jump to %q out of 16-bit offset range (%d)", f.name, rel)
			}
			a.p[f.slot].Off = int16(rel)
		} else {
			a.p[f.slot].Imm = int32(rel)
		}
	}
	return nil
}

// detectUBPF scores how much src looks like uBPF syntax: %r registers and
// its bracketed memory operands are its marks.
func detectUBPF(src []byte) int {
	score := 0
	for line := range strings.SplitSeq(string(src), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(line, "%r") {
			score += 2
		}
		if strings.Contains(line, "=") {
			score--
		}
		switch strings.ToLower(f[0]) {
		case "lddw", "mov32", "ja", "lock", "ldxw", "ldxdw", "ldxb", "ldxh", "stxw", "stxdw":
			score++
		}
	}
	return max(score, 0)
}
