package asm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The assembler for the LLVM pseudo-C syntax. It reads what our printer
// prints, what llvm-objdump prints (index prefixes, "<sym+0x8>" annotations,
// symbol header lines), what clang -S and clang inline asm accept (labels,
// directives, decimal immediates, "r1 = sym ll"), and the instruction lines
// of the kernel's verifier log and bpftool's xlated dump ("0: (b7) r0 = 0",
// "(r1 +0)", "goto pc+2", "call bpf_map_lookup_elem#1", "r1 = map[id:5]").
//
// Comments run from "//" or "#" (at the start of a line or after a blank) to
// the end of the line, and "/* */" may enclose any text. A ";" at the start
// of a line, or anywhere after a kernel "(xx)" opcode prefix, starts a
// comment (source lines and register state in verifier logs); elsewhere it
// separates statements, as in llvm-mc and inline asm strings.
//
// A map referred to by name ("r1 = name ll", "r1 = map[name]") becomes a
// BPF_PSEUDO_MAP_FD lddw whose immediate is the map's index in order of first
// use, the convention of ProgramSpec.Maps.

// tok is one token of a statement.
type tok struct {
	s   string
	col int  // 1-based column
	num bool // a number literal (s holds its text)
	sp  bool // preceded by a blank
}

// llvmParser assembles one source.
type llvmParser struct {
	file   string
	prog   Program
	labels map[string]int
	fixups []llvmFixup
	maps   map[string]int
	lines  []int // source line of each slot
	// line state
	line int
	toks []tok
	pos  int
	end  int // column just past the statement, for errors at its end
	// codeCol is the column of a kernel "(xx)" opcode prefix.
	codeCol int
}

// llvmFixup is a jump or call whose target is a label.
type llvmFixup struct {
	pc         int
	label      string
	line, col  int
	call, long bool
}

// llvmErr is panicked inside the parser and recovered by parseLLVM, so that
// each production can stop at the first error without threading it through.
type llvmErr struct{ err *SyntaxError }

func parseLLVM(src []byte, file string) (Program, error) {
	prog, lines, err := assembleLLVM(src, file)
	if err != nil {
		return nil, err
	}
	// Like Unmarshal, the assembler hands out only well-formed programs.
	if err := prog.Validate(); err != nil {
		var de *DecodeError
		if errors.As(err, &de) && de.Insn < len(lines) {
			return nil, &SyntaxError{File: file, Line: lines[de.Insn], Col: 1, Msg: de.Error()}
		}
		return nil, &SyntaxError{File: file, Line: 1, Col: 1, Msg: err.Error()}
	}
	return prog, nil
}

// assembleLLVM reads the text without validating the program; it returns
// the source line of each slot.
func assembleLLVM(src []byte, file string) (prog Program, lines []int, err error) {
	p := &llvmParser{file: file, labels: map[string]int{}, maps: map[string]int{}}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(llvmErr)
			if !ok {
				panic(r)
			}
			prog, lines, err = nil, nil, e.err
		}
	}()
	src = stripBlockComments(src)
	for i, line := range strings.Split(string(src), "\n") {
		p.line = i + 1
		p.parseLine(strings.TrimRight(line, "\r"))
	}
	p.resolve()
	if len(p.prog) == 0 {
		return nil, nil, &SyntaxError{File: file, Line: 1, Col: 1, Msg: "no instructions"}
	}
	return p.prog, p.lines, nil
}

// stripBlockComments blanks /* */ comments, keeping newlines so that
// positions stay right.
func stripBlockComments(src []byte) []byte {
	if !bytes.Contains(src, []byte("/*")) {
		return src
	}
	out := append([]byte(nil), src...)
	for i := 0; i+1 < len(out); i++ {
		if out[i] != '/' || out[i+1] != '*' {
			continue
		}
		j := bytes.Index(out[i+2:], []byte("*/"))
		stop := len(out)
		if j >= 0 {
			stop = i + 2 + j + 2
		}
		for k := i; k < stop; k++ {
			if out[k] != '\n' {
				out[k] = ' '
			}
		}
		i = stop - 1
	}
	return out
}

func (p *llvmParser) fail(col int, format string, args ...any) {
	panic(llvmErr{&SyntaxError{File: p.file, Line: p.line, Col: col, Msg: fmt.Sprintf(format, args...)}})
}

