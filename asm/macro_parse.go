package asm

import (
	"errors"
	"fmt"
	"strings"
)

// The reader of the kernel's C macro syntax: a C initializer list of
// filter.h macros, as kernel selftests write programs,
//
//	.insns = {
//		BPF_MOV64_IMM(BPF_REG_0, 0),
//		BPF_EXIT_INSN(),
//	},
//
// or a bare list of the macros. The text goes through a small C
// preprocessor (macro_cpp.go), then an initializer parser
// builds a tree of CInit elements whose expressions cexpr.go evaluates.

func init() {
	registerSyntax(SyntaxMacro, syntaxImpl{
		print:  printMacro,
		insn:   macroInsnString,
		parse:  parseMacro,
		detect: detectMacro,
	})
}

// CInit is one element of a C initializer list: a designated or positional
// value that is either a brace-enclosed list of elements or an expression.
// Package kselftest reads the kernel's struct bpf_test tables with it.
type CInit struct {
	File      string
	Line, Col int
	// Field is the designator without its leading dot ("insns",
	// "retvals", "foo[6]"); for a top-level declaration such as
	// "struct bpf_insn prog[] = {…};" the declared name ("prog"); "" for
	// a positional element.
	Field  string
	Braced bool     // the value is a { … } list
	List   []*CInit // its elements when Braced
	toks   []ctoken // the expression otherwise
	env    *cenv
	end    ctoken // where the element ends, for errors about missing text
}

// COptions adjust ParseCInit.
type COptions struct {
	// Predefine is C text read before the input for its #define lines,
	// e.g. the macros a table's including file defines.
	Predefine string
}

// ParseCInit preprocesses C source and parses it as the elements of an
// initializer list (the contents of an array initializer, as the kernel's
// verifier/*.c fragments are). Top-level elements may be separated by ','
// or ';'. file names the input in errors.
func ParseCInit(src []byte, file string, o *COptions) ([]*CInit, error) {
	pp := newCPP(file, cDefaultEnv)
	if o != nil && o.Predefine != "" {
		pre, err := lexC([]byte(o.Predefine), "<predefine>")
		if err != nil {
			return nil, err
		}
		saved := pp.file
		pp.file = "<predefine>"
		if _, err := pp.run(pre); err != nil {
			return nil, err
		}
		pp.file = saved
	}
	toks, err := lexC(src, file)
	if err != nil {
		return nil, err
	}
	toks, err = pp.run(toks)
	if err != nil {
		return nil, err
	}
	ip := &initParser{toks: toks, file: file, env: cDefaultEnv}
	if len(toks) > 0 {
		ip.eof = toks[len(toks)-1]
		ip.eof.col += len(ip.eof.text)
	} else {
		ip.eof = ctoken{line: 1, col: 1}
	}
	return ip.list("")
}

type initParser struct {
	toks  []ctoken
	pos   int
	file  string
	env   *cenv
	eof   ctoken
	depth int
}

func (p *initParser) peek() ctoken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	e := p.eof
	e.kind, e.text = cEOF, ""
	return e
}

