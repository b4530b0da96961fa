package fuzz

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/verifier"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestConformanceNegatives checks that bpflab refuses every program of
// ../shared/conformance/negative, and says which layer refuses it and why:
// most are refused by the assembler or asm.Validate; a program whose
// "-- result" is deliberately wrong is caught by running it, as a
// conformance runner does; a well-formed program that reads an
// uninitialised register is refused by the verifier, as the kernel refuses it.
func TestConformanceNegatives(t *testing.T) {
	dir := testenv.Shared(t, "conformance/negative")
	files, err := filepath.Glob(filepath.Join(dir, "*.data"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no negative files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	var got strings.Builder
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".data")
		layer, msg := refuse(f)
		if layer == "" {
			t.Errorf("%s: accepted and ran as expected; a negative file must be refused", name)
		}
		// Paths vary between machines; keep only the message.
		msg = strings.ReplaceAll(msg, f+":", name+":")
		fmt.Fprintf(&got, "%s: %s: %s\n", name, layer, msg)
	}
	golden := filepath.Join("testdata", "negatives.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
	t.Logf("%d negative files, all refused", len(files))
}

// refuse returns the layer that refuses the file and its message, or ""
// when every layer accepts it and it produces its expected result.
func refuse(path string) (layer, msg string) {
	c, err := testcase.Load(path)
	if err != nil {
		return "assembler", err.Error()
	}
	if len(c.Program) == 0 {
		return "assembler", "no program"
	}
	p, err := vm.Prepare(c.Program)
	if err != nil {
		return "vm load", err.Error()
	}
	res, err := p.Run(vm.NewPlainEnv(c.Mem))
	if err != nil {
		return "vm run", err.Error()
	}
	if c.HasResult && res.R0 != c.Result {
		return "result", fmt.Sprintf("r0 = %#x, the file expects %#x", res.R0, c.Result)
	}
	// It runs; what is left is what the kernel's verifier refuses. The
	// kernel would load these as socket filters, whose rules for
	// registers and the stack are the ones such files exercise.
	if _, err := verifier.Verify(c.Program, verifier.Options{ProgType: "socket_filter"}); err != nil {
		return "verifier", err.Error()
	}
	return "", ""
}
