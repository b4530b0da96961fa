package vm_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// run prepares and runs insns in a plain environment over mem.
func run(t *testing.T, insns Program, mem []byte) (vm.Result, error) {
	t.Helper()
	p, err := vm.Prepare(insns)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	env := vm.NewPlainEnv(mem)
	env.Budget = 1 << 20
	return p.Run(env)
}

func u64(v int64) uint64 { return uint64(v) }

// TestALU checks the arithmetic corner cases of RFC 9669 one program each:
// the result is r0.
func TestALU(t *testing.T) {
	tests := []struct {
		name string
		prog Program
		want uint64
	}{
		{"div64 by zero reg", Prog(BPF_MOV64_IMM(BPF_REG_0, 7), BPF_MOV64_IMM(BPF_REG_1, 0), BPF_ALU64_REG(BPF_DIV, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 0},
		{"div64 by zero imm", Prog(BPF_MOV64_IMM(BPF_REG_0, 7), BPF_ALU64_IMM(BPF_DIV, BPF_REG_0, 0), BPF_EXIT_INSN()), 0},
		{"mod64 by zero keeps dst", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1_0000_0007), BPF_MOV64_IMM(BPF_REG_1, 0), BPF_ALU64_REG(BPF_MOD, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 0x1_0000_0007},
		{"mod32 by zero zero-extends dst", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1_0000_0007), BPF_ALU32_IMM(BPF_MOD, BPF_REG_0, 0), BPF_EXIT_INSN()), 7},
		{"div32 uses low halves", Prog(BPF_LD_IMM64(BPF_REG_0, 0x5_0000_0010), BPF_LD_IMM64(BPF_REG_1, 0x1_0000_0004), BPF_ALU32_REG(BPF_DIV, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 4},
		{"sdiv64 overflow", Prog(BPF_LD_IMM64(BPF_REG_0, 1<<63), BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 1 << 63},
		{"smod64 overflow", Prog(BPF_LD_IMM64(BPF_REG_0, 1<<63), BPF_ALU64_IMM_OFF(BPF_MOD, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 0},
		{"sdiv64 negative", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, 2, 1), BPF_EXIT_INSN()), u64(-3)},
		{"smod64 sign of dividend", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_ALU64_IMM_OFF(BPF_MOD, BPF_REG_0, 2, 1), BPF_EXIT_INSN()), u64(-1)},
		{"sdiv32 by zero", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_ALU32_IMM_OFF(BPF_DIV, BPF_REG_0, 0, 1), BPF_EXIT_INSN()), 0},
		{"smod32 by zero", Prog(BPF_MOV64_IMM(BPF_REG_0, -7), BPF_ALU32_IMM_OFF(BPF_MOD, BPF_REG_0, 0, 1), BPF_EXIT_INSN()), 0xfffffff9},
		{"sdiv32 overflow", Prog(BPF_MOV32_IMM(BPF_REG_0, math.MinInt32), BPF_ALU32_IMM_OFF(BPF_DIV, BPF_REG_0, -1, 1), BPF_EXIT_INSN()), 0x80000000},
		{"lsh64 masks by 63", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_MOV64_IMM(BPF_REG_1, 65), BPF_ALU64_REG(BPF_LSH, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 2},
		{"rsh32 masks by 31", Prog(BPF_MOV32_IMM(BPF_REG_0, -1), BPF_MOV64_IMM(BPF_REG_1, 33), BPF_ALU32_REG(BPF_RSH, BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 0x7fffffff},
		{"arsh32 sign", Prog(BPF_MOV32_IMM(BPF_REG_0, math.MinInt32), BPF_ALU32_IMM(BPF_ARSH, BPF_REG_0, 4), BPF_EXIT_INSN()), 0xf8000000},
		{"arsh64 sign", Prog(BPF_LD_IMM64(BPF_REG_0, 1<<63), BPF_ALU64_IMM(BPF_ARSH, BPF_REG_0, 63), BPF_EXIT_INSN()), math.MaxUint64},
		{"add32 wraps and zero-extends", Prog(BPF_MOV64_IMM(BPF_REG_0, -1), BPF_ALU32_IMM(BPF_ADD, BPF_REG_0, 2), BPF_EXIT_INSN()), 1},
		{"neg32", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_ALU32_IMM(BPF_NEG, BPF_REG_0, 0), BPF_EXIT_INSN()), 0xffffffff},
		{"neg64", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_NEG64(BPF_REG_0), BPF_EXIT_INSN()), math.MaxUint64},
		{"mov32 zero-extends", Prog(BPF_MOV64_IMM(BPF_REG_1, -1), BPF_MOV32_REG(BPF_REG_0, BPF_REG_1), BPF_EXIT_INSN()), 0xffffffff},
		{"mov64 imm sign-extends", Prog(BPF_MOV64_IMM(BPF_REG_0, -2), BPF_EXIT_INSN()), u64(-2)},
		{"movsx64 8", Prog(BPF_MOV64_IMM(BPF_REG_1, 0x80), BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 8), BPF_EXIT_INSN()), u64(-128)},
		{"movsx64 16", Prog(BPF_MOV64_IMM(BPF_REG_1, 0x8000), BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 16), BPF_EXIT_INSN()), u64(-32768)},
		{"movsx64 32", Prog(BPF_MOV32_IMM(BPF_REG_1, math.MinInt32), BPF_MOVSX64_REG(BPF_REG_0, BPF_REG_1, 32), BPF_EXIT_INSN()), u64(math.MinInt32)},
		{"movsx32 8", Prog(BPF_MOV64_IMM(BPF_REG_1, 0xff), BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_1, 8), BPF_EXIT_INSN()), 0xffffffff},
		{"movsx32 16", Prog(BPF_MOV64_IMM(BPF_REG_1, 0x8000), BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_1, 16), BPF_EXIT_INSN()), 0xffff8000},
		{"be16", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 16), BPF_EXIT_INSN()), 0x8877},
		{"be32", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 32), BPF_EXIT_INSN()), 0x88776655},
		{"be64", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_BE, BPF_REG_0, 64), BPF_EXIT_INSN()), 0x8877665544332211},
		{"le16 truncates", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 16), BPF_EXIT_INSN()), 0x7788},
		{"le32 truncates", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 32), BPF_EXIT_INSN()), 0x55667788},
		{"le64 keeps", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_ENDIAN(BPF_TO_LE, BPF_REG_0, 64), BPF_EXIT_INSN()), 0x1122334455667788},
		{"bswap32", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1122334455667788), BPF_BSWAP(BPF_REG_0, 32), BPF_EXIT_INSN()), 0x88776655},
		{"jsgt32 signed low half", Prog(BPF_LD_IMM64(BPF_REG_1, 0x1_ffff_ffff), BPF_MOV64_IMM(BPF_REG_0, 1), BPF_JMP32_IMM(BPF_JSGT, BPF_REG_1, 0, 1), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()), 2},
		{"jgt64 unsigned", Prog(BPF_MOV64_IMM(BPF_REG_1, -1), BPF_MOV64_IMM(BPF_REG_0, 1), BPF_JMP_IMM(BPF_JGT, BPF_REG_1, 0, 1), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()), 1},
		{"jset", Prog(BPF_MOV64_IMM(BPF_REG_1, 6), BPF_MOV64_IMM(BPF_REG_0, 1), BPF_JMP_IMM(BPF_JSET, BPF_REG_1, 1, 1), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()), 2},
		{"gotol", Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_JMP32_A(1), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, tt.prog, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.R0 != tt.want {
				t.Errorf("r0 = %#x, want %#x", res.R0, tt.want)
			}
		})
	}
}

