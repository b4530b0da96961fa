package asm_test

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/bpflab/bpflab/asm"
)

// Build a program with the kernel's macros, exactly as a selftest's .insns
// table would, and print it in the uBPF mnemonic syntax and in LLVM's
// pseudo-C.
func Example() {
	prog := asm.Prog(
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 4),
		asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_2, 15, 1),
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1),
		asm.BPF_EXIT_INSN(),
	)
	for _, s := range []asm.Syntax{asm.SyntaxUBPF, asm.SyntaxLLVM} {
		fmt.Printf("== %s\n", s)
		if err := prog.Print(os.Stdout, asm.PrintOptions{Syntax: s, Labels: true}); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// == ubpf
	// mov %r0, 0
	// ldxw %r2, [%r1+4]
	// jne %r2, 15, L4
	// mov %r0, 1
	// L4:
	// exit
	// == llvm
	// 	r0 = 0x0
	// 	r2 = *(u32 *)(r1 + 0x4)
	// 	if r2 != 0xf goto LBB0_1
	// 	r0 = 0x1
	// LBB0_1:
	// 	exit
}

// Assemble uBPF text (a bpf_conformance program) into instruction slots.
func ExampleAssemble() {
	src := `
mov %r0, 0
lddw %r1, 0x123456789abcdef0
jne %r1, 0, done
mov %r0, 1
done:
exit
`
	prog, err := asm.Assemble([]byte(src), "prog.s", asm.SyntaxUBPF)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d slots, %d instructions\n", len(prog), prog.Len())
	fmt.Printf("%x\n", prog.Marshal(binary.LittleEndian))
	// Output:
	// 6 slots, 5 instructions
	// b70000000000000018010000f0debc9a00000000785634125501010000000000b7000000010000009500000000000000
}

// Errors name the file, line and column of the problem.
func ExampleAssemble_error() {
	_, err := asm.Assemble([]byte("mov %r0, 0\nor %r0, %r50\nexit\n"), "prog.s", asm.SyntaxUBPF)
	fmt.Println(err)
	// Output:
	// prog.s:2:9: invalid register "%r50": want %r0 to %r10
}

// Print one instruction in each syntax.
func ExampleProgram_InsnString() {
	prog := asm.Prog(asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_0, -8))
	fmt.Println(prog.InsnString(0, asm.SyntaxUBPF))
	fmt.Println(prog.InsnString(0, asm.SyntaxLLVM))
	// Output:
	// stxdw [%r10-8], %r0
	// *(u64 *)(r10 - 0x8) = r0
}
