package vm_test

import (
	"encoding/binary"
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/vm"
)

// TestKernelSemantics runs socket filters whose meaning the interpreter
// states on its own (legacy packet loads in and out of the packet, run-time
// division by zero, signed overflow, shifts by registers) both here and in
// the live kernel, and compares r0 (the kernel reports its low 32 bits).
// A socket filter's skb data starts after the 14-byte Ethernet header of
// the test packet, so LD_ABS offset 0 is packet byte 14 in both.
func TestKernelSemantics(t *testing.T) {
	if testing.Short() {
		t.Skip("kernel cross-check skipped in -short mode")
	}
	if err := kernel.Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
	}
	pkt := make([]byte, 20)
	for i := range pkt {
		pkt[i] = byte(0x10 + i)
	}
	ctx6 := BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)
	tests := []struct {
		name string
		prog Program
	}{
		{"ld_abs w", Prog(ctx6, BPF_LD_ABS(BPF_W, 2), BPF_EXIT_INSN())},
		{"ld_abs h at the end", Prog(ctx6, BPF_LD_ABS(BPF_H, 4), BPF_EXIT_INSN())},
		{"ld_abs past the end returns 0", Prog(ctx6, BPF_LD_ABS(BPF_W, 3), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN())},
		{"ld_abs past the end of the frame returns 0", Prog(ctx6, BPF_LD_ABS(BPF_H, 18), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN())},
		{"ld_ind b", Prog(ctx6, BPF_MOV64_IMM(BPF_REG_7, 1), BPF_LD_IND(BPF_B, BPF_REG_7, 3), BPF_EXIT_INSN())},
		{"ld_ind negative returns 0", Prog(ctx6, BPF_MOV64_IMM(BPF_REG_7, -1), BPF_LD_IND(BPF_B, BPF_REG_7, 0), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN())},
		{"ld_ind past the end in a loop", Prog(ctx6, BPF_MOV64_IMM(BPF_REG_7, 0), BPF_MOV64_IMM(BPF_REG_8, 0),
			BPF_LD_IND(BPF_B, BPF_REG_7, 0), BPF_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_0), BPF_ALU64_IMM(BPF_ADD, BPF_REG_7, 1),
			BPF_JMP_IMM(BPF_JLT, BPF_REG_7, 30, -4), BPF_MOV64_REG(BPF_REG_0, BPF_REG_8), BPF_EXIT_INSN())},
		{"div64 by zero reg", Prog(BPF_MOV64_IMM(BPF_REG_0, 7), BPF_MOV64_IMM(BPF_REG_1, 0), BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
		{"mod64 by zero reg", Prog(BPF_MOV64_IMM(BPF_REG_0, 7), BPF_MOV64_IMM(BPF_REG_1, 0), BPF_ALU64_REG(BPF_MOD, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
		{"mod32 by zero reg", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_MOV64_IMM(BPF_REG_1, 0), BPF_ALU32_REG(BPF_MOD, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
		{"sdiv32 overflow", Prog(BPF_MOV32_IMM(BPF_REG_0, -0x80000000), BPF_MOV64_IMM(BPF_REG_1, -1), BPF_ALU32_REG_OFF(BPF_DIV, BPF_REG_0, BPF_REG_1, 1), BPF_EXIT_INSN())},
		{"smod32 overflow", Prog(BPF_MOV32_IMM(BPF_REG_0, -0x80000000), BPF_MOV64_IMM(BPF_REG_1, -1), BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1), BPF_EXIT_INSN())},
		{"smod64 negative", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_MOV64_IMM(BPF_REG_1, 2), BPF_ALU64_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1), BPF_EXIT_INSN())},
		{"lsh32 by reg 33", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_MOV64_IMM(BPF_REG_1, 33), BPF_ALU32_REG(BPF_LSH, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
		{"arsh32 by reg 36", Prog(BPF_MOV32_IMM(BPF_REG_0, -0x80000000), BPF_MOV64_IMM(BPF_REG_1, 36), BPF_ALU32_REG(BPF_ARSH, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
		{"cmpxchg on the stack", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 3), BPF_MOV64_IMM(BPF_REG_0, 3), BPF_MOV64_IMM(BPF_REG_1, 5),
			BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -8), BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, -8),
			BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 8), BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN())},
		{"atomic fetch add 32 zero-extends", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -1), BPF_MOV64_IMM(BPF_REG_1, 2),
			BPF_ATOMIC_OP(BPF_W, BPF_ADD|BPF_FETCH, BPF_REG_10, BPF_REG_1, -8), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
			BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1), BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 16), BPF_EXIT_INSN())},
		{"atomic xchg and or/xor fetch", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x0f0), BPF_MOV64_IMM(BPF_REG_1, 0x00f),
			BPF_ATOMIC_OP(BPF_DW, BPF_OR|BPF_FETCH, BPF_REG_10, BPF_REG_1, -8), BPF_MOV64_IMM(BPF_REG_2, 0x0ff),
			BPF_ATOMIC_OP(BPF_DW, BPF_XOR|BPF_FETCH, BPF_REG_10, BPF_REG_2, -8), BPF_MOV64_IMM(BPF_REG_3, 0x700),
			BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_10, BPF_REG_3, -8), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
			BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1), BPF_ALU64_IMM(BPF_LSH, BPF_REG_2, 12), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
			BPF_ALU64_IMM(BPF_LSH, BPF_REG_3, 20), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3), BPF_EXIT_INSN())},
		{"sign-extending loads and movsx", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, -200), BPF_LDX_MEMSX(BPF_B, BPF_REG_1, BPF_REG_10, -8),
			BPF_LDX_MEMSX(BPF_H, BPF_REG_2, BPF_REG_10, -8), BPF_MOVSX64_REG(BPF_REG_3, BPF_REG_2, 8), BPF_MOV64_REG(BPF_REG_0, BPF_REG_1),
			BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 3), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2), BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_3), BPF_EXIT_INSN())},
		{"bswap and jmp32 signed", Prog(BPF_LD_IMM64(BPF_REG_1, 0x0102030480000000), BPF_BSWAP(BPF_REG_1, 64), BPF_MOV64_IMM(BPF_REG_0, 1),
			BPF_JMP32_IMM(BPF_JSLT, BPF_REG_1, 0, 1), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN())},
	}
	st, err := ctx.ForType("socket_filter")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kp, err := kernel.Load(&ProgramSpec{Name: "sem", Type: "socket_filter", License: "GPL", Insns: tt.prog}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer kp.Close()
			if !kp.Accepted {
				t.Fatalf("kernel refused the program: %s", kp.ErrorLine)
			}
			out, err := kp.TestRun(kernel.RunInput{Data: pkt})
			if err != nil {
				t.Fatal(err)
			}
			env, _, err := vm.NewPacketEnv(st, pkt, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := vm.MustPrepare(tt.prog).Run(env)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("kernel retval %#x, vm r0 %#x", out.Retval, res.R0)
			if uint32(res.R0) != out.Retval {
				t.Errorf("vm r0 = %#x, kernel retval = %#x", res.R0, out.Retval)
			}
		})
	}
}

