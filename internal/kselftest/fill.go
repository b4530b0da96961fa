package kselftest

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// The fill helpers of test_verifier.c, rewritten from what each builds.
// They take the entry's .retval as parameter and some of them set the
// expected return value. Where the kernel's helpers use random numbers
// (bpf_semi_rand_get) these use a fixed-seed generator, so the program is
// the same on every read and its expected result is computed alongside.

// fillHelpers maps a helper's name to its builder; it returns the program
// and the expected return value when the helper decides it.
var fillHelpers = map[string]func(t *Test, param uint32) (asm.Program, *uint32, error){
	"bpf_fill_ld_abs_vlan_push_pop": fillLdAbsVlanPushPop,
	"bpf_fill_jump_around_ld_abs":   fillJumpAroundLdAbs,
	"bpf_fill_rand_ld_dw":           fillRandLdDW,
	"bpf_fill_scale":                fillScale,
	"bpf_fill_torturous_jumps":      fillTorturousJumps,
	"bpf_fill_big_prog_with_loop_1": fillBigProgWithLoop1,
}

// FillHelpers lists the fill helpers this package implements.
func FillHelpers() []string {
	var names []string
	for n := range fillHelpers {
		names = append(names, n)
	}
	return names
}

func (t *Test) fill(param uint32) error {
	h, ok := fillHelpers[t.FillHelper]
	if !ok {
		return fmt.Errorf("%s:%d: fill helper %s is not implemented", t.File, t.Line, t.FillHelper)
	}
	p, rv, err := h(t, param)
	if err != nil {
		return fmt.Errorf("%s:%d: %s: %w", t.File, t.Line, t.FillHelper, err)
	}
	t.Insns, t.generatedRetval = p, rv
	return nil
}

func u32(v uint32) *uint32 { return &v }

// semiRand is a fixed-seed splitmix64 generator standing in for
// bpf_semi_rand_get; it mixes small, large and sign-extended values.
type semiRand struct{ s uint64 }

func (r *semiRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	switch z % 4 { // like the kernel's generator, favour edge-shaped values
	case 0:
		return z & 0xff
	case 1:
		return 0xffffffff00000000 | z&0xffff
	case 2:
		return 0x8000000000000000 | z&0xffffffff
	}
	return z
}

// fillLdAbsVlanPushPop: 5 rounds of 51 × (ld_abs + vlan_push) then 51 ×
// (ld_abs + vlan_pop), each checked, padded to 2^15 - 3060 insns with
// r0 = 0xbef; the error path returns 0.
func fillLdAbsVlanPushPop(_ *Test, _ uint32) (asm.Program, *uint32, error) {
	const pushCnt = 51
	n := (1 << 15) - pushCnt*2*5*6
	p := make(asm.Program, n)
	i := 0
	emit := func(ins asm.Insn) { p[i] = ins; i++ }
	emit(asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1))
	for k := 0; k < 5; k++ {
		for j := 0; j < pushCnt; j++ {
			emit(asm.BPF_LD_ABS(asm.BPF_B, 0))
			emit(asm.BPF_JMP32_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0x34, int16(n-i-3)))
			emit(asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6))
			emit(asm.BPF_MOV64_IMM(asm.BPF_REG_2, 1))
			emit(asm.BPF_MOV64_IMM(asm.BPF_REG_3, 2))
			emit(asm.BPF_EMIT_CALL(asm.BPF_FUNC_skb_vlan_push))
			emit(asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0, int16(n-i-3)))
		}
		for j := 0; j < pushCnt; j++ {
			emit(asm.BPF_LD_ABS(asm.BPF_B, 0))
			emit(asm.BPF_JMP32_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0x34, int16(n-i-3)))
			emit(asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6))
			emit(asm.BPF_EMIT_CALL(asm.BPF_FUNC_skb_vlan_pop))
			emit(asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0, int16(n-i-3)))
		}
	}
	for ; i < n-3; i++ {
		p[i] = asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_0, 0xbef)
	}
	p[n-3] = asm.BPF_JMP_A(1)
	p[n-2] = asm.BPF_MOV32_IMM(asm.BPF_REG_0, 0)
	p[n-1] = asm.BPF_EXIT_INSN()
	return p, nil, nil
}

// fillJumpAroundLdAbs: a conditional jump over (2^15)/7 - 3 ld_abs, sized
// so that the verifier's rewrite of each into several insns stays in range.
func fillJumpAroundLdAbs(_ *Test, _ uint32) (asm.Program, *uint32, error) {
	n := (1 << 15) / 7
	var p asm.Program
	p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1), asm.BPF_LD_ABS(asm.BPF_B, 0))
	p = append(p, asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 10, int16(n-len(p)-2)))
	for len(p) < n-1 {
		p = append(p, asm.BPF_LD_ABS(asm.BPF_B, 1))
	}
	return append(p, asm.BPF_EXIT_INSN()), nil, nil
}

// fillRandLdDW: xor of lddw immediates until param insns, folded to 32
// bits; the expected value is the same fold computed here.
func fillRandLdDW(_ *Test, param uint32) (asm.Program, *uint32, error) {
	if param > asm.MaxInsns-6 {
		return nil, nil, fmt.Errorf("parameter %d too large", param)
	}
	r := semiRand{s: 1}
	var res uint64
	p := asm.Program{asm.BPF_MOV32_IMM(asm.BPF_REG_0, 0)}
	for uint32(len(p)) < param {
		v := r.next()
		res ^= v
		ld := asm.BPF_LD_IMM64(asm.BPF_REG_1, v)
		p = append(p, ld[0], ld[1], asm.BPF_ALU64_REG(asm.BPF_XOR, asm.BPF_REG_0, asm.BPF_REG_1))
	}
	p = append(p,
		asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_0),
		asm.BPF_ALU64_IMM(asm.BPF_RSH, asm.BPF_REG_1, 32),
		asm.BPF_ALU64_REG(asm.BPF_XOR, asm.BPF_REG_0, asm.BPF_REG_1),
		asm.BPF_EXIT_INSN())
	res ^= res >> 32
	return p, u32(uint32(res)), nil
}

