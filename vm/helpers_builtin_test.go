package vm_test

import (
	"bytes"
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// storeString writes s (NUL-terminated) to the stack at r10-off with byte
// stores, and points r1 at it with r2 = its size.
func storeString(s string, off int16) Program {
	var p Program
	b := append([]byte(s), 0)
	for i, c := range b {
		p = append(p, BPF_ST_MEM(BPF_B, BPF_REG_10, -off+int16(i), int32(c)))
	}
	return append(p, BPF_MOV64_REG(BPF_REG_1, BPF_REG_10), BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, int32(-off)), BPF_MOV64_IMM(BPF_REG_2, int32(len(b))))
}

func TestTracePrintk(t *testing.T) {
	tests := []struct {
		format string
		args   [3]int32
		want   string
		r0     uint64
	}{
		{"x=%d y=%u z=%x", [3]int32{-5, 7, 255}, "x=-5 y=7 z=ff\n", 13},
		{"%lld|%llx|%c", [3]int32{-1, -1, 'A'}, "-1|ffffffffffffffff|A\n", 21},
		{"100%%\n", [3]int32{}, "100%\n", 5},
		{"bad %q", [3]int32{1}, "", 1<<64 - 22},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			prog := Prog(storeString(tt.format, 64),
				BPF_MOV64_IMM(BPF_REG_3, tt.args[0]), BPF_MOV64_IMM(BPF_REG_4, tt.args[1]), BPF_MOV64_IMM(BPF_REG_5, tt.args[2]),
				BPF_EMIT_CALL(BPF_FUNC_trace_printk), BPF_EXIT_INSN())
			var out bytes.Buffer
			env := vm.NewPlainEnv(nil)
			env.Printk = &out
			res, err := vm.MustPrepare(prog).Run(env)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want || res.R0 != tt.r0 {
				t.Errorf("printed %q, r0 %d; want %q, %d", out.String(), int64(res.R0), tt.want, int64(tt.r0))
			}
		})
	}
}

// TestDeterministicSources checks that time and random numbers repeat from
// run to run of a fresh environment, and that Env.Now/Env.Rand replace them.
func TestDeterministicSources(t *testing.T) {
	prog := vm.MustPrepare(Prog(
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns), BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns), BPF_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_6), BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32), BPF_ALU64_IMM(BPF_LSH, BPF_REG_0, 16), BPF_ALU64_REG(BPF_OR, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN()))
	first, err := prog.Run(vm.NewPlainEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	second, _ := prog.Run(vm.NewPlainEnv(nil))
	if first.R0 != second.R0 || first.R0&0xffff != 1000 {
		t.Errorf("runs gave %#x and %#x; want equal, with a 1000 ns clock step", first.R0, second.R0)
	}
	env := vm.NewPlainEnv(nil)
	env.Now = func() uint64 { return 42 }
	env.Rand = func() uint32 { return 1 }
	got, _ := prog.Run(env)
	if got.R0 != 1<<16 {
		t.Errorf("with Now and Rand set, r0 = %#x, want %#x", got.R0, 1<<16)
	}
}
