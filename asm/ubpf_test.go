package asm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestUBPFForms lists every instruction form of the uBPF syntax with the
// slots it encodes to; the text is also what the printer writes.
func TestUBPFForms(t *testing.T) {
	tests := []struct {
		text string
		want []Insn
	}{
		{"mov32 %r0, 0", []Insn{BPF_MOV32_IMM(BPF_REG_0, 0)}},
		{"mov %r1, %r2", []Insn{BPF_MOV64_REG(BPF_REG_1, BPF_REG_2)}},
		{"add32 %r0, -3", []Insn{BPF_ALU32_IMM(BPF_ADD, BPF_REG_0, -3)}},
		{"sub %r3, 0x12345678", []Insn{BPF_ALU64_IMM(BPF_SUB, BPF_REG_3, 0x12345678)}},
		{"mul %r3, -0x80000000", []Insn{BPF_ALU64_IMM(BPF_MUL, BPF_REG_3, -0x80000000)}},
		{"div32 %r4, %r5", []Insn{BPF_ALU32_REG(BPF_DIV, BPF_REG_4, BPF_REG_5)}},
		{"sdiv %r4, 7", []Insn{{Code: Op(BPF_ALU64, BPF_DIV, BPF_K), Dst: 4, Off: 1, Imm: 7}}},
		{"smod32 %r4, %r1", []Insn{{Code: Op(BPF_ALU, BPF_MOD, BPF_X), Dst: 4, Src: 1, Off: 1}}},
		{"mod %r4, 3", []Insn{BPF_ALU64_IMM(BPF_MOD, BPF_REG_4, 3)}},
		{"or %r0, %r10", []Insn{BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_10)}},
		{"and32 %r0, 255", []Insn{BPF_ALU32_IMM(BPF_AND, BPF_REG_0, 255)}},
		{"lsh %r0, 32", []Insn{BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 32)}},
		{"rsh32 %r0, %r1", []Insn{BPF_ALU32_REG(BPF_RSH, BPF_REG_0, BPF_REG_1)}},
		{"arsh %r0, 1", []Insn{BPF_ALU64_IMM(BPF_ARSH, BPF_REG_0, 1)}},
		{"xor %r9, %r9", []Insn{BPF_ALU64_REG(BPF_XOR, BPF_REG_9, BPF_REG_9)}},
		{"neg %r2", []Insn{{Code: Op(BPF_ALU64, BPF_NEG), Dst: 2}}},
		{"neg32 %r2", []Insn{{Code: Op(BPF_ALU, BPF_NEG), Dst: 2}}},
		{"movsx864 %r0, %r1", []Insn{{Code: Op(BPF_ALU64, BPF_MOV, BPF_X), Src: 1, Off: 8}}},
		{"movsx1632 %r0, %r1", []Insn{{Code: Op(BPF_ALU, BPF_MOV, BPF_X), Src: 1, Off: 16}}},
		{"movsx3264 %r0, %r1", []Insn{{Code: Op(BPF_ALU64, BPF_MOV, BPF_X), Src: 1, Off: 32}}},
		{"le16 %r0", []Insn{{Code: Op(BPF_ALU, BPF_END, BPF_TO_LE), Imm: 16}}},
		{"be32 %r3", []Insn{{Code: Op(BPF_ALU, BPF_END, BPF_TO_BE), Dst: 3, Imm: 32}}},
		{"swap64 %r3", []Insn{{Code: Op(BPF_ALU64, BPF_END), Dst: 3, Imm: 64}}},
		{"lddw %r0, 0x123456789abcdef0", []Insn{{Code: 0x18, Imm: -0x65432110}, {Imm: 0x12345678}}},
		{"lddw %r1, map_fd 3", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_MAP_FD, Imm: 3}, {}}},
		{"lddw %r1, map_value 3, 16", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_MAP_VALUE, Imm: 3}, {Imm: 16}}},
		{"lddw %r1, btf_id 7", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_BTF_ID, Imm: 7}, {}}},
		{"lddw %r1, func -3", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_FUNC, Imm: -3}, {}}},
		{"lddw %r1, map_idx 0", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_MAP_IDX}, {}}},
		{"lddw %r1, map_idx_value 2, 8", []Insn{{Code: 0x18, Dst: 1, Src: BPF_PSEUDO_MAP_IDX_VALUE, Imm: 2}, {Imm: 8}}},
		{"ldxb %r0, [%r1+4]", []Insn{BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 4)}},
		{"ldxh %r0, [%r1+0]", []Insn{BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_1, 0)}},
		{"ldxw %r0, [%r10-4]", []Insn{BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_10, -4)}},
		{"ldxdw %r0, [%r10-32768]", []Insn{BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -32768)}},
		{"ldxsb %r0, [%r10-1]", []Insn{{Code: Op(BPF_LDX, BPF_MEMSX, BPF_B), Src: 10, Off: -1}}},
		{"ldxsw %r0, [%r10-4]", []Insn{{Code: Op(BPF_LDX, BPF_MEMSX, BPF_W), Src: 10, Off: -4}}},
		{"stb [%r10-1], 7", []Insn{BPF_ST_MEM(BPF_B, BPF_REG_10, -1, 7)}},
		{"stdw [%r10-8], -1", []Insn{BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1)}},
		{"stxh [%r1+2], %r3", []Insn{BPF_STX_MEM(BPF_H, BPF_REG_1, BPF_REG_3, 2)}},
		{"stxdw [%r10-8], %r0", []Insn{BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, -8)}},
		{"lock add [%r10-8], %r1", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_DW), Dst: 10, Src: 1, Off: -8, Imm: int32(BPF_ADD)}}},
		{"lock fetch xor32 [%r10-4], %r1", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_W), Dst: 10, Src: 1, Off: -4, Imm: int32(BPF_XOR | BPF_FETCH)}}},
		{"lock xchg [%r10-8], %r1", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_DW), Dst: 10, Src: 1, Off: -8, Imm: int32(BPF_XCHG)}}},
		{"lock cmpxchg32 [%r10-8], %r1", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_W), Dst: 10, Src: 1, Off: -8, Imm: int32(BPF_CMPXCHG)}}},
		{"ldacqdw %r0, [%r1+8]", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_DW), Dst: 0, Src: 1, Off: 8, Imm: int32(BPF_LOAD_ACQ)}}},
		{"strelb [%r1+0], %r2", []Insn{{Code: Op(BPF_STX, BPF_ATOMIC, BPF_B), Dst: 1, Src: 2, Imm: int32(BPF_STORE_REL)}}},
		{"ldabsh 12", []Insn{{Code: Op(BPF_LD, BPF_ABS, BPF_H), Imm: 12}}},
		{"ldindb %r2, 14", []Insn{{Code: Op(BPF_LD, BPF_IND, BPF_B), Src: 2, Imm: 14}}},
		{"ja +2", []Insn{BPF_JMP_A(2)}},
		{"ja -1", []Insn{BPF_JMP_A(-1)}},
		{"ja32 +100000", []Insn{{Code: Op(BPF_JMP32, BPF_JA), Imm: 100000}}},
		{"may_goto +3", []Insn{{Code: Op(BPF_JMP, BPF_JCOND), Off: 3}}},
		{"jeq %r1, 5, +1", []Insn{BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 5, 1)}},
		{"jne32 %r1, %r2, -5", []Insn{BPF_JMP32_REG(BPF_JNE, BPF_REG_1, BPF_REG_2, -5)}},
		{"jsle %r1, -1, +0", []Insn{BPF_JMP_IMM(BPF_JSLE, BPF_REG_1, -1, 0)}},
		{"jset32 %r1, -0x80000000, +7", []Insn{BPF_JMP32_IMM(BPF_JSET, BPF_REG_1, -0x80000000, 7)}},
		{"call 5", []Insn{BPF_EMIT_CALL(5)}},
		{"call local +4", []Insn{{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_CALL, Imm: 4}}},
		{"call runtime 1234", []Insn{{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_KFUNC_CALL, Imm: 1234}}},
		{"call %r2", []Insn{{Code: Op(BPF_JMP, BPF_CALL, BPF_X), Dst: 2}}},
		{"exit", []Insn{BPF_EXIT_INSN()}},
		{".insn 0x07, 0, 1, 0, 1", []Insn{{Code: 0x07, Src: 1, Imm: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseUBPF([]byte(tt.text), "t.s", false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Program(tt.want), got); diff != "" {
				t.Errorf("parse: diff (-want +got):\n%s", diff)
			}
			if s := Program(tt.want).InsnString(0, SyntaxUBPF); s != tt.text {
				t.Errorf("print: got %q, want %q", s, tt.text)
			}
		})
	}
}

