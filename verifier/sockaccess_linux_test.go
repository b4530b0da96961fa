package verifier_test

import (
	"fmt"
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/verifier"
)

// TestKernelSockAccess loads a tc program reading every offset and size of
// struct bpf_sock through __sk_buff.sk (a sock_common) and through
// bpf_sk_fullsock (a sock), and requires our verdict and error line to be
// the kernel's.
func TestKernelSockAccess(t *testing.T) {
	kerneltest.Require(t)
	progs := map[string]func(ld Insn) Program{
		"sock_common": func(ld Insn) Program {
			return Prog(BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 168), BPF_MOV64_IMM(BPF_REG_0, 0),
				BPF_JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 1), ld, BPF_EXIT_INSN())
		},
		"sock": func(ld Insn) Program {
			return Prog(BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, 168), BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 4),
				BPF_EMIT_CALL(BPF_FUNC_sk_fullsock), BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2), BPF_MOV64_REG(BPF_REG_2, BPF_REG_0),
				ld, BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())
		},
	}
	var n, agree int
	for name, build := range progs {
		for off := int16(0); off < 84; off++ {
			for _, size := range []Size{BPF_B, BPF_H, BPF_W, BPF_DW} {
				ld := BPF_LDX_MEM(size, BPF_REG_3, BPF_REG_2, off)
				p := build(ld)
				what := fmt.Sprintf("%s off=%d size=%d", name, off, size.Bytes())
				kp, err := kernel.Load(&ProgramSpec{Name: "sk", Type: "sched_cls", License: "GPL", Insns: p}, nil)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				kres := kp.Result
				kp.Close()
				res, err := verifier.Verify(p, verifier.Options{ProgType: "sched_cls"})
				if err != nil && res == nil {
					t.Fatalf("%s: %v", what, err)
				}
				n++
				var ours string
				if !res.Accepted {
					ours = res.Err.Msg
				}
				if res.Accepted != kres.Accepted || ours != kres.ErrorLine {
					t.Errorf("%s: kernel accepted=%v %q, ours accepted=%v %q", what, kres.Accepted, kres.ErrorLine, res.Accepted, ours)
					continue
				}
				agree++
			}
		}
	}
	t.Logf("%d of %d sock accesses agree with the kernel", agree, n)
}