// TestMemory checks loads, stores and atomics on the plain memory r1
// points to: r0 is the result and mem the bytes after the run.
func TestMemory(t *testing.T) {
	mem := func() []byte { return []byte{0x80, 0xff, 0xfe, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} }
	tests := []struct {
		name    string
		prog    Program
		want    uint64
		wantMem []byte
	}{
		{"ldxsb", Prog(BPF_LDX_MEMSX(BPF_B, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), u64(-128), nil},
		{"ldxsh", Prog(BPF_LDX_MEMSX(BPF_H, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), u64(-128), nil},
		{"ldxsw", Prog(BPF_LDX_MEMSX(BPF_W, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), u64(-0x1_0080) & math.MaxUint64, nil},
		{"ldxw zero-extends", Prog(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()), 0xfffeff80, nil},
		{"st and stx", Prog(BPF_ST_MEM(BPF_W, BPF_REG_1, 8, -1), BPF_MOV64_IMM(BPF_REG_2, 0x1234), BPF_STX_MEM(BPF_H, BPF_REG_1, BPF_REG_2, 12), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 8), BPF_EXIT_INSN()),
			0x1234_ffffffff, []byte{0x80, 0xff, 0xfe, 0xff, 5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x34, 0x12, 0, 0}},
		{"atomic add fetch 32", Prog(BPF_MOV64_IMM(BPF_REG_2, -1), BPF_ATOMIC_OP(BPF_W, BPF_ADD|BPF_FETCH, BPF_REG_1, BPF_REG_2, 4), BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()),
			5, []byte{0x80, 0xff, 0xfe, 0xff, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"atomic or 64", Prog(BPF_LD_IMM64(BPF_REG_2, 0xf0_0000_0000), BPF_ATOMIC_OP(BPF_DW, BPF_OR, BPF_REG_1, BPF_REG_2, 8), BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()),
			0xf0_0000_0000, []byte{0x80, 0xff, 0xfe, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0, 0, 0}},
		{"atomic and fetch", Prog(BPF_MOV64_IMM(BPF_REG_2, 4), BPF_ATOMIC_OP(BPF_W, BPF_AND|BPF_FETCH, BPF_REG_1, BPF_REG_2, 4), BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()),
			5, []byte{0x80, 0xff, 0xfe, 0xff, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"atomic xor fetch", Prog(BPF_MOV64_IMM(BPF_REG_2, 3), BPF_ATOMIC_OP(BPF_W, BPF_XOR|BPF_FETCH, BPF_REG_1, BPF_REG_2, 4), BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()),
			5, []byte{0x80, 0xff, 0xfe, 0xff, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"xchg 32 zero-extends", Prog(BPF_MOV64_IMM(BPF_REG_2, 9), BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_1, BPF_REG_2, 0), BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()),
			0xfffeff80, []byte{9, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"cmpxchg hit", Prog(BPF_MOV64_IMM(BPF_REG_0, 5), BPF_MOV64_IMM(BPF_REG_2, 7), BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, 4), BPF_EXIT_INSN()),
			5, []byte{0x80, 0xff, 0xfe, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"cmpxchg miss", Prog(BPF_MOV64_IMM(BPF_REG_0, 6), BPF_MOV64_IMM(BPF_REG_2, 7), BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, 4), BPF_EXIT_INSN()),
			5, nil},
		{"cmpxchg32 compares low half of r0", Prog(BPF_LD_IMM64(BPF_REG_0, 0x1_0000_0005), BPF_MOV64_IMM(BPF_REG_2, 7), BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, 4), BPF_EXIT_INSN()),
			5, []byte{0x80, 0xff, 0xfe, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"load acquire", Prog(BPF_ATOMIC_OP(BPF_H, BPF_LOAD_ACQ, BPF_REG_0, BPF_REG_1, 2), BPF_EXIT_INSN()), 0xfffe, nil},
		{"store release", Prog(BPF_MOV64_IMM(BPF_REG_2, 0x77), BPF_ATOMIC_OP(BPF_B, BPF_STORE_REL, BPF_REG_1, BPF_REG_2, 15), BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 15), BPF_EXIT_INSN()),
			0x77, []byte{0x80, 0xff, 0xfe, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77}},
		{"stack round trip", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 42), BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8), BPF_EXIT_INSN()), 42, nil},
		{"r2 is the length", Prog(BPF_MOV64_REG(BPF_REG_0, BPF_REG_2), BPF_EXIT_INSN()), 16, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := vm.Prepare(tt.prog)
			if err != nil {
				t.Fatal(err)
			}
			env := vm.NewPlainEnv(mem())
			res, err := p.Run(env)
			if err != nil {
				t.Fatal(err)
			}
			if res.R0 != tt.want {
				t.Errorf("r0 = %#x, want %#x", res.R0, tt.want)
			}
			want := tt.wantMem
			if want == nil {
				want = mem()
			}
			got, _ := env.Mem.Slice(env.R1, 16, false)
			if !bytes.Equal(got, want) {
				t.Errorf("memory diff (-want +got):\n%s", cmp.Diff(want, got))
			}
		})
	}
}