// TestUBPFAliases checks spellings the parser accepts but never prints.
func TestUBPFAliases(t *testing.T) {
	tests := []struct{ text, canonical string }{
		{"add64 %r0, 1", "add %r0, 1"},
		{"bswap16 %r1", "swap16 %r1"},
		{"call helper 7", "call 7"},
		{"MOV32 %R1, 0X10", "mov32 %r1, 16"},
		{"ldxw %r0, [%r1]", "ldxw %r0, [%r1+0]"},
		{"ldxw %r0, [ %r1 + 0x10 ]", "ldxw %r0, [%r1+16]"},
		{"stw [%r1+0], 0xffffffff", "stw [%r1+0], -1"},
		{"lock fetch xchg [%r1+0], %r2", "lock xchg [%r1+0], %r2"},
		{"mov %r0 1", "mov %r0, 1"},
		{"lddw %r0, -1", "lddw %r0, 0xffffffffffffffff"},
		{"lddw %r0, 18446744073709551615", "lddw %r0, 0xffffffffffffffff"},
		{"movsx8 %r0, %r1", "movsx864 %r0, %r1"},
	}
	for _, tt := range tests {
		p, err := parseUBPF([]byte(tt.text), "t.s", false)
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if got := p.InsnString(0, SyntaxUBPF); got != tt.canonical {
			t.Errorf("%q prints as %q, want %q", tt.text, got, tt.canonical)
		}
	}
}

