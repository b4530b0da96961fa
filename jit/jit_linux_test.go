//go:build linux && amd64

package jit_test

import (
	"fmt"
	"runtime"
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

// TestSemantics runs programs aimed at the JIT's hard cases on both
// engines and requires the same result, step count, error and memory.
func TestSemantics(t *testing.T) {
	var minInt64 = BPF_LD_IMM64(BPF_REG_1, 1<<63)
	mem := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tests := []struct {
		name   string
		prog   Program
		budget int
		fault  bool // the program is expected to fail
	}{
		{"div by zero", Prog(BPF_MOV64_IMM(BPF_REG_0, 7), BPF_MOV64_IMM(BPF_REG_2, 0), BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()), 0, false},
		{"mod by zero keeps dst", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_ALU32_IMM(BPF_MOD, BPF_REG_0, 0), BPF_EXIT_INSN()), 0, false},
		{"sdiv min by -1", Prog(minInt64, BPF_MOV64_REG(BPF_REG_0, BPF_REG_1), BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 0, false},
		{"smod min by -1", Prog(minInt64, BPF_MOV64_REG(BPF_REG_0, BPF_REG_1), BPF_ALU64_IMM_OFF(BPF_MOD, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 0, false},
		{"sdiv32 min by -1", Prog(BPF_MOV32_IMM(BPF_REG_0, -1<<31), BPF_ALU32_IMM_OFF(BPF_DIV, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 0, false},
		{"div into r3 (rdx)", Prog(BPF_MOV64_IMM(BPF_REG_3, 100), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_ALU64_REG(BPF_MOD, BPF_REG_3, BPF_REG_0), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3), BPF_EXIT_INSN()), 0, false},
		{"div by r3", Prog(BPF_MOV64_IMM(BPF_REG_3, 3), BPF_MOV64_IMM(BPF_REG_0, 100), BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_3), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3), BPF_EXIT_INSN()), 0, false},
		{"shift by r4 (rcx) into r4", Prog(BPF_MOV64_IMM(BPF_REG_4, 3), BPF_ALU64_REG(BPF_LSH, BPF_REG_4, BPF_REG_4), BPF_MOV64_REG(BPF_REG_0, BPF_REG_4), BPF_EXIT_INSN()), 0, false},
		{"shift r4 by r2", Prog(BPF_MOV64_IMM(BPF_REG_4, 3), BPF_MOV64_IMM(BPF_REG_2, 65), BPF_ALU32_REG(BPF_LSH, BPF_REG_4, BPF_REG_2), BPF_MOV64_REG(BPF_REG_0, BPF_REG_4), BPF_EXIT_INSN()), 0, false},
		{"arsh32 by zero zero-extends", Prog(BPF_MOV64_IMM(BPF_REG_0, -1), BPF_ALU32_IMM(BPF_ARSH, BPF_REG_0, 0), BPF_EXIT_INSN()), 0, false},
		{"r10 as value", Prog(BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, 0), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), 0, false},
		{"null deref", Prog(BPF_MOV64_IMM(BPF_REG_1, 16), BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), 0, true},
		{"bad address", Prog(BPF_LD_IMM64(BPF_REG_1, 77<<32), BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_1, 0), BPF_EXIT_INSN()), 0, true},
		{"below the stack", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -520, 1), BPF_EXIT_INSN()), 0, true},
		{"past the memory", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 9), BPF_EXIT_INSN()), 0, true},
		{"atomics", Prog(
			BPF_MOV64_IMM(BPF_REG_0, 0x0102), BPF_MOV64_IMM(BPF_REG_2, 0x10),
			BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_1, BPF_REG_2, 0),
			BPF_ATOMIC_OP(BPF_W, BPF_OR|BPF_FETCH, BPF_REG_1, BPF_REG_2, 4),
			BPF_ATOMIC_OP(BPF_W, BPF_AND|BPF_FETCH, BPF_REG_1, BPF_REG_0, 8),
			BPF_ATOMIC_OP(BPF_DW, BPF_XOR|BPF_FETCH, BPF_REG_1, BPF_REG_0, 8),
			BPF_ATOMIC_OP(BPF_DW, BPF_ADD|BPF_FETCH, BPF_REG_1, BPF_REG_2, 0),
			BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_1, BPF_REG_2, 12),
			BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, 4),
			BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_1, BPF_REG_0, 0),
			BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()), 0, false},
		{"atomic fault", Prog(BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_1, BPF_REG_1, 16), BPF_EXIT_INSN()), 0, true},
		{"endianness", Prog(BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0), BPF_MOV64_REG(BPF_REG_2, BPF_REG_0), BPF_ENDIAN(BPF_TO_BE, BPF_REG_2, 16),
			BPF_BSWAP(BPF_REG_0, 32), BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_2), BPF_ENDIAN(BPF_TO_LE, BPF_REG_2, 32), BPF_EXIT_INSN()), 0, false},
		{"infinite loop", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1), BPF_JMP_A(-2)), 1000, true},
		{"budget at a forward jump", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0), BPF_EXIT_INSN()), 3, true},
		{"budget not checked on fall-through", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0), BPF_EXIT_INSN()), 3, false},
		{"local calls", Prog(BPF_MOV64_IMM(BPF_REG_6, 5), BPF_MOV64_IMM(BPF_REG_1, 1), BPF_CALL_REL(3), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6), BPF_EXIT_INSN(),
			BPF_EXIT_INSN(), // unreachable padding function end
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 40), BPF_MOV64_IMM(BPF_REG_6, 99), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 0, false},
		{"recursion too deep", Prog(BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_CALL_REL(-1), BPF_EXIT_INSN()), 0, true},
		{"may_goto", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MAY_GOTO_INSN(2), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1), BPF_JMP_A(-3), BPF_EXIT_INSN()), 0, false},
		{"helpers", Prog(BPF_MOV64_IMM(BPF_REG_1, 1), BPF_MOV64_IMM(BPF_REG_2, 2), BPF_MOV64_IMM(BPF_REG_3, 3), BPF_MOV64_IMM(BPF_REG_4, 4), BPF_MOV64_IMM(BPF_REG_5, 5),
			BPF_EMIT_CALL(0), BPF_MOV64_IMM(BPF_REG_6, 5), BPF_CALLX(BPF_REG_6), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_5), BPF_EXIT_INSN()), 0, false},
		{"helper ends the run", Prog(BPF_MOV64_IMM(BPF_REG_1, 0), BPF_EMIT_CALL(5), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN()), 0, false},
		{"unknown helper", Prog(BPF_EMIT_CALL(1234), BPF_EXIT_INSN()), 0, true},
		{"LD_ABS without a packet", Prog(BPF_LD_ABS(BPF_W, 0), BPF_EXIT_INSN()), 0, true},
		{"lddw map without maps", Prog(BPF_LD_MAP_FD(BPF_REG_1, 0), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()), 0, true},
		{"movsx", Prog(BPF_MOV64_IMM(BPF_REG_1, 0x80), BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 8), BPF_MOVSX32_REG(BPF_REG_2, BPF_REG_1, 8), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()), 0, false},
		{"sign-extending loads", Prog(BPF_ST_MEM(BPF_W, BPF_REG_1, 0, -3), BPF_LDX_MEMSX(BPF_B, BPF_REG_0, BPF_REG_1, 0), BPF_LDX_MEMSX(BPF_H, BPF_REG_2, BPF_REG_1, 2), BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, got := runPlainBoth(t, tt.prog, mem, tt.budget)
			if (want.Err != "") != tt.fault {
				t.Errorf("vm: error %q, want fault %v", want.Err, tt.fault)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("jit differs from vm (-vm +jit):\n%s", diff)
			}
		})
	}
}

