package asm

import (
	"fmt"
	"strconv"
	"strings"
)

// The C lexer of the kernel macro syntax: preprocessing tokens with their
// positions, as C's translation phases 1-3 produce them.

type ctokKind uint8

const (
	cEOF ctokKind = iota
	cIdent
	cNumber
	cString
	cChar
	cPunct
)

// ctoken is one C preprocessing token with its position.
type ctoken struct {
	kind      ctokKind
	text      string
	line, col int
	bol       bool // first token of a logical line (directives start there)
	space     bool // preceded by white space (stringification keeps it)
}

// cpuncts lists the punctuators, longest first so that the lexer is greedy.
var cpuncts = []string{
	"...", "<<=", ">>=",
	"->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"(", ")", "[", "]", "{", "}", ",", ";", ":", "?", ".", "+", "-", "*", "/",
	"%", "&", "|", "^", "~", "!", "=", "<", ">", "#",
}

func cIsIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func cIsIdentChar(c byte) bool { return cIsIdentStart(c) || c >= '0' && c <= '9' }

// lexC splits C source into tokens. Backslash-newline pairs are removed
// first, as C's translation phase 2 does, while positions still name the
// physical lines and columns.
func lexC(src []byte, file string) ([]ctoken, error) {
	// Phase 2: join continued lines, remembering where each byte came from.
	buf := make([]byte, 0, len(src))
	lines := make([]int32, 0, len(src)+1)
	cols := make([]int32, 0, len(src)+1)
	line, col := int32(1), int32(1)
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' {
			j := i + 1
			if j < len(src) && src[j] == '\r' {
				j++
			}
			if j < len(src) && src[j] == '\n' {
				i = j
				line++
				col = 1
				continue
			}
		}
		buf = append(buf, c)
		lines = append(lines, line)
		cols = append(cols, col)
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	lines = append(lines, line)
	cols = append(cols, col)

	var toks []ctoken
	bol, space := true, false
	errAt := func(i int, msg string) error {
		return &SyntaxError{File: file, Line: int(lines[i]), Col: int(cols[i]), Msg: msg}
	}
	for i := 0; i < len(buf); {
		c := buf[i]
		switch {
		case c == '\n':
			bol, space = true, false
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			space = true
			i++
			continue
		case c == '/' && i+1 < len(buf) && buf[i+1] == '/':
			for i < len(buf) && buf[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(buf) && buf[i+1] == '*':
			end := strings.Index(string(buf[i+2:]), "*/")
			if end < 0 {
				return nil, errAt(i, "unterminated comment")
			}
			i += 2 + end + 2
			space = true
			continue
		}
		start := i
		t := ctoken{line: int(lines[i]), col: int(cols[i]), bol: bol, space: space}
		bol, space = false, false
		switch {
		case cIsIdentStart(c):
			for i < len(buf) && cIsIdentChar(buf[i]) {
				i++
			}
			t.kind = cIdent
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(buf) && buf[i+1] >= '0' && buf[i+1] <= '9':
			i++
			for i < len(buf) {
				d := buf[i]
				if (d == '+' || d == '-') && strings.ContainsRune("eEpP", rune(buf[i-1])) {
					i++
					continue
				}
				if !cIsIdentChar(d) && d != '.' {
					break
				}
				i++
			}
			t.kind = cNumber
		case c == '"' || c == '\'':
			i++
			for i < len(buf) && buf[i] != c {
				if buf[i] == '\n' {
					return nil, errAt(start, "missing terminating "+string(c)+" character")
				}
				if buf[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(buf) {
				return nil, errAt(start, "missing terminating "+string(c)+" character")
			}
			i++
			t.kind = cString
			if c == '\'' {
				t.kind = cChar
			}
		default:
			for _, p := range cpuncts {
				if strings.HasPrefix(string(buf[i:min(i+3, len(buf))]), p) {
					i += len(p)
					t.kind = cPunct
					break
				}
			}
			if t.kind != cPunct {
				return nil, errAt(i, fmt.Sprintf("unexpected character %q", c))
			}
		}
		t.text = string(buf[start:i])
		toks = append(toks, t)
	}
	return toks, nil
}

// cUnescape decodes the body of a C string or character literal.
func cUnescape(body string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("bad escape at end of literal")
		}
		switch e := body[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'v':
			b.WriteByte(11)
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'x':
			j := i + 1
			for j < len(body) && strings.IndexByte("0123456789abcdefABCDEF", body[j]) >= 0 {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf("\\x used with no following hex digits")
			}
			v, _ := strconv.ParseUint(body[i+1:min(j, i+3)], 16, 8)
			b.WriteByte(byte(v))
			i = j - 1
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(body) && j < i+3 && body[j] >= '0' && body[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(body[i:j], 8, 16)
				b.WriteByte(byte(v))
				i = j - 1
			} else {
				return "", fmt.Errorf("unknown escape sequence \\%c", e)
			}
		}
	}
	return b.String(), nil
}
