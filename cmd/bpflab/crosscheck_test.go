package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/kernel"
)

// writeProg writes program text to a temporary file and returns its path.
func writeProg(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCrosscheckWithoutKernel checks that crosscheck says why it cannot
// run when bpf() is unavailable, and that input errors come first.
func TestCrosscheckWithoutKernel(t *testing.T) {
	defer kernel.Disable("simulated for the test")()
	prog := writeProg(t, "p.s", "r0 = 1\nexit\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"crosscheck", prog}, "bpflab crosscheck: bpf() is not available: simulated for the test\n"},
		{[]string{"crosscheck", "--type", "xdp", "--mem", "00", prog}, "--mem is for program type none"},
		{[]string{"crosscheck", "--packet", "00", prog}, "program type none takes --mem"},
		{[]string{"crosscheck", "--type", "xdp", prog}, "no packet"},
		{[]string{"crosscheck", "--map-set", "m:00", prog}, "want NAME:KEYHEX=VALUEHEX"},
		{[]string{"crosscheck", "--type", "nosuch", prog}, "nosuch"},
	} {
		var out, errb strings.Builder
		code := run(c.args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, errb.String(), c.want)
		}
	}
}
