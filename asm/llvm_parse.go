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
// symbol header lines, raw byte columns), what clang -S and clang inline asm
// accept (labels, numeric local labels with "1f"/"1b" references, directives,
// .byte/.short/.long/.8byte data, decimal immediates with C suffixes,
// "r1 = sym ll"), and the instruction lines of the kernel's verifier log and
// bpftool's xlated dump ("0: (b7) r0 = 0", "(r1 +0)", "goto pc+2",
// "call bpf_map_lookup_elem#1", "r1 = map[id:5]"), skipping the log's
// register-state and bookkeeping lines.
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
}

// llvmParser assembles one source.
type llvmParser struct {
	file   string
	prog   Program
	labels map[string]int
	fixups []llvmFixup
	maps   map[string]int
	lines  []int  // source line of each slot
	data   []byte // bytes of data directives not yet a whole slot
	// numLabels holds the slots of each numeric local label ("1:"), in
	// order, for "1f" and "1b" references.
	numLabels map[string][]int
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

// llvmErr is panicked inside the parser and recovered by assembleLLVM, so that
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
	p := &llvmParser{file: file, labels: map[string]int{}, maps: map[string]int{}, numLabels: map[string][]int{}}
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
	all := strings.Split(string(src), "\n")
	for i := 0; i < len(all); i++ {
		p.line = i + 1
		line := strings.TrimRight(all[i], "\r")
		// bpftool's "opcodes" listing puts the instruction's bytes under
		// its text; the bytes are exact where the text may not be (an old
		// bpftool prints "BUG_alu64_d7" for bswap16), so they win.
		if i+1 < len(all) {
			if b, ok := opcodeBytes(all[i+1]); ok {
				if n := leadingDigits(strings.TrimLeft(line, " \t")); n > 0 {
					idx := strings.TrimLeft(line, " \t")[:n]
					p.numLabels[idx] = append(p.numLabels[idx], len(p.prog))
					slots, _ := Decode(b, binary.LittleEndian)
					// In an xlated dump a bpf-to-bpf call holds its
					// relative target in off and the callee's index in
					// imm; the loadable form keeps the target in imm.
					if s := &slots[0]; s.IsPseudoCall() && s.Off != 0 {
						s.Imm, s.Off = int32(s.Off), 0
					}
					p.emit(slots...)
					i++
					continue
				}
			}
		}
		p.parseLine(line)
	}
	p.checkData()
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
	lineStart := true // only blanks since the last newline
	for i := 0; i+1 < len(out); i++ {
		c := out[i]
		// A line comment hides "/*": skip to the end of the line.
		if c == '/' && out[i+1] == '/' || lineStart && (c == ';' || c == '#') {
			for i+1 < len(out) && out[i+1] != '\n' {
				i++
			}
			continue
		}
		switch c {
		case '\n':
			lineStart = true
		case ' ', '\t', '\r':
		default:
			lineStart = false
		}
		if c != '/' || out[i+1] != '*' {
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
	if trim == "" || trim[0] == ';' || isListingNoise(trim) {
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
		// Listing indexes and numeric local labels look alike; both are
		// recorded as labels, only "1f"/"1b" references use them.
		p.numLabels[line[col:col+n]] = append(p.numLabels[line[col:col+n]], len(p.prog))
		col += n + 1
		col = skipBlanks(line, col)
		// A verifier log's register-state line: "0: R1=ctx() R10=fp0".
		if isListingNoise(line[col:]) {
			return
		}
		// The liveness column of a 6.18 verifier log: "0: ..2.4..... (bf) r6 = r1".
		if n := liveColumn(line[col:]); n > 0 {
			col = skipBlanks(line, col+n)
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

// logNoise starts the lines of verifier logs and tool listings that carry no
// instruction: subprogram and state lines, statistics, precision tracking.
var logNoise = []string{"Disassembly of section", "func#", "processed ", "from ", "last_idx ",
	"regs=", "parent ", "mark_precise", "propagating ", "verification time", "stack depth ",
	"returning from ", "to caller at ", "Live regs", "Global function ", "Func#", "Validating "}

// isListingNoise reports whether a trimmed line is verifier-log or listing
// text around the instructions: the lines above, "file format" headers,
// register state ("R1=ctx()"), and bpftool's opcode bytes ("b7 00 00 …").
func isListingNoise(s string) bool {
	for _, n := range logNoise {
		if strings.HasPrefix(s, n) {
			return true
		}
	}
	if len(s) > 6 && strings.HasPrefix(s, "frame") && s[5] >= '0' && s[5] <= '9' { // "frame1: R1=…"
		return true
	}
	if strings.Contains(s, "file format ") || len(s) > 2 && s[0] == 'R' && s[1] >= '0' && s[1] <= '9' && strings.ContainsAny(s, "=_ ") {
		return true
	}
	// opcode bytes: pairs of hex digits separated by single blanks
	if len(s) >= 23 && len(s)%3 == 2 {
		for i := 0; i < len(s); i++ {
			if i%3 == 2 && s[i] != ' ' || i%3 != 2 && !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// opcodeBytes reads a line of 8 or 16 blank-separated hex bytes, as bpftool
// prints under each instruction with "opcodes".
func opcodeBytes(line string) ([]byte, bool) {
	f := strings.Fields(line)
	if len(f) != 8 && len(f) != 16 {
		return nil, false
	}
	b := make([]byte, len(f))
	for i, x := range f {
		if len(x) != 2 || !isHex(x[0]) || !isHex(x[1]) {
			return nil, false
		}
		v, _ := strconv.ParseUint(x, 16, 8)
		b[i] = byte(v)
	}
	return b, true
}

// liveColumn returns the length of a leading run of dots and digits that
// is followed by a blank and a kernel "(xx)" opcode, or 0.
func liveColumn(s string) int {
	n := 0
	for n < len(s) && (s[n] == '.' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == 0 || n+1 >= len(s) || s[n] != ' ' || s[n+1] != '(' || !strings.Contains(s[:n], ".") {
		return 0
	}
	return n
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
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case c >= '0' && c <= '9':
			j := i
			for j < end && (isHex(line[j]) || line[j] == 'x' || line[j] == 'X') {
				j++
			}
			toks = append(toks, tok{s: line[i:j], col: i + 1, num: true})
			// C integer suffixes (U, L, LL, ULL) are ignored, as LLVM's
			// assembler lexer does.
			for j < end && strings.IndexByte("uUlL", line[j]) >= 0 {
				j++
			}
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
			toks = append(toks, tok{s: s, col: i + 1})
			i = j
			continue
		}
		matched := false
		for _, op := range llvmOps {
			if strings.HasPrefix(line[i:end], op) {
				toks = append(toks, tok{s: op, col: i + 1})
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
	// Leading labels "name:" and numeric local labels "1:".
	for len(p.toks)-p.pos >= 2 && p.toks[p.pos+1].s == ":" {
		t := p.toks[p.pos]
		switch {
		case t.num && leadingDigits(t.s) == len(t.s):
			p.numLabels[t.s] = append(p.numLabels[t.s], len(p.prog))
		case !t.num && isIdent(t.s):
			p.defineLabel(t.s, t.col)
		default:
			p.fail(t.col, "invalid label %q", t.s)
		}
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
	p.checkData()
	p.prog = append(p.prog, i...)
	for range i {
		p.lines = append(p.lines, p.line)
	}
}

// checkData refuses data directives that stop in the middle of a slot.
func (p *llvmParser) checkData() {
	if len(p.data) != 0 {
		p.fail(1, "data directives leave a partial instruction (%d bytes)", len(p.data))
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
	case t.num && isNumericRef(t.s):
		p.pos++
		p.fixups = append(p.fixups, llvmFixup{pc: pc, label: t.s, line: p.line, col: t.col, long: long})
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

// isNumericRef reports whether s refers to a numeric local label: "1f"
// (the next "1:") or "1b" (the last one).
func isNumericRef(s string) bool {
	n := leadingDigits(s)
	return n > 0 && n == len(s)-1 && (s[n] == 'f' || s[n] == 'b')
}

func (p *llvmParser) numericTarget(ref string, pc int) (int, bool) {
	defs := p.numLabels[ref[:len(ref)-1]]
	if ref[len(ref)-1] == 'b' {
		for i := len(defs) - 1; i >= 0; i-- {
			if defs[i] <= pc {
				return defs[i], true
			}
		}
		return 0, false
	}
	for _, d := range defs {
		if d > pc {
			return d, true
		}
	}
	return 0, false
}

// resolve patches label references once all labels are known.
func (p *llvmParser) resolve() {
	for _, f := range p.fixups {
		t, ok := p.labels[f.label]
		if isNumericRef(f.label) {
			t, ok = p.numericTarget(f.label, f.pc)
		}
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
