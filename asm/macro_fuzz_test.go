package asm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseMacro feeds random text to the C macro reader: it must never
// panic or hang, errors must be *SyntaxError, Assemble must accept exactly
// the valid programs the raw reader reads, and whatever the raw reader
// accepts must print and read back to the same slots.
func FuzzParseMacro(f *testing.F) {
	files, _ := filepath.Glob("testdata/macro/*.c")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{
		"BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN(),",
		".insns = { BPF_LD_IMM64(BPF_REG_1, -1ULL << 3), BPF_JMP_A(-1) },",
		"#define X(a, b) BPF_ALU64_IMM(a, BPF_REG_ ## b, #a[0])\nX(BPF_ADD, 1),",
		"{ .code = 0x18, .imm = 1 }, { 0 }, BPF_RAW_INSN(0xff, 15, 15, -1, 0x7fffffff),",
		"BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetofend(struct bpf_sock_tuple, ipv6.saddr[2])),",
		"#if defined(A) || (1 ? 2 : 3) > (int)sizeof(long)\nBPF_EXIT_INSN(),\n#else\nBPF_SK_LOOKUP(sk_lookup_udp)\n#endif",
		"struct bpf_insn p[] = { BPF_ATOMIC_OP(BPF_DW, BPF_OR | BPF_FETCH, BPF_REG_10, BPF_REG_1, -8) };",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		valid, verr := Assemble(src, "fuzz.c", SyntaxMacro)
		if _, ok := verr.(*SyntaxError); verr != nil && !ok {
			t.Fatalf("error %v (%T) is not a *SyntaxError", verr, verr)
		}
		p, err := ParseMacroProgram(src, "fuzz.c")
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
			}
			if verr == nil {
				t.Fatalf("Assemble accepts what ParseMacroProgram refuses: %v", err)
			}
			return
		}
		if verr == nil {
			if err := valid.Validate(); err != nil || !cmp.Equal(valid, p) {
				t.Fatalf("Assemble returned %v (%v), the raw reader %v", valid, err, p)
			}
		}
		// Every program, valid or not, prints and reads back unchanged.
		text := p.Format(SyntaxMacro)
		back, err := ParseMacroProgram([]byte(text), "printed.c")
		if err != nil {
			t.Fatalf("printed program does not read back: %v\n%s", err, text)
		}
		if len(p) == 0 && len(back) == 0 {
			return
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Fatalf("print/read changed the program: diff (-read +reread):\n%s\n%s", diff, text)
		}
	})
}