func (p *initParser) errf(t ctoken, format string, args ...any) error {
	return &SyntaxError{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func isP(t ctoken, s string) bool { return t.kind == cPunct && t.text == s }

// list parses elements up to the closing '}' (closer "}") or to the end of
// input (closer ""), consuming the closer.
func (p *initParser) list(closer string) ([]*CInit, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 100 {
		return nil, p.errf(p.peek(), "initializer nested too deeply")
	}
	var els []*CInit
	for {
		t := p.peek()
		if closer == "}" && isP(t, "}") {
			p.pos++
			return els, nil
		}
		if t.kind == cEOF {
			if closer == "" {
				return els, nil
			}
			return nil, p.errf(t, "expected '}' at end of input")
		}
		if closer == "" && isP(t, ";") {
			p.pos++
			continue
		}
		el, err := p.element(closer)
		if err != nil {
			return nil, err
		}
		els = append(els, el)
		t = p.peek()
		switch {
		case isP(t, ","), closer == "" && isP(t, ";"):
			p.pos++
		case closer == "}" && isP(t, "}"), t.kind == cEOF:
		default:
			return nil, p.errf(t, "expected ',' or '%s' before '%s'", map[string]string{"": ";", "}": "}"}[closer], t.text)
		}
	}
}

func (p *initParser) element(closer string) (*CInit, error) {
	start := p.peek()
	el := &CInit{File: p.file, Line: start.line, Col: start.col, env: p.env}
	// Designators: .a.b[3] =  or [N] =
	if (isP(start, ".") && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == cIdent) || isP(start, "[") {
		var b strings.Builder
		for {
			t := p.peek()
			if isP(t, ".") {
				p.pos++
				id := p.peek()
				if id.kind != cIdent {
					return nil, p.errf(id, "expected a field name after '.'")
				}
				p.pos++
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(id.text)
				continue
			}
			if isP(t, "[") {
				p.pos++
				b.WriteByte('[')
				for !isP(p.peek(), "]") {
					if p.peek().kind == cEOF {
						return nil, p.errf(t, "expected ']' in designator")
					}
					b.WriteString(p.peek().text)
					p.pos++
				}
				p.pos++
				b.WriteByte(']')
				continue
			}
			break
		}
		if t := p.peek(); !isP(t, "=") {
			return nil, p.errf(t, "expected '=' after designator%s", cNear(t))
		}
		p.pos++
		el.Field = b.String()
	}
	if isP(p.peek(), "{") {
		p.pos++
		list, err := p.list("}")
		if err != nil {
			return nil, err
		}
		el.Braced, el.List = true, list
		return el, nil
	}
	// An expression: tokens up to a ',' (or the closer) outside brackets.
	var stack []ctoken
	begin := p.pos
	for {
		t := p.peek()
		if t.kind == cEOF {
			if len(stack) > 0 {
				return nil, p.unclosed(stack[len(stack)-1], t)
			}
			break
		}
		if t.kind == cPunct {
			if len(stack) == 0 && (t.text == "," || t.text == "}" || closer == "" && t.text == ";") {
				break
			}
			if len(stack) == 0 && closer == "" && t.text == "=" && el.Field == "" {
				// A declaration: "struct bpf_insn prog[] = { … };".
				el.Field = declName(p.toks[begin:p.pos])
				p.pos++
				if !isP(p.peek(), "{") {
					return nil, p.errf(p.peek(), "expected '{' after '='")
				}
				p.pos++
				list, err := p.list("}")
				if err != nil {
					return nil, err
				}
				el.Braced, el.List = true, list
				return el, nil
			}
			switch t.text {
			case "(", "[", "{":
				stack = append(stack, t)
			case ")", "]", "}":
				want := map[string]string{")": "(", "]": "[", "}": "{"}[t.text]
				if len(stack) == 0 {
					return nil, p.errf(t, "unexpected '%s'", t.text)
				}
				if top := stack[len(stack)-1]; top.text != want {
					return nil, p.unclosed(top, t)
				}
				stack = stack[:len(stack)-1]
			}
		}
		p.pos++
	}
	el.toks = p.toks[begin:p.pos]
	if len(el.toks) == 0 {
		return nil, p.errf(start, "expected an initializer%s", cNear(start))
	}
	el.end = el.toks[len(el.toks)-1]
	el.end.col += len(el.end.text)
	return el, nil
}

// unclosed reports an opening bracket that at is not the partner of.
func (p *initParser) unclosed(open, at ctoken) error {
	closeOf := map[string]string{"(": ")", "[": "]", "{": "}"}[open.text]
	if open.text == "(" {
		// Was it the argument list of a macro?
		for i := p.pos - 1; i > 0; i-- {
			if p.toks[i].line == open.line && p.toks[i].col == open.col && p.toks[i].text == "(" {
				if p.toks[i-1].kind == cIdent {
					return p.errf(at, "expected ')' after macro arguments%s", cNear(at))
				}
				break
			}
		}
	}
	return p.errf(at, "expected '%s'%s", closeOf, cNear(at))
}

// declName picks the declared name out of a declaration's tokens: the last
// identifier before any array brackets.
func declName(toks []ctoken) string {
	name := ""
	for _, t := range toks {
		if isP(t, "[") {
			break
		}
		if t.kind == cIdent {
			name = t.text
		}
	}
	return name
}

// Errorf returns a *SyntaxError at the element's position.
func (c *CInit) Errorf(format string, args ...any) error {
	return &SyntaxError{File: c.File, Line: c.Line, Col: c.Col, Msg: fmt.Sprintf(format, args...)}
}

// Get returns the last element of a braced list designated field (C lets a
// later designator override an earlier one), or nil.
func (c *CInit) Get(field string) *CInit {
	var r *CInit
	for _, e := range c.List {
		if e.Field == field {
			r = e
		}
	}
	return r
}

// Text returns the element's expression as written (after macro
// expansion), or "{…}" for a braced list.
func (c *CInit) Text() string {
	if c.Braced {
		return "{…}"
	}
	return joinTokens(c.toks)
}

// Ident returns the expression when it is a single identifier.
func (c *CInit) Ident() (string, bool) {
	if !c.Braced && len(c.toks) == 1 && c.toks[0].kind == cIdent {
		return c.toks[0].text, true
	}
	return "", false
}

func (c *CInit) eval() (cval, error) {
	if c.Braced {
		// C allows braces around a scalar initializer.
		if len(c.List) == 1 && c.List[0].Field == "" {
			return c.List[0].eval()
		}
		return cval{}, c.Errorf("expected an integer, found a braced list")
	}
	return evalTokens(c.toks, c.env, c.File, c.end)
}

// Int evaluates the element as an integer constant expression, converted
// to int64 as C converts the expression's type.
func (c *CInit) Int() (int64, error) {
	v, err := c.eval()
	return int64(v.v), err
}

// Uint64 evaluates the element as an integer constant expression, converted
// to uint64 as C converts the expression's type.
func (c *CInit) Uint64() (uint64, error) {
	v, err := c.eval()
	return v.v, err
}

// Str returns the value of a string literal element (adjacent literals
// concatenated); ok is false for NULL or 0, which C tables use for "none".
func (c *CInit) Str() (s string, ok bool, err error) {
	if c.Braced {
		return "", false, c.Errorf("expected a string, found a braced list")
	}
	if id, isID := c.Ident(); isID && id == "NULL" || len(c.toks) == 1 && c.toks[0].text == "0" {
		return "", false, nil
	}
	var b strings.Builder
	for _, t := range c.toks {
		if t.kind != cString {
			return "", false, &SyntaxError{File: c.File, Line: t.line, Col: t.col, Msg: fmt.Sprintf("expected a string literal, found '%s'", t.text)}
		}
		u, err := cUnescape(t.text[1 : len(t.text)-1])
		if err != nil {
			return "", false, &SyntaxError{File: c.File, Line: t.line, Col: t.col, Msg: err.Error()}
		}
		b.WriteString(u)
	}
	return b.String(), true, nil
}

// Program converts a braced list of instruction macros into instruction
// slots. It does not validate them: kernel tables hold malformed programs
// on purpose, and Program.Validate says what is wrong with them.
func (c *CInit) Program() (Program, error) {
	p, _, err := c.program()
	return p, err
}

// program also returns the element that wrote each slot.
func (c *CInit) program() (Program, []*CInit, error) {
	if !c.Braced {
		return nil, nil, c.Errorf("expected a braced list of instructions")
	}
	var p Program
	var from []*CInit
	for _, e := range c.List {
		ins, err := e.insns()
		if err != nil {
			return nil, nil, err
		}
		p = append(p, ins...)
		for range ins {
			from = append(from, e)
		}
		if len(p) > MaxInsns {
			return nil, nil, e.Errorf("program has more than %d instructions", MaxInsns)
		}
	}
	return p, from, nil
}

// insns converts one element of an instruction list.
func (c *CInit) insns() ([]Insn, error) {
	if c.Braced {
		return c.rawStruct()
	}
	toks := c.toks
	// Parentheses around a whole macro call are harmless in C.
	for len(toks) > 2 && isP(toks[0], "(") && isP(toks[len(toks)-1], ")") && matching(toks, 0) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	// A compound literal: (struct bpf_insn) { … }.
	if len(toks) >= 5 && isP(toks[0], "(") && toks[1].text == "struct" && toks[2].text == "bpf_insn" && isP(toks[3], ")") && isP(toks[4], "{") {
		sub := &initParser{toks: toks[5:], file: c.File, env: c.env, eof: c.end}
		list, err := sub.list("}")
		if err != nil {
			return nil, err
		}
		if sub.pos != len(sub.toks) {
			t := sub.peek()
			return nil, &SyntaxError{File: c.File, Line: t.line, Col: t.col, Msg: fmt.Sprintf("unexpected '%s' after instruction", t.text)}
		}
		return (&CInit{File: c.File, Line: c.Line, Col: c.Col, Braced: true, List: list, env: c.env}).rawStruct()
	}
	name := toks[0]
	at := func(t ctoken, format string, args ...any) error {
		return &SyntaxError{File: c.File, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
	}
	if name.kind != cIdent {
		return nil, at(name, "expected an instruction macro, found '%s'", name.text)
	}
	m, known := insnMacros[name.text]
	if len(toks) == 1 {
		if !known {
			return nil, at(name, "unknown macro %s", name.text)
		}
		if !m.object {
			return nil, at(name, "macro %s needs arguments (%s)", name.text, strings.Join(m.params, ", "))
		}
		return m.build(nil)
	}
	if !isP(toks[1], "(") {
		return nil, at(toks[1], "expected '(' after %s", name.text)
	}
	if !known {
		return nil, at(name, "unknown macro %s", name.text)
	}
	if m.object {
		return nil, at(toks[1], "macro %s takes no arguments", name.text)
	}
	close := matching(toks, 1)
	if close < 0 {
		end := c.end
		return nil, at(end, "expected ')' after macro arguments")
	}
	if close != len(toks)-1 {
		return nil, at(toks[close+1], "unexpected '%s' after %s(…)", toks[close+1].text, name.text)
	}
	args := splitArgs(toks[2:close])
	if len(args) != len(m.params) {
		return nil, at(name, "%s takes %d arguments (%s), got %d", name.text, len(m.params), strings.Join(m.params, ", "), len(args))
	}
	vals := make([]uint64, len(args))
	for k, a := range args {
		if len(a) == 0 {
			return nil, at(toks[close], "empty argument %d of %s", k+1, name.text)
		}
		if m.params[k] == "func" { // BPF_SK_LOOKUP pastes its argument
			if len(a) != 1 || a[0].kind != cIdent {
				return nil, at(a[0], "%s expects a helper name", name.text)
			}
			f, ok := FuncByName(a[0].text)
			if !ok {
				return nil, at(a[0], "unknown helper %s", a[0].text)
			}
			vals[k] = uint64(f)
			continue
		}
		end := toks[close]
		v, err := evalTokens(a, c.env, c.File, end)
		if err != nil {
			return nil, err
		}
		vals[k] = v.v
	}
	return m.build(vals)
}

// matching returns the index of the bracket closing toks[open], or -1.
func matching(toks []ctoken, open int) int {
	depth := 0
	for k := open; k < len(toks); k++ {
		if toks[k].kind != cPunct {
			continue
		}
		switch toks[k].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// splitArgs splits macro arguments at commas outside brackets.
func splitArgs(toks []ctoken) [][]ctoken {
	if len(toks) == 0 {
		return nil
	}
	var args [][]ctoken
	depth, start := 0, 0
	for k, t := range toks {
		if t.kind != cPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				args = append(args, toks[start:k])
				start = k + 1
			}
		}
	}
	return append(args, toks[start:])
}

// rawStruct converts "{ .code = …, .dst_reg = …, … }" or the positional
// "{ code, dst, src, off, imm }".
func (c *CInit) rawStruct() ([]Insn, error) {
	names := []string{"code", "dst_reg", "src_reg", "off", "imm"}
	var vals [5]uint64
	next := 0
	for _, e := range c.List {
		k := next
		if e.Field != "" {
			k = -1
			for i, n := range names {
				if n == e.Field {
					k = i
				}
			}
			if k < 0 {
				return nil, e.Errorf("struct bpf_insn has no field %s", e.Field)
			}
		}
		if k >= len(names) {
			return nil, e.Errorf("too many values for struct bpf_insn")
		}
		v, err := e.eval()
		if err != nil {
			return nil, err
		}
		vals[k] = v.v
		next = k + 1
	}
	return []Insn{rawInsn(vals[0], vals[1], vals[2], vals[3], vals[4])}, nil
}

// rawInsn stores values into struct bpf_insn's fields as C's conversions
// do: code is a byte, the registers 4-bit fields, off 16 and imm 32 bits.
func rawInsn(code, dst, src, off, imm uint64) Insn {
	return Insn{Code: uint8(code), Dst: Reg(dst & 0xf), Src: Reg(src & 0xf), Off: int16(off), Imm: int32(imm)}
}

// parseMacro is the SyntaxMacro reader. Like the other syntaxes it hands
// out only well-formed programs; a malformed one is reported at the line of
// the macro that wrote the bad slot.
func parseMacro(src []byte, file string) (Program, error) {
	p, from, err := macroProgram(src, file)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		var de *DecodeError
		if errors.As(err, &de) && de.Insn < len(from) {
			return nil, from[de.Insn].Errorf("%s", de.Error())
		}
		return nil, &SyntaxError{File: file, Line: 1, Col: 1, Msg: err.Error()}
	}
	return p, nil
}

// ParseMacroProgram reads a program in the kernel's C macro syntax like
// Assemble(src, file, SyntaxMacro), but returns the slots as written without
// validating them, as the kernel's test tables need: they hold malformed
// programs on purpose.
//
// It takes ".insns = {…}", a whole test entry "{ "descr", .insns = {…}, … }",
// a declaration "struct bpf_insn prog[] = {…};", a braced list or a bare
// list of macros.
func ParseMacroProgram(src []byte, file string) (Program, error) {
	p, _, err := macroProgram(src, file)
	return p, err
}

func macroProgram(src []byte, file string) (Program, []*CInit, error) {
	els, err := ParseCInit(src, file, nil)
	if err != nil {
		return nil, nil, err
	}
	root := &CInit{File: file, Line: 1, Col: 1, Braced: true, List: els, env: cDefaultEnv}
	if in := root.Get("insns"); in != nil {
		return in.program()
	}
	if len(els) == 1 && els[0].Braced && !isInsnStruct(els[0]) {
		if in := els[0].Get("insns"); in != nil {
			return in.program()
		}
		return els[0].program()
	}
	return root.program()
}

// isInsnStruct reports whether a braced element is one struct bpf_insn
// written with designators.
func isInsnStruct(c *CInit) bool {
	if len(c.List) == 0 {
		return false
	}
	for _, e := range c.List {
		switch e.Field {
		case "code", "dst_reg", "src_reg", "off", "imm":
		default:
			return false
		}
	}
	return true
}

// detectMacro scores text by how many known instruction macros it calls.
func detectMacro(src []byte) int {
	s := string(src)
	n := 0
	for i := strings.Index(s, "BPF_"); i >= 0 && n < 100; {
		j := i
		for j < len(s) && cIsIdentChar(s[j]) {
			j++
		}
		if _, ok := insnMacros[s[i:j]]; ok {
			n++
		}
		k := strings.Index(s[j:], "BPF_")
		if k < 0 {
			break
		}
		i = j + k
	}
	return n * 10
}