// TestRunAfterClose checks that closed code refuses to run instead of
// jumping into unmapped memory.
func TestRunAfterClose(t *testing.T) {
	code, err := jit.CompileInsns(Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_EXIT_INSN()))
	if err != nil {
		t.Fatal(err)
	}
	if err := code.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := code.Run(vm.NewEnv()); err == nil {
		t.Error("closed code ran")
	}
	if err := code.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestLdPacket compares LD_ABS/LD_IND on both engines over a socket filter
// packet: in range, past the end, negative offsets, and inside a
// subprogram, where a miss returns 0 from that frame only.
func TestLdPacket(t *testing.T) {
	typ, err := ctx.ForType("socket_filter")
	if err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 60)
	for i := range pkt {
		pkt[i] = byte(i * 7)
	}
	ldind := func(size Size, off int32, base int32) Program {
		return Prog(BPF_MOV64_IMM(BPF_REG_6, base), BPF_LD_IND(size, BPF_REG_6, off), BPF_EXIT_INSN())
	}
	tests := []struct {
		name string
		prog Program
	}{
		{"abs b", Prog(BPF_LD_ABS(BPF_B, 13), BPF_EXIT_INSN())},
		{"abs h", Prog(BPF_LD_ABS(BPF_H, 12), BPF_EXIT_INSN())},
		{"abs w", Prog(BPF_LD_ABS(BPF_W, 56), BPF_EXIT_INSN())},
		{"abs w past the end", Prog(BPF_MOV64_IMM(BPF_REG_0, 9), BPF_LD_ABS(BPF_W, 57), BPF_MOV64_IMM(BPF_REG_0, 7), BPF_EXIT_INSN())},
		{"abs negative", Prog(BPF_LD_ABS(BPF_B, -1), BPF_EXIT_INSN())},
		{"ind", ldind(BPF_W, 2, 20)},
		{"ind negative sum", ldind(BPF_H, -30, 20)},
		{"ind wraps to 32 bits", ldind(BPF_B, 5, -1)},
		{"ind past the end", ldind(BPF_H, 40, 19)},
		{"miss in a subprogram", Prog(BPF_MOV64_IMM(BPF_REG_6, 3), BPF_CALL_REL(2), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 100), BPF_EXIT_INSN(),
			BPF_LD_ABS(BPF_W, 100), BPF_MOV64_IMM(BPF_REG_0, 55), BPF_EXIT_INSN())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := vm.Prepare(tt.prog)
			if err != nil {
				t.Fatal(err)
			}
			code, err := jit.Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			defer code.Close()
			run := func(r func(*vm.Env) (vm.Result, error)) outcome {
				env, _, err := vm.NewPacketEnv(typ, pkt, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := r(env)
				o := outcome{Result: res}
				if err != nil {
					o.Err = err.Error()
				}
				return o
			}
			if diff := cmp.Diff(run(p.Run), run(code.Run)); diff != "" {
				t.Errorf("jit differs from vm (-vm +jit):\n%s", diff)
			}
		})
	}
}

