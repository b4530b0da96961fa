package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/google/go-cmp/cmp"
)

const progs = "../../testdata/progs/"

// exampleHex is testdata/example.s assembled, as hex text.
func exampleHex(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("testdata/example.s")
	if err != nil {
		t.Fatal(err)
	}
	p, err := asm.Assemble(src, "example.s", asm.SyntaxLLVM)
	if err != nil {
		t.Fatal(err)
	}
	return hexSlots(p.Marshal(binary.LittleEndian))
}

func TestDisasmGolden(t *testing.T) {
	hexText := exampleHex(t)
	raw := string(mustParseHex(t, hexText))
	runCLICases(t, []cliCase{
		{name: "disasm_example_hex", args: []string{"disasm", "-"}, stdin: hexText},
		{name: "disasm_example_raw_no_index", args: []string{"disasm", "--no-index", "-"}, stdin: raw},
		{name: "disasm_example_ubpf", args: []string{"disasm", "--syntax", "ubpf", "-"}, stdin: hexText},
		{name: "disasm_big_endian", args: []string{"disasm", "--big-endian", "-"}, stdin: "b4100000000000ff\n9500000000000000\n"},
		{name: "disasm_hex_loose", args: []string{"disasm", "-"}, stdin: "# r0 = 1; exit\n0xb7, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,\n95000000 00000000 // exit\n"},
		{name: "disasm_xdp_call", args: []string{"disasm", progs + "xdp_call.o"}},
		{name: "disasm_tc_mark_no_index", args: []string{"disasm", "--no-index", "--prog", "tc_mark", progs + "tc_mark.o"}},
		{name: "disasm_cgroup_section", args: []string{"disasm", "--section", "cgroup_skb/egress", progs + "cgroup_skb_count.o"}},
		{name: "disasm_cgroup_both", args: []string{"disasm", "--no-index", progs + "cgroup_skb_count.o"}},
		{name: "disasm_xdp_call_macro", args: []string{"disasm", "--syntax", "macro", progs + "xdp_call.o"}},
		{name: "disasm_tc_count_macro_no_index", args: []string{"disasm", "--syntax", "macro", "--no-index", progs + "tc_count.o"}},
		{name: "disasm_sock_filter_ubpf", args: []string{"disasm", "--syntax", "ubpf", progs + "sock_filter_tcp.o"}},
		{name: "disasm_error_no_match", args: []string{"disasm", "--prog", "nope", progs + "cgroup_skb_count.o"}},
		{name: "disasm_error_prog_on_raw", args: []string{"disasm", "--prog", "x", "-"}, stdin: hexText},
		{name: "disasm_error_text", args: []string{"disasm", "-"}, stdin: "r0 = 1\nexit\n"},
		{name: "disasm_error_truncated", args: []string{"disasm", "-"}, stdin: "b7000000010000009500"},
		{name: "disasm_error_bad_opcode", args: []string{"disasm", "-"}, stdin: "ff00000000000000\n9500000000000000\n"},
		{name: "disasm_error_empty", args: []string{"disasm", "-"}, stdin: ""},
		{name: "disasm_error_bad_elf", args: []string{"disasm", "-"}, stdin: "\x7fELF\x02\x01\x01\x00garbage"},
		{name: "disasm_error_missing_file", args: []string{"disasm", "no-such-file.o"}},
		{name: "disasm_error_unknown_flag", args: []string{"disasm", "--bogus", "x.o"}},
		{name: "disasm_error_bad_syntax_flag", args: []string{"disasm", "--syntax", "att", "x.o"}},
	})
}

func mustParseHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := parseHex([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDisasmRoundTrip disassembles every program of every object in every
// syntax and assembles the text again with bpflab asm: the bytes must be
// the loaded program's, map indexes included.
func TestDisasmRoundTrip(t *testing.T) {
	files, err := filepath.Glob(progs + "*.o")
	if err != nil || len(files) == 0 {
		t.Fatalf("no objects in %s (%v)", progs, err)
	}
	for _, path := range files {
		c, err := asm.LoadCollection(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Programs {
			for _, flags := range [][]string{
				{"--syntax", "llvm"}, {"--syntax", "llvm", "--no-index"},
				{"--syntax", "macro"}, {"--syntax", "macro", "--no-index"},
				{"--syntax", "ubpf", "--no-index"}, // the uBPF parser reads no index prefixes
			} {
				args := append(append([]string{"disasm"}, flags...), "--prog", p.Name, path)
				t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
					var text, asmOut, stderr bytes.Buffer
					if code := run(args, &text, &stderr); code != 0 {
						t.Fatalf("disasm: exit %d: %s", code, stderr.String())
					}
					old := stdin
					stdin = &text
					defer func() { stdin = old }()
					if code := run([]string{"asm", "--syntax", flags[1], "-"}, &asmOut, &stderr); code != 0 {
						t.Fatalf("asm: exit %d: %s", code, stderr.String())
					}
					if d := cmp.Diff(p.Insns.Marshal(binary.LittleEndian), asmOut.Bytes()); d != "" {
						t.Errorf("diff (-loaded +reassembled):\n%s", d)
					}
				})
			}
		}
	}
}

func TestParseHex(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		err  bool
	}{
		{in: "b700", want: []byte{0xb7, 0}},
		{in: "0xb7 0X00\n", want: []byte{0xb7, 0}},
		{in: "b7,00 // comment\n# all comment\n; too\n01", want: []byte{0xb7, 0, 1}},
		{in: "b7 0", err: true},
		{in: "0x", err: true},
	}
	for _, tt := range tests {
		got, err := parseHex([]byte(tt.in))
		if (err != nil) != tt.err {
			t.Errorf("parseHex(%q): error %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if d := cmp.Diff(tt.want, got); !tt.err && d != "" {
			t.Errorf("parseHex(%q): diff (-want +got):\n%s", tt.in, d)
		}
	}
}

// FuzzDisasm feeds arbitrary input to bpflab disasm in every syntax: it
// must print or fail with a message, never panic.
func FuzzDisasm(f *testing.F) {
	f.Add([]byte("b700000001000000\n9500000000000000\n"))
	f.Add([]byte("\x18\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00"))
	if b, err := os.ReadFile(progs + "xdp_call.o"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, syntax := range []string{"llvm", "macro", "ubpf"} {
			old := stdin
			stdin = bytes.NewReader(in)
			var out, errb bytes.Buffer
			code := run([]string{"disasm", "--syntax", syntax, "-"}, &out, &errb)
			stdin = old
			if code != 0 && errb.Len() == 0 {
				t.Fatalf("exit %d without a message", code)
			}
		}
	})
}
