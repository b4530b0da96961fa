package verifier_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bpflab/bpflab/internal/kselftest"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/verifier"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/verifier-selftests.md from the kernel cross-check")

// selftestCase is one selftest entry with both verdicts.
type selftestCase struct {
	name        string
	kernelOK    bool
	kernelLine  string
	oursOK      bool
	oursLine    string
	oursErr     error
	class       string
	processedK  int
	processedUs int
	logEqual    bool // rejections: the level-1 logs match line for line
}

// TestKernelSelftests runs every struct bpf_test entry of linux-source-6.12's
// tools/testing/selftests/bpf/verifier/*.c for the modelled program types
// through our verifier and through the live kernel, and reports how often
// the verdicts agree and, for kernel rejections, how often our error line
// equals the kernel's. With -update it writes docs/verifier-selftests.md.
func TestKernelSelftests(t *testing.T) {
	kerneltest.Require(t)
	dir := filepath.Join(testenv.LinuxSource(t), "tools/testing/selftests/bpf/verifier")
	tests, err := kselftest.ReadDir(dir)
	if err != nil {
		t.Logf("some files could not be read: %v", err)
	}
	var cases []selftestCase
	skipped := map[string]int{}
	for _, tc := range tests {
		typ := tc.ProgType
		if typ == "" {
			typ = "socket_filter"
		}
		switch {
		case tc.Err != nil:
			skipped["unreadable entry"]++
			continue
		case !modelledTypes[typ]:
			skipped["program type "+typ+" not modelled"]++
			continue
		case len(tc.KfuncFixups) > 0 || len(tc.BTFTypes) > 0 || len(tc.FuncInfo) > 0:
			skipped["needs BTF (kfuncs, func_info)"]++
			continue
		case tc.Generated && tc.Insns == nil:
			skipped["fill helper not implemented"]++
			continue
		case len(tc.Insns) > 50000:
			// The scale tests: the kernel's log of a million instructions
			// takes most of a minute to produce, so only the table's
			// verdict is compared.
			spec, err := tc.ProgramSpec()
			if err != nil {
				continue
			}
			want, _ := tc.Expect(false)
			_, verr := verifier.VerifySpec(spec, verifier.Options{ProgType: typ})
			if (verr == nil) == (want == kselftest.Accept || want == kselftest.VerboseAccept) {
				skipped["over 50k insns: not loaded, bpflab agrees with the table's verdict"]++
			} else {
				skipped["over 50k insns: not loaded, bpflab disagrees with the table's verdict"]++
				t.Logf("scale test %s: table %v, ours %v", tc.Name(), want, verr)
			}
			continue
		}
		btf := false
		for kind := range tc.Fixups {
			if f := kselftest.Fixup(kind); f != nil && f.BTFValue != "" {
				btf = true
			}
		}
		if btf {
			skipped["needs BTF (map value with kptr/lock/timer)"]++
			continue
		}
		spec, err := tc.ProgramSpec()
		if err != nil {
			skipped["map fixup not convertible"]++
			continue
		}
		spec.Type = typ
		flags := tc.ProgFlags()
		kp, err := kernel.Load(spec, &kernel.LoadOptions{Flags: flags, LogLevel: kernel.LogLevelInsns | kernel.LogLevelStats})
		if err != nil {
			skipped["kernel cannot load here"]++
			continue
		}
		kres := kp.Result
		kp.Close()
		c := selftestCase{name: tc.Name(), kernelOK: kres.Accepted, kernelLine: kernelErrorLine(kres), processedK: kres.Processed}
		res, verr := verifier.VerifySpec(spec, verifier.Options{ProgType: typ, StrictAlignment: flags&1 != 0 && flags&2 == 0, LogLevel: 1})
		c.oursOK = verr == nil
		c.oursErr = verr
		if res != nil {
			c.processedUs = res.Processed
		}
		var ve *verifier.Error
		if errors.As(verr, &ve) {
			c.oursLine = ve.Msg
			// Compare what the kernel package compares: the log's last
			// line before the summary (at level 1 it can carry the
			// kernel's joined-line quirk; see printInsnState).
			if n := len(res.Log); n >= 2 {
				c.oursLine = errorLineOf(res.Log[:n-1])
			}
		}
		if !kres.Accepted && res != nil {
			kl, ul := trimStats(kres.Log), trimStats(res.Log)
			c.logEqual = slices.Equal(kl, ul)
			if !c.logEqual && os.Getenv("BPFLAB_LOGDIFF") != "" {
				for i := 0; i < len(kl) || i < len(ul); i++ {
					var a, b string
					if i < len(kl) {
						a = kl[i]
					}
					if i < len(ul) {
						b = ul[i]
					}
					if a != b {
						t.Logf("logdiff %s line %d:\n  K %s\n  U %s", tc.Name(), i, a, b)
						break
					}
				}
			}
		}
		c.class = classify(c)
		cases = append(cases, c)
	}
	var agree, rejects, msgEq, logEq, accepted, sameProcessed int
	var ratio float64
	for _, c := range cases {
		if c.kernelOK && c.oursOK && c.processedK > 0 {
			accepted++
			if c.processedK == c.processedUs {
				sameProcessed++
			}
			ratio += float64(c.processedUs) / float64(c.processedK)
		}
		if c.logEqual {
			logEq++
		}
		if c.kernelOK == c.oursOK {
			agree++
		}
		if !c.kernelOK {
			rejects++
			if c.oursLine == c.kernelLine {
				msgEq++
			}
		}
		if c.class != "" {
			t.Logf("%s: %s: kernel %v %q; ours %v %q", c.class, c.name, c.kernelOK, c.kernelLine, c.oursOK, c.oursLine)
		}
	}
	n := len(cases)
	if n == 0 {
		t.Fatal("no selftest entry could be run")
	}
	summary := fmt.Sprintf("entries run %d; verdict agreement %d/%d (%.1f%%); kernel rejections %d, same error line %d (%.1f%%), whole level-1 log equal %d (%.1f%%)",
		n, agree, n, pct(agree, n), rejects, msgEq, pct(msgEq, rejects), logEq, pct(logEq, rejects))
	if accepted > 0 {
		summary += fmt.Sprintf("; accepted by both %d, same processed-insn count %d (%.1f%%), mean ratio ours/kernel %.2f",
			accepted, sameProcessed, pct(sameProcessed, accepted), ratio/float64(accepted))
	}
	t.Log(summary)
	t.Logf("not run: %v", skipped)
	if *updateDoc {
		writeSelftestDoc(t, cases, skipped, summary)
	}
	if pct(agree, n) < 90 {
		t.Errorf("verdict agreement %.1f%% is below 90%%", pct(agree, n))
	}
}

