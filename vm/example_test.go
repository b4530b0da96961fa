package vm_test

import (
	"errors"
	"fmt"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// A program without a context reads the memory r1 points to; r2 holds its
// length.
func ExampleProgram_Run() {
	prog := asm.Prog(
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 0),
		asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_2),
		asm.BPF_EXIT_INSN(),
	)
	p, err := vm.Prepare(prog)
	if err != nil {
		panic(err)
	}
	res, err := p.Run(vm.NewPlainEnv([]byte{1, 0, 0, 0, 9, 9}))
	fmt.Println(res.R0, res.Steps, err)
	// Output: 7 3 <nil>
}

// Every load and store is checked against its region; a failed check is a
// RuntimeError naming the instruction.
func ExampleRuntimeError() {
	prog := asm.Prog(
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 8),
		asm.BPF_EXIT_INSN(),
	)
	_, err := vm.MustPrepare(prog).Run(vm.NewPlainEnv(make([]byte, 10)))
	var re *vm.RuntimeError
	if errors.As(err, &re) {
		fmt.Println(re.Fault == vm.FaultOutOfBounds)
	}
	fmt.Println(err)
	// Output:
	// true
	// pc 1: out of bounds: load 4 bytes at mem+8 (mem is 10 bytes)
}