// TestConcurrentRuns runs one Code from several goroutines, each with its
// own Env, while the garbage collector runs, and checks every result
// against the interpreter's.
func TestConcurrentRuns(t *testing.T) {
	prog := Prog(
		BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_2, 0),
		BPF_LDX_MEM(BPF_B, BPF_REG_3, BPF_REG_1, 0),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 1),
		BPF_EMIT_CALL(0), // uBPF's gather helper: r0 from r1–r5
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, 1),
		BPF_JMP_IMM(BPF_JLT, BPF_REG_2, 1000, -6),
		BPF_EXIT_INSN())
	p, err := vm.Prepare(prog)
	if err != nil {
		t.Fatal(err)
	}
	code, err := jit.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer code.Close()
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range 50 {
				mem := []byte{byte(g), byte(i), 3, 4}
				want, got := runPlainBoth(t, prog, mem, 0)
				if diff := cmp.Diff(want, got); diff != "" {
					errs <- fmt.Errorf("goroutine %d run %d: (-vm +jit):\n%s", g, i, diff)
					return
				}
				env := vm.NewPlainEnv(mem)
				env.Helpers = vm.UBPFHelpers()
				if _, err := code.Run(env); err != nil {
					errs <- err
					return
				}
				if i%10 == 0 {
					runtime.GC()
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
