package verifier_test

import (
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/kselftest"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/verifier"
)

// modelledTypes are the program types whose selftest entries we run.
var modelledTypes = map[string]bool{"socket_filter": true, "sched_cls": true, "sched_act": true, "xdp": true, "cgroup_skb": true}

// BenchmarkVerifyKernelTables verifies every selftest-table program of the
// modelled types (under 50k insns) once per iteration and reports
// instructions processed per second.
func BenchmarkVerifyKernelTables(b *testing.B) {
	dir := filepath.Join(testenv.LinuxSource(b), "tools/testing/selftests/bpf/verifier")
	tests, _ := kselftest.ReadDir(dir)
	type prog struct {
		spec *asm.ProgramSpec
		typ  string
	}
	var progs []prog
	for _, tc := range tests {
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
		progs = append(progs, prog{spec, typ})
	}
	total := 0
	for _, p := range progs {
		res, _ := verifier.VerifySpec(p.spec, verifier.Options{ProgType: p.typ})
		if res != nil {
			total += res.Processed
		}
	}
	b.Logf("%d programs, %d insns processed per pass", len(progs), total)
	b.ResetTimer()
	var processed int
	for i := 0; i < b.N; i++ {
		for _, p := range progs {
			res, _ := verifier.VerifySpec(p.spec, verifier.Options{ProgType: p.typ})
			if res != nil {
				processed += res.Processed
			}
		}
	}
	b.ReportMetric(float64(processed)/b.Elapsed().Seconds(), "insns/s")
	b.ReportMetric(float64(len(progs)), "programs")
}
