package kselftest

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// skipInsn is SKIP_INSNS(), the separator of sub-sequences in
// .expected_insns and .unexpected_insns.
var skipInsn = asm.Insn{Code: 0xde, Dst: 0xa, Src: 0xd, Off: -0x4111, Imm: -0x21524111}

// CheckXlated checks the program the kernel reports after its rewrites
// (BPF_OBJ_GET_INFO_BY_FD's xlated instructions) against ExpectedInsns and
// UnexpectedInsns as test_verifier.c does: each pattern is a list of
// sub-sequences separated by SKIP_INSNS() and ended by an all-zero slot,
// found one after another; an off of INSN_OFF_MASK (-1) or an imm of
// INSN_IMM_MASK (-1) matches anything.
func (t *Test) CheckXlated(xlated asm.Program) error {
	if len(t.ExpectedInsns) > 0 && t.ExpectedInsns[0] != (asm.Insn{}) && !findSubseqs(xlated, t.ExpectedInsns) {
		return fmt.Errorf("%s: expected instructions not found in the translated program", t.Name())
	}
	if len(t.UnexpectedInsns) > 0 && t.UnexpectedInsns[0] != (asm.Insn{}) && findSubseqs(xlated, t.UnexpectedInsns) {
		return fmt.Errorf("%s: unexpected instructions found in the translated program", t.Name())
	}
	return nil
}

func maskedEqual(got, pat asm.Insn) bool {
	if pat.Imm == -1 {
		got.Imm = -1
	}
	if pat.Off == -1 {
		got.Off = -1
	}
	return got == pat
}

// findSubseqs reports whether every sub-sequence of pattern occurs in seq,
// each after the previous one.
func findSubseqs(seq, pattern asm.Program) bool {
	for i, ins := range pattern {
		if ins == (asm.Insn{}) {
			pattern = pattern[:i]
			break
		}
	}
	for len(pattern) > 0 {
		cur := len(pattern)
		for i, ins := range pattern {
			if ins == skipInsn {
				cur = i
				break
			}
		}
		at := findSubseq(seq, pattern[:cur])
		if at < 0 {
			return false
		}
		seq = seq[at+cur:]
		if cur+1 > len(pattern) {
			break
		}
		pattern = pattern[cur+1:]
	}
	return true
}

func findSubseq(seq, sub asm.Program) int {
	for i := 0; i+len(sub) <= len(seq); i++ {
		match := true
		for j := range sub {
			if !maskedEqual(seq[i+j], sub[j]) {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