// TestFaults checks the fault kind, pc and message of failing runs.
func TestFaults(t *testing.T) {
	deep := Prog(BPF_CALL_REL(-1), BPF_EXIT_INSN()) // recurses until the frame limit
	tests := []struct {
		name string
		prog Program
		want vm.RuntimeError
	}{
		{"load past mem", Prog(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 14), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 0, Fault: vm.FaultOutOfBounds, Detail: "load 4 bytes at mem+14 (mem is 16 bytes)"}},
		{"store past stack top", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_ST_MEM(BPF_B, BPF_REG_10, 0, 1), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 1, Fault: vm.FaultOutOfBounds, Detail: "store 1 bytes at stack+512 (stack is 512 bytes)"}},
		{"store below stack", Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -520, 1), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 0, Fault: vm.FaultOutOfBounds, Detail: "store 8 bytes at stack-8 (stack is 512 bytes)"}},
		{"null", Prog(BPF_MOV64_IMM(BPF_REG_1, 0), BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 4), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 1, Fault: vm.FaultNullDeref, Detail: "load 1 bytes at 0x4"}},
		{"scalar as pointer", Prog(BPF_LD_IMM64(BPF_REG_1, 0xdead_0000_0000), BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 0), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 2, Fault: vm.FaultBadAddress, Detail: "load 1 bytes at 0xdead00000000 (no such region)"}},
		{"atomic out of bounds", Prog(BPF_MOV64_IMM(BPF_REG_2, 1), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_1, BPF_REG_2, 12), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 1, Fault: vm.FaultOutOfBounds, Detail: "atomic 8 bytes at mem+12 (mem is 16 bytes)"}},
		{"map pointer is not memory", Prog(BPF_LD_MAP_FD(BPF_REG_1, 0), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 0, Fault: vm.FaultBadOpcode, Detail: "lddw refers to map 0, the environment has 0"}},
		{"unknown helper", Prog(BPF_EMIT_CALL(Func(9999)), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 0, Fault: vm.FaultUnknownHelper, Detail: "helper 9999 (helper#9999) is not available"}},
		{"callx of a pointer", Prog(BPF_LD_IMM64(BPF_REG_1, 0x1_0000_0000), BPF_CALLX(BPF_REG_1), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 2, Fault: vm.FaultUnknownHelper, Detail: "callx to 0x100000000, which is not a helper id"}},
		{"call depth", deep,
			vm.RuntimeError{PC: 0, Fault: vm.FaultCallDepth, Detail: "more than 8 nested calls"}},
		{"budget", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_A(-1)),
			vm.RuntimeError{PC: 1, Fault: vm.FaultBudget, Detail: "more than 1000 instructions"}},
		{"legacy packet load without packet", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_LD_ABS(BPF_B, 0), BPF_EXIT_INSN()),
			vm.RuntimeError{PC: 1, Fault: vm.FaultBadOpcode, Detail: "legacy packet load in a program without a packet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := vm.Prepare(tt.prog)
			if err != nil {
				t.Fatal(err)
			}
			env := vm.NewPlainEnv(make([]byte, 16))
			env.Budget = 1000
			_, err = p.Run(env)
			var re *vm.RuntimeError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want a RuntimeError", err)
			}
			if diff := cmp.Diff(tt.want, *re); diff != "" {
				t.Errorf("fault diff (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRuntimeErrorText checks the RuntimeError text format.
func TestRuntimeErrorText(t *testing.T) {
	e := &vm.RuntimeError{PC: 12, Fault: vm.FaultOutOfBounds, Detail: "load 4 bytes at ctx+80 (ctx is 24 bytes)"}
	if got, want := e.Error(), "pc 12: out of bounds: load 4 bytes at ctx+80 (ctx is 24 bytes)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLocalCalls checks bpf-to-bpf calls: arguments in r1–r5, r6–r9
// restored, a fresh zeroed stack per frame, r10 back on return.
func TestLocalCalls(t *testing.T) {
	prog := Prog(
		BPF_MOV64_IMM(BPF_REG_6, 6),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 100),
		BPF_MOV64_REG(BPF_REG_9, BPF_REG_10),
		BPF_MOV64_IMM(BPF_REG_1, 5),
		BPF_CALL_REL(6), // -> 11
		// r0 = callee result + r6 + our stack slot, and r10 must be back
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, -8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
		BPF_JMP_REG(BPF_JEQ, BPF_REG_9, BPF_REG_10, 1),
		BPF_MOV64_IMM(BPF_REG_0, -1),
		BPF_EXIT_INSN(),
		// callee: its slot at r10-8 starts zeroed
		BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
		BPF_MOV64_IMM(BPF_REG_6, 1000),
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 7),
		BPF_EXIT_INSN(),
	)
	res, err := run(t, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.R0 != 5+6+100 {
		t.Errorf("r0 = %d, want %d", res.R0, 5+6+100)
	}
	if res.Steps != 15 {
		t.Errorf("steps = %d, want 15", res.Steps)
	}
}

func TestPrepareRejects(t *testing.T) {
	tests := []struct {
		name string
		prog Program
		want string
	}{
		{"falls into a function", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_CALL_REL(0), BPF_EXIT_INSN()), "insn 1: last insn is not an exit or jmp"},
		{"jump into another function", Prog(BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_A(-3)), "insn 3: jump out of range from insn 3 to 1"},
		{"kfunc", Prog(BPF_CALL_KFUNC(0, 1), BPF_EXIT_INSN()), "insn 0: kfunc calls are not supported by the interpreter"},
		{"invalid", Prog(BPF_RAW_INSN(0xff, 0, 0, 0, 0), BPF_EXIT_INSN()), "insn 0: unknown opcode 0xff"},
		{"write r10", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_ALU64_IMM(BPF_ADD, BPF_REG_10, -8), BPF_EXIT_INSN()), "insn 1: frame pointer is read only"},
		{"load into r10", Prog(BPF_LDX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, 0), BPF_EXIT_INSN()), "insn 0: frame pointer is read only"},
		{"fetch into r10", Prog(BPF_ATOMIC_OP(BPF_DW, BPF_ADD|BPF_FETCH, BPF_REG_1, BPF_REG_10, 0), BPF_EXIT_INSN()), "insn 0: frame pointer is read only"},
	}
	if _, err := vm.Prepare(Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0), BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_10, BPF_REG_10, -8), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())); err != nil {
		t.Errorf("stores through r10 refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vm.Prepare(tt.prog)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Prepare error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestTailCalls checks bpf_tail_call through a prog array: the target runs
// with the caller's r1, an empty slot falls through, and a program calling
// itself stops after MaxTailCalls.
func TestTailCalls(t *testing.T) {
	spec := &MapSpec{Name: "jmp", Type: BPF_MAP_TYPE_PROG_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 4}
	tail := func(slot int32) Program {
		return Prog(BPF_LD_MAP_FD(BPF_REG_2, 0), BPF_MOV64_IMM(BPF_REG_3, slot), BPF_EMIT_CALL(BPF_FUNC_tail_call))
	}
	// main: count in mem[0], tail call slot 0 (itself); when that falls
	// through, return the count.
	self := Prog(
		BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 0),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		BPF_STX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 0),
		tail(0),
		BPF_EXIT_INSN(),
	)
	empty := Prog(tail(3), BPF_MOV64_IMM(BPF_REG_0, 77), BPF_EXIT_INSN())
	other := Prog(BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, 0), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1000), BPF_EXIT_INSN())
	toOther := Prog(tail(1), BPF_MOV64_IMM(BPF_REG_0, -1), BPF_EXIT_INSN())
	tests := []struct {
		name      string
		main      Program
		want      uint64
		tailCalls int
	}{
		{"self until the limit", self, vm.MaxTailCalls + 1, vm.MaxTailCalls},
		{"empty slot falls through", empty, 77, 0},
		{"to another program", toOther, 1000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := vm.NewMap(spec, vm.MapOptions{})
			if err != nil {
				t.Fatal(err)
			}
			env := vm.NewPlainEnv(make([]byte, 4))
			env.Maps = []vm.Map{m}
			env.Programs = []*vm.Program{vm.MustPrepare(tt.main), vm.MustPrepare(other)}
			for slot, prog := range []uint32{0, 1} {
				var k, v [4]byte
				binary.LittleEndian.PutUint32(k[:], uint32(slot))
				binary.LittleEndian.PutUint32(v[:], prog)
				if err := m.Update(k[:], v[:], 0); err != nil {
					t.Fatal(err)
				}
			}
			res, err := env.Programs[0].Run(env)
			if err != nil {
				t.Fatal(err)
			}
			if res.R0 != tt.want || res.TailCalls != tt.tailCalls {
				t.Errorf("r0 = %d, tail calls %d; want %d, %d", res.R0, res.TailCalls, tt.want, tt.tailCalls)
			}
		})
	}
}