// parseLine handles one source line: prefixes, comments, labels and
// statements.
func (p *llvmParser) parseLine(line string) {
	// Cut "//" and blank-preceded "#" comments.
	for i := 0; i < len(line); i++ {
		if line[i] == '/' && i+1 < len(line) && line[i+1] == '/' ||
			line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
			break
		}
	}
	trim := strings.TrimSpace(line)
	if trim == "" || trim[0] == ';' || strings.HasPrefix(trim, "Disassembly of section") ||
		strings.Contains(trim, "file format ") || strings.HasPrefix(trim, "func#") {
		return
	}
	col := len(line) - len(strings.TrimLeft(line, " \t")) // 0-based start of text
	// objdump symbol header: "0000000000000028 <LBB0_2>:"
	if name, ok := objdumpHeader(trim); ok {
		p.defineLabel(name, col+1)
		return
	}
	// Index prefix "  12:" (objdump, verifier log, bpftool).
	kernel := false
	if n := leadingDigits(line[col:]); n > 0 && col+n < len(line) && line[col+n] == ':' {
		col += n + 1
		col = skipBlanks(line, col)
		// A verifier log's register-state line: "0: R1=ctx() R10=fp0".
		if rest := line[col:]; len(rest) > 2 && rest[0] == 'R' && rest[1] >= '0' && rest[1] <= '9' {
			return
		}
		// objdump raw bytes "b7 01 00 00 ..." before a tab
		col = skipRawBytes(line, col)
	}
	// Kernel opcode prefix "(b7) ".
	code := -1
	if rest := line[col:]; len(rest) >= 4 && rest[0] == '(' && rest[3] == ')' && isHex(rest[1]) && isHex(rest[2]) {
		v, _ := strconv.ParseUint(rest[1:3], 16, 8)
		code = int(v)
		p.codeCol = col + 1
		kernel = true
		col = skipBlanks(line, col+4)
	}
	if kernel {
		if i := strings.IndexByte(line[col:], ';'); i >= 0 {
			line = line[:col+i]
		}
	}
	// Statements separated by ';'.
	start := col
	for start <= len(line) {
		end := strings.IndexByte(line[start:], ';')
		if end < 0 {
			end = len(line)
		} else {
			end += start
		}
		p.statement(line, start, end, code)
		code = -1
		start = end + 1
	}
}

func objdumpHeader(s string) (string, bool) {
	n := 0
	for n < len(s) && isHex(s[n]) {
		n++
	}
	if n != 16 || !strings.HasSuffix(s, ">:") {
		return "", false
	}
	rest := strings.TrimSpace(s[n:])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	name := rest[1 : len(rest)-2]
	if !isIdent(name) {
		return "", false
	}
	return name, true
}

func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// skipRawBytes skips objdump's "b7 01 00 00 00 00 00 00\t" columns.
func skipRawBytes(s string, i int) int {
	j := i
	for j+2 <= len(s) && isHex(s[j]) && isHex(s[j+1]) && (j+2 == len(s) || s[j+2] == ' ' || s[j+2] == '\t') {
		if j+2 < len(s) && s[j+2] == '\t' {
			return skipBlanks(s, j+2)
		}
		j += 3
	}
	return i
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// llvmOps are the operators, longest first for maximal munch.
var llvmOps = []string{"<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "==", "!=", ">=", "<=", "<<", ">>",
	"=", ">", "<", "&", "(", ")", "*", "[", "]", ",", ":", "#", "+", "-"}

// tokenize splits line[start:end] into tokens.
func (p *llvmParser) tokenize(line string, start, end int) []tok {
	var toks []tok
	i := start
	for i < end {
		c := line[i]
		sp := i > 0 && (line[i-1] == ' ' || line[i-1] == '\t')
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c >= '0' && c <= '9':
			j := i
			for j < end && (isHex(line[j]) || line[j] == 'x' || line[j] == 'X') {
				j++
			}
			toks = append(toks, tok{s: line[i:j], col: i + 1, num: true, sp: sp})
			i = j
			continue
		case c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < end && (line[j] == '_' || line[j] == '.' || line[j] >= 'a' && line[j] <= 'z' ||
				line[j] >= 'A' && line[j] <= 'Z' || line[j] >= '0' && line[j] <= '9') {
				j++
			}
			s := line[i:j]
			if s == "kernel" && strings.HasPrefix(line[j:end], "-function") {
				j += len("-function")
				s = "kernel-function"
			}
			toks = append(toks, tok{s: s, col: i + 1, sp: sp})
			i = j
			continue
		}
		matched := false
		for _, op := range llvmOps {
			if strings.HasPrefix(line[i:end], op) {
				toks = append(toks, tok{s: op, col: i + 1, sp: sp})
				i += len(op)
				matched = true
				break
			}
		}
		if !matched {
			p.fail(i+1, "unexpected character %q", string(c))
		}
	}
	// Merge the signed operators: "s" directly followed by >, >=, <, <=,
	// >>=, /=, %=.
	out := toks[:0]
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if t.s == "s" && !t.num && k+1 < len(toks) && toks[k+1].col == t.col+1 {
			switch n := toks[k+1].s; n {
			case ">", ">=", "<", "<=", ">>=", "/=", "%=":
				t.s = "s" + n
				k++
			}
		}
		out = append(out, t)
	}
	return out
}

