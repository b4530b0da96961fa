package vm_test

import (
	"encoding/binary"
	"errors"
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/google/go-cmp/cmp"

	"github.com/bpflab/bpflab/internal/callbacks"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/vm"
)

// TestBpfLoop runs the bpf_loop programs of internal/callbacks in the
// interpreter and checks r0 and the memory they leave.
func TestBpfLoop(t *testing.T) {
	for _, c := range callbacks.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			env := vm.NewPlainEnv(make([]byte, callbacks.MemSize))
			res, err := vm.MustPrepare(c.Prog).Run(env)
			if err != nil {
				t.Fatal(err)
			}
			mem, _ := env.Mem.Slice(env.R1, callbacks.MemSize, false)
			got := [3]uint64{res.R0, binary.LittleEndian.Uint64(mem), binary.LittleEndian.Uint64(mem[8:])}
			if want := [3]uint64{c.R0, c.Ctx, c.Ret}; got != want {
				t.Errorf("r0, ctx, ret = %d, want %d", got, want)
			}
		})
	}
}

// TestKernelBpfLoop runs the same programs in the live kernel.
func TestKernelBpfLoop(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range callbacks.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			r := kerneltest.RunMemory(t, c.Prog, make([]byte, callbacks.MemSize))
			if !r.Accepted {
				t.Fatalf("kernel refuses the program: %+v", r.Result)
			}
			got := [3]uint64{r.R0, binary.LittleEndian.Uint64(r.Mem), binary.LittleEndian.Uint64(r.Mem[8:])}
			if want := [3]uint64{c.R0, c.Ctx, c.Ret}; got != want {
				t.Errorf("kernel: r0, ctx, ret = %d, want %d", got, want)
			}
		})
	}
}

// TestBpfLoopFaults checks the runs the verifier would refuse: the
// callback's frame counts against the call depth, its steps against the
// budget, and a callback that is not a function is a helper fault.
func TestBpfLoopFaults(t *testing.T) {
	loop := func(n int32, callback uint64) Program {
		return Prog(BPF_MOV64_IMM(BPF_REG_1, n), BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, callback),
			BPF_MOV64_IMM(BPF_REG_3, 0), BPF_MOV64_IMM(BPF_REG_4, 0), BPF_EMIT_CALL(BPF_FUNC_loop), BPF_EXIT_INSN())
	}
	spin := Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_JMP_A(-1), BPF_EXIT_INSN())
	// Seven nested functions, the last calling bpf_loop: the callback
	// would be the ninth frame.
	var deep []Program
	for range vm.MaxCallFrames - 1 {
		deep = append(deep, Prog(BPF_CALL_REL(int32(len(deep)+1)), BPF_EXIT_INSN()))
	}
	deep = append(deep, loop(1, uint64(len(deep)+1)))
	deep = append(deep, Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()))
	tests := []struct {
		name  string
		prog  Program
		fault vm.Fault
		pc    int
	}{
		{"budget", callbacks.Link(loop(3, 1), spin), vm.FaultBudget, 8},
		{"call depth", callbacks.Link(deep...), vm.FaultCallDepth, 19},
		{"callback not a function", Prog(BPF_MOV64_IMM(BPF_REG_1, 1), BPF_MOV64_IMM(BPF_REG_2, 99), BPF_MOV64_IMM(BPF_REG_3, 0),
			BPF_MOV64_IMM(BPF_REG_4, 0), BPF_EMIT_CALL(BPF_FUNC_loop), BPF_EXIT_INSN()), vm.FaultHelper, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := vm.NewPlainEnv(nil)
			env.Budget = 1000
			_, err := vm.MustPrepare(tt.prog).Run(env)
			var re *vm.RuntimeError
			if !errors.As(err, &re) || re.Fault != tt.fault || re.PC != tt.pc {
				t.Errorf("error %v, want fault %v at pc %d", err, tt.fault, tt.pc)
			}
		})
	}
}

// TestForEachMapElem runs bpf_for_each_map_elem over an array in the
// interpreter and, when it can, in the kernel: the callback reads the key,
// doubles the value in place, sums into the context and stops after key 2.
func TestForEachMapElem(t *testing.T) {
	spec, wantMem, wantMap := callbacks.ForEach()
	m, err := vm.NewMap(spec.Maps[0], vm.MapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range spec.Maps[0].Contents {
		if err := m.Update(e.Key, e.Value, 0); err != nil {
			t.Fatal(err)
		}
	}
	env := vm.NewPlainEnv(make([]byte, 16))
	env.Maps = []vm.Map{m}
	if _, err := vm.MustPrepare(spec.Insns).Run(env); err != nil {
		t.Fatal(err)
	}
	mem, _ := env.Mem.Slice(env.R1, 16, false)
	if diff := cmp.Diff(wantMem, mem); diff != "" {
		t.Errorf("vm: memory (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMap, m.(vm.Dumper).Entries()); diff != "" {
		t.Errorf("vm: map (-want +got):\n%s", diff)
	}

	t.Run("kernel", func(t *testing.T) {
		kerneltest.Require(t)
		r, err := kernel.RunSpecWithMemory(spec, make([]byte, 16))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Accepted {
			t.Fatalf("kernel refuses the program: %+v", r.Result)
		}
		if diff := cmp.Diff(wantMem, r.Mem); diff != "" {
			t.Errorf("kernel: memory (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantMap, r.Maps[0]); diff != "" {
			t.Errorf("kernel: map (-want +got):\n%s", diff)
		}
	})
}