// TestLdAbs checks the legacy packet loads: big-endian values, and a
// return of 0 when the bytes are not in the packet.
func TestLdAbs(t *testing.T) {
	pkt := []byte{0x11, 0x22, 0x33, 0x44, 0x55}
	tests := []struct {
		name string
		prog Program
		want uint64
	}{
		{"abs w", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_LD_ABS(BPF_W, 1), BPF_EXIT_INSN()), 0x22334455},
		{"abs h", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_LD_ABS(BPF_H, 0), BPF_EXIT_INSN()), 0x1122},
		{"ind b", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_MOV64_IMM(BPF_REG_7, 3), BPF_LD_IND(BPF_B, BPF_REG_7, 1), BPF_EXIT_INSN()), 0x55},
		{"abs past the end returns 0", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_LD_ABS(BPF_W, 2), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN()), 0},
		{"ind negative returns 0", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_MOV64_IMM(BPF_REG_7, -4), BPF_LD_IND(BPF_B, BPF_REG_7, 1), BPF_MOV64_IMM(BPF_REG_0, 9), BPF_EXIT_INSN()), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := vm.MustPrepare(tt.prog)
			env := vm.NewEnv()
			env.Packet = env.Mem.Add(vm.RegionPacket, pkt, false, "pkt")
			env.R1 = env.Packet
			res, err := p.Run(env)
			if err != nil {
				t.Fatal(err)
			}
			if res.R0 != tt.want {
				t.Errorf("r0 = %#x, want %#x", res.R0, tt.want)
			}
		})
	}
}