// TestUBPFLabels checks label resolution, including the implicit "exit"
// label of bpf_conformance.
func TestUBPFLabels(t *testing.T) {
	src := `# comment line
mov %r0, 0    # trailing comment
jeq %r1, 0, exit
ja32 out
call local fn
lddw %r2, func fn
out: exit
fn:
mov %r0, 1
exit
`
	got, err := Assemble([]byte(src), "t.s", SyntaxUBPF)
	if err != nil {
		t.Fatal(err)
	}
	want := Program{
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 4),
		{Code: Op(BPF_JMP32, BPF_JA), Imm: 3},
		{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_CALL, Imm: 3},
		{Code: 0x18, Dst: 2, Src: BPF_PSEUDO_FUNC, Imm: 2}, {},
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
}

// TestUBPFPrint checks the whole-program printer: labels, symbols, map
// names, indexes, and the .insn fallback, against a golden file.
func TestUBPFPrint(t *testing.T) {
	p := Prog(
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 2),
		Insn{Code: Op(BPF_JMP, BPF_CALL), Src: BPF_PSEUDO_CALL, Imm: 2},
		BPF_JMP_A(-3),
		BPF_EXIT_INSN(),
		Insn{Code: 0x07, Src: 1, Off: 3, Imm: 1}, // reserved fields set
		BPF_EXIT_INSN(),
	)
	var b bytes.Buffer
	for _, o := range []PrintOptions{
		{Syntax: SyntaxUBPF},
		{Syntax: SyntaxUBPF, Labels: true, Symbols: map[int]string{0: "prog", 7: "sub"}, MapNames: map[int]string{0: "counts"}},
		{Syntax: SyntaxUBPF, Index: true},
	} {
		b.WriteString("-- options " + strings.ReplaceAll(strings.TrimSpace(strings.Join(strings.Fields(
			strings.NewReplacer("{", "", "}", "").Replace(fmtOpts(o))), " ")), "\n", " ") + "\n")
		if err := p.Print(&b, o); err != nil {
			t.Fatal(err)
		}
	}
	goldenFile(t, filepath.Join("testdata", "ubpf", "print.golden"), b.String())

	// Whatever the options, a labelled print reads back to the program.
	var text bytes.Buffer
	_ = p.Print(&text, PrintOptions{Syntax: SyntaxUBPF, Labels: true, Symbols: map[int]string{0: "prog", 7: "sub"}})
	q, err := parseUBPF(text.Bytes(), "t.s", false)
	if err != nil {
		t.Fatalf("%v\n%s", err, text.String())
	}
	if diff := cmp.Diff(p, q); diff != "" {
		t.Errorf("round trip: diff (-want +got):\n%s", diff)
	}
}

