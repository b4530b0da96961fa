//go:build linux && amd64

package jit_test

import (
	"runtime"
	"testing"

	"github.com/bpflab/bpflab/internal/enginetest"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
)

// BenchmarkJIT runs the shared benchmark programs (bench/*.data) compiled,
// as vm's BenchmarkInterp runs them interpreted, and reports ns/op, ns per
// executed instruction and the thread's CPU time per instruction.
func BenchmarkJIT(b *testing.B) {
	enginetest.Bench(b, func(p *vm.Program) (func(*vm.Env) (vm.Result, error), func(), error) {
		code, err := jit.Compile(p)
		if err != nil {
			return nil, nil, err
		}
		return code.Run, func() { code.Close() }, nil
	})
}

// BenchmarkCompile measures compilation (lowering, mapping, sealing and
// unmapping) per eBPF instruction over the benchmark programs.
func BenchmarkCompile(b *testing.B) {
	cases := enginetest.BenchCases(b)
	var progs []*vm.Program
	insns := 0
	for _, c := range cases {
		p, err := vm.Prepare(c.Program)
		if err != nil {
			b.Fatal(err)
		}
		progs = append(progs, p)
		insns += len(c.Program)
	}
	b.Run("compile", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := enginetest.ThreadCPU()
		for b.Loop() {
			for _, p := range progs {
				code, err := jit.Compile(p)
				if err != nil {
					b.Fatal(err)
				}
				code.Close()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
		b.ReportMetric(float64((enginetest.ThreadCPU()-cpu0).Nanoseconds())/float64(b.N)/float64(insns), "cpu-ns/insn")
	})
	// Code generation alone, without mapping pages (two syscalls per
	// program dominate small programs).
	b.Run("generate", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := enginetest.ThreadCPU()
		for b.Loop() {
			for _, p := range progs {
				if _, err := jit.Generate(p.Insns()); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
		b.ReportMetric(float64((enginetest.ThreadCPU()-cpu0).Nanoseconds())/float64(b.N)/float64(insns), "cpu-ns/insn")
	})
}
