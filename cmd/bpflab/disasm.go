package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/bpflab/bpflab/asm"
)

func init() {
	register(command{name: "disasm", summary: "disassemble an ELF object, raw instructions or hex", run: runDisasm})
}

// runDisasm implements "bpflab disasm": an ELF object built by clang, raw
// instruction bytes or hex text, printed one instruction per line.
func runDisasm(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("disasm", stderr)
	syntax := fs.String("syntax", "llvm", "output syntax: llvm, macro or ubpf")
	progName := fs.String("prog", "", "ELF input: print only the program called `NAME`")
	section := fs.String("section", "", "ELF input: print only the programs of section `SEC`")
	noIndex := fs.Bool("no-index", false, "leave out the instruction index before each line")
	bigEndian := fs.Bool("big-endian", false, "raw or hex input is encoded for a big-endian target (ELF objects say so themselves)")
	setUsage(fs, stderr, "disasm [flags] FILE|-",
		"Disassembles eBPF instructions. The input is detected: an ELF object",
		"(clang -target bpf), raw 8-byte instruction slots, or the same as hex text.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := asm.ParseSyntax(*syntax)
	if err != nil {
		return err
	}
	if s == asm.SyntaxAuto {
		s = asm.SyntaxLLVM
	}
	// Fail before printing anything when the syntax has no printer.
	if err := (asm.Program{}).Print(io.Discard, asm.PrintOptions{Syntax: s}); err != nil {
		return err
	}
	arg, err := oneArg(fs)
	if err != nil {
		return err
	}
	data, name, err := readInput(arg)
	if err != nil {
		return err
	}
	opts := asm.PrintOptions{Syntax: s, Index: !*noIndex, Labels: true, HelperNames: true}

	if !asm.IsELF(data) {
		if *progName != "" || *section != "" {
			return fmt.Errorf("--prog and --section select programs of an ELF object; %s is not one", name)
		}
		var order binary.ByteOrder = binary.LittleEndian
		if *bigEndian {
			order = binary.BigEndian
		}
		prog, err := decodeProgramOrder(data, order)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return prog.Print(stdout, opts)
	}

	coll, err := asm.ParseELF(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var progs []*asm.ProgramSpec
	var all []string
	for _, p := range coll.Programs {
		all = append(all, p.Name+" ("+p.Section+")")
		if (*progName == "" || p.Name == *progName) && (*section == "" || p.Section == *section) {
			progs = append(progs, p)
		}
	}
	if len(progs) == 0 {
		if len(all) == 0 {
			return fmt.Errorf("%s: no programs in the object", name)
		}
		return fmt.Errorf("%s: no program matches (the object has %s)", name, strings.Join(all, ", "))
	}
	for i, p := range progs {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printHeader(stdout, p, s)
		o := opts
		o.Symbols = p.Symbols
		o.MapNames = p.MapNames()
		if err := p.Insns.Print(stdout, o); err != nil {
			return err
		}
	}
	return nil
}

// printHeader describes an ELF program in comments of the syntax printed
// ("#" for uBPF, which reads "//" as an instruction; "//" for the others, C
// preprocessing taking "#" in the macro syntax), so that the output
// assembles back.
func printHeader(w io.Writer, p *asm.ProgramSpec, s asm.Syntax) {
	c := "//"
	if s == asm.SyntaxUBPF {
		c = "#"
	}
	typ := p.Type
	if typ == "" {
		typ = "unknown"
	}
	fmt.Fprintf(w, "%s program %s: section %s, type %s", c, p.Name, p.Section, typ)
	if p.AttachType != "" {
		fmt.Fprintf(w, ", attach %s", p.AttachType)
	}
	fmt.Fprintf(w, ", license %s, %d insns\n", p.License, len(p.Insns))
	for i, m := range p.Maps {
		fmt.Fprintf(w, "%s map %d: %s, %s, key %d, value %d, max_entries %d", c, i, m.Name, mapTypeName(m.Type), m.KeySize, m.ValueSize, m.MaxEntries)
		if m.Flags != 0 {
			fmt.Fprintf(w, ", flags %#x", m.Flags)
		}
		fmt.Fprintln(w)
	}
}

// decodeProgram reads raw little-endian instruction bytes or hex text.
func decodeProgram(data []byte) (asm.Program, error) {
	return decodeProgramOrder(data, binary.LittleEndian)
}

// decodeProgramOrder reads raw instruction bytes or hex text in the given
// byte order.
func decodeProgramOrder(data []byte, order binary.ByteOrder) (asm.Program, error) {
	if isHexText(data) {
		b, err := parseHex(data)
		if err != nil {
			return nil, err
		}
		data = b
	} else if isText(data) {
		return nil, fmt.Errorf("not an ELF object, raw instructions or hex text (bpflab asm assembles program text)")
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("no instructions")
	}
	return asm.Unmarshal(data, order)
}

// isHexText reports whether the input is text made of hex digits,
// separators and comments rather than raw instruction bytes.
func isHexText(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		line = stripHexComment(line)
		for _, c := range []byte(line) {
			switch {
			case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F',
				c == 'x', c == 'X', c == ' ', c == '\t', c == '\r', c == ',':
			default:
				return false
			}
		}
	}
	return true
}

// isText reports whether the input is printable text; raw instructions
// almost never are, since most opcodes are not printable characters.
func isText(data []byte) bool {
	for _, c := range data {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\t' && c != '\r' {
			return false
		}
	}
	return len(data) > 0
}

func stripHexComment(line string) string {
	if i := strings.IndexAny(line, "#;"); i >= 0 {
		line = line[:i]
	}
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return line
}

// parseHex decodes hex text: digits in any grouping, separated by blanks,
// commas or newlines, each group with an optional 0x, and comments after
// #, ; or //.
func parseHex(data []byte) ([]byte, error) {
	var digits strings.Builder
	for n, line := range strings.Split(string(data), "\n") {
		for _, f := range strings.FieldsFunc(stripHexComment(line), func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == ',' }) {
			f = strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
			if _, err := hex.DecodeString(strings.Repeat("0", len(f)%2) + f); err != nil || f == "" {
				return nil, fmt.Errorf("line %d: %q is not hex", n+1, f)
			}
			digits.WriteString(f)
		}
	}
	if digits.Len()%2 != 0 {
		return nil, fmt.Errorf("odd number of hex digits (%d)", digits.Len())
	}
	return hex.DecodeString(digits.String())
}

// mapTypeNames spells enum bpf_map_type as bpftool does.
var mapTypeNames = asm.MapTypeNames()

func mapTypeName(t asm.MapType) string {
	if int(t) < len(mapTypeNames) {
		return mapTypeNames[t]
	}
	return fmt.Sprintf("type %d", t)
}
