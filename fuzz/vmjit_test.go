package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/internal/enginetest"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

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

// runPacket runs one engine on mem as an XDP packet (at least 14 bytes),
// R1 pointing at the xdp_md context that only the vm's context handler
// serves, and returns the result, error, data_out and ctx_out.
func runPacket(t *testing.T, run func(*vm.Env) (vm.Result, error), pkt []byte) engineRun {
	typ, err := ctx.ForType("xdp")
	if err != nil {
		t.Fatal(err)
	}
	env, pr, err := vm.NewPacketEnv(typ, pkt, nil)
	if err != nil {
		t.Fatalf("packet env: %v", err)
	}
	env.Budget = 5000
	res, err := run(env)
	r := engineRun{Result: res}
	if err != nil {
		r.Err = err.Error()
	}
	out, ctxOut := pr.Run.Finish()
	r.Mem = append(bytes.Clone(out), ctxOut...)
	return r
}

// FuzzVMvsJIT is the differential oracle between the engines: for every
// program, the JIT and the interpreter agree on r0, the step count, the
// error (pc, fault, detail) and the memory the program wrote. The first
// input byte picks the program source: odd for Gen (forward jumps, mostly
// valid accesses through R1 and R10), even for repaired raw instructions
// (loops, calls, helpers, atomics, every opcode) under a small budget, so
// budget faults are compared too. A first byte of 3 mod 4 runs the Gen
// program on an XDP packet instead, so loads and stores through R1 reach
// the context handler (served in Go for both engines) and the packet.
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
	f.Add([]byte{3, 11, 0, 3, 12, 1, 5, 13, 0, 7, 2, 11, 1, 4, 9, 14, 0, 2, 6}, make([]byte, 72))
	f.Fuzz(func(t *testing.T, data, mem []byte) {
		if len(data) == 0 {
			return
		}
		var prog *vm.Program
		budget := 5000
		packet := data[0]%4 == 3
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
		} else if prog = enginetest.Repair(data[1:]); prog == nil {
			return
		}
		code, err := jit.Compile(prog)
		if err != nil {
			t.Fatalf("compile: %v\n%s", err, prog.Insns().Format(asm.SyntaxLLVM))
		}
		defer code.Close()
		var want, got engineRun
		if packet {
			want, got = runPacket(t, prog.Run, mem), runPacket(t, code.Run, mem)
		} else {
			want, got = runEngine(t, prog.Run, mem, budget), runEngine(t, code.Run, mem, budget)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("jit differs from vm (-vm +jit):\n%s\nprogram:\n%s", diff, prog.Insns().Format(asm.SyntaxLLVM))
		}
	})
}
