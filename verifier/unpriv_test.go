package verifier_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/kselftest"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/verifier"
)

// TestUnprivTables compares the unprivileged verdicts with the
// expectations the kernel's tables write for an unprivileged loader
// (result_unpriv, errstr_unpriv); the live kernel is not asked, since
// bpflab's tests run as root. It reports agreement and fails below 80%.
func TestUnprivTables(t *testing.T) {
	dir := filepath.Join(testenv.LinuxSource(t), "tools/testing/selftests/bpf/verifier")
	tests, _ := kselftest.ReadDir(dir)
	var n, agree, rejects, msg int
	for _, tc := range tests {
		typ := tc.ProgType
		if typ == "" {
			typ = "socket_filter"
		}
		// test_verifier.c runs only these types unprivileged.
		if tc.Err != nil || (typ != "socket_filter" && typ != "cgroup_skb") || len(tc.Insns) > 50000 ||
			len(tc.KfuncFixups) > 0 || len(tc.BTFTypes) > 0 || len(tc.FuncInfo) > 0 {
			continue
		}
		spec, err := tc.ProgramSpec()
		if err != nil {
			continue
		}
		want, errstr := tc.Expect(true)
		res, verr := verifier.VerifySpec(spec, verifier.Options{ProgType: typ, Unpriv: true, LogLevel: 1,
			StrictAlignment: tc.ProgFlags()&1 != 0 && tc.ProgFlags()&2 == 0})
		n++
		wantOK := want == kselftest.Accept || want == kselftest.VerboseAccept
		if (verr == nil) == wantOK {
			agree++
		} else {
			t.Logf("%s: table %v %q; ours %v", tc.Name(), want, errstr, verr)
		}
		if !wantOK && errstr != "" {
			rejects++
			var ve *verifier.Error
			if errors.As(verr, &ve) && strings.Contains(strings.Join(res.Log, "\n"), strings.Split(errstr, "\t")[0]) {
				msg++
			} else {
				t.Logf("errstr: %s: table %q; ours %v", tc.Name(), errstr, verr)
			}
		}
	}
	t.Logf("unprivileged: %d entries, verdict agrees with the table %d (%.1f%%), rejections with the table's errstr in our log %d/%d",
		n, agree, pct(agree, n), msg, rejects)
	if pct(agree, n) < 80 {
		t.Errorf("unprivileged agreement %.1f%% below 80%%", pct(agree, n))
	}
}
