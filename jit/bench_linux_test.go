//go:build linux && amd64

package jit_test

import (
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
)

// BenchmarkJIT runs the shared benchmark programs (bench/*.data) compiled,
// as vm's BenchmarkInterp runs them interpreted, and reports ns/op, ns per
// executed instruction and the thread's CPU time per instruction.
func BenchmarkJIT(b *testing.B) {
	cases, err := testcase.Glob(filepath.Join(testenv.Shared(b, "bench"), "*.data"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(c.Name, func(b *testing.B) {
			p, err := vm.Prepare(c.Program)
			if err != nil {
				b.Fatal(err)
			}
			code, err := jit.Compile(p)
			if err != nil {
				b.Fatal(err)
			}
			defer code.Close()
			env := vm.NewPlainEnv(c.Mem)
			res, err := code.Run(env)
			if err != nil || res.R0 != c.Result {
				b.Fatalf("r0 = %#x, %v; want %#x", res.R0, err, c.Result)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			b.ResetTimer()
			for b.Loop() {
				res, err = code.Run(env)
			}
			b.StopTimer()
			cpu := threadCPU() - cpu0
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(res.Steps), "ns/insn")
			b.ReportMetric(float64(res.Steps), "insns/op")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(res.Steps), "cpu-ns/insn")
			}
		})
	}
}

// BenchmarkCompile measures compilation (lowering, mapping, sealing and
// unmapping) per eBPF instruction over the benchmark programs.
func BenchmarkCompile(b *testing.B) {
	cases, err := testcase.Glob(filepath.Join(testenv.Shared(b, "bench"), "*.data"))
	if err != nil {
		b.Fatal(err)
	}
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
		cpu0 := threadCPU()
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
		b.ReportMetric(float64((threadCPU()-cpu0).Nanoseconds())/float64(b.N)/float64(insns), "cpu-ns/insn")
	})
	// Code generation alone, without mapping pages (two syscalls per
	// program dominate small programs).
	b.Run("generate", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0 := threadCPU()
		for b.Loop() {
			for _, p := range progs {
				if _, err := jit.Generate(p.Insns()); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(insns), "ns/insn")
		b.ReportMetric(float64((threadCPU()-cpu0).Nanoseconds())/float64(b.N)/float64(insns), "cpu-ns/insn")
	})
}

// threadCPU is the CPU time the calling OS thread has used (0 when the
// system cannot tell).
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
