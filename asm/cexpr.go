package asm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file holds the evaluator of the C front end shared by the kernel
// macro syntax and the reader of the kernel's test tables (the lexer is in
// macro_lex.go, the preprocessor in macro_cpp.go): C integer constant
// expressions with C's types (int, unsigned int, long,
// unsigned long on LP64), its literal rules and its usual arithmetic
// conversions, so that "-1", "0xffffffff", "(__u32)-1" and "1ULL << 63" give
// the bits a C compiler would put into an instruction.

// ctype is the C type of a constant: the four integer types a constant
// expression can end up with on LP64.
type ctype uint8

const (
	ctInt   ctype = iota // int, 32-bit signed
	ctUint               // unsigned int
	ctLong               // long / long long, 64-bit signed
	ctUlong              // unsigned long / unsigned long long / size_t
)

func (t ctype) bits() uint {
	if t >= ctLong {
		return 64
	}
	return 32
}
func (t ctype) unsigned() bool { return t == ctUint || t == ctUlong }

// cval is a typed C constant. v holds the value converted to 64 bits as C
// converts it: sign-extended for signed types, zero-extended for unsigned.
type cval struct {
	v uint64
	t ctype
}

func cMk(v uint64, t ctype) cval {
	switch t {
	case ctInt:
		v = uint64(int64(int32(v)))
	case ctUint:
		v = uint64(uint32(v))
	}
	return cval{v, t}
}

func (c cval) isZero() bool { return c.v == 0 }

// common returns the type of the usual arithmetic conversions of a and b.
func cCommon(a, b ctype) ctype {
	if a.bits() != b.bits() {
		if a.bits() > b.bits() {
			return a
		}
		return b
	}
	if a.unsigned() {
		return a
	}
	return b
}

func cBool(b bool) cval {
	if b {
		return cval{1, ctInt}
	}
	return cval{0, ctInt}
}

// less compares two values already converted to type t.
func cLess(a, b cval, t ctype) bool {
	if t.unsigned() {
		return a.v < b.v
	}
	return int64(a.v) < int64(b.v)
}

// parseCNumber reads an integer literal with C's rules for its type.
func parseCNumber(text string) (cval, error) {
	s := text
	unsigned, long := false, 0
	for len(s) > 0 {
		c := s[len(s)-1]
		if (c == 'u' || c == 'U') && !unsigned {
			unsigned = true
		} else if (c == 'l' || c == 'L') && long < 2 {
			long++
		} else {
			break
		}
		s = s[:len(s)-1]
	}
	base, digits := 10, s
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		base, digits = 16, s[2:]
	case strings.HasPrefix(s, "0b") || strings.HasPrefix(s, "0B"):
		base, digits = 2, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	if digits == "" {
		return cval{}, fmt.Errorf("invalid integer constant %q", text)
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return cval{}, fmt.Errorf("integer constant %s is too large", text)
		}
		return cval{}, fmt.Errorf("invalid integer constant %q", text)
	}
	// The first type of the C11 6.4.4.1 list that holds the value.
	var cands []ctype
	switch {
	case unsigned && long == 0:
		cands = []ctype{ctUint, ctUlong}
	case unsigned:
		cands = []ctype{ctUlong}
	case long == 0 && base == 10:
		cands = []ctype{ctInt, ctLong}
	case long == 0:
		cands = []ctype{ctInt, ctUint, ctLong, ctUlong}
	case base == 10:
		cands = []ctype{ctLong}
	default:
		cands = []ctype{ctLong, ctUlong}
	}
	for _, t := range cands {
		var max uint64
		switch t {
		case ctInt:
			max = math.MaxInt32
		case ctUint:
			max = math.MaxUint32
		case ctLong:
			max = math.MaxInt64
		default:
			max = math.MaxUint64
		}
		if v <= max {
			return cval{v, t}, nil
		}
	}
	// gcc gives a too-large decimal unsigned long with a warning.
	return cval{v, ctUlong}, nil
}

// ctypeName describes a type named in a cast or sizeof.
type ctypeName struct {
	size    int
	signed  bool
	pointer bool
	aggr    bool // struct or union: usable in sizeof only
	void    bool
	boolean bool
}

