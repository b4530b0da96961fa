package kselftest

import (
	"testing"

	"github.com/bpflab/bpflab/asm"
)

func TestCheckXlated(t *testing.T) {
	src := `
{
	"patterns",
	.insns = { BPF_EXIT_INSN() },
	.expected_insns = {
		BPF_MOV64_IMM(BPF_REG_1, INSN_IMM_MASK),
		SKIP_INSNS(),
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, INSN_OFF_MASK, INSN_IMM_MASK),
	},
	.unexpected_insns = { BPF_EMIT_CALL(BPF_FUNC_loop) },
},`
	tests, err := Parse([]byte(src), "x.c")
	if err != nil || tests[0].Err != nil {
		t.Fatal(err, tests[0].Err)
	}
	tc := tests[0]
	call := asm.Insn{Code: asm.Op(asm.BPF_JMP, asm.BPF_CALL), Src: asm.BPF_PSEUDO_CALL, Off: 3, Imm: 7}
	for _, tt := range []struct {
		name string
		p    asm.Program
		ok   bool
	}{
		{"in order with a gap", asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 5), asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), call, asm.BPF_EXIT_INSN()), true},
		{"wrong order", asm.Prog(call, asm.BPF_MOV64_IMM(asm.BPF_REG_1, 5), asm.BPF_EXIT_INSN()), false},
		{"register differs", asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_2, 5), call), false},
		{"unexpected call present", asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 5), call, asm.BPF_EMIT_CALL(asm.BPF_FUNC_loop)), false},
	} {
		if err := tc.CheckXlated(tt.p); (err == nil) != tt.ok {
			t.Errorf("%s: CheckXlated = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