// statement assembles line[start:end]; code is the kernel opcode prefix or -1.
func (p *llvmParser) statement(line string, start, end, code int) {
	p.toks = p.tokenize(line, start, end)
	p.pos = 0
	p.end = end + 1
	// Leading labels "name:".
	for len(p.toks)-p.pos >= 2 && !p.toks[p.pos].num && isIdent(p.toks[p.pos].s) && p.toks[p.pos+1].s == ":" {
		p.defineLabel(p.toks[p.pos].s, p.toks[p.pos].col)
		p.pos += 2
	}
	if p.pos == len(p.toks) {
		return
	}
	first := len(p.prog)
	p.insn(code)
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		p.fail(t.col, "unexpected %q after instruction", t.s)
	}
	if code >= 0 && len(p.prog) > first && int(p.prog[first].Code) != code {
		p.fail(p.codeCol, "opcode (%02x) does not match the instruction (%02x)", code, p.prog[first].Code)
	}
}

func (p *llvmParser) defineLabel(name string, col int) {
	if _, dup := p.labels[name]; dup {
		p.fail(col, "label %q defined twice", name)
	}
	p.labels[name] = len(p.prog)
}

// Token helpers.

func (p *llvmParser) peek() tok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return tok{s: "", col: p.end}
}

func (p *llvmParser) peekIs(s string) bool { return p.pos < len(p.toks) && p.toks[p.pos].s == s }

