//go:build linux && amd64

package jit_test

import (
	"testing"

	. "github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/callbacks"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

// TestCallbacks runs the bpf_loop programs of internal/callbacks (which
// vm's tests check against the kernel) and runs whose callbacks fault on
// both engines: the JIT runs callbacks through vm.Program.Slow, and must
// give the same result, steps, memory and error as the interpreter.
func TestCallbacks(t *testing.T) {
	type test struct {
		name   string
		prog   Program
		budget int
	}
	var tests []test
	for _, c := range callbacks.Cases() {
		tests = append(tests, test{c.Name, c.Prog, 0})
	}
	loop := func(n int32, callback uint64) Program {
		return Prog(BPF_MOV64_IMM(BPF_REG_1, n), BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, callback),
			BPF_MOV64_IMM(BPF_REG_3, 0), BPF_MOV64_IMM(BPF_REG_4, 0), BPF_EMIT_CALL(BPF_FUNC_loop), BPF_EXIT_INSN())
	}
	count := Prog(BPF_ALU64_IMM(BPF_ADD, BPF_REG_1, 1), BPF_JMP_IMM(BPF_JLT, BPF_REG_1, 3, -2), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())
	var deep []Program
	for range 7 {
		deep = append(deep, Prog(BPF_CALL_REL(int32(len(deep)+1)), BPF_EXIT_INSN()))
	}
	deep = append(deep, loop(1, uint64(len(deep)+1)), count)
	tests = append(tests,
		test{"steps", callbacks.Link(loop(5, 1), count), 0},
		test{"budget in the callback", callbacks.Link(loop(1000, 1), count), 200},
		test{"budget after the call", callbacks.Link(cat(loop(5, 1)[:6], Prog(BPF_JMP_A(0), BPF_EXIT_INSN())), count), 5 + 5*5 + 1},
		test{"call depth", callbacks.Link(deep...), 0},
		test{"callback in a tail of calls", callbacks.Link(Prog(BPF_CALL_REL(1), BPF_EXIT_INSN()), loop(2, 2), count), 0},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, got := runPlainBoth(t, tt.prog, make([]byte, callbacks.MemSize), tt.budget)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("jit differs from vm (-vm +jit):\n%s", diff)
			}
			t.Logf("vm: %+v %s", want.Result, want.Err)
		})
	}
}

func cat(ps ...Program) Program {
	var out Program
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// TestForEachMapElem runs internal/callbacks' bpf_for_each_map_elem
// program (which vm's tests check against the kernel) on both engines.
func TestForEachMapElem(t *testing.T) {
	spec, wantMem, wantMap := callbacks.ForEach()
	prog, err := vm.Prepare(spec.Insns)
	if err != nil {
		t.Fatal(err)
	}
	code, err := jit.Compile(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer code.Close()
	for name, run := range map[string]func(*vm.Env) (vm.Result, error){"vm": prog.Run, "jit": code.Run} {
		m, err := vm.NewMap(spec.Maps[0], vm.MapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range spec.Maps[0].Contents {
			if err := m.Update(e.Key, e.Value, 0); err != nil {
				t.Fatal(err)
			}
		}
		env := vm.NewPlainEnv(make([]byte, len(wantMem)))
		env.Maps = []vm.Map{m}
		if _, err := run(env); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mem, _ := env.Mem.Slice(env.R1, len(wantMem), false)
		if diff := cmp.Diff(wantMem, mem); diff != "" {
			t.Errorf("%s: memory (-want +got):\n%s", name, diff)
		}
		if diff := cmp.Diff(wantMap, m.(vm.Dumper).Entries()); diff != "" {
			t.Errorf("%s: map (-want +got):\n%s", name, diff)
		}
	}
}