// fillScale: param 1 is 8192 random branches each followed by a stack
// store; param 2 the same inside seven nested calls; both pad with r0 = 42
// up to 1000000 - 4 × 8192 insns and return 42.
func fillScale(_ *Test, param uint32) (asm.Program, *uint32, error) {
	const maxJmpSeq = 8192
	const funcNest = 7
	if param != 1 && param != 2 {
		return nil, nil, fmt.Errorf("unknown variant %d", param)
	}
	r := semiRand{s: uint64(param)}
	var p asm.Program
	slots := 64
	if param == 2 {
		for k := 0; k < funcNest; k++ {
			p = append(p, asm.BPF_CALL_REL(1), asm.BPF_EXIT_INSN())
		}
		slots = 64 - 4*funcNest
	}
	p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1))
	for k := 1; k <= maxJmpSeq; k++ {
		p = append(p,
			asm.BPF_EMIT_CALL(asm.BPF_FUNC_get_prandom_u32),
			asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, int32(r.next()), 2),
			asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_10),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_6, int16(-8*(k%slots+1))))
	}
	for len(p) < asm.MaxInsns-maxJmpSeq*4 {
		p = append(p, asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_0, 42))
	}
	return append(p, asm.BPF_EXIT_INSN()), u32(42), nil
}

// torturous1: 128 conditional jumps into a ladder of 128 unconditional
// jumps that all end at "return 1" (jumps with 8-bit x86 displacements).
func torturous1() asm.Program {
	const n, h = 259, 128
	p := make(asm.Program, n)
	p[0] = asm.BPF_EMIT_CALL(asm.BPF_FUNC_get_prandom_u32)
	for i := 1; i <= h; i++ {
		p[i] = asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, int32(i), h)
		p[i+h] = asm.BPF_JMP_A(int16(h - i))
	}
	p[n-2] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1)
	p[n-1] = asm.BPF_EXIT_INSN()
	return p
}

// torturous2: 2048 conditional jumps and blocks of 16 jumps padding,
// returning 2 (jumps with 32-bit displacements).
func torturous2() asm.Program {
	const n, jmpOff = 4100, 2048
	p := make(asm.Program, n)
	p[0] = asm.BPF_EMIT_CALL(asm.BPF_FUNC_get_prandom_u32)
	i := 1
	for ; i <= jmpOff; i++ {
		p[i] = asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, int32(i), jmpOff)
	}
	p[i] = asm.BPF_JMP_A(jmpOff)
	i++
	for ; i <= jmpOff*2+1; i += 16 {
		for j := 0; j < 16; j++ {
			p[i+j] = asm.BPF_JMP_A(int16(16 - j - 1))
		}
	}
	p[n-2] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, 2)
	p[n-1] = asm.BPF_EXIT_INSN()
	return p
}

// fillTorturousJumps: variant 1 or 2 alone, or 3: a main program that
// calls both as subprograms and returns 3.
func fillTorturousJumps(_ *Test, param uint32) (asm.Program, *uint32, error) {
	switch param {
	case 1:
		return torturous1(), nil, nil
	case 2:
		return torturous2(), nil, nil
	case 3:
		p := asm.Program{
			asm.BPF_RAW_INSN(asm.Op(asm.BPF_JMP, asm.BPF_CALL), 0, 1, 0, 4),
			asm.BPF_RAW_INSN(asm.Op(asm.BPF_JMP, asm.BPF_CALL), 0, 1, 0, 262),
			asm.BPF_ST_MEM(asm.BPF_B, asm.BPF_REG_10, -32, 0),
			asm.BPF_MOV64_IMM(asm.BPF_REG_0, 3),
			asm.BPF_EXIT_INSN(),
		}
		p = append(p, torturous1()...)
		return append(p, torturous2()...), nil, nil
	}
	return nil, nil, fmt.Errorf("unknown variant %d", param)
}

// fillBigProgWithLoop1: a bpf_loop call with a callback at the end of a
// program of one page minus 25 insns (4071 on 4 KiB pages), sized so that
// inlining the loop makes the kernel reallocate the program.
func fillBigProgWithLoop1(t *Test, _ uint32) (asm.Program, *uint32, error) {
	const n = 4096 - 25
	p := asm.Program{asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_1, 1)}
	load := len(p)
	p = asm.Prog(p, asm.BPF_LD_IMM64_RAW(asm.BPF_REG_2, asm.BPF_PSEUDO_FUNC, 0),
		asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_3, 0),
		asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_4, 0),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_loop))
	for len(p) < n-3 {
		p = append(p, asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_0, 0))
	}
	p = append(p, asm.BPF_EXIT_INSN())
	callback := len(p)
	p = append(p, asm.BPF_ALU64_IMM(asm.BPF_MOV, asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())
	p[load].Imm = int32(callback - load - 1)
	if len(t.FuncInfo) > 1 {
		t.FuncInfo[1].InsnOff = uint32(callback)
	}
	return p, nil, nil
}
