package testcase

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestLoadBpflab reads the example bpflab cases in testdata.
func TestLoadBpflab(t *testing.T) {
	tests := []struct {
		file string
		want *Case
	}{
		{"pkt_unchecked.case", &Case{
			Name: "pkt_unchecked", Format: Bpflab,
			Comments: []string{
				"# An example bpflab case: the verifier must refuse a packet read that is",
				"# not checked against data_end.",
			},
			Syntax: asm.SyntaxLLVM,
			Program: asm.Prog(
				asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 0),
				asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_2, 0),
				asm.BPF_EXIT_INSN(),
			),
			Descr: "packet read without bounds check is rejected", ProgType: "xdp",
			Verdict: Reject, Errstr: "invalid access to packet",
		}},
		{"map_lookup.case", &Case{
			Name: "map_lookup", Format: Bpflab,
			Comments: []string{"# A bpflab case in uBPF syntax with a map declaration."},
			Syntax:   asm.SyntaxUBPF,
			Program: asm.Prog(
				asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, 0),
				asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10),
				asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4),
				asm.BPF_LD_MAP_FD(asm.BPF_REG_1, 0),
				asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_lookup_elem),
				asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 1),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_0, 0),
				asm.BPF_EXIT_INSN(),
			),
			Mem:       []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd},
			HasResult: true,
			Descr:     "lookup in a hash map, null check, return the value", ProgType: "sched_cls",
			Verdict: Accept,
			Log:     []string{"0: (62) *(u32 *)(r10 -4) = 0"},
			State:   []string{"6: r0.type=map_value"},
			Maps: []*asm.MapSpec{
				{Name: "counts", Type: asm.BPF_MAP_TYPE_HASH, KeySize: 4, ValueSize: 8, MaxEntries: 16},
				{Name: "cfg", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 64, MaxEntries: 1, Flags: 0x400},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Path = filepath.Join("testdata", tt.file)
			opts := cmpopts.IgnoreFields(Case{}, "Sections", "progTypeLine")
			if diff := cmp.Diff(tt.want, got, opts, cmp.AllowUnexported(Case{})); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
			typ, err := got.Type()
			if err != nil || typ.Name != got.ProgType {
				t.Errorf("Type() = %v, %v; want %s", typ, err, got.ProgType)
			}
		})
	}
}

// TestParseConformance reads a bpf_conformance file with every section kind.
func TestParseConformance(t *testing.T) {
	src := `# Copyright (c) Someone
# SPDX-License-Identifier: MIT
-- c
#include <stdint.h>
-- asm
# load a constant
lddw %r0, 0x1122334455667788
exit
-- raw
0x5566778800000018
00 00 00 00 44 33 22 11   # second slot
0x0000000000000095
-- mem
aa BB cc
-- result
0x1122334455667788
-- no register offset
call instruction
`
	c, err := Parse([]byte(src), "x.data")
	if err != nil {
		t.Fatal(err)
	}
	want := &Case{
		Path: "x.data", Name: "x", Format: Conformance,
		Comments: []string{"# Copyright (c) Someone", "# SPDX-License-Identifier: MIT"},
		Syntax:   asm.SyntaxUBPF,
		Program:  asm.Prog(asm.BPF_LD_IMM64(asm.BPF_REG_0, 0x1122334455667788), asm.BPF_EXIT_INSN()),
		Mem:      []byte{0xaa, 0xbb, 0xcc},
		Result:   0x1122334455667788, HasResult: true,
	}
	want.Raw = want.Program
	if diff := cmp.Diff(want, c, cmpopts.IgnoreFields(Case{}, "Sections"), cmp.AllowUnexported(Case{})); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	var names []string
	for _, s := range c.Sections {
		names = append(names, s.Name)
	}
	if diff := cmp.Diff([]string{"c", "asm", "raw", "mem", "result", "no register offset"}, names); diff != "" {
		t.Errorf("sections: diff (-want +got):\n%s", diff)
	}
	if s, ok := c.Section("c"); !ok || s.Text != "#include <stdint.h>\n" || s.Line != 3 {
		t.Errorf("-- c section = %+v, want its text kept verbatim", s)
	}
	if typ, err := c.Type(); err != nil || typ != ctx.None {
		t.Errorf("Type() = %v, %v; want none", typ, err)
	}
}

