package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

// repair turns arbitrary bytes into a program vm.Prepare accepts, keeping
// backward jumps, bpf-to-bpf calls (recursion included), helper calls and
// every opcode the decoder knows: it wraps jump and call targets into the
// program, ends it with exit and replaces what Prepare still refuses with
// a move. It complements Gen, whose programs only jump forward.
func repair(b []byte) *vm.Program {
	n := min(len(b)/asm.InsnSize, 64)
	p, _ := asm.Decode(b[:n*asm.InsnSize], binary.LittleEndian)
	p = append(p, asm.BPF_EXIT_INSN())
	for pc := range p {
		in := &p[pc]
		in.Dst %= 11
		if in.Class() != asm.BPF_LD || in.Src > asm.BPF_REG_10 {
			in.Src %= 11
		}
		switch {
		case in.IsGotol() || in.IsPseudoCall():
			in.Imm = int32(int(uint32(in.Imm))%len(p) - pc - 1)
		case in.IsJump():
			in.Off = int16(int(uint16(in.Off))%len(p) - pc - 1)
		}
	}
	for range len(p) + 1 {
		prog, err := vm.Prepare(p)
		if err == nil {
			return prog
		}
		var de *asm.DecodeError
		if !errors.As(err, &de) || de.Insn >= len(p) {
			return nil
		}
		if p[de.Insn].IsLdImm64() && de.Insn+1 < len(p) {
			p[de.Insn+1] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0)
		}
		if de.Insn == len(p)-1 {
			p[de.Insn] = asm.BPF_EXIT_INSN()
		} else {
			p[de.Insn] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, p[de.Insn].Imm)
		}
	}
	return nil
}

// engineRun is what FuzzVMvsJIT compares: the result (r0, steps, tail
// calls), the error text (pc, fault kind and detail) and the memory.
type engineRun struct {
	Result vm.Result
	Err    string
	Mem    []byte
}

func runEngine(t *testing.T, run func(*vm.Env) (vm.Result, error), mem []byte, budget int) engineRun {
	env := vm.NewPlainEnv(mem)
	env.Helpers = vm.UBPFHelpers()
	env.Budget = budget
	res, err := run(env)
	r := engineRun{Result: res}
	if err != nil {
		var re *vm.RuntimeError
		if !errors.As(err, &re) {
			t.Fatalf("error %v (%T) is not a RuntimeError", err, err)
		}
		r.Err = err.Error()
	}
	b, serr := env.Mem.Slice(env.R1, len(mem), false)
	if serr != nil {
		t.Fatalf("memory region lost: %v", serr)
	}
	r.Mem = bytes.Clone(b)
	return r
}

// FuzzVMvsJIT is the differential oracle between the engines: for every
// program, the JIT and the interpreter agree on r0, the step count, the
// error (pc, fault, detail) and the memory the program wrote. The first
// input byte picks the program source: odd for Gen (forward jumps, mostly
// valid accesses through R1 and R10), even for repaired raw instructions
// (loops, calls, helpers, atomics, every opcode) under a small budget, so
// budget faults are compared too.
func FuzzVMvsJIT(f *testing.F) {
	if !jit.Supported() {
		f.Skip("the JIT runs only on linux/amd64")
	}
	cases, err := testcase.Glob(filepath.Join(testenv.Shared(f, "conformance/tests"), "*.data"))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		b := c.Program.Marshal(binary.LittleEndian)
		f.Add(append([]byte{0}, b...), c.Mem)
	}
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, make([]byte, 72))
	f.Fuzz(func(t *testing.T, data, mem []byte) {
		if len(data) == 0 {
			return
		}
		var prog *vm.Program
		budget := 5000
		if data[0]%2 == 1 {
			g := NewGen(data[1:])
			g.Mem = true
			if len(mem) < 72 {
				mem = append(mem, make([]byte, 72-len(mem))...)
			}
			p, err := vm.Prepare(g.Program(64))
			if err != nil {
				t.Fatalf("generated program refused: %v", err)
			}
			prog, budget = p, 0
		} else if prog = repair(data[1:]); prog == nil {
			return
		}
		code, err := jit.Compile(prog)
		if err != nil {
			t.Fatalf("compile: %v\n%s", err, prog.Insns().Format(asm.SyntaxLLVM))
		}
		defer code.Close()
		want := runEngine(t, prog.Run, mem, budget)
		got := runEngine(t, code.Run, mem, budget)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("jit differs from vm (-vm +jit):\n%s\nprogram:\n%s", diff, prog.Insns().Format(asm.SyntaxLLVM))
		}
	})
}