func (p *llvmParser) next() tok {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func found(t tok) string {
	if t.s == "" {
		return "end of line"
	}
	return strconv.Quote(t.s)
}

func (p *llvmParser) expect(s string) tok {
	t := p.next()
	if t.s != s {
		p.fail(t.col, "expected %q, found %s", s, found(t))
	}
	return t
}

func (p *llvmParser) accept(s string) bool {
	if p.peekIs(s) {
		p.pos++
		return true
	}
	return false
}

// parseReg reads r0–r10 or w0–w10.
func parseRegName(s string) (Reg, bool, bool) {
	if len(s) < 2 || (s[0] != 'r' && s[0] != 'w') {
		return 0, false, false
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 || n > 10 || (len(s) > 2 && s[1] == '0') {
		return 0, false, false
	}
	return Reg(n), s[0] == 'w', true
}

func (p *llvmParser) reg() (Reg, bool) {
	t := p.next()
	r, w, ok := parseRegName(t.s)
	if !ok || t.num {
		p.fail(t.col, "expected register, found %s", found(t))
	}
	return r, w
}

func (p *llvmParser) isReg() bool {
	t := p.peek()
	_, _, ok := parseRegName(t.s)
	return ok && !t.num
}

// number reads an optionally signed decimal or hex integer.
func (p *llvmParser) number() (int64, int) {
	t := p.peek()
	neg := false
	for p.peekIs("-") || p.peekIs("+") {
		if p.next().s == "-" {
			neg = !neg
		}
	}
	n := p.next()
	if !n.num {
		p.fail(n.col, "expected number, found %s", found(n))
	}
	var u uint64
	var err error
	if strings.HasPrefix(n.s, "0x") || strings.HasPrefix(n.s, "0X") {
		u, err = strconv.ParseUint(n.s[2:], 16, 64)
	} else {
		u, err = strconv.ParseUint(n.s, 10, 64)
	}
	if err != nil {
		p.fail(n.col, "invalid number %q", n.s)
	}
	if neg {
		if u > 1<<63 {
			p.fail(t.col, "number -%s out of range", n.s)
		}
		return -int64(u), t.col
	}
	return int64(u), t.col // values above MaxInt64 wrap, as lddw wants
}

// imm32 reads an immediate of a 32-bit field: -2^31 … 2^32-1, wrapping the
// upper half as llvm-mc does ("0xffffffff" is -1).
func (p *llvmParser) imm32() int32 {
	v, col := p.number()
	if v < math.MinInt32 || v > math.MaxUint32 {
		p.fail(col, "immediate %d does not fit in 32 bits", v)
	}
	return int32(v)
}

func (p *llvmParser) off16() int16 {
	v, col := p.number()
	if v < math.MinInt16 || v > math.MaxInt16 {
		p.fail(col, "offset %d does not fit in 16 bits", v)
	}
	return int16(v)
}

// sizeName reads "u8" … "u64" or "s8" … "s64"; signed reports an s.
func (p *llvmParser) size() (Size, bool, int) {
	t := p.next()
	sizes := map[string]Size{"u8": BPF_B, "u16": BPF_H, "u32": BPF_W, "u64": BPF_DW,
		"s8": BPF_B, "s16": BPF_H, "s32": BPF_W, "s64": BPF_DW}
	sz, ok := sizes[t.s]
	if !ok {
		p.fail(t.col, "expected size u8, u16, u32 or u64, found %s", found(t))
	}
	return sz, t.s[0] == 's', t.col
}

// sizeCast reads "(u32 *)".
func (p *llvmParser) sizeCast() (Size, bool, int) {
	p.expect("(")
	sz, signed, col := p.size()
	p.expect("*")
	p.expect(")")
	return sz, signed, col
}

// addr reads "r1 + 0x2", "r1 +2", "r10 - 8" or "r1" (inside parentheses).
func (p *llvmParser) addr() (Reg, int16) {
	r, _ := p.reg()
	if p.peekIs("+") || p.peekIs("-") {
		neg := p.next().s == "-"
		t := p.peek()
		v, _ := p.number()
		if neg {
			v = -v
		}
		if v < math.MinInt16 || v > math.MaxInt16 {
			p.fail(t.col, "offset %d does not fit in 16 bits", v)
		}
		return r, int16(v)
	}
	return r, 0
}

// memRef reads "(u32 *)(r1 + 0x2)".
func (p *llvmParser) memRef() (Size, bool, Reg, int16) {
	sz, signed, _ := p.sizeCast()
	p.expect("(")
	r, off := p.addr()
	p.expect(")")
	return sz, signed, r, off
}

func (p *llvmParser) emit(i ...Insn) {
	p.prog = append(p.prog, i...)
	for range i {
		p.lines = append(p.lines, p.line)
	}
}

func (p *llvmParser) emitWide(w Wide) { p.emit(w[0], w[1]) }

// target reads a jump target: +N, -N, pc+N, N or a label, with an optional
// objdump annotation "<sym+0x8>". It returns the relative offset or records
// a fixup.
func (p *llvmParser) target(long bool) int64 {
	pc := len(p.prog)
	t := p.peek()
	var rel int64
	switch {
	case t.s == "pc" && !t.num:
		p.pos++
		rel, _ = p.number()
	case t.num || t.s == "+" || t.s == "-":
		rel, _ = p.number()
	case isIdent(t.s) && !t.num:
		p.pos++
		p.fixups = append(p.fixups, llvmFixup{pc: pc, label: t.s, line: p.line, col: t.col, long: long})
		rel = 0
	default:
		p.fail(t.col, "expected jump target, found %s", found(t))
	}
	p.skipAnnotation()
	lim := int64(math.MaxInt16)
	if long {
		lim = math.MaxInt32
	}
	if rel < -lim-1 || rel > lim {
		p.fail(t.col, "jump offset %d out of range", rel)
	}
	return rel
}

// skipAnnotation skips objdump's "<prog+0x28>" after a target.
func (p *llvmParser) skipAnnotation() {
	if !p.peekIs("<") {
		return
	}
	for p.pos < len(p.toks) && p.toks[p.pos].s != ">" {
		p.pos++
	}
	p.expect(">")
}

var llvmJmpByName = map[string]JmpOp{
	"==": BPF_JEQ, ">": BPF_JGT, ">=": BPF_JGE, "&": BPF_JSET, "!=": BPF_JNE,
	"s>": BPF_JSGT, "s>=": BPF_JSGE, "<": BPF_JLT, "<=": BPF_JLE, "s<": BPF_JSLT, "s<=": BPF_JSLE,
}

var llvmALUByName = map[string]ALUOp{
	"+=": BPF_ADD, "-=": BPF_SUB, "*=": BPF_MUL, "/=": BPF_DIV, "|=": BPF_OR, "&=": BPF_AND,
	"<<=": BPF_LSH, ">>=": BPF_RSH, "%=": BPF_MOD, "^=": BPF_XOR, "s>>=": BPF_ARSH,
	"s/=": BPF_DIV, "s%=": BPF_MOD,
}

// insn assembles one instruction from the current tokens.
func (p *llvmParser) insn(code int) {
	t := p.peek()
	switch t.s {
	case "exit":
		p.pos++
		p.emit(BPF_EXIT_INSN())
		return
	case "goto", "ja":
		p.pos++
		p.emit(Insn{Code: Op(BPF_JMP, BPF_JA), Off: int16(p.target(false))})
		return
	case "gotol":
		p.pos++
		p.emit(Insn{Code: Op(BPF_JMP32, BPF_JA), Imm: int32(p.target(true))})
		return
	case "may_goto":
		p.pos++
		p.emit(BPF_MAY_GOTO_INSN(int16(p.target(false))))
		return
	case "call":
		p.pos++
		p.call()
		return
	case "callx":
		p.pos++
		r, _ := p.reg()
		p.emit(BPF_CALLX(r))
		return
	case "if":
		p.pos++
		p.cond()
		return
	case "lock":
		p.pos++
		p.expect("*")
		sz, _, r, off := p.memRef()
		op := p.next()
		aop, ok := llvmALUByName[op.s]
		if !ok || (aop != BPF_ADD && aop != BPF_AND && aop != BPF_OR && aop != BPF_XOR) || op.s[0] == 's' {
			p.fail(op.col, "expected +=, &=, |= or ^=, found %s", found(op))
		}
		src, _ := p.reg()
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, aop, r, src, off))
		return
	case "*":
		p.pos++
		p.store()
		return
	case "store_release":
		p.pos++
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_STORE_REL, r, src, off))
		return
	case "ld_pseudo":
		p.pos++
		dst, _ := p.reg()
		p.expect(",")
		src := p.imm32()
		if src < 1 || src > 15 {
			p.fail(t.col, "ld_pseudo source %d out of range", src)
		}
		p.expect(",")
		imm := p.imm32()
		var hi int32
		if p.accept(",") {
			hi = p.imm32()
		}
		p.emit(Insn{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Dst: dst, Src: Reg(src), Imm: imm}, Insn{Imm: hi})
		return
	case ".8byte", ".quad":
		p.pos++
		v, col := p.number()
		if v < 0 {
			p.fail(col, "expected an unsigned 64-bit number")
		}
		var b [8]byte
		for i := range b {
			b[i] = byte(uint64(v) >> (8 * i))
		}
		prog, _ := Decode(b[:], binary.LittleEndian)
		p.emit(prog...)
		return
	}
	if strings.HasPrefix(t.s, ".") && !t.num {
		// Other assembler directives (.text, .globl, .section …) carry no
		// instructions.
		p.pos = len(p.toks)
		return
	}
	if !p.isReg() {
		p.fail(t.col, "expected instruction, found %s", found(t))
	}
	p.assign(code)
}