// TestMayGoto checks that may_goto falls through BPF_MAX_LOOPS times per
// frame and then jumps, bounding an otherwise endless loop.
func TestMayGoto(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 25M instructions")
	}
	prog := Prog(
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_MAY_GOTO_INSN(2),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
		BPF_JMP_A(-3),
		BPF_EXIT_INSN(),
	)
	p := vm.MustPrepare(prog)
	env := vm.NewPlainEnv(nil)
	res, err := p.Run(env)
	if err != nil {
		t.Fatal(err)
	}
	if res.R0 != vm.MayGotoLoops {
		t.Errorf("r0 = %d, want %d", res.R0, vm.MayGotoLoops)
	}
}

// TestHelpers checks helper plumbing: arguments, r0, ErrExit, faults of
// helper memory accesses located at the call, and r1–r5 left alone.
func TestHelpers(t *testing.T) {
	env := vm.NewPlainEnv(make([]byte, 8))
	env.Helpers = vm.UBPFHelpers()
	env.Helpers[100] = func(env *vm.Env, r1, r2, r3, r4, r5 uint64) (uint64, error) {
		return r1 + r2*10 + r3*100 + r4*1000 + r5*10000, nil
	}
	env.Helpers[101] = func(env *vm.Env, r1, _, _, _, _ uint64) (uint64, error) {
		_, err := env.Mem.Slice(r1, 9, true)
		return 0, err
	}
	args := Prog(BPF_MOV64_IMM(BPF_REG_1, 1), BPF_MOV64_IMM(BPF_REG_2, 2), BPF_MOV64_IMM(BPF_REG_3, 3), BPF_MOV64_IMM(BPF_REG_4, 4), BPF_MOV64_IMM(BPF_REG_5, 5))
	tests := []struct {
		name    string
		prog    Program
		want    uint64
		wantErr string
	}{
		{"arguments", Prog(args, BPF_EMIT_CALL(100), BPF_EXIT_INSN()), 54321, ""},
		{"r1-r5 kept", Prog(args, BPF_EMIT_CALL(100), BPF_MOV64_REG(BPF_REG_0, BPF_REG_5), BPF_EXIT_INSN()), 5, ""},
		{"unwind stops", Prog(BPF_MOV64_IMM(BPF_REG_1, 0), BPF_EMIT_CALL(5), BPF_MOV64_IMM(BPF_REG_0, 2), BPF_EXIT_INSN()), 0, ""},
		{"memfrob", Prog(BPF_MOV64_IMM(BPF_REG_2, 8), BPF_EMIT_CALL(1), BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 7), BPF_EXIT_INSN()), 42, ""},
		{"helper fault", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EMIT_CALL(101), BPF_EXIT_INSN()), 0, "pc 1: out of bounds: write 9 bytes at mem+0 (mem is 8 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := vm.MustPrepare(tt.prog).Run(env)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.R0 != tt.want {
				t.Errorf("r0 = %d, want %d", res.R0, tt.want)
			}
		})
	}
}

