package vm_test

import (
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/vm"
)

// BenchmarkInterp runs the shared benchmark programs (bench/*.data) and
// reports, besides ns/op, ns per executed instruction.
func BenchmarkInterp(b *testing.B) {
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
			env := vm.NewPlainEnv(c.Mem)
			res, err := p.Run(env)
			if err != nil || res.R0 != c.Result {
				b.Fatalf("r0 = %#x, %v; want %#x", res.R0, err, c.Result)
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			b.ResetTimer()
			for b.Loop() {
				res, err = p.Run(env)
			}
			b.StopTimer()
			cpu := threadCPU() - cpu0
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