func (p *llvmParser) atomicSize(sz Size, col int) {
	if sz != BPF_W && sz != BPF_DW {
		p.fail(col, "atomic operations need u32 or u64")
	}
}

func (p *llvmParser) call() {
	t := p.peek()
	switch {
	case t.s == "pc" && !t.num:
		p.pos++
		v := p.imm32()
		p.emit(BPF_CALL_REL(v))
	case t.num || t.s == "-" || t.s == "+":
		p.emit(Insn{Code: Op(BPF_JMP, BPF_CALL), Imm: p.imm32()})
	case t.s == "kernel-function":
		p.pos++
		p.expect("#")
		imm := p.imm32()
		var off int16
		if p.accept(",") {
			off = p.off16()
		}
		p.emit(BPF_CALL_KFUNC(off, imm))
	case isIdent(t.s):
		p.pos++
		if p.accept("#") {
			n := p.imm32()
			if f, ok := FuncByName(t.s); ok {
				p.emit(BPF_EMIT_CALL(f))
			} else if t.s == "unknown" || t.s == "bpf_unspec" {
				p.emit(Insn{Code: Op(BPF_JMP, BPF_CALL), Imm: n})
			} else {
				p.emit(BPF_CALL_KFUNC(0, n))
			}
			return
		}
		p.fixups = append(p.fixups, llvmFixup{pc: len(p.prog), label: t.s, line: p.line, col: t.col, call: true})
		p.emit(BPF_CALL_REL(0))
	default:
		p.fail(t.col, "expected call target, found %s", found(t))
	}
}

