// Package enginetest holds what the tests and benchmarks of the engines
// that run programs (vm's interpreter, jit's compiled code) share, so that
// both are measured and fuzzed the same way: the benchmark loop over the
// shared programs (bench/*.data), the thread CPU clock it reports, and the
// repair of random bytes into a program the engines accept.
package enginetest

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/vm"
)

// BenchCases returns the shared benchmark programs, bench/*.data.
func BenchCases(b *testing.B) []*testcase.Case {
	b.Helper()
	cases, err := testcase.Glob(filepath.Join(testenv.Shared(b, "bench"), "*.data"))
	if err != nil {
		b.Fatal(err)
	}
	return cases
}

// Engine makes a prepared program runnable: it returns the function that
// runs it and one that frees what it took.
type Engine func(p *vm.Program) (run func(*vm.Env) (vm.Result, error), free func(), err error)

// Interpreter is the Engine of vm's interpreter.
func Interpreter(p *vm.Program) (func(*vm.Env) (vm.Result, error), func(), error) {
	return p.Run, func() {}, nil
}

// Bench runs each shared benchmark program as a sub-benchmark of b with
// engine: it checks r0 once, then runs the program b.N times on a locked
// OS thread and reports, besides ns/op, ns per executed instruction,
// instructions per run and the thread's CPU time per instruction.
func Bench(b *testing.B, engine Engine) {
	for _, c := range BenchCases(b) {
		b.Run(c.Name, func(b *testing.B) {
			p, err := vm.Prepare(c.Program)
			if err != nil {
				b.Fatal(err)
			}
			run, free, err := engine(p)
			if err != nil {
				b.Fatal(err)
			}
			defer free()
			env := vm.NewPlainEnv(c.Mem)
			res, err := run(env)
			if err != nil || res.R0 != c.Result {
				b.Fatalf("r0 = %#x, %v; want %#x", res.R0, err, c.Result)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := ThreadCPU()
			b.ResetTimer()
			for b.Loop() {
				res, err = run(env)
			}
			b.StopTimer()
			cpu := ThreadCPU() - cpu0
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(res.Steps), "ns/insn")
			b.ReportMetric(float64(res.Steps), "insns/op")
			// On a shared machine wall time includes other processes' turns;
			// the thread's CPU time does not.
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(res.Steps), "cpu-ns/insn")
			}
		})
	}
}

// Repair turns arbitrary bytes into a program vm.Prepare accepts, keeping
// backward jumps, bpf-to-bpf calls (recursion included), helper calls and
// every opcode the decoder knows: it wraps jump and call targets into the
// program (so loops and recursion occur), ends it with exit and replaces
// what Prepare still refuses with a harmless move. Fuzzers thus explore
// semantics, not the decoder; unlike fuzz.Gen, whose programs only jump
// forward, it reaches loops. It returns nil when no repair helps.
func Repair(b []byte) *vm.Program {
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
