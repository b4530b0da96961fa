package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/google/go-cmp/cmp"
)

func TestAsmGolden(t *testing.T) {
	runCLICases(t, []cliCase{
		{name: "asm_example_hex", args: []string{"asm", "--hex", "testdata/example.s"}},
		{name: "asm_example_big_endian", args: []string{"asm", "--hex", "--big-endian", "testdata/example.s"}},
		{name: "asm_stdin_ubpf", args: []string{"asm", "--syntax", "ubpf", "--hex", "-"}, stdin: "mov32 %r0, 1\nadd %r0, 2\nexit\n"},
		{name: "asm_stdin_auto", args: []string{"asm", "--hex", "-"}, stdin: "r0 = 0x1122334455667788 ll\nexit\n"},
		{name: "asm_error_syntax", args: []string{"asm", "-"}, stdin: "r0 = 1\nr0 += foo\nexit\n"},
		{name: "asm_error_missing_file", args: []string{"asm", "testdata/no-such-file.s"}},
		{name: "asm_error_unknown_flag", args: []string{"asm", "--bogus", "testdata/example.s"}},
		{name: "asm_error_bad_syntax_flag", args: []string{"asm", "--syntax", "intel", "testdata/example.s"}},
		{name: "asm_error_no_input", args: []string{"asm"}},
		{name: "asm_error_two_inputs", args: []string{"asm", "a.s", "b.s"}},
	})
}

// TestAsmOutputFile checks -o and that the raw output is the program's
// encoding in the requested byte order.
func TestAsmOutputFile(t *testing.T) {
	src, err := os.ReadFile("testdata/example.s")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := asm.Assemble(src, "example.s", asm.SyntaxLLVM)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		flags []string
		order binary.ByteOrder
	}{
		{"little", nil, binary.LittleEndian},
		{"big", []string{"--big-endian"}, binary.BigEndian},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "example.bin")
			args := append([]string{"asm", "-o", out}, tt.flags...)
			var stdout, stderr bytes.Buffer
			if code := run(append(args, "testdata/example.s"), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty with -o: %q", stdout.String())
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(prog.Marshal(tt.order), got); d != "" {
				t.Errorf("diff (-want +got):\n%s", d)
			}
		})
	}
}