func (p *llvmParser) cond() {
	dst, w := p.reg()
	opt := p.next()
	op, ok := llvmJmpByName[opt.s]
	if !ok {
		p.fail(opt.col, "expected comparison, found %s", found(opt))
	}
	class := BPF_JMP
	if w {
		class = BPF_JMP32
	}
	ins := Insn{Dst: dst}
	if p.isReg() {
		src, _ := p.reg()
		ins.Code, ins.Src = Op(class, op, BPF_X), src
	} else {
		ins.Code, ins.Imm = Op(class, op, BPF_K), p.imm32()
	}
	p.expect("goto")
	ins.Off = int16(p.target(false))
	p.emit(ins)
}

// store reads "*(u32 *)(r1 + 0x2) = r3" or "= imm" after the leading "*".
func (p *llvmParser) store() {
	sz, signed, col := p.sizeCast()
	if signed {
		p.fail(col, "stores take an unsigned size")
	}
	p.expect("(")
	r, off := p.addr()
	p.expect(")")
	p.expect("=")
	if p.isReg() {
		src, _ := p.reg()
		p.emit(BPF_STX_MEM(sz, r, src, off))
		return
	}
	p.emit(BPF_ST_MEM(sz, r, off, p.imm32()))
}

// assign reads the statements that start with "rN" or "wN".
func (p *llvmParser) assign(code int) {
	dstTok := p.peek()
	dst, w := p.reg()
	class := BPF_ALU64
	if w {
		class = BPF_ALU
	}
	opt := p.next()
	if op, ok := llvmALUByName[opt.s]; ok {
		var off int16
		if opt.s[0] == 's' && op != BPF_ARSH {
			off = 1
		}
		if p.isReg() {
			src, _ := p.reg()
			p.emit(Insn{Code: Op(class, op, BPF_X), Dst: dst, Src: src, Off: off})
		} else if t := p.peek(); !t.num && t.s != "-" && t.s != "+" {
			p.fail(t.col, "expected register or immediate, found %s", found(t))
		} else {
			p.emit(Insn{Code: Op(class, op, BPF_K), Dst: dst, Off: off, Imm: p.imm32()})
		}
		return
	}
	if opt.s != "=" {
		p.fail(opt.col, "expected assignment operator, found %s", found(opt))
	}
	t := p.peek()
	switch {
	case t.s == "-" && p.pos+1 < len(p.toks) && !p.toks[p.pos+1].num:
		p.pos++
		src, _ := p.reg()
		if src != dst {
			p.fail(t.col, "negation needs the same register on both sides")
		}
		p.emit(Insn{Code: Op(class, BPF_NEG, BPF_K), Dst: dst})
	case t.s == "*":
		p.pos++
		p.load(dst, w, dstTok)
	case t.s == "(":
		// movsx "(s8)r2"
		p.pos++
		sz, signed, col := p.size()
		p.expect(")")
		src, _ := p.reg()
		if !signed || sz == BPF_DW || (sz == BPF_W && w) {
			p.fail(col, "expected s8, s16 or (for 64-bit registers) s32")
		}
		p.emit(Insn{Code: Op(class, BPF_MOV, BPF_X), Dst: dst, Src: src, Off: int16(sz.Bytes() * 8)})
	case p.isReg():
		src, _ := p.reg()
		p.emit(Insn{Code: Op(class, BPF_MOV, BPF_X), Dst: dst, Src: src})
	case t.num || t.s == "-" || t.s == "+":
		p.movImm(dst, w, class, code)
	case isIdent(t.s):
		p.pos++
		p.named(t, dst, w, class)
	default:
		p.fail(t.col, "expected expression, found %s", found(t))
	}
}

