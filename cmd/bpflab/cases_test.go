package main

import (
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
)

// caseFiles are the packet-program cases of testdata/cases: a program, a
// packet ("-- data") and the expected r0 ("-- retval") or a refused test
// run ("-- error").
func caseFiles(t *testing.T) []*testcase.Case {
	t.Helper()
	cases, err := testcase.Glob(filepath.Join("..", "..", "testdata", "cases", "*.case"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases in testdata/cases")
	}
	return cases
}

func caseRunner(t *testing.T, c *testcase.Case) *vmRunner {
	t.Helper()
	typ, err := c.Type()
	if err != nil {
		t.Fatal(err)
	}
	spec := c.Spec()
	lp := &loadedProgram{Spec: spec, Coll: &asm.Collection{Programs: []*asm.ProgramSpec{spec}, Maps: spec.Maps}, Name: c.Name}
	r, err := newVMRunner(lp, typ, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCases runs every case in the vm.
func TestCases(t *testing.T) {
	for _, c := range caseFiles(t) {
		t.Run(filepath.Base(c.Name), func(t *testing.T) {
			res := caseRunner(t, c).run(c.Mem, nil, 1)
			switch {
			case c.ExpectError && res.Err == nil:
				t.Errorf("%s: ran (r0 %#x), want the test run refused", c.Descr, res.Retval)
			case !c.ExpectError && res.Err != nil:
				t.Errorf("%s: %v", c.Descr, res.Err)
			case !c.ExpectError && c.HasResult && res.Retval != c.Result:
				t.Errorf("%s: r0 %#x, want %#x", c.Descr, res.Retval, c.Result)
			}
		})
	}
}
