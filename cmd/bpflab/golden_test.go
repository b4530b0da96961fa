package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites the golden files of the CLI tests: go test ./cmd/bpflab -update.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// cliCase is one run of the CLI: arguments, standard input, and the golden
// file holding the expected exit status, stdout and stderr.
type cliCase struct {
	name  string // golden file testdata/NAME.golden
	args  []string
	stdin string
}

// runCLI runs the CLI in-process and formats what it did the way golden
// files hold it.
func runCLI(t *testing.T, args []string, in string) string {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return fmt.Sprintf("$ bpflab %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(args, " "), code, out.String(), errb.String())
}

// checkGolden compares got with testdata/name.golden, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/bpflab -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s: diff (-want +got):\n%s", path, d)
	}
}

func runCLICases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkGolden(t, c.name, runCLI(t, c.args, c.stdin))
		})
	}
}
