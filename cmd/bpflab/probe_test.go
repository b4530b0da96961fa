package main

import (
	"strings"
	"testing"

	"github.com/bpflab/bpflab/kernel"
)

// TestProbeWithoutKernel checks what bpflab prints when bpf() cannot be
// used: the reason, and bpflab's own column only. (The rows are not pinned
// in a golden file: bpflab's column grows with package vm.)
func TestProbeWithoutKernel(t *testing.T) {
	defer kernel.Disable("simulated for the test")()
	runCLICases(t, []cliCase{{name: "probe-bad-type", args: []string{"probe", "--helpers", "nosuch"}}})
	out := runCLI(t, []string{"probe", "--helpers", "xdp"}, "")
	if !strings.HasPrefix(out, "$ bpflab probe --helpers xdp\nexit 0\n-- stdout --\nkernel: bpf() is not available: simulated for the test\n") {
		t.Errorf("probe does not start with the reason:\n%s", out)
	}
	rep, err := buildProbeReport([]string{"xdp"})
	if err != nil {
		t.Fatal(err)
	}
	rows := append(append(append(rep.ISA, rep.ProgTypes...), rep.MapTypes...), rep.Helpers["xdp"]...)
	if len(rows) < 20+32+33+200 {
		t.Errorf("only %d rows", len(rows))
	}
	for _, r := range rows {
		if r.Kernel != "-" || (r.Bpflab != "yes" && r.Bpflab != "no") {
			t.Errorf("row %+v: want kernel \"-\" and a bpflab verdict", r)
		}
	}
}

func TestProbeJSONWithoutKernel(t *testing.T) {
	defer kernel.Disable("simulated for the test")()
	out := runCLI(t, []string{"probe", "--json"}, "")
	for _, want := range []string{`"unavailable": "bpf() is not available: simulated for the test"`, `"name": "sdiv/smod (v4)"`, `"kernel": "-"`} {
		if !strings.Contains(out, want) {
			t.Errorf("probe --json lacks %s:\n%s", want, out)
		}
	}
}