// TestParseErrors checks that every problem is reported with file and line.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "# only a comment\n", "e.data:1: no sections: want at least -- asm or -- raw"},
		{"no program", "-- result\n0x0\n", "e.data:1: no program: want an -- asm, -- llvm or -- raw section"},
		{"unknown section", "-- asm\nexit\n-- Unknown directive\n", `e.data:3: unknown section "Unknown directive"`},
		{"duplicate", "-- asm\nexit\n-- asm\nexit\n", `e.data:3: duplicate section "asm" (first at line 1)`},
		{"text first", "exit\n-- asm\nexit\n", `e.data:1: text before the first section: want "# comment" or "-- NAME"`},
		{"asm error", "# c\n-- asm\nmov %r0, 0\nldxq %r0, %r1\nexit\n", `e.data:4:1: invalid mnemonic "ldxq"`},
		{"raw reserved", "-- raw\n95 00 00 00 00 00 00 00\n07 00 01 00 01 00 00 00\n95 00 00 00 00 00 00 00\n", "e.data:3: -- raw: insn 1: BPF_ALU uses reserved fields"},
		{"raw truncated", "-- raw\n95 00 00\n", "e.data:1: -- raw: 3 bytes is not a whole number of instructions: truncated instruction"},
		{"raw odd", "-- raw\n950\n", `e.data:2: invalid hex bytes "950": odd number of digits`},
		{"raw word", "-- raw\n0x95\n", `e.data:2: invalid hex word "0x95": want 0x and 16 hex digits`},
		{"raw differs", "-- asm\nmov %r0, 1\nexit\n-- raw\nb7 00 00 00 02 00 00 00\n95 00 00 00 00 00 00 00\n", "e.data:4: -- raw differs from -- asm: insn 0: text b700000001000000, raw b700000002000000"},
		{"result twice", "-- asm\nexit\n-- result\n0x1\n0x2\n", "e.data:3: -- result wants one number, got 2 lines"},
		{"result bad", "-- asm\nexit\n-- result\nabc\n", `e.data:4: -- result: invalid number "abc"`},
		{"mixed", "-- asm\nexit\n-- result\n0\n-- verdict\naccept\n", `e.data:5: section "verdict" of a bpflab case mixed with "result" of a bpf_conformance file (line 3)`},
		{"verdict", "-- asm ubpf\nexit\n-- verdict\nmaybe\n", `e.data:4: invalid verdict "maybe": want accept or reject`},
		{"syntax arg", "-- asm pascal\nexit\n", `e.data:1: unknown syntax "pascal" (want auto, llvm, macro or ubpf)`},
		{"arg elsewhere", "-- asm\nexit\n-- mem ubpf\n00\n", `e.data:3: section "mem" takes no argument (got "ubpf")`},
		{"map type", "-- asm ubpf\nexit\n-- maps\nm type=tree key=4 value=4 max=1\n", `e.data:4: map m: unknown map type "tree"`},
		{"map missing", "-- asm ubpf\nexit\n-- maps\nm type=hash key=4 value=4\n", "e.data:4: map m: missing max="},
		{"map attr", "-- asm ubpf\nexit\n-- maps\nm type=hash key=4 value=4 max=1 pin=1\n", `e.data:4: map m: unknown attribute "pin": want type, key, value, max or flags`},
		{"map dup", "-- asm ubpf\nexit\n-- maps\nm type=hash key=4 value=4 max=1\nm type=hash key=4 value=4 max=1\n", `e.data:5: duplicate map "m" (first at line 4)`},
		{"mem and data", "-- asm ubpf\nexit\n-- mem\n00\n-- data\n00\n", "e.data:5: both -- mem and -- data given"},
		{"asm and llvm", "-- asm\nexit\n-- llvm\nexit\n-- descr\nx\n", "e.data:3: both -- asm and -- llvm given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "e.data")
			if err == nil {
				t.Fatalf("accepted, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

// TestUnknownProgType checks that Type names the line of a bad prog_type.
func TestUnknownProgType(t *testing.T) {
	c, err := Parse([]byte("-- prog_type\nkprobe_multi\n-- asm ubpf\nexit\n"), "p.case")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Type(); err == nil || !strings.HasPrefix(err.Error(), "p.case:2: unknown program type") {
		t.Errorf("Type() error = %v, want p.case:2: unknown program type …", err)
	}
}

// TestGlobShared loads the shared conformance tests and benchmarks.
func TestGlobShared(t *testing.T) {
	for _, tt := range []struct {
		dir  string
		want int
	}{{"conformance/tests", 313}, {"bench", 6}} {
		cases, err := Glob(filepath.Join(testenv.Shared(t, tt.dir), "*.data"))
		if err != nil {
			t.Fatal(err)
		}
		withResult := 0
		for _, c := range cases {
			if c.HasResult {
				withResult++
			}
			src, err := os.ReadFile(c.Path)
			if err != nil {
				t.Fatal(err)
			}
			header, _, _ := strings.Cut(string(src), "\n--")
			if strings.Contains(header, "SPDX-License-Identifier") != strings.Contains(strings.Join(c.Comments, "\n"), "SPDX-License-Identifier") {
				t.Errorf("%s: SPDX header not kept in Comments", c.Name)
			}
		}
		if len(cases) != tt.want || withResult != tt.want {
			t.Errorf("%s: %d cases, %d with a result; want %d", tt.dir, len(cases), withResult, tt.want)
		}
	}
	if _, err := Glob("testdata/*.nothing"); err == nil {
		t.Errorf("Glob of nothing succeeded")
	}
}
