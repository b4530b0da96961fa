// Package callbacks holds small programs that call bpf_loop and
// bpf_for_each_map_elem, shared by the tests of the engines (vm, jit) and
// their comparison with the live kernel. Each program runs under the plain
// calling convention (r1 = memory, r2 = its length; kernel.RunWithMemory)
// and is one the kernel's verifier accepts, unless the case says otherwise.
package callbacks

import (
	"encoding/binary"

	"github.com/bpflab/bpflab/asm"
)

// Case is one program and what it returns.
type Case struct {
	Name string
	Prog asm.Program
	// R0 is the 64-bit result the kernel gives.
	R0 uint64
	// Ctx and Ret are what the program leaves in the first two u64 of its
	// 16 bytes of memory: the loop's context after the loop, and the
	// helper's r0.
	Ctx, Ret uint64
}

// MemSize is the memory every case runs with.
const MemSize = 16

// Link joins a main program and its functions: in every part, an lddw
// BPF_PSEUDO_FUNC or a BPF_PSEUDO_CALL call whose immediate is k refers to
// part k, and gets the relative offset of that part's first instruction.
func Link(parts ...asm.Program) asm.Program {
	start := make([]int, len(parts))
	var p asm.Program
	for k, part := range parts {
		start[k] = len(p)
		p = append(p, part...)
	}
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		switch {
		case in.IsLdImm64():
			if in.Src == asm.BPF_PSEUDO_FUNC {
				p[pc].Imm = int32(start[in.Imm] - (pc + 1))
			}
			pc++
		case in.IsPseudoCall():
			p[pc].Imm = int32(start[in.Imm] - (pc + 1))
		}
	}
	return p
}

// loopCall is bpf_loop(n, part k, r10-8, flags) followed by
// *(u64 *)(r6 + 0) = *(u64 *)(r10 - 8), *(u64 *)(r6 + 8) = r0.
func loopCall(n asm.Insn, k uint64, flags int32) asm.Program {
	return asm.Prog(
		n,
		asm.BPF_LD_IMM64_RAW(asm.BPF_REG_2, asm.BPF_PSEUDO_FUNC, k),
		asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, -8),
		asm.BPF_MOV64_IMM(asm.BPF_REG_4, flags),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_loop),
		asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_10, -8),
		asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_6, asm.BPF_REG_1, 0),
		asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_6, asm.BPF_REG_0, 8),
	)
}

// prologue keeps the memory in r6 and zeroes the loop's context, r10-8.
var prologue = asm.Prog(asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1), asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -8, 0))

func cat(ps ...asm.Program) asm.Program {
	var out asm.Program
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// sum adds index+100 to the context (a u64 the caller's stack holds) and
// goes on.
var sum = asm.Prog(
	asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_3, asm.BPF_REG_2, 0),
	asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_3, asm.BPF_REG_1),
	asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, 100),
	asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_2, asm.BPF_REG_3, 0),
	asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
	asm.BPF_EXIT_INSN(),
)

// stopAt3 is sum that stops after index 3.
var stopAt3 = cat(sum[:4], asm.Prog(
	asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
	asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_1, 3, 1),
	asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1),
	asm.BPF_EXIT_INSN(),
))

// clobber is sum that also writes r6–r9 and its own stack.
var clobber = cat(asm.Prog(
	asm.BPF_MOV64_IMM(asm.BPF_REG_6, -1), asm.BPF_MOV64_IMM(asm.BPF_REG_7, -1),
	asm.BPF_MOV64_IMM(asm.BPF_REG_8, -1), asm.BPF_MOV64_IMM(asm.BPF_REG_9, -1),
	asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -8, -1), asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -16, -1),
), sum)