func fmtOpts(o PrintOptions) string {
	var parts []string
	if o.Labels {
		parts = append(parts, "labels")
	}
	if o.Index {
		parts = append(parts, "index")
	}
	if o.Symbols != nil {
		parts = append(parts, "symbols")
	}
	if o.MapNames != nil {
		parts = append(parts, "mapnames")
	}
	if len(parts) == 0 {
		return "plain"
	}
	return strings.Join(parts, " ")
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateFlag() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func goldenFile(t *testing.T, file, got string) {
	t.Helper()
	if updateFlag() {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./asm -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s: diff (-want +got):\n%s", file, diff)
	}
}

// TestUBPFEveryOpcode prints one slot of every opcode with assorted field
// values and reads it back: mnemonic or .insn, the bytes never change.
func TestUBPFEveryOpcode(t *testing.T) {
	fields := []Insn{
		{}, {Dst: 1, Src: 2}, {Dst: 10, Off: -8}, {Imm: 16}, {Imm: 32}, {Imm: 64},
		{Off: 1}, {Off: 8}, {Off: 16}, {Off: 32}, {Src: 1}, {Src: 7, Imm: -1}, {Dst: 15, Src: 15, Off: -1, Imm: 0x7fffffff},
		{Imm: int32(BPF_ADD | BPF_FETCH)}, {Imm: int32(BPF_XCHG)}, {Imm: int32(BPF_CMPXCHG)},
		{Imm: int32(BPF_LOAD_ACQ)}, {Imm: int32(BPF_STORE_REL)}, {Imm: 0xf1},
	}
	n := 0
	for code := range 256 {
		for _, f := range fields {
			ins := f
			ins.Code = uint8(code)
			p := Program{ins}
			if ins.IsLdImm64() {
				p = append(p, Insn{Imm: 5})
			}
			for pc := 0; pc < len(p); {
				text, slots := ubpfSlots(p, pc, nil)
				q, err := parseUBPF([]byte(text), "t.s", false)
				if err != nil {
					t.Fatalf("%#v prints as %q, which fails: %v", p[pc], text, err)
				}
				if diff := cmp.Diff(p[pc:pc+slots], q); diff != "" {
					t.Fatalf("%q: diff (-want +got):\n%s", text, diff)
				}
				pc += slots
				n++
			}
		}
	}
	t.Logf("%d slots round-trip", n)
}

// TestUBPFErrors checks that bad input is refused with its position and a
// message naming the problem.
func TestUBPFErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"ldxq %r0, %r1", `t.s:1:1: invalid mnemonic "ldxq"`},
		{"or %r0, %r50", `t.s:1:9: invalid register "%r50": want %r0 to %r10`},
		{"mov r0, 1", `t.s:1:5: invalid register "r0": want %r0 to %r10`},
		{"ja NOT_A_LABEL\nexit", `t.s:1:4: invalid label "NOT_A_LABEL": not defined`},
		{"ja 5", `t.s:1:4: invalid jump target "5": want +N, -N or a label`},
		{"lock or [%r10-8]", `t.s:1:1: invalid number of operands for lock or: want 2, got 1`},
		{"lock", `t.s:1:1: invalid number of operands for lock: want lock [fetch] OP [%rN+off], %rN`},
		{"lock sub [%r1+0], %r2", `t.s:1:6: invalid atomic operation "sub": want add, and, or, xor, xchg or cmpxchg`},
		{"lddw %r0", `t.s:1:1: invalid number of operands for lddw: want 2, got 1`},
		{"lddw %r0, map_value 1", `t.s:1:1: invalid number of operands for lddw map_value: want 2, got 1`},
		{"call local", `t.s:1:1: invalid number of operands for call: want [helper|local|runtime] TARGET, got 1 operand(s)`},
		{"mov32 %r0, 2147483648", `t.s:1:12: invalid immediate "2147483648": out of 32-bit range`},
		{"mov32 %r0, 0x100000000", `t.s:1:12: invalid immediate "0x100000000": out of 32-bit range`},
		{"mov32 %r0, -2147483649", `t.s:1:12: invalid immediate "-2147483649": out of 32-bit range`},
		{"mov32 %r0, 1x", `t.s:1:12: invalid number "1x"`},
		{"lddw %r0, 0x10000000000000000", `t.s:1:11: invalid number "0x10000000000000000": out of 64-bit range`},
		{"ldxb %r0, %r1", `t.s:1:11: invalid memory operand "%r1": want [%rN+offset]`},
		{"ldxb %r0, [%r1+0x10000]", `t.s:1:15: invalid offset "+0x10000": out of 16-bit signed range`},
		{"ldxb %r0, [%r1+4", `t.s:1:11: missing ] in memory operand`},
		{"exit %r0", `t.s:1:1: invalid number of operands for exit: want 0, got 1`},
		{"call far 3", `t.s:1:6: invalid call mode "far": want helper, local or runtime`},
		{"movsx7 %r0, %r1", `t.s:1:1: invalid mnemonic "movsx7": want movsx{8,16,32}{32,64}`},
		{"a:\na:\nexit", `t.s:2:1: duplicate label "a" (first defined at line 1)`},
		{"1a: exit", `t.s:1:1: invalid label name "1a"`},
		{".insn 0x100, 0, 0, 0, 0", `t.s:1:7: invalid .insn field "0x100": out of range 0 to 0xff`},
		{"", `t.s:1:1: insn 0: empty program`},
		{"mov %r0, 0", `t.s:1:1: insn 0: last insn is not an exit or jmp`},
		{"mov %r0, 0\nja +5\nexit", `t.s:2:1: insn 1: jump out of range from insn 1 to 7`},
		{".insn 0x07, 0, 1, 0, 1\nexit", `t.s:1:1: insn 0: BPF_ALU uses reserved fields`},
	}
	for _, tt := range tests {
		_, err := Assemble([]byte(tt.src), "t.s", SyntaxUBPF)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, err, tt.want)
		}
	}
}

