package verifier_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/kselftest"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/verifier"
)

// kernelSpeedRounds is how many times each program is loaded into the
// kernel; its time for a program is the least over the rounds, since on a
// shared machine the spread comes from interference, not from the work.
const kernelSpeedRounds = 3

// BenchmarkVerifyVsKernel verifies the kernel-table corpus of
// BenchmarkVerifyKernelTables with our verifier and with the running
// kernel, and reports both side by side: per pass over the corpus, the
// instructions processed (each verifier's own "processed N insns" count,
// not program length), the verification time and processed instructions
// per second. The kernel's time is the sum of its "verification time N
// usec" lines (BPF_LOG_STATS, no per-instruction log), so map creation
// and the syscall are not counted against it; ours is the wall time of
// VerifySpec at log level 0, so both sides skip instruction logging.
// The kernel's figure also covers the work bpf_check does after the
// walk (context and ld_abs rewrites, subprogram JIT), which we do not
// do: on 6.18 two ld_abs programs account for most of its time.
// Programs the kernel cannot be asked about (a map it cannot create) or
// that it rejects before printing its statistics are left out of both
// sides, so the two columns cover exactly the same programs.
//
//	go test -run '^$' -bench BenchmarkVerifyVsKernel -benchtime 5x ./verifier
func BenchmarkVerifyVsKernel(b *testing.B) {
	kerneltest.Require(b)
	c := loadSpeedCorpus(b)
	if len(c.progs) == 0 {
		b.Fatalf("none of the %d table programs could be loaded into the kernel", c.candidates)
	}

	b.ResetTimer()
	var processed int
	for i := 0; i < b.N; i++ {
		for _, p := range c.progs {
			if res, _ := verifier.VerifySpec(p.spec, p.opts); res != nil {
				processed += res.Processed
			}
		}
	}
	elapsed := b.Elapsed()
	b.StopTimer()

	oursPass := elapsed / time.Duration(b.N)
	oursRate := float64(processed) / elapsed.Seconds()
	kernelRate := float64(c.kernelProcessed) / c.kernelTime.Seconds()
	b.ReportMetric(float64(len(c.progs)), "programs")
	b.ReportMetric(float64(c.oursProcessed), "insns/pass")
	b.ReportMetric(oursRate, "insns/s")
	b.ReportMetric(float64(c.kernelProcessed), "kernel-insns/pass")
	b.ReportMetric(float64(c.kernelTime.Nanoseconds()), "kernel-ns/pass")
	b.ReportMetric(kernelRate, "kernel-insns/s")
	b.Logf("%d of %d table programs (%d not loadable, %d without kernel stats)", len(c.progs), c.candidates, c.noLoad, c.noStats)
	b.Logf("%-8s %12s %14s %14s", "", "processed", "time/pass", "insns/s")
	b.Logf("%-8s %12d %14v %14.0f", "bpflab", c.oursProcessed, oursPass, oursRate)
	b.Logf("%-8s %12d %14v %14.0f", "kernel", c.kernelProcessed, c.kernelTime, kernelRate)
}

// speedCorpus is the corpus of BenchmarkVerifyVsKernel with the kernel's
// figures for it, built once: the benchmark function runs more than once
// per -bench invocation, and the kernel's side is not what it times.
type speedCorpus struct {
	progs           []speedProg
	candidates      int
	noLoad, noStats int
	kernelTime      time.Duration // per pass, least of kernelSpeedRounds per program
	kernelProcessed int           // per pass
	oursProcessed   int           // per pass
}

type speedProg struct {
	spec *asm.ProgramSpec
	opts verifier.Options
}

var (
	speedOnce sync.Once
	speed     speedCorpus
)

func loadSpeedCorpus(b *testing.B) *speedCorpus {
	speedOnce.Do(func() {
		speed = buildSpeedCorpus(filepath.Join(testenv.LinuxSource(b), "tools/testing/selftests/bpf/verifier"))
	})
	return &speed
}

func buildSpeedCorpus(dir string) speedCorpus {
	var c speedCorpus
	tests, _ := kselftest.ReadDir(dir)
	for _, tc := range tests {
		// The same selection as BenchmarkVerifyKernelTables.
		typ := tc.ProgType
		if typ == "" {
			typ = "socket_filter"
		}
		if tc.Err != nil || !modelledTypes[typ] || len(tc.Insns) == 0 || len(tc.Insns) > 50000 {
			continue
		}
		spec, err := tc.ProgramSpec()
		if err != nil {
			continue
		}
		c.candidates++
		spec.Type = typ
		flags := tc.ProgFlags()
		best := time.Duration(-1)
		processed, ok := 0, true
		for r := 0; r < kernelSpeedRounds && ok; r++ {
			kp, err := kernel.Load(spec, &kernel.LoadOptions{Flags: flags, LogLevel: kernel.LogLevelStats})
			if err != nil {
				c.noLoad++
				ok = false
				break
			}
			res := kp.Result
			kp.Close()
			if res.VerificationTime < 0 || res.Processed < 0 {
				c.noStats++
				ok = false
				break
			}
			if best < 0 || res.VerificationTime < best {
				best = res.VerificationTime
			}
			processed = res.Processed
		}
		if !ok {
			continue
		}
		c.kernelTime += best
		c.kernelProcessed += processed
		opts := verifier.Options{ProgType: typ, StrictAlignment: flags&kernel.FlagStrictAlignment != 0 && flags&kernel.FlagAnyAlignment == 0}
		if res, _ := verifier.VerifySpec(spec, opts); res != nil {
			c.oursProcessed += res.Processed
		}
		c.progs = append(c.progs, speedProg{spec, opts})
	}
	return c
}