// Cases are the bpf_loop programs.
func Cases() []Case {
	ret := asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())
	return []Case{
		{"sum of 10", Link(cat(prologue, loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 10), 1, 0), ret), sum), 0, 1045, 10},
		{"stop at 3", Link(cat(prologue, loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 10), 1, 0), ret), stopAt3), 0, 406, 4},
		// A constant 0 makes the 6.18 verifier fail with EFAULT: the count
		// is the first (zero) u32 of the memory.
		{"zero loops", Link(cat(prologue, loopCall(asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_1, asm.BPF_REG_6, 0), 1, 0), ret), sum), 0, 0, 0},
		{"flags give EINVAL", Link(cat(prologue, loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 10), 1, 1), ret), sum), 0, 0, negErrno(22)},
		// The verifier inlines bpf_loop when it knows the flags are 0: the
		// inline code returns -E2BIG on 32 bits and compares all 64 bits.
		{"too many give E2BIG", Link(cat(prologue, loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 1<<23+1), 1, 0), ret), sum), 0, 0, 0xfffffff9},
		{"nr_loops is 64 bits", Link(cat(prologue, asm.Prog(asm.BPF_LD_IMM64(asm.BPF_REG_7, 1<<32|5)),
			loopCall(asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_7), 1, 0), ret), sum), 0, 0, 0xfffffff9},
		{"callee-saved registers and stack kept", Link(cat(prologue, asm.Prog(
			asm.BPF_MOV64_IMM(asm.BPF_REG_7, 7), asm.BPF_MOV64_IMM(asm.BPF_REG_8, 8), asm.BPF_MOV64_IMM(asm.BPF_REG_9, 9),
			asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -16, 16)),
			loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 4), 1, 0), asm.Prog(
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_10, -16),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_7), asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_8),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_9), asm.BPF_EXIT_INSN())), clobber), 40, 406, 4},
		// The callback calls a function that runs bpf_loop over sum with
		// its own context (1000 + 100 + 101), and adds the result to the
		// outer context.
		{"nested", Link(cat(prologue, loopCall(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 3), 1, 0), ret),
			asm.Prog(
				asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_2),
				asm.BPF_CALL_REL(2),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_6, 0),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_1, asm.BPF_REG_0),
				asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_6, asm.BPF_REG_1, 0),
				asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
				asm.BPF_EXIT_INSN()),
			asm.Prog(
				asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -8, 1000),
				asm.BPF_MOV64_IMM(asm.BPF_REG_1, 2),
				asm.BPF_LD_IMM64_RAW(asm.BPF_REG_2, asm.BPF_PSEUDO_FUNC, 3),
				asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_10),
				asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, -8),
				asm.BPF_MOV64_IMM(asm.BPF_REG_4, 0),
				asm.BPF_EMIT_CALL(asm.BPF_FUNC_loop),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_10, -8),
				asm.BPF_EXIT_INSN()),
			sum), 0, 3603, 3},
	}
}

func negErrno(e int64) uint64 { return uint64(-e) }

// ForEach is a program that runs bpf_for_each_map_elem over an array map
// of four u64 (10, 20, 30, 40): the callback reads the key, doubles the
// value in place, adds value + 1000*key to the context and stops after key
// 2. wantMem is the memory (context, helper result) and wantMap the map
// after a run.
func ForEach() (spec *asm.ProgramSpec, wantMem []byte, wantMap []asm.MapEntry) {
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	spec = &asm.ProgramSpec{
		Name: "foreach",
		Maps: []*asm.MapSpec{{Name: "arr", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 8, MaxEntries: 4,
			Contents: []asm.MapEntry{{Key: u32(0), Value: u64(10)}, {Key: u32(1), Value: u64(20)}, {Key: u32(2), Value: u64(30)}, {Key: u32(3), Value: u64(40)}}}},
		Insns: Link(
			asm.Prog(
				asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1),
				asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -8, 0),
				asm.BPF_LD_MAP_FD(asm.BPF_REG_1, 0),
				asm.BPF_LD_IMM64_RAW(asm.BPF_REG_2, asm.BPF_PSEUDO_FUNC, 1),
				asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_10),
				asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, -8),
				asm.BPF_MOV64_IMM(asm.BPF_REG_4, 0),
				asm.BPF_EMIT_CALL(asm.BPF_FUNC_for_each_map_elem),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_10, -8),
				asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_6, asm.BPF_REG_1, 0),
				asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_6, asm.BPF_REG_0, 8),
				asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
				asm.BPF_EXIT_INSN()),
			asm.Prog(
				asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_6, asm.BPF_REG_2, 0),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_7, asm.BPF_REG_3, 0),
				asm.BPF_MOV64_REG(asm.BPF_REG_8, asm.BPF_REG_7),
				asm.BPF_ALU64_IMM(asm.BPF_MUL, asm.BPF_REG_8, 2),
				asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_3, asm.BPF_REG_8, 0),
				asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_4, 0),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_1, asm.BPF_REG_7),
				asm.BPF_MOV64_REG(asm.BPF_REG_8, asm.BPF_REG_6),
				asm.BPF_ALU64_IMM(asm.BPF_MUL, asm.BPF_REG_8, 1000),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_1, asm.BPF_REG_8),
				asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_4, asm.BPF_REG_1, 0),
				asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
				asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_6, 2, 1),
				asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1),
				asm.BPF_EXIT_INSN()),
		),
	}
	wantMem = append(u64(10+20+30+1000+2000), u64(3)...)
	wantMap = []asm.MapEntry{{Key: u32(0), Value: u64(20)}, {Key: u32(1), Value: u64(40)}, {Key: u32(2), Value: u64(60)}, {Key: u32(3), Value: u64(40)}}

	return spec, wantMem, wantMap
}