// cTypedefs are the scalar type names the kernel's tables use.
var cTypedefs = map[string]ctypeName{
	"__u8": {size: 1}, "u8": {size: 1}, "uint8_t": {size: 1}, "__s8": {size: 1, signed: true}, "s8": {size: 1, signed: true}, "int8_t": {size: 1, signed: true},
	"__u16": {size: 2}, "u16": {size: 2}, "uint16_t": {size: 2}, "__s16": {size: 2, signed: true}, "s16": {size: 2, signed: true}, "int16_t": {size: 2, signed: true},
	"__u32": {size: 4}, "u32": {size: 4}, "uint32_t": {size: 4}, "__s32": {size: 4, signed: true}, "s32": {size: 4, signed: true}, "int32_t": {size: 4, signed: true},
	"__u64": {size: 8}, "u64": {size: 8}, "uint64_t": {size: 8}, "__s64": {size: 8, signed: true}, "s64": {size: 8, signed: true}, "int64_t": {size: 8, signed: true},
	"__be16": {size: 2}, "__le16": {size: 2}, "__be32": {size: 4}, "__le32": {size: 4}, "__be64": {size: 8}, "__le64": {size: 8},
	"__wsum": {size: 4}, "__sum16": {size: 2},
	"size_t": {size: 8}, "ssize_t": {size: 8, signed: true}, "uintptr_t": {size: 8}, "intptr_t": {size: 8, signed: true},
	"_Bool": {size: 1, boolean: true}, "bool": {size: 1, boolean: true},
}

var cTypeWords = map[string]bool{
	"char": true, "short": true, "int": true, "long": true, "signed": true,
	"unsigned": true, "void": true, "const": true, "volatile": true,
	"struct": true, "union": true, "enum": true,
}

// cenv is what identifiers in expressions mean.
type cenv struct {
	consts  map[string]cval
	structs map[string]*structLayout
}

// cDefaultEnv knows the kernel's constants and UAPI structs.
var cDefaultEnv = &cenv{consts: builtinConsts(), structs: uapiLayouts}

// cexpr evaluates one constant expression from tokens.
type cexpr struct {
	toks  []ctoken
	pos   int
	env   *cenv
	file  string
	pp    bool // in #if: unknown identifiers are 0
	depth int
	end   ctoken // position to report for a missing token at the end
	// endNear describes what follows the expression in messages, e.g.
	// " before ')'" for a macro argument; "" means the end of input.
	endNear string
}

func (p *cexpr) near(t ctoken) string {
	if t.kind == cEOF && p.endNear != "" {
		return p.endNear
	}
	return cNear(t)
}

func (p *cexpr) peek() ctoken {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	e := p.end
	e.kind, e.text = cEOF, ""
	return e
}

func (p *cexpr) next() ctoken {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *cexpr) errf(t ctoken, format string, args ...any) error {
	return &SyntaxError{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *cexpr) is(text string) bool {
	t := p.peek()
	return (t.kind == cPunct || t.kind == cIdent) && t.text == text
}

func (p *cexpr) expect(text string) error {
	t := p.peek()
	if !p.is(text) {
		return p.errf(t, "expected '%s'%s", text, p.near(t))
	}
	p.next()
	return nil
}

func cNear(t ctoken) string {
	if t.kind == cEOF {
		return " at end of input"
	}
	return fmt.Sprintf(" before '%s'", t.text)
}

// evalAll evaluates tokens that must form exactly one expression.
func (p *cexpr) evalAll() (cval, error) {
	v, err := p.cond()
	if err != nil {
		return cval{}, err
	}
	if t := p.peek(); t.kind != cEOF {
		return cval{}, p.errf(t, "unexpected '%s' in expression", t.text)
	}
	return v, nil
}

func (p *cexpr) cond() (cval, error) {
	c, err := p.binary(0)
	if err != nil || !p.is("?") {
		return c, err
	}
	p.next()
	a, err := p.cond()
	if err != nil {
		return cval{}, err
	}
	if err := p.expect(":"); err != nil {
		return cval{}, err
	}
	b, err := p.cond()
	if err != nil {
		return cval{}, err
	}
	t := cCommon(a.t, b.t)
	if !c.isZero() {
		return cMk(a.v, t), nil
	}
	return cMk(b.v, t), nil
}

// cBinaryPrec gives C's precedence of the binary operators.
var cBinaryPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8,
	"+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (p *cexpr) binary(minPrec int) (cval, error) {
	lhs, err := p.unary()
	if err != nil {
		return cval{}, err
	}
	for {
		t := p.peek()
		prec, ok := cBinaryPrec[t.text]
		if t.kind != cPunct || !ok || prec <= minPrec {
			return lhs, nil
		}
		p.next()
		rhs, err := p.binary(prec)
		if err != nil {
			return cval{}, err
		}
		if lhs, err = p.apply(t, lhs, rhs); err != nil {
			return cval{}, err
		}
	}
}

