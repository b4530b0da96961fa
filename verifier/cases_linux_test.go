package verifier_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/verifier"
)

// lddwAddr matches the map address the kernel prints for an lddw of a map.
var lddwAddr = regexp.MustCompile(`^( *\d+: (?:[.0-9]{10} )?\(18\) r\d+ = )0x[0-9a-f]+ *`)

// trimStats drops the statistics line and blank lines, and hides map
// addresses (the kernel prints the map's kernel address, bpflab 0).
func trimStats(log []string) []string {
	var out []string
	for _, l := range log {
		if strings.HasPrefix(l, "processed ") || strings.HasPrefix(l, "verification time ") || strings.HasPrefix(l, "stack depth ") || l == "" {
			continue
		}
		out = append(out, lddwAddr.ReplaceAllString(l, "${1}MAP "))
	}
	return out
}

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
			// The level-1 logs must match line for line, but for the
			// statistics, which depend on pruning details. (Level 2 adds
			// the kernel's precision backtracking, mark_precise lines and
			// "P" marks, which bpflab does not model.)
			res, _ := verifier.VerifySpec(spec, verifier.Options{LogLevel: 1})
			klog := trimStats(kp.Log)
			ulog := trimStats(res.Log)
			if !slices.Equal(klog, ulog) {
				t.Errorf("level-1 logs differ:\nkernel:\n%s\nbpflab:\n%s", strings.Join(klog, "\n"), strings.Join(ulog, "\n"))
			}
		})
	}
}
