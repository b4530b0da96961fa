package kernel

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/bpflab/bpflab/asm"
)

// MemRun is the outcome of RunWithMemory.
type MemRun struct {
	// Result is the verifier's verdict on the wrapped program; its
	// instruction indexes are those of the program given to RunWithMemory
	// (the wrapper's own instructions are subtracted).
	Result
	// R0 is the full 64-bit value the program returned (when accepted).
	R0 uint64
	// Mem is the memory as the program left it.
	Mem []byte
	// Maps holds the entries of every map after the run, by map index.
	Maps [][]asm.MapEntry
}

// memWrapperLen is the number of slots memWrapper puts before the program.
const memWrapperLen = 16

// RunWithMemory runs prog in the kernel under the calling convention of
// bpf_conformance and uBPF, where r1 points at mem and r2 holds its length,
// and returns its verdict, its 64-bit r0 and the memory afterwards.
//
// The kernel has no such program type, so prog becomes a bpf-to-bpf
// subprogram of a small XDP program: the packet is 8 bytes for the result
// followed by mem; the caller checks the packet's bounds, calls prog with
// r1 = packet+8 and r2 = len(mem) (r3-r5 zero), and stores the returned r0
// in the first 8 bytes, since BPF_PROG_TEST_RUN returns only 32 bits.
// The verifier then knows mem's bounds, so constant-offset accesses inside
// it are accepted like any packet access.
func RunWithMemory(prog asm.Program, mem []byte) (*MemRun, error) {
	return RunSpecWithMemory(&asm.ProgramSpec{Name: "memrun", Insns: prog}, mem)
}

// RunSpecWithMemory is RunWithMemory for a program with maps: they are
// created from spec.Maps (with their Contents) and read back after the run.
// spec.Type is ignored: the wrapper is an XDP program.
func RunSpecWithMemory(spec *asm.ProgramSpec, mem []byte) (*MemRun, error) {
	wrapped := *spec
	wrapped.Type, wrapped.AttachType = "xdp", ""
	wrapped.Insns = append(memWrapper(len(mem)), spec.Insns...)
	wrapped.Symbols = nil
	p, err := Load(&wrapped, nil)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	r := &MemRun{Result: p.Result}
	if r.Insn >= 0 {
		r.Insn = programInsn(r.Result)
	}
	if !r.Accepted {
		return r, nil
	}
	// XDP test runs need at least an Ethernet header's worth of packet.
	pkt := make([]byte, max(8+len(mem), 14))
	copy(pkt[8:], mem)
	out, err := p.TestRun(RunInput{Data: pkt})
	if err != nil {
		return nil, err
	}
	if len(out.Data) < 8+len(mem) {
		return nil, errors.New("kernel memory run: data_out is shorter than data_in")
	}
	r.R0 = binary.NativeEndian.Uint64(out.Data)
	r.Mem = out.Data[8 : 8+len(mem)]
	r.Maps = out.Maps
	return r, nil
}

// programInsn maps the instruction index of a rejection of the wrapped
// program back to the caller's program. An error the kernel reports inside
// the wrapper comes from the program's behaviour: a subprogram may return
// without writing r0 and the kernel only objects when the wrapper stores
// it ("R0 !read_ok" at the store), which is blamed on the program's exit
// that the verifier walked last; anything else there (a helper that moved
// the packet) has no program index, -1.
func programInsn(r Result) int {
	if r.Insn >= memWrapperLen {
		return r.Insn - memWrapperLen
	}
	if r.ErrorLine != "R0 !read_ok" {
		return -1
	}
	for i := len(r.Log) - 1; i >= 0; i-- {
		if m := insnLineRe.FindStringSubmatch(r.Log[i]); m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= memWrapperLen {
				return n - memWrapperLen
			}
		}
	}
	return -1
}

// memWrapper returns the XDP caller of RunWithMemory for n bytes of memory.
func memWrapper(n int) asm.Program {
	const (
		r0, r1, r2, r3, r4, r5, r6, r7 = asm.BPF_REG_0, asm.BPF_REG_1, asm.BPF_REG_2, asm.BPF_REG_3,
			asm.BPF_REG_4, asm.BPF_REG_5, asm.BPF_REG_6, asm.BPF_REG_7
	)
	w := asm.Prog(
		asm.BPF_LDX_MEM(asm.BPF_W, r6, r1, 0),          // 0: r6 = ctx->data
		asm.BPF_LDX_MEM(asm.BPF_W, r7, r1, 4),          // 1: r7 = ctx->data_end
		asm.BPF_MOV64_REG(r3, r6),                      // 2
		asm.BPF_ALU64_IMM(asm.BPF_ADD, r3, int32(8+n)), // 3: r3 = data + 8 + n
		asm.BPF_JMP_REG(asm.BPF_JGT, r3, r7, 9),        // 4: too short: goto 14
		asm.BPF_MOV64_REG(r1, r6),                      // 5
		asm.BPF_ALU64_IMM(asm.BPF_ADD, r1, 8),          // 6: r1 = mem
		asm.BPF_MOV64_IMM(r2, int32(n)),                // 7: r2 = len(mem)
		asm.BPF_MOV64_IMM(r3, 0),                       // 8
		asm.BPF_MOV64_IMM(r4, 0),                       // 9
		asm.BPF_MOV64_IMM(r5, 0),                       // 10
		asm.BPF_CALL_REL(memWrapperLen-12),             // 11: call the program at 16
		asm.BPF_STX_MEM(asm.BPF_DW, r6, r0, 0),         // 12: result slot = r0
		asm.BPF_EXIT_INSN(),                            // 13
		asm.BPF_MOV64_IMM(r0, 0),                       // 14
		asm.BPF_EXIT_INSN(),                            // 15
	)
	if len(w) != memWrapperLen {
		panic("BUG: memory wrapper length changed")
	}
	return w
}