func (p *cexpr) apply(op ctoken, a, b cval) (cval, error) {
	switch op.text {
	case "&&":
		return cBool(!a.isZero() && !b.isZero()), nil
	case "||":
		return cBool(!a.isZero() || !b.isZero()), nil
	case "<<", ">>":
		n := int64(b.v)
		if b.t.unsigned() && b.v > math.MaxInt64 || n < 0 || uint64(n) >= uint64(a.t.bits()) {
			return cval{}, p.errf(op, "shift count %d out of range for a %d-bit operand", n, a.t.bits())
		}
		if op.text == "<<" {
			return cMk(a.v<<uint(n), a.t), nil
		}
		if a.t.unsigned() {
			return cMk(a.v>>uint(n), a.t), nil
		}
		return cMk(uint64(int64(a.v)>>uint(n)), a.t), nil
	}
	t := cCommon(a.t, b.t)
	a, b = cMk(a.v, t), cMk(b.v, t)
	switch op.text {
	case "+":
		return cMk(a.v+b.v, t), nil
	case "-":
		return cMk(a.v-b.v, t), nil
	case "*":
		return cMk(a.v*b.v, t), nil
	case "/", "%":
		if b.v == 0 {
			return cval{}, p.errf(op, "division by zero in constant expression")
		}
		var q, r uint64
		if t.unsigned() {
			q, r = a.v/b.v, a.v%b.v
		} else {
			x, y := int64(a.v), int64(b.v)
			if y == -1 { // avoid the one overflowing case; C leaves it undefined
				q, r = uint64(-x), 0
			} else {
				q, r = uint64(x/y), uint64(x%y)
			}
		}
		if op.text == "/" {
			return cMk(q, t), nil
		}
		return cMk(r, t), nil
	case "&":
		return cMk(a.v&b.v, t), nil
	case "|":
		return cMk(a.v|b.v, t), nil
	case "^":
		return cMk(a.v^b.v, t), nil
	case "==":
		return cBool(a.v == b.v), nil
	case "!=":
		return cBool(a.v != b.v), nil
	case "<":
		return cBool(cLess(a, b, t)), nil
	case ">":
		return cBool(cLess(b, a, t)), nil
	case "<=":
		return cBool(!cLess(b, a, t)), nil
	case ">=":
		return cBool(!cLess(a, b, t)), nil
	}
	return cval{}, p.errf(op, "unsupported operator '%s'", op.text)
}

const maxExprDepth = 200

func (p *cexpr) unary() (cval, error) {
	p.depth++
	defer func() { p.depth-- }()
	t := p.peek()
	if p.depth > maxExprDepth {
		return cval{}, p.errf(t, "expression nested too deeply")
	}
	if t.kind == cPunct {
		switch t.text {
		case "-", "+", "~", "!":
			p.next()
			v, err := p.unary()
			if err != nil {
				return cval{}, err
			}
			switch t.text {
			case "-":
				return cMk(-v.v, v.t), nil
			case "~":
				return cMk(^v.v, v.t), nil
			case "!":
				return cBool(v.isZero()), nil
			}
			return v, nil
		case "(":
			if p.startsType(p.pos + 1) {
				p.next()
				tn, err := p.typeName()
				if err != nil {
					return cval{}, err
				}
				if err := p.expect(")"); err != nil {
					return cval{}, err
				}
				v, err := p.unary()
				if err != nil {
					return cval{}, err
				}
				return p.cast(t, tn, v)
			}
		}
	}
	return p.postfix()
}

