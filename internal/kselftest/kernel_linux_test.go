package kselftest

import (
	"strings"
	"testing"

	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
)

// logHas reports whether the log holds the tab-separated parts of want in
// order, as test_verifier.c's cmp_str_seq checks.
func logHas(log, want string) bool {
	for _, part := range strings.Split(want, "\t") {
		i := strings.Index(log, part)
		if i < 0 {
			return false
		}
		log = log[i+len(part):]
	}
	return true
}

// TestKernelVerdicts loads every table program that needs no BTF into the
// running kernel, with the maps MapSpecs describes, and compares the
// kernel's verdict and log with the table's privileged expectation. The
// tables are v6.12's and the kernel may be newer, so a few differences are
// expected; they are listed, and most entries must agree.
func TestKernelVerdicts(t *testing.T) {
	kerneltest.Require(t)
	tests, err := kernelTables(t) // ProgramSpec copies the programs
	if err != nil {
		t.Fatal(err)
	}
	loaded, agree, msgAgree, skipped, large := 0, 0, 0, 0, 0
	for _, tc := range tests {
		if tc.Err != nil || tc.Kfunc != "" || len(tc.KfuncFixups) > 0 || len(tc.FuncInfo) > 0 || len(tc.BTFTypes) > 0 {
			skipped++
			continue
		}
		btf := false
		for kind := range tc.Fixups {
			btf = btf || Fixup(kind).BTFValue != ""
		}
		if btf {
			skipped++
			continue
		}
		if len(tc.Insns) > 50000 {
			large++ // the 1M-insn scale programs take the verifier seconds each
			continue
		}
		spec, err := tc.ProgramSpec()
		if err != nil {
			t.Errorf("%s: %v", tc.Name(), err)
			continue
		}
		want, errstr := tc.Expect(false)
		level := kernel.LogLevelInsns | kernel.LogLevelStats
		if want == VerboseAccept {
			level = kernel.LogLevelStates // what test_verifier.c asks for
		}
		p, err := kernel.Load(spec, &kernel.LoadOptions{Flags: tc.ProgFlags(), LogLevel: level})
		if err != nil {
			t.Logf("not loadable here: %s: %v", tc.Name(), err)
			skipped++
			continue
		}
		loaded++
		wantAccept := want == Accept || want == VerboseAccept
		log := strings.Join(p.Log, "\n")
		p.Close()
		if p.Accepted != wantAccept {
			t.Logf("verdict differs: %s: table %v, kernel accepted=%v (%s)", tc.Name(), want, p.Accepted, p.ErrorLine)
			continue
		}
		agree++
		if errstr == "" || logHas(log, errstr) {
			msgAgree++
		} else {
			t.Logf("message differs: %s: table %q, kernel %q", tc.Name(), errstr, p.ErrorLine)
		}
	}
	t.Logf("entries %d: loaded %d (skipped %d needing BTF, kfuncs or absent features, %d over 50k insns); verdict agrees %d, verdict and message agree %d",
		len(tests), loaded, skipped, large, agree, msgAgree)
	if loaded == 0 || agree*100 < loaded*95 {
		t.Errorf("the kernel agrees with only %d of %d verdicts (want 95%%)", agree, loaded)
	}
}
