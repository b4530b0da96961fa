package kernel_test

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/kernel"
)

// Loading a program: a rejection is a Result, not an error. (Not run by
// go test: it needs bpf(), and the log depends on the kernel.)
func ExampleLoad() {
	spec := &asm.ProgramSpec{Type: "xdp", Insns: asm.Prog(asm.BPF_EXIT_INSN())}
	p, err := kernel.Load(spec, &kernel.LoadOptions{LogLevel: kernel.LogLevelStates})
	if err != nil {
		fmt.Println(err) // bpf() is not available: …
		return
	}
	defer p.Close()
	if !p.Accepted {
		fmt.Printf("insn %d: %s (%v)\n", p.Insn, p.ErrorLine, p.Errno) // insn 0: R0 !read_ok (permission denied)
		return
	}
	out, err := p.TestRun(kernel.RunInput{Data: make([]byte, 14)})
	if err == nil {
		fmt.Println(out.Retval)
	}
}

// Checking a program with the bpf_conformance calling convention.
func ExampleRunWithMemory() {
	prog := asm.Prog(asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_1, 2), asm.BPF_EXIT_INSN())
	r, err := kernel.RunWithMemory(prog, []byte{0xaa, 0xbb, 0x11})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%#x\n", r.R0) // 0x11
}