// movImm reads "= imm", "= imm ll" or the kernel's "(18) r1 = 0x…".
func (p *llvmParser) movImm(dst Reg, w bool, class Class, code int) {
	start := p.pos
	v, col := p.number()
	if p.accept("ll") || code == int(Op(BPF_LD, BPF_DW, BPF_IMM)) {
		if w {
			p.fail(col, "lddw needs a 64-bit register")
		}
		p.emitWide(BPF_LD_IMM64(dst, uint64(v)))
		return
	}
	p.pos = start
	p.emit(Insn{Code: Op(class, BPF_MOV, BPF_K), Dst: dst, Imm: p.imm32()})
}

// load reads "*(u32 *)(r1 + 2)" or "*(u32 *)skb[…]" after "rN = *".
func (p *llvmParser) load(dst Reg, w bool, dstTok tok) {
	sz, signed, col := p.sizeCast()
	if p.accept("skb") {
		if dst != BPF_REG_0 {
			p.fail(dstTok.col, "legacy packet loads write r0")
		}
		if signed || sz == BPF_DW {
			p.fail(col, "legacy packet loads take u8, u16 or u32")
		}
		p.expect("[")
		if p.isReg() {
			src, _ := p.reg()
			var imm int32
			if p.peekIs("+") || p.peekIs("-") {
				imm = p.imm32()
			}
			p.expect("]")
			p.emit(BPF_LD_IND(sz, src, imm))
			return
		}
		imm := p.imm32()
		p.expect("]")
		p.emit(BPF_LD_ABS(sz, imm))
		return
	}
	p.expect("(")
	src, off := p.addr()
	p.expect(")")
	if signed {
		if sz == BPF_DW {
			p.fail(col, "sign-extending loads take s8, s16 or s32")
		}
		p.emit(BPF_LDX_MEMSX(sz, dst, src, off))
		return
	}
	p.emit(BPF_LDX_MEM(sz, dst, src, off))
}

// named handles "rN = ident …": byte swaps, atomics, maps and symbols.
func (p *llvmParser) named(t tok, dst Reg, w bool, class Class) {
	s := t.s
	for _, e := range []struct {
		prefix string
		code   uint8
	}{{"le", Op(BPF_ALU, BPF_END, BPF_TO_LE)}, {"be", Op(BPF_ALU, BPF_END, BPF_TO_BE)}, {"bswap", Op(BPF_ALU64, BPF_END, BPF_TO_LE)}} {
		if n, ok := strings.CutPrefix(s, e.prefix); ok && (n == "16" || n == "32" || n == "64") {
			src, _ := p.reg()
			if src != dst {
				p.fail(t.col, "byte swap needs the same register on both sides")
			}
			bits, _ := strconv.Atoi(n)
			p.emit(Insn{Code: e.code, Dst: dst, Imm: int32(bits)})
			return
		}
	}
	if op, ok := fetchOps[strings.TrimPrefix(strings.TrimPrefix(s, "atomic64"), "atomic")]; ok && strings.HasPrefix(s, "atomic") {
		// r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "the fetched value goes to the source register")
		}
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, op, r, src, off))
		return
	}
	switch s {
	case "xchg_64", "xchg32_32":
		p.expect("(")
		r, off := p.addr()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "xchg returns into its source register")
		}
		sz := BPF_DW
		if s == "xchg32_32" {
			sz = BPF_W
		}
		p.emit(BPF_ATOMIC_OP(sz, BPF_XCHG, r, src, off))
		return
	case "cmpxchg_64", "cmpxchg32_32", "atomic_cmpxchg", "atomic64_cmpxchg":
		p.expect("(")
		sz := BPF_DW
		if s == "cmpxchg32_32" {
			sz = BPF_W
		}
		var r Reg
		var off int16
		if s[0] == 'a' {
			sz, _, r, off = p.memRef()
			p.atomicSize(sz, t.col)
		} else {
			r, off = p.addr()
		}
		p.expect(",")
		if r0, _ := p.reg(); r0 != BPF_REG_0 || dst != BPF_REG_0 {
			p.fail(t.col, "cmpxchg compares with r0 and returns into r0")
		}
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_CMPXCHG, r, src, off))
		return
	case "atomic_xchg", "atomic64_xchg":
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "xchg returns into its source register")
		}
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, BPF_XCHG, r, src, off))
		return
	case "load_acquire":
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_LOAD_ACQ, dst, r, off))
		return
	case "map":
		p.mapRef(dst, w, t)
		return
	}
	if w {
		p.fail(t.col, "expected expression, found %q", s)
	}
	// clang's "r1 = sym ll": a map by name.
	p.expect("ll")
	p.emitWide(BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, uint64(p.mapIndex(s))))
}