// Disagreement classes.
const (
	classUnsound    = "accept where kernel rejects"
	classStrict     = "reject where kernel accepts"
	classMessage    = "same verdict, different error line"
	classKernelOnly = ""
)

func classify(c selftestCase) string {
	switch {
	case c.oursOK && !c.kernelOK:
		return classUnsound
	case !c.oursOK && c.kernelOK:
		return classStrict
	case !c.kernelOK && c.oursLine != c.kernelLine:
		return classMessage
	}
	return ""
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

func writeSelftestDoc(t *testing.T, cases []selftestCase, skipped map[string]int, summary string) {
	var b strings.Builder
	b.WriteString("# Verifier against the kernel's selftest tables\n\n")
	b.WriteString("Generated by `go test ./verifier -run TestKernelSelftests -update` (needs root and\n")
	b.WriteString("linux-source-6.12); do not edit by hand. Every `struct bpf_test` entry of\n")
	b.WriteString("`tools/testing/selftests/bpf/verifier/*.c` whose program type bpflab models is\n")
	b.WriteString("verified by package `verifier` and loaded into the running kernel (privileged).\n\n")
	fmt.Fprintf(&b, "Kernel: %s. Date: %s.\n\n", kernelRelease(), time.Now().UTC().Format("2006-01-02"))
	b.WriteString("**" + summary + "**\n\n")
	b.WriteString("## Entries not run\n\n| reason | entries |\n|---|---|\n")
	var reasons []string
	for r := range skipped {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, "| %s | %d |\n", r, skipped[r])
	}
	for _, class := range []string{classUnsound, classStrict, classMessage} {
		var rows []selftestCase
		for _, c := range cases {
			if c.class == class {
				rows = append(rows, c)
			}
		}
		fmt.Fprintf(&b, "\n## %s (%d)\n\n", class, len(rows))
		if len(rows) == 0 {
			continue
		}
		b.WriteString("| entry | kernel | bpflab | why |\n|---|---|---|---|\n")
		for _, c := range rows {
			why := knownReasons[strings.SplitN(c.name, " ", 2)[0]]
			if why == "" {
				why = "not yet analysed"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", esc(c.name), verdictText(c.kernelOK, c.kernelLine), verdictText(c.oursOK, c.oursLine), esc(why))
		}
	}
	path := filepath.Join("..", "docs", "verifier-selftests.md")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// knownReasons explains known differences, by "file.c:line".
var knownReasons = map[string]string{
	"precise.c:204": "bpf_ringbuf_reserve (ringbuf maps, ARG_CONST_ALLOC_SIZE_OR_ZERO) is not modelled",
}

// kernelErrorLine is the kernel's error line; after "infinite loop
// detected" the kernel prints the two states, which are not the error.
func kernelErrorLine(r kernel.Result) string {
	if strings.HasPrefix(r.ErrorLine, "old state:") {
		return errorLineOf(r.Log)
	}
	return r.ErrorLine
}

// errorLineOf is the last line of a log without its summary, or the line
// before "cur state:" when the log ends with the two loop states.
func errorLineOf(log []string) string {
	log = trimStats(log)
	if len(log) == 0 {
		return ""
	}
	if strings.HasPrefix(log[len(log)-1], "old state:") {
		for i := len(log) - 1; i > 0; i-- {
			if strings.HasPrefix(log[i], "cur state:") {
				return log[i-1]
			}
		}
	}
	return log[len(log)-1]
}

func verdictText(ok bool, line string) string {
	if ok {
		return "accept"
	}
	return "reject: `" + esc(line) + "`"
}

func esc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
