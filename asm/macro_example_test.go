package asm_test

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// Programs written as the kernel's selftests write them read back as
// instructions; the printer writes the most specific macro for each.
func Example_macroSyntax() {
	src := `
.insns = {
	BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, cb[1])),
	BPF_LD_MAP_FD(BPF_REG_1, 0),
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
	BPF_MOV64_IMM(BPF_REG_0, (__u32)-1 >> 28),
	BPF_EXIT_INSN(),
},`
	p, err := asm.Assemble([]byte(src), "prog.c", asm.SyntaxMacro)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p.Format(asm.SyntaxMacro))
	// Output:
	// 	BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 52),
	// 	BPF_LD_MAP_FD(BPF_REG_1, 0),
	// 	BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
	// 	BPF_MOV64_IMM(BPF_REG_0, 15),
	// 	BPF_EXIT_INSN(),
}

// ParseCInit reads a C initializer such as a struct bpf_test entry: each
// field can be taken as a string, an integer or a program.
func ExampleParseCInit() {
	src := `
#define RET(v) BPF_MOV64_IMM(BPF_REG_0, v), BPF_EXIT_INSN()
{
	"return a constant",
	.insns = { RET(XDP_PASS) },
	.retval = -ENOENT,
},`
	els, err := asm.ParseCInit([]byte(src), "t.c", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	entry := els[0]
	descr, _, _ := entry.List[0].Str()
	prog, _ := entry.Get("insns").Program()
	retval, _ := entry.Get("retval").Int()
	fmt.Printf("%s: %d insns, retval %d, line %d\n", descr, len(prog), retval, entry.Line)
	// Output:
	// return a constant: 2 insns, retval -2, line 3
}