// TestTrace checks that the trace hook sees every executed instruction in
// order, and that tracing changes neither the result nor the step count.
func TestTrace(t *testing.T) {
	prog := Prog(
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_LD_IMM64(BPF_REG_1, 3),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 2), // 3
		BPF_ALU64_IMM(BPF_SUB, BPF_REG_1, 1),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_1, 0, -3),
		BPF_CALL_REL(1),
		BPF_EXIT_INSN(),
		BPF_EXIT_INSN(), // 8
	)
	var pcs []int
	var depths []int
	env := vm.NewPlainEnv(nil)
	env.Trace = func(depth, pc int, regs *[11]uint64) {
		pcs = append(pcs, pc)
		depths = append(depths, depth)
	}
	p := vm.MustPrepare(prog)
	res, err := p.Run(env)
	if err != nil {
		t.Fatal(err)
	}
	wantPCs := []int{0, 1, 3, 4, 5, 3, 4, 5, 3, 4, 5, 6, 8, 7}
	if diff := cmp.Diff(wantPCs, pcs); diff != "" {
		t.Errorf("traced pcs diff (-want +got):\n%s", diff)
	}
	if depths[12] != 1 || depths[13] != 0 {
		t.Errorf("depths = %v, want 1 in the callee only", depths)
	}
	env.Trace = nil
	plain, err := p.Run(env)
	if err != nil {
		t.Fatal(err)
	}
	if plain != res || res.Steps != len(wantPCs) || res.R0 != 6 {
		t.Errorf("traced %+v, untraced %+v; want %d steps, r0 6", res, plain, len(wantPCs))
	}
}