// TestKernelTailCallCount checks how tail calls are counted, against the
// live kernel: a program that tail-calls an empty slot and then itself,
// counting its invocations in an array map. The kernel's interpreter would
// count the empty-slot attempts too (17 invocations); its x86-64 JIT, which
// the live kernel runs, counts only calls that happen (34 = 1 + 33).
func TestKernelTailCallCount(t *testing.T) {
	if testing.Short() {
		t.Skip("kernel cross-check skipped in -short mode")
	}
	if err := kernel.Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
	}
	count := &MapSpec{Name: "count", Type: BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	jmp := &MapSpec{Name: "jmp", Type: BPF_MAP_TYPE_PROG_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	tail := func(slot int32) Program {
		return Prog(BPF_MOV64_REG(BPF_REG_1, BPF_REG_6), BPF_LD_MAP_FD(BPF_REG_2, 1), BPF_MOV64_IMM(BPF_REG_3, slot), BPF_EMIT_CALL(BPF_FUNC_tail_call))
	}
	prog := Prog(
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
		BPF_ST_MEM(BPF_W, BPF_REG_10, -4, 0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 12),
		BPF_MOV64_IMM(BPF_REG_1, 1),
		BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
		tail(1), // empty
		tail(0), // itself
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	)
	pkt := make([]byte, 20)
	var zero [4]byte

	kp, err := kernel.Load(&ProgramSpec{Name: "tails", Type: "socket_filter", License: "GPL", Insns: prog, Maps: []*MapSpec{count, jmp}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer kp.Close()
	if !kp.Accepted {
		t.Fatalf("kernel refused the program: %s", kp.ErrorLine)
	}
	var fd [4]byte
	binary.LittleEndian.PutUint32(fd[:], uint32(kp.FD()))
	if err := kp.Maps[1].Update(zero[:], fd[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := kp.TestRun(kernel.RunInput{Data: pkt}); err != nil {
		t.Fatal(err)
	}
	kv, err := kp.Maps[0].Lookup(zero[:])
	if err != nil {
		t.Fatal(err)
	}
	kernelCount := binary.LittleEndian.Uint64(kv)

	st, err := ctx.ForType("socket_filter")
	if err != nil {
		t.Fatal(err)
	}
	env, _, err := vm.NewPacketEnv(st, pkt, nil)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := vm.NewMap(count, vm.MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jm, err := vm.NewMap(jmp, vm.MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := jm.Update(zero[:], zero[:], 0); err != nil { // slot 0 = Programs[0]
		t.Fatal(err)
	}
	env.Maps = []vm.Map{cm, jm}
	env.Programs = []*vm.Program{vm.MustPrepare(prog)}
	res, err := env.Programs[0].Run(env)
	if err != nil {
		t.Fatal(err)
	}
	vmCount := binary.LittleEndian.Uint64(cm.Lookup(zero[:]))
	if vmCount != kernelCount || res.TailCalls != vm.MaxTailCalls {
		t.Errorf("invocations: vm %d (tail calls %d), kernel %d", vmCount, res.TailCalls, kernelCount)
	}
	t.Logf("invocations: vm %d, kernel %d", vmCount, kernelCount)
}
