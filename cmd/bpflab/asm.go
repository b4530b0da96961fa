package main

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"strings"

	"github.com/bpflab/bpflab/asm"
)

func init() {
	register(command{name: "asm", summary: "assemble eBPF text into raw instructions", run: runAsm})
}

// runAsm implements "bpflab asm": text in one of the syntaxes to the
// kernel's 8-byte instruction slots, as bytes or as hex text.
func runAsm(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("asm", stderr)
	syntax := fs.String("syntax", "auto", "input syntax: auto, llvm, macro or ubpf")
	out := fs.StringP("output", "o", "", "write to `FILE` instead of standard output")
	hexOut := fs.Bool("hex", false, "write hex text, one 8-byte instruction slot per line")
	bigEndian := fs.Bool("big-endian", false, "encode for a big-endian target")
	setUsage(fs, stderr, "asm [flags] FILE|-",
		"Assembles eBPF text (LLVM pseudo-C, kernel C macros or uBPF mnemonics)",
		"into raw instructions.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := asm.ParseSyntax(*syntax)
	if err != nil {
		return err
	}
	arg, err := oneArg(fs)
	if err != nil {
		return err
	}
	src, name, err := readInput(arg)
	if err != nil {
		return err
	}
	prog, err := asm.Assemble(src, name, s)
	if err != nil {
		return err
	}
	var order binary.ByteOrder = binary.LittleEndian
	if *bigEndian {
		order = binary.BigEndian
	}
	b := prog.Marshal(order)
	if *hexOut {
		b = []byte(hexSlots(b))
	}
	return writeOutput(*out, stdout, b)
}

// hexSlots formats encoded instructions as hex, one slot per line.
func hexSlots(b []byte) string {
	var sb strings.Builder
	for i := 0; i+asm.InsnSize <= len(b); i += asm.InsnSize {
		sb.WriteString(hex.EncodeToString(b[i : i+asm.InsnSize]))
		sb.WriteByte('\n')
	}
	return sb.String()
}