// TestBudgetSteps checks that a budget stops a loop, with steps reported.
func TestBudgetSteps(t *testing.T) {
	p := vm.MustPrepare(Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1), BPF_JMP_A(-2)))
	env := vm.NewPlainEnv(nil)
	env.Budget = 100
	res, err := p.Run(env)
	var re *vm.RuntimeError
	if !errors.As(err, &re) || re.Fault != vm.FaultBudget {
		t.Fatalf("error %v, want a budget fault", err)
	}
	if res.Steps != 101 {
		t.Errorf("steps = %d, want 101", res.Steps)
	}
}

// TestStackZeroedEachRun checks that every run starts with a zeroed stack,
// whatever ran or wrote before it: Run skips the clearing when the stack is
// known to be clean, and each way of writing it must undo that.
func TestStackZeroedEachRun(t *testing.T) {
	writer := vm.MustPrepare(Prog(BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0x1234), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()))
	reader := vm.MustPrepare(Prog(BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -8), BPF_EXIT_INSN()))
	env := vm.NewPlainEnv(nil)
	slot := env.StackTop(0) - 8
	poke := func(b []byte) { binary.LittleEndian.PutUint64(b, 0xff) }
	steps := []struct {
		name string
		do   func()
	}{
		{"nothing", func() {}},
		{"storing program", func() { writer.Run(env) }},
		{"pure program", func() { reader.Run(env) }},
		{"Slice for writing", func() {
			b, _ := env.Mem.Slice(slot, 8, true)
			poke(b)
		}},
		{"Slice for reading", func() {
			b, _ := env.Mem.Slice(slot, 8, false)
			poke(b)
		}},
		{"Region", func() {
			r, _ := env.Mem.Region(slot)
			poke(r.Data[vm.StackSize-8:])
		}},
		{"Table", func() { poke(env.Mem.Table()[slot>>32].Data[vm.StackSize-8:]) }},
	}
	for _, s := range steps {
		s.do()
		res, err := reader.Run(env)
		if err != nil || res.R0 != 0 {
			t.Errorf("after %s: stack slot = %#x, %v; want 0", s.name, res.R0, err)
		}
	}
}