// cast converts v to the named type, then applies the integer promotions
// (a value cast to __u8 is an int again when used).
func (p *cexpr) cast(at ctoken, tn ctypeName, v cval) (cval, error) {
	switch {
	case tn.pointer:
		return cval{v.v, ctUlong}, nil
	case tn.aggr:
		return cval{}, p.errf(at, "cannot cast to a struct or union")
	case tn.void:
		return cval{}, p.errf(at, "cannot use a void value")
	case tn.boolean:
		return cBool(!v.isZero()), nil
	}
	switch tn.size {
	case 1:
		if tn.signed {
			return cMk(uint64(int64(int8(v.v))), ctInt), nil
		}
		return cMk(uint64(uint8(v.v)), ctInt), nil
	case 2:
		if tn.signed {
			return cMk(uint64(int64(int16(v.v))), ctInt), nil
		}
		return cMk(uint64(uint16(v.v)), ctInt), nil
	case 4:
		if tn.signed {
			return cMk(v.v, ctInt), nil
		}
		return cMk(v.v, ctUint), nil
	}
	if tn.signed {
		return cval{v.v, ctLong}, nil
	}
	return cval{v.v, ctUlong}, nil
}

// startsType reports whether the token at i begins a type name.
func (p *cexpr) startsType(i int) bool {
	if i >= len(p.toks) || p.toks[i].kind != cIdent {
		return false
	}
	s := p.toks[i].text
	if _, ok := cTypedefs[s]; ok {
		return true
	}
	return cTypeWords[s]
}

// typeName reads a type name: qualifiers, a base type or struct, pointers.
func (p *cexpr) typeName() (ctypeName, error) {
	var tn ctypeName
	start := p.peek()
	words := map[string]int{}
	seen := false
	for {
		t := p.peek()
		if t.kind != cIdent {
			break
		}
		if td, ok := cTypedefs[t.text]; ok && !seen {
			tn, seen = td, true
			p.next()
			continue
		}
		switch t.text {
		case "const", "volatile":
			p.next()
			continue
		case "struct", "union", "enum":
			if seen {
				return tn, p.errf(t, "unexpected '%s' in type name", t.text)
			}
			p.next()
			name := p.next()
			if name.kind != cIdent {
				return tn, p.errf(name, "expected a %s name%s", t.text, p.near(name))
			}
			seen = true
			if t.text == "enum" {
				tn = ctypeName{size: 4, signed: true}
				continue
			}
			tn = ctypeName{aggr: true}
			if l, ok := p.env.structs[name.text]; ok {
				tn.size = l.Size
			} else if !p.isPointerNext() {
				return tn, p.errf(name, "unknown %s %s", t.text, name.text)
			}
			continue
		case "char", "short", "int", "long", "signed", "unsigned", "void":
			if seen && len(words) == 0 {
				return tn, p.errf(t, "unexpected '%s' in type name", t.text)
			}
			words[t.text]++
			p.next()
			continue
		}
		break
	}
	if len(words) > 0 {
		tn = ctypeName{signed: words["unsigned"] == 0}
		switch {
		case words["void"] > 0:
			tn.void = true
		case words["char"] > 0:
			tn.size = 1
		case words["short"] > 0:
			tn.size = 2
		case words["long"] > 0:
			tn.size = 8
		default:
			tn.size = 4
		}
		seen = true
	}
	if !seen {
		return tn, p.errf(start, "expected a type name%s", p.near(start))
	}
	for p.is("*") {
		p.next()
		tn = ctypeName{size: 8, pointer: true}
	}
	return tn, nil
}

func (p *cexpr) isPointerNext() bool {
	return p.pos < len(p.toks) && p.toks[p.pos].text == "*"
}

