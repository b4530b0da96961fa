// Package testcase reads test case files: the bpf_conformance ".data"
// format and bpflab's own case format, which share one layout.
//
// A file is a header of "#" comment lines (copyright and SPDX lines are
// kept in Case.Comments) followed by sections, each introduced by a line
// "-- NAME" and running to the next such line:
//
//	bpf_conformance:  asm raw mem result error c "no register offset"
//	bpflab:           descr prog_type asm raw llvm mem data retval
//	                  verdict errstr log state maps
//
// The program comes from "-- asm" (uBPF syntax in a conformance file; the
// detected syntax, or the one named as in "-- asm llvm", in a bpflab case),
// "-- llvm" (LLVM syntax) or "-- raw" (hex: eight bytes per instruction, or
// one 0x-prefixed 64-bit little-endian word per line). When a file has both
// a text program and "-- raw", the two must encode the same bytes.
//
// Every error names the file and line ("case.data:7: …").
package testcase

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// Format tells which of the two layouts a file uses.
type Format uint8

const (
	// Conformance is the bpf_conformance .data format.
	Conformance Format = iota
	// Bpflab is bpflab's case format (descr, prog_type, verdict, …).
	Bpflab
)

func (f Format) String() string {
	if f == Bpflab {
		return "bpflab"
	}
	return "conformance"
}

// Section is one "-- NAME" block of a file.
type Section struct {
	Name string // "asm", "no register offset", …
	Arg  string // the rest of the header line after a known name ("llvm" in "-- asm llvm")
	Line int    // line number of the "-- NAME" header
	Text string // body as written, comment lines included
}

// lines returns the body's lines with their file line numbers.
func (s *Section) lines() []numbered {
	var out []numbered
	for i, l := range strings.Split(strings.TrimSuffix(s.Text, "\n"), "\n") {
		out = append(out, numbered{s.Line + 1 + i, l})
	}
	return out
}

type numbered struct {
	line int
	text string
}

// Verdict is the expected decision of the verifier in a bpflab case.
type Verdict uint8

const (
	// VerdictNone means the case states no verdict.
	VerdictNone Verdict = iota
	// Accept means the program must load.
	Accept
	// Reject means the program must be refused.
	Reject
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	}
	return ""
}

// Case is one test case file, read and checked.
type Case struct {
	Path     string
	Name     string // file name without directory and extension
	Format   Format
	Comments []string   // the leading "#" lines, kept verbatim (copyright, SPDX)
	Sections []*Section // in file order

	// Syntax is the syntax the text program was written in; SyntaxAuto
	// when the program came from "-- raw" only.
	Syntax asm.Syntax
	// Program is the assembled (or decoded) program; it is well formed
	// (asm.Program.Validate passed).
	Program asm.Program
	// Raw is the program of "-- raw", nil without that section.
	Raw asm.Program

	// Mem is the input memory ("-- mem" or "-- data"), nil without one.
	Mem []byte
	// Result is the expected r0 ("-- result" or "-- retval"), valid when
	// HasResult is set.
	Result    uint64
	HasResult bool
	// ExpectError is set by "-- error": the program must be refused (at
	// load or at run time); ErrorText is that section's text.
	ExpectError bool
	ErrorText   string

	// bpflab case fields.
	Descr    string
	ProgType string // bpftool's spelling: "xdp", "socket_filter", "sched_cls", …
	Verdict  Verdict
	Errstr   string   // expected verifier message (substring)
	Log      []string // expected verifier log lines
	State    []string // expected register state assertions ("5: r1.type=pkt")
	Maps     []*asm.MapSpec

	progTypeLine int
}

