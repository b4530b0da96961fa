package verifier_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
)

// TestCasesKernel loads every case file into the running kernel: the
// verdict must be the case's, and a rejection's errstr must be a line of the
// kernel's log (usually its error line; for "infinite loop detected" the
// kernel prints the two states after it).
func TestCasesKernel(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			spec := c.Spec()
			spec.License = "GPL"
			kp, err := kernel.Load(spec, &kernel.LoadOptions{LogLevel: kernel.LogLevelInsns})
			if err != nil {
				t.Fatal(err)
			}
			defer kp.Close()
			want := c.Verdict == testcase.Accept
			if kp.Accepted != want {
				t.Fatalf("kernel accepted=%v, case says %v (%s)", kp.Accepted, c.Verdict, kp.ErrorLine)
			}
			if !want && !slices.Contains(kp.Log, c.Errstr) {
				t.Errorf("kernel error line %q; the log has no line %q\n%s", kp.ErrorLine, c.Errstr, strings.Join(kp.Log, "\n"))
			}
		})
	}
}