func (p *cexpr) postfix() (cval, error) {
	t := p.next()
	switch t.kind {
	case cNumber:
		v, err := parseCNumber(t.text)
		if err != nil {
			return cval{}, p.errf(t, "%v", err)
		}
		return v, nil
	case cChar:
		s, err := cUnescape(t.text[1 : len(t.text)-1])
		if err != nil || len(s) != 1 {
			return cval{}, p.errf(t, "invalid character constant %s", t.text)
		}
		return cMk(uint64(int64(int8(s[0]))), ctInt), nil
	case cPunct:
		if t.text == "(" {
			v, err := p.cond()
			if err != nil {
				return cval{}, err
			}
			if err := p.expect(")"); err != nil {
				return cval{}, err
			}
			return v, nil
		}
	case cIdent:
		switch t.text {
		case "sizeof":
			return p.sizeof()
		case "offsetof", "__builtin_offsetof", "offsetofend":
			return p.offsetof(t)
		}
		if p.is("(") && !p.pp {
			return cval{}, p.errf(t, "unknown macro %s", t.text)
		}
		if v, ok := p.env.consts[t.text]; ok {
			return v, nil
		}
		if p.pp {
			return cval{0, ctInt}, nil
		}
		return cval{}, p.errf(t, "unknown identifier %s", t.text)
	case cString:
		return cval{}, p.errf(t, "string literal in integer expression")
	}
	if t.kind == cEOF {
		return cval{}, p.errf(t, "expected an expression%s", p.near(t))
	}
	return cval{}, p.errf(t, "expected an expression before '%s'", t.text)
}

func (p *cexpr) sizeof() (cval, error) {
	if p.is("(") && p.startsType(p.pos+1) {
		p.next()
		tn, err := p.typeName()
		if err != nil {
			return cval{}, err
		}
		if err := p.expect(")"); err != nil {
			return cval{}, err
		}
		if tn.void || tn.size == 0 {
			return cval{}, p.errf(p.peek(), "sizeof of an incomplete type")
		}
		return cval{uint64(tn.size), ctUlong}, nil
	}
	t := p.peek()
	if t.kind == cIdent {
		if _, known := p.env.consts[t.text]; !known {
			return cval{}, p.errf(t, "sizeof of variable %s is not a constant this reader knows", t.text)
		}
	}
	v, err := p.unary()
	if err != nil {
		return cval{}, err
	}
	return cval{uint64(v.t.bits() / 8), ctUlong}, nil
}

// offsetof reads offsetof(struct S, member) and offsetofend(struct S,
// member); member is a designator such as cb[1] or ipv4.saddr.
func (p *cexpr) offsetof(kw ctoken) (cval, error) {
	if err := p.expect("("); err != nil {
		return cval{}, err
	}
	st := p.next()
	if st.text != "struct" && st.text != "union" {
		return cval{}, p.errf(st, "expected 'struct' in %s", kw.text)
	}
	name := p.next()
	l, ok := p.env.structs[name.text]
	if name.kind != cIdent || !ok {
		return cval{}, p.errf(name, "unknown struct %s", name.text)
	}
	if err := p.expect(","); err != nil {
		return cval{}, err
	}
	var path strings.Builder
	first := p.peek()
	var index []int64
	for {
		t := p.next()
		if t.kind != cIdent {
			return cval{}, p.errf(t, "expected a member name%s", p.near(t))
		}
		path.WriteString(t.text)
		for p.is("[") {
			p.next()
			v, err := p.cond()
			if err != nil {
				return cval{}, err
			}
			if err := p.expect("]"); err != nil {
				return cval{}, err
			}
			index = append(index, int64(v.v))
		}
		if !p.is(".") {
			break
		}
		if len(index) > 0 {
			return cval{}, p.errf(p.peek(), "array element members are not supported in offsetof")
		}
		p.next()
		path.WriteByte('.')
	}
	if err := p.expect(")"); err != nil {
		return cval{}, err
	}
	f, ok := l.field(path.String())
	if !ok {
		return cval{}, p.errf(first, "struct %s has no member %s", name.text, path.String())
	}
	off, size := f.Off, f.Size
	if len(index) > 1 {
		return cval{}, p.errf(first, "multi-dimensional member %s", path.String())
	}
	if len(index) == 1 {
		if f.Elem == 0 {
			return cval{}, p.errf(first, "member %s of struct %s is not an array", path.String(), name.text)
		}
		// C does not check the bound: offsetof(struct __sk_buff, cb[5]) is
		// the offset just past the array, and tables use that.
		off += int(index[0]) * f.Elem
		size = f.Elem
	}
	if kw.text == "offsetofend" {
		off += size
	}
	return cval{uint64(int64(off)), ctUlong}, nil
}

// evalTokens evaluates one constant expression.
func evalTokens(toks []ctoken, env *cenv, file string, end ctoken) (cval, error) {
	p := &cexpr{toks: toks, env: env, file: file, end: end}
	if end.kind == cPunct {
		p.endNear = " before '" + end.text + "'"
	}
	return p.evalAll()
}
