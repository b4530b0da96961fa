package asm

import (
	"fmt"
	"strings"
)

// A small C preprocessor: enough of #define (object- and function-like,
// with # and ##), #undef and #if/#ifdef/#ifndef/#elif/#else/#endif to read
// the kernel's test tables, which define helper macros that expand to
// instructions or to whole test entries. #include and #pragma are ignored.

type cmacro struct {
	name     string
	fn       bool     // function-like
	params   []string // parameter names; "__VA_ARGS__" last when variadic
	variadic bool
	body     []ctoken
}

type cpp struct {
	file   string
	macros map[string]*cmacro
	env    *cenv
	budget int // tokens that expansion may still produce
}

// maxExpansion bounds macro expansion so that hostile input (macros that
// double at each level) fails quickly instead of exhausting memory. The
// largest kernel table file (v6.12) uses under 8k.
const maxExpansion = 256 << 10

func newCPP(file string, env *cenv) *cpp {
	p := &cpp{file: file, macros: map[string]*cmacro{}, env: env, budget: maxExpansion}
	for name, val := range map[string]string{
		"__BYTE_ORDER__": "1234", "__ORDER_LITTLE_ENDIAN__": "1234", "__ORDER_BIG_ENDIAN__": "4321",
		"__x86_64__": "1", "__LP64__": "1", "__CHAR_BIT__": "8",
	} {
		p.macros[name] = &cmacro{name: name, body: []ctoken{{kind: cNumber, text: val}}}
	}
	return p
}