// Section returns the first section with the given name.
func (c *Case) Section(name string) (*Section, bool) {
	for _, s := range c.Sections {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Type returns the case's program type as package ctx models it; a case
// without "-- prog_type" (every bpf_conformance file) gets ctx.None, whose
// r1 points at the memory of "-- mem".
func (c *Case) Type() (*ctx.ProgType, error) {
	t, err := ctx.ForType(c.ProgType)
	if err != nil {
		return nil, c.errorf(c.progTypeLine, "%v", err)
	}
	return t, nil
}

// Spec returns the case as a program ready for an engine; the type is
// spelled as bpftool does when package ctx knows it.
func (c *Case) Spec() *asm.ProgramSpec {
	typ := c.ProgType
	if t, err := ctx.ForType(typ); err == nil && t != ctx.None {
		typ = t.Name
	}
	return &asm.ProgramSpec{Name: c.Name, Type: typ, Insns: c.Program, Maps: c.Maps}
}

// Error is a problem in a case file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// sectionKinds lists the known section names and the format they belong
// to; both means either.
var sectionKinds = map[string]int{
	"asm": both, "raw": both, "mem": both,
	"result": conf, "error": conf, "c": conf, "no register offset": conf,
	"descr": own, "prog_type": own, "llvm": own, "data": own, "retval": own,
	"verdict": own, "errstr": own, "log": own, "state": own, "maps": own,
}

const (
	both = iota
	conf
	own
)

// Load reads and checks one case file.
func Load(path string) (*Case, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(src, path)
}

// Glob loads every file matching pattern, in name order. It stops at the
// first file that fails.
func Glob(pattern string) ([]*Case, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no case files match %s", pattern)
	}
	slices.Sort(paths)
	cases := make([]*Case, 0, len(paths))
	for _, p := range paths {
		c, err := Load(p)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// Parse reads a case from src; path names it in errors.
func Parse(src []byte, path string) (*Case, error) {
	c := &Case{Path: path, Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))}
	if err := c.split(string(src)); err != nil {
		return nil, err
	}
	if err := c.interpret(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Case) errorf(line int, format string, args ...any) error {
	return &Error{File: c.Path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// split cuts the file into its header comments and sections.
func (c *Case) split(src string) error {
	lines := strings.Split(src, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	var cur *Section
	var body []string
	flush := func() {
		if cur != nil {
			cur.Text = strings.Join(body, "\n")
			if len(body) > 0 {
				cur.Text += "\n"
			}
			c.Sections = append(c.Sections, cur)
		}
	}
	seen := map[string]int{}
	for i, l := range lines {
		ln := i + 1
		l = strings.TrimSuffix(l, "\r")
		if head, ok := strings.CutPrefix(l, "-- "); ok || l == "--" {
			head = strings.TrimSpace(head)
			name, arg := head, ""
			if _, known := sectionKinds[name]; !known {
				if n, a, ok := strings.Cut(head, " "); ok {
					if _, known := sectionKinds[n]; known && n != "no" {
						name, arg = n, strings.TrimSpace(a)
					}
				}
			}
			if _, known := sectionKinds[name]; !known {
				return c.errorf(ln, "unknown section %q", head)
			}
			if prev, dup := seen[name]; dup {
				return c.errorf(ln, "duplicate section %q (first at line %d)", name, prev)
			}
			seen[name] = ln
			flush()
			cur, body = &Section{Name: name, Arg: arg, Line: ln}, nil
			continue
		}
		if cur != nil {
			body = append(body, l)
			continue
		}
		switch t := strings.TrimSpace(l); {
		case strings.HasPrefix(t, "#"):
			c.Comments = append(c.Comments, l)
		case t == "":
		default:
			return c.errorf(ln, "text before the first section: want \"# comment\" or \"-- NAME\"")
		}
	}
	flush()
	if len(c.Sections) == 0 {
		return c.errorf(max(len(lines), 1), "no sections: want at least -- asm or -- raw")
	}
	return nil
}

// interpret checks the sections and fills the Case.
func (c *Case) interpret() error {
	var confSec, ownSec *Section
	for _, s := range c.Sections {
		switch sectionKinds[s.Name] {
		case conf:
			confSec = cmpOr(confSec, s)
		case own:
			ownSec = cmpOr(ownSec, s)
		}
	}
	if confSec != nil && ownSec != nil {
		return c.errorf(ownSec.Line, "section %q of a bpflab case mixed with %q of a bpf_conformance file (line %d)", ownSec.Name, confSec.Name, confSec.Line)
	}
	if ownSec != nil {
		c.Format = Bpflab
	}
	for _, s := range c.Sections {
		if err := c.section(s); err != nil {
			return err
		}
	}
	return c.program()
}

func cmpOr(a, b *Section) *Section {
	if a != nil {
		return a
	}
	return b
}

// section interprets one non-program section.
func (c *Case) section(s *Section) error {
	if s.Arg != "" && s.Name != "asm" {
		return c.errorf(s.Line, "section %q takes no argument (got %q)", s.Name, s.Arg)
	}
	switch s.Name {
	case "mem", "data":
		if c.Mem != nil {
			return c.errorf(s.Line, "both -- mem and -- data given")
		}
		b, _, err := c.hexBytes(s)
		if err != nil {
			return err
		}
		c.Mem = b
		if c.Mem == nil {
			c.Mem = []byte{}
		}
	case "result", "retval":
		if c.HasResult {
			return c.errorf(s.Line, "both -- result and -- retval given")
		}
		v, err := c.number(s)
		if err != nil {
			return err
		}
		c.Result, c.HasResult = v, true
	case "error":
		c.ExpectError, c.ErrorText = true, strings.TrimSpace(s.Text)
	case "descr":
		c.Descr = strings.TrimSpace(s.Text)
	case "prog_type":
		c.ProgType, c.progTypeLine = strings.TrimSpace(s.Text), s.Line+1
		if c.ProgType == "" || strings.ContainsAny(c.ProgType, " \t\n") {
			return c.errorf(s.Line, "invalid prog_type %q: want one word such as xdp or socket_filter", c.ProgType)
		}
	case "verdict":
		switch v := strings.TrimSpace(s.Text); v {
		case "accept":
			c.Verdict = Accept
		case "reject":
			c.Verdict = Reject
		default:
			return c.errorf(s.Line+1, "invalid verdict %q: want accept or reject", v)
		}
	case "errstr":
		c.Errstr = strings.TrimSpace(s.Text)
	case "log":
		c.Log = textLines(s)
	case "state":
		c.State = textLines(s)
	case "maps":
		return c.maps(s)
	}
	return nil
}

// textLines returns the non-empty lines of a section.
func textLines(s *Section) []string {
	var out []string
	for _, l := range s.lines() {
		if strings.TrimSpace(l.text) != "" {
			out = append(out, strings.TrimRight(l.text, " \t"))
		}
	}
	return out
}

// number reads the single number of a result/retval section.
func (c *Case) number(s *Section) (uint64, error) {
	var found []numbered
	for _, l := range s.lines() {
		t := strings.TrimSpace(l.text)
		if t != "" && !strings.HasPrefix(t, "#") {
			found = append(found, numbered{l.line, t})
		}
	}
	if len(found) != 1 {
		return 0, c.errorf(s.Line, "-- %s wants one number, got %d lines", s.Name, len(found))
	}
	v, err := parseUint64(found[0].text)
	if err != nil {
		return 0, c.errorf(found[0].line, "-- %s: %v", s.Name, err)
	}
	return v, nil
}

// parseUint64 reads a decimal or 0x-hex number; a negative one is taken
// as its two's complement, as r0 holds it.
func parseUint64(s string) (uint64, error) {
	neg := strings.HasPrefix(s, "-")
	t := strings.TrimPrefix(s, "-")
	var v uint64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(t), "0x"); ok {
		v, err = strconv.ParseUint(h, 16, 64)
	} else {
		v, err = strconv.ParseUint(t, 10, 64)
	}
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	if neg {
		if v > 1<<63 {
			return 0, fmt.Errorf("invalid number %q: out of 64-bit range", s)
		}
		v = -v
	}
	return v, nil
}

// hexBytes reads hex bytes, blank separated; a "#" starts a comment. A token
// "0x" followed by 16 hex digits is one 64-bit little-endian word. It also
// returns the line of each byte.
func (c *Case) hexBytes(s *Section) ([]byte, []int, error) {
	var out []byte
	var at []int
	for _, l := range s.lines() {
		t := l.text
		if i := strings.IndexByte(t, '#'); i >= 0 {
			t = t[:i]
		}
		for f := range strings.FieldsSeq(t) {
			if h, ok := strings.CutPrefix(strings.ToLower(f), "0x"); ok {
				v, err := strconv.ParseUint(h, 16, 64)
				if err != nil || len(h) != 16 {
					return nil, nil, c.errorf(l.line, "invalid hex word %q: want 0x and 16 hex digits", f)
				}
				out = binary.LittleEndian.AppendUint64(out, v)
				for range 8 {
					at = append(at, l.line)
				}
				continue
			}
			if len(f)%2 != 0 {
				return nil, nil, c.errorf(l.line, "invalid hex bytes %q: odd number of digits", f)
			}
			for i := 0; i < len(f); i += 2 {
				v, err := strconv.ParseUint(f[i:i+2], 16, 8)
				if err != nil {
					return nil, nil, c.errorf(l.line, "invalid hex bytes %q", f)
				}
				out = append(out, byte(v))
				at = append(at, l.line)
			}
		}
	}
	return out, at, nil
}

// program assembles the text program and decodes the raw one.
func (c *Case) program() error {
	text, hasText := c.Section("asm")
	syntax := asm.SyntaxUBPF
	if c.Format == Bpflab {
		syntax = asm.SyntaxAuto
	}
	if text != nil && text.Arg != "" {
		s, err := asm.ParseSyntax(text.Arg)
		if err != nil {
			return c.errorf(text.Line, "%v", err)
		}
		syntax = s
	}
	if l, ok := c.Section("llvm"); ok {
		if hasText {
			return c.errorf(l.Line, "both -- asm and -- llvm given")
		}
		text, hasText, syntax = l, true, asm.SyntaxLLVM
	}
	raw, hasRaw := c.Section("raw")
	if !hasText && !hasRaw {
		return c.errorf(c.Sections[0].Line, "no program: want an -- asm, -- llvm or -- raw section")
	}
	if hasRaw {
		b, at, err := c.hexBytes(raw)
		if err != nil {
			return err
		}
		p, err := asm.Decode(b, binary.LittleEndian)
		if err != nil {
			return c.errorf(raw.Line, "-- raw: %v", err)
		}
		if err := p.Validate(); err != nil {
			return c.decodeError(raw, at, err)
		}
		c.Raw, c.Program = p, p
	}
	if hasText {
		if syntax == asm.SyntaxAuto {
			syntax = asm.DetectSyntax([]byte(text.Text))
		}
		c.Syntax = syntax
		p, err := asm.Assemble([]byte(text.Text), c.Path, syntax)
		if err != nil {
			var se *asm.SyntaxError
			if errors.As(err, &se) {
				moved := *se
				moved.Line += text.Line
				return &moved
			}
			return c.errorf(text.Line, "%v", err)
		}
		if hasRaw {
			if err := compareRaw(p, c.Raw); err != nil {
				return c.errorf(raw.Line, "-- raw differs from -- %s: %v", text.Name, err)
			}
		}
		c.Program = p
	}
	return nil
}

// decodeError places a Validate error at the raw line of its slot.
func (c *Case) decodeError(raw *Section, at []int, err error) error {
	var de *asm.DecodeError
	if errors.As(err, &de) && de.Insn*asm.InsnSize < len(at) {
		return c.errorf(at[de.Insn*asm.InsnSize], "-- raw: %v", err)
	}
	return c.errorf(raw.Line, "-- raw: %v", err)
}

func compareRaw(text, raw asm.Program) error {
	for i := range max(len(text), len(raw)) {
		switch {
		case i >= len(text):
			return fmt.Errorf("-- raw has %d more slots from insn %d", len(raw)-len(text), i)
		case i >= len(raw):
			return fmt.Errorf("the text has %d more slots from insn %d", len(text)-len(raw), i)
		case text[i] != raw[i]:
			return fmt.Errorf("insn %d: text %x, raw %x", i,
				asm.Program{text[i]}.Marshal(binary.LittleEndian), asm.Program{raw[i]}.Marshal(binary.LittleEndian))
		}
	}
	return nil
}