var fetchOps = map[string]ALUOp{
	"_fetch_add": BPF_ADD | BPF_FETCH, "_fetch_and": BPF_AND | BPF_FETCH,
	"_fetch_or": BPF_OR | BPF_FETCH, "_fetch_xor": BPF_XOR | BPF_FETCH,
}

func (p *llvmParser) mapIndex(name string) int {
	if i, ok := p.maps[name]; ok {
		return i
	}
	p.maps[name] = len(p.maps)
	return len(p.maps) - 1
}

// mapRef reads bpftool's "map[id:5]", "map[id:5][0]+8" and our
// "map[name]", "map[name][0]+8" after "rN = map".
func (p *llvmParser) mapRef(dst Reg, w bool, t tok) {
	if w {
		p.fail(t.col, "map references need a 64-bit register")
	}
	p.expect("[")
	var imm int32
	n := p.next()
	switch {
	case n.s == "id" || n.s == "fd" || n.s == "idx":
		p.expect(":")
		imm = p.imm32()
	case isIdent(n.s) && !n.num:
		imm = int32(p.mapIndex(n.s))
	default:
		p.fail(n.col, "expected map id or name, found %s", found(n))
	}
	p.expect("]")
	if p.accept("[") {
		p.expect("0")
		p.expect("]")
		p.expect("+")
		off := p.imm32()
		p.emitWide(BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_MAP_VALUE, 0, 0, imm, off))
		return
	}
	p.emitWide(BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, uint64(uint32(imm))))
}

// resolve patches label references once all labels are known.
func (p *llvmParser) resolve() {
	for _, f := range p.fixups {
		t, ok := p.labels[f.label]
		if !ok {
			if fn, isHelper := FuncByName(f.label); isHelper && f.call {
				p.prog[f.pc] = BPF_EMIT_CALL(fn)
				continue
			}
			panic(llvmErr{&SyntaxError{File: p.file, Line: f.line, Col: f.col, Msg: fmt.Sprintf("undefined label %q", f.label)}})
		}
		rel := int64(t - f.pc - 1)
		ins := &p.prog[f.pc]
		switch {
		case f.call || f.long:
			ins.Imm = int32(rel)
		default:
			if rel < math.MinInt16 || rel > math.MaxInt16 {
				panic(llvmErr{&SyntaxError{File: p.file, Line: f.line, Col: f.col, Msg: fmt.Sprintf("jump to %q out of range (use gotol)", f.label)}})
			}
			ins.Off = int16(rel)
		}
	}
}

// detectLLVM scores how much src looks like LLVM pseudo-C.
func detectLLVM(src []byte) int {
	score := 0
	for _, line := range strings.Split(string(src), "\n") {
		s := strings.TrimSpace(line)
		if strings.Contains(s, "BPF_") || strings.Contains(s, "%r") {
			continue
		}
		if s == "exit" || strings.HasSuffix(s, "exit") || strings.Contains(s, " = ") ||
			strings.Contains(s, "goto ") || strings.Contains(s, "call ") || strings.Contains(s, " += ") {
			score++
		}
	}
	return score
}
