package verifier_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/verifier"
)

// loadCases reads verifier/testdata/*.case.
func loadCases(t *testing.T) []*testcase.Case {
	t.Helper()
	cases, err := testcase.Glob(filepath.Join("testdata", "*.case"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata")
	}
	return cases
}

// TestCases runs every case file's verdict and errstr through the
// verifier; errstr must equal the error line exactly.
func TestCases(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			spec := c.Spec()
			res, err := verifier.VerifySpec(spec, verifier.Options{LogLevel: 1})
			var ve *verifier.Error
			if err != nil && !errors.As(err, &ve) {
				t.Fatal(err)
			}
			switch c.Verdict {
			case testcase.Accept:
				if err != nil {
					t.Fatalf("rejected: %v\n%s", err, strings.Join(res.Log, "\n"))
				}
			case testcase.Reject:
				if err == nil {
					t.Fatalf("accepted, want %q", c.Errstr)
				}
				if ve.Msg != c.Errstr {
					t.Errorf("error line %q, want %q\n%s", ve.Msg, c.Errstr, strings.Join(res.Log, "\n"))
				}
			}
		})
	}
}