func (p *cpp) errf(t ctoken, format string, args ...any) error {
	return &SyntaxError{File: p.file, Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

type condState struct {
	active   bool // this branch's text is kept
	done     bool // some branch of this #if was taken
	parentOn bool
	at       ctoken
}

// run processes directives and expands macros, returning the tokens of the
// translation unit.
func (p *cpp) run(toks []ctoken) ([]ctoken, error) {
	var out, pending []ctoken
	var conds []condState
	on := func() bool { return len(conds) == 0 || conds[len(conds)-1].active }
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		x, err := p.expand(pending, nil)
		if err != nil {
			return err
		}
		out = append(out, x...)
		pending = pending[:0]
		return nil
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		if !(t.bol && t.kind == cPunct && t.text == "#") {
			if on() {
				pending = append(pending, t)
			}
			i++
			continue
		}
		// A directive: the rest of the logical line.
		j := i + 1
		for j < len(toks) && !toks[j].bol {
			j++
		}
		line := toks[i+1 : j]
		i = j
		if len(line) == 0 {
			continue // the null directive
		}
		name := line[0]
		args := line[1:]
		switch name.text {
		case "if", "ifdef", "ifndef":
			parentOn := on()
			val := false
			if parentOn {
				var err error
				if val, err = p.condition(name, args); err != nil {
					return nil, err
				}
			}
			conds = append(conds, condState{active: parentOn && val, done: val, parentOn: parentOn, at: name})
		case "elif", "else":
			if len(conds) == 0 {
				return nil, p.errf(name, "#%s without #if", name.text)
			}
			c := &conds[len(conds)-1]
			val := name.text == "else"
			if !val && c.parentOn && !c.done {
				var err error
				if val, err = p.condition(name, args); err != nil {
					return nil, err
				}
			}
			c.active = c.parentOn && !c.done && val
			c.done = c.done || c.active
		case "endif":
			if len(conds) == 0 {
				return nil, p.errf(name, "#endif without #if")
			}
			conds = conds[:len(conds)-1]
		default:
			if !on() {
				continue
			}
			if err := flush(); err != nil {
				return nil, err
			}
			switch name.text {
			case "define":
				if err := p.define(name, args); err != nil {
					return nil, err
				}
			case "undef":
				if len(args) == 0 || args[0].kind != cIdent {
					return nil, p.errf(name, "macro names must be identifiers")
				}
				delete(p.macros, args[0].text)
			case "include", "pragma", "line", "warning", "ident":
			case "error":
				return nil, p.errf(name, "#error %s", joinTokens(args))
			default:
				return nil, p.errf(name, "invalid preprocessing directive #%s", name.text)
			}
		}
	}
	if len(conds) > 0 {
		return nil, p.errf(conds[len(conds)-1].at, "unterminated #%s", conds[len(conds)-1].at.text)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *cpp) define(at ctoken, args []ctoken) error {
	if len(args) == 0 || args[0].kind != cIdent {
		return p.errf(at, "macro names must be identifiers")
	}
	m := &cmacro{name: args[0].text}
	rest := args[1:]
	// A '(' right after the name, without space, makes it function-like.
	if len(rest) > 0 && rest[0].text == "(" && !rest[0].space {
		m.fn = true
		k := 1
		for {
			if k >= len(rest) {
				return p.errf(args[0], "missing ')' in macro parameter list")
			}
			t := rest[k]
			if t.text == ")" && len(m.params) == 0 {
				k++
				break
			}
			switch {
			case t.text == "...":
				m.params = append(m.params, "__VA_ARGS__")
				m.variadic = true
			case t.kind == cIdent:
				m.params = append(m.params, t.text)
			default:
				return p.errf(t, "invalid token '%s' in macro parameter list", t.text)
			}
			k++
			if k >= len(rest) {
				return p.errf(args[0], "missing ')' in macro parameter list")
			}
			if rest[k].text == ")" {
				k++
				break
			}
			if rest[k].text != "," || m.variadic {
				return p.errf(rest[k], "expected ',' or ')' in macro parameter list")
			}
			k++
		}
		rest = rest[k:]
	}
	m.body = append([]ctoken(nil), rest...)
	if len(m.body) > 0 && (m.body[0].text == "##" || m.body[len(m.body)-1].text == "##") {
		return p.errf(at, "'##' cannot appear at either end of a macro expansion")
	}
	p.macros[m.name] = m
	return nil
}

// condition evaluates the controlling expression of #if, #ifdef and #ifndef.
func (p *cpp) condition(name ctoken, args []ctoken) (bool, error) {
	if name.text == "ifdef" || name.text == "ifndef" {
		if len(args) == 0 || args[0].kind != cIdent {
			return false, p.errf(name, "macro names must be identifiers")
		}
		_, def := p.macros[args[0].text]
		return def == (name.text == "ifdef"), nil
	}
	// Replace defined X / defined(X) before expansion, as C requires.
	var pre []ctoken
	for k := 0; k < len(args); k++ {
		t := args[k]
		if t.kind == cIdent && t.text == "defined" {
			k++
			paren := k < len(args) && args[k].text == "("
			if paren {
				k++
			}
			if k >= len(args) || args[k].kind != cIdent {
				return false, p.errf(t, "operator \"defined\" requires an identifier")
			}
			_, def := p.macros[args[k].text]
			if paren {
				k++
				if k >= len(args) || args[k].text != ")" {
					return false, p.errf(t, "missing ')' after \"defined\"")
				}
			}
			v := "0"
			if def {
				v = "1"
			}
			pre = append(pre, ctoken{kind: cNumber, text: v, line: t.line, col: t.col})
			continue
		}
		pre = append(pre, t)
	}
	x, err := p.expand(pre, nil)
	if err != nil {
		return false, err
	}
	if len(x) == 0 {
		return false, p.errf(name, "#%s with no expression", name.text)
	}
	e := &cexpr{toks: x, env: p.env, file: p.file, pp: true, end: name}
	v, err := e.evalAll()
	if err != nil {
		return false, err
	}
	return !v.isZero(), nil
}

func hasName(list []string, s string) bool {
	for _, n := range list {
		if n == s {
			return true
		}
	}
	return false
}

// expand replaces macro invocations in toks. disabled names the macros
// being expanded, which C does not expand again inside themselves.
func (p *cpp) expand(toks []ctoken, disabled []string) ([]ctoken, error) {
	var out []ctoken
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		m, ok := p.macros[t.text]
		if t.kind != cIdent || !ok || hasName(disabled, t.text) {
			out = append(out, t)
			continue
		}
		var body []ctoken
		if !m.fn {
			body = p.place(m.body, t)
		} else {
			if i+1 >= len(toks) || toks[i+1].text != "(" {
				out = append(out, t) // a function-like name alone is not a call
				continue
			}
			args, end, err := p.collectArgs(toks, i+1, t)
			if err != nil {
				return nil, err
			}
			i = end
			if body, err = p.substitute(m, args, t, disabled); err != nil {
				return nil, err
			}
		}
		p.budget -= len(body)
		if p.budget < 0 {
			return nil, p.errf(t, "macro expansion too large")
		}
		if len(disabled) > 200 {
			return nil, p.errf(t, "macro expansion nested too deeply")
		}
		x, err := p.expand(body, append(disabled[:len(disabled):len(disabled)], m.name))
		if err != nil {
			return nil, err
		}
		// Charge the copy at every level, so deep nesting cannot make the
		// work grow faster than the budget.
		p.budget -= len(x)
		if p.budget < 0 {
			return nil, p.errf(t, "macro expansion too large")
		}
		if len(x) > 0 {
			x[0].space = t.space
			x[0].bol = t.bol
		}
		out = append(out, x...)
	}
	return out, nil
}

// place copies a macro body to the position of its invocation, so that
// errors in expanded text point at the line that used the macro.
func (p *cpp) place(body []ctoken, at ctoken) []ctoken {
	out := make([]ctoken, len(body))
	for k, b := range body {
		b.line, b.col, b.bol = at.line, at.col, false
		out[k] = b
	}
	return out
}

// collectArgs reads the parenthesized arguments starting at toks[open] and
// returns them split at the commas outside nested parentheses (braces do
// not protect commas in C), and the index of the closing ')'.
func (p *cpp) collectArgs(toks []ctoken, open int, name ctoken) ([][]ctoken, int, error) {
	var args [][]ctoken
	var cur []ctoken
	depth := 0
	for k := open + 1; k < len(toks); k++ {
		t := toks[k]
		if t.kind == cPunct {
			switch t.text {
			case "(":
				depth++
			case ")":
				if depth == 0 {
					return append(args, cur), k, nil
				}
				depth--
			case ",":
				if depth == 0 {
					args = append(args, cur)
					cur = nil
					continue
				}
			}
		}
		cur = append(cur, t)
	}
	return nil, 0, p.errf(name, "unterminated argument list invoking macro %s", name.text)
}

func (p *cpp) substitute(m *cmacro, args [][]ctoken, at ctoken, disabled []string) ([]ctoken, error) {
	if len(args) == 1 && len(args[0]) == 0 && len(m.params) == 0 {
		args = nil
	}
	if m.variadic {
		n := len(m.params) - 1
		if len(args) < n {
			return nil, p.errf(at, "macro %s requires %d arguments, but only %d given", m.name, n, len(args))
		}
		if len(args) > n {
			var va []ctoken
			for k, a := range args[n:] {
				if k > 0 {
					va = append(va, ctoken{kind: cPunct, text: ",", line: at.line, col: at.col})
				}
				va = append(va, a...)
			}
			args = append(args[:n:n], va)
		} else {
			args = append(args, nil)
		}
	}
	if len(args) != len(m.params) {
		return nil, p.errf(at, "macro %s passed %d arguments, but takes %d", m.name, len(args), len(m.params))
	}
	param := func(t ctoken) int {
		if t.kind != cIdent {
			return -1
		}
		for k, n := range m.params {
			if n == t.text {
				return k
			}
		}
		return -1
	}
	expanded := make([][]ctoken, len(args))
	var out []ctoken
	body := m.body
	for k := 0; k < len(body); k++ {
		t := body[k]
		if t.text == "#" && t.kind == cPunct {
			if k+1 >= len(body) || param(body[k+1]) < 0 {
				return nil, p.errf(at, "'#' is not followed by a macro parameter")
			}
			k++
			s := ctoken{kind: cString, text: stringify(args[param(body[k])]), line: at.line, col: at.col, space: t.space}
			out = append(out, s)
			continue
		}
		if pi := param(t); pi >= 0 {
			pasted := k+1 < len(body) && body[k+1].text == "##" || k > 0 && body[k-1].text == "##"
			var repl []ctoken
			if pasted {
				repl = args[pi]
			} else {
				if expanded[pi] == nil {
					x, err := p.expand(args[pi], disabled)
					if err != nil {
						return nil, err
					}
					expanded[pi] = append(x, ctoken{}) // non-nil even when empty
				}
				repl = expanded[pi][:len(expanded[pi])-1]
			}
			for n, r := range repl {
				if n == 0 {
					r.space = t.space
				}
				out = append(out, r)
			}
			if len(repl) == 0 && pasted {
				out = append(out, ctoken{kind: cPunct, text: "", line: at.line, col: at.col}) // placemarker
			}
			continue
		}
		t.line, t.col, t.bol = at.line, at.col, false
		out = append(out, t)
	}
	return p.paste(out, at)
}

// paste performs the ## operators left in a substituted body.
func (p *cpp) paste(in []ctoken, at ctoken) ([]ctoken, error) {
	var out []ctoken
	for k := 0; k < len(in); k++ {
		t := in[k]
		if t.kind == cPunct && t.text == "##" && len(out) > 0 && k+1 < len(in) {
			left := out[len(out)-1]
			right := in[k+1]
			k++
			text := left.text + right.text
			if text == "" {
				out[len(out)-1] = left
				continue
			}
			lt, err := lexC([]byte(text), p.file)
			if err != nil || len(lt) != 1 {
				return nil, p.errf(at, "pasting \"%s\" and \"%s\" does not give a valid preprocessing token", left.text, right.text)
			}
			nt := lt[0]
			nt.line, nt.col, nt.space = left.line, left.col, left.space
			out[len(out)-1] = nt
			continue
		}
		out = append(out, t)
	}
	// Drop placemarkers.
	res := out[:0]
	for _, t := range out {
		if !(t.kind == cPunct && t.text == "") {
			res = append(res, t)
		}
	}
	return res, nil
}

// stringify implements the # operator.
func stringify(toks []ctoken) string {
	var b strings.Builder
	b.WriteByte('"')
	for k, t := range toks {
		if k > 0 && t.space {
			b.WriteByte(' ')
		}
		if t.kind == cString || t.kind == cChar {
			for _, c := range []byte(t.text) {
				if c == '"' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
			continue
		}
		b.WriteString(t.text)
	}
	b.WriteByte('"')
	return b.String()
}

func joinTokens(toks []ctoken) string {
	var b strings.Builder
	for k, t := range toks {
		if k > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}