// TestUBPFDetect checks that uBPF text is told apart from LLVM text.
func TestUBPFDetect(t *testing.T) {
	if s := detectUBPF([]byte("mov32 %r0, 0\nexit\n")); s == 0 {
		t.Errorf("uBPF text scores 0")
	}
	if s := detectUBPF([]byte("r0 = 0\nexit\n")); s != 0 {
		t.Errorf("LLVM text scores %d, want 0", s)
	}
}

// FuzzParseUBPF feeds arbitrary text to the parser: it must never panic,
// and a program it accepts must print and parse back to the same slots.
func FuzzParseUBPF(f *testing.F) {
	seeds, _ := filepath.Glob("../../shared/conformance/tests/*.data")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			if i := bytes.Index(b, []byte("-- asm\n")); i >= 0 {
				b = b[i+7:]
				if j := bytes.Index(b, []byte("\n-- ")); j >= 0 {
					b = b[:j+1]
				}
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		"mov %r0, 0\nexit", "lock fetch add [%r10-8], %r1\nexit", "lddw %r1, map_value 1, 8\nexit",
		"l: ja l", "call local f\nexit\nf: exit", ".insn 0x95, 0, 0, 0, 0", "ldacqw %r0, [%r1+0]\nexit",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Assemble(src, "f.s", SyntaxUBPF)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, want *SyntaxError: %v", err, err)
			}
			return
		}
		for _, labels := range []bool{false, true} {
			var b bytes.Buffer
			if err := p.Print(&b, PrintOptions{Syntax: SyntaxUBPF, Labels: labels}); err != nil {
				t.Fatal(err)
			}
			q, err := Assemble(b.Bytes(), "f.s", SyntaxUBPF)
			if err != nil {
				t.Fatalf("printed program does not assemble: %v\n%s", err, b.String())
			}
			if !bytes.Equal(p.Marshal(binary.LittleEndian), q.Marshal(binary.LittleEndian)) {
				t.Fatalf("round trip changed the program:\n%s", b.String())
			}
		}
	})
}
