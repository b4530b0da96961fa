// Package kerneltest lets tests of other packages use the live kernel as
// their oracle: Require skips (or, under BPFLAB_REQUIRE_KERNEL=1, fails) a
// test when bpf() cannot be used, and Run loads a program and runs each
// case with BPF_PROG_TEST_RUN, returning Outcomes that an engine's own
// results are compared with by Diff or Check.
//
//	kerneltest.Require(t)
//	want := kerneltest.Run(t, spec, nil, cases)
//	for i, c := range cases {
//		got := kerneltest.Outcome{Retval: uint32(vmResult.R0), Data: …}
//		kerneltest.Check(t, c.Name, want.Runs[i], got)
//	}
package kerneltest

import (
	"strings"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Require skips t when the kernel cannot be used (with the reason from
// kernel.Available) or when tests run with -short; with
// BPFLAB_REQUIRE_KERNEL=1 an unusable kernel fails t instead.
func Require(t testing.TB) {
	t.Helper()
	if err := kernel.Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
		return
	}
	if testing.Short() {
		t.Skip("kernel tests are skipped with -short")
	}
}

// RequireISA skips t unless the kernel loads the ISA extension (a name of
// kernel.ISAProbes, e.g. "sdiv/smod (v4)"). A kernel without it is a
// legitimate reason to skip, so this skips even under
// BPFLAB_REQUIRE_KERNEL=1.
func RequireISA(t testing.TB, name string) {
	t.Helper()
	s := support(t)
	if !s.HasISA(name) {
		t.Skipf("kernel %s does not support %s", s.Release, name)
	}
}

// RequireProgType skips t unless the kernel supports the program type.
func RequireProgType(t testing.TB, name string) {
	t.Helper()
	s := support(t)
	if !s.HasProgType(name) {
		t.Skipf("kernel %s does not support program type %s", s.Release, name)
	}
}

// RequireHelper skips t unless programs of the type may call fn.
func RequireHelper(t testing.TB, progType string, fn asm.Func) {
	t.Helper()
	Require(t)
	h, err := kernel.Helpers(progType)
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	if !h.Has(fn) {
		t.Skipf("kernel does not let %s programs call %v", progType, fn)
	}
}

func support(t testing.TB) *kernel.Support {
	t.Helper()
	Require(t)
	s, err := kernel.Probe()
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	return s
}

// Case is one input to run a program with.
type Case struct {
	Name  string
	Input kernel.RunInput
}

// Verdict is the part of the kernel's verdict that engines compare.
type Verdict struct {
	Accepted  bool
	Errno     syscall.Errno
	ErrorLine string
	Insn      int
}

// Outcome is what one run produced, in a form every engine can fill in.
type Outcome struct {
	// Retval is the program's return value as BPF_PROG_TEST_RUN reports
	// it: the low 32 bits of r0.
	Retval uint32
	// Data is the packet (or memory) after the run.
	Data []byte
	// Ctx is the context after the run (nil when none was given).
	Ctx []byte
	// Maps are the entries of each map after the run.
	Maps [][]asm.MapEntry
	// Err is the text of an error that stopped the run ("" when none).
	Err string
}

// Results is the kernel's answer for a program and its cases.
type Results struct {
	Verdict Verdict
	// Log is the verifier log.
	Log []string
	// Runs holds one Outcome per case, in order; empty when the program
	// was rejected.
	Runs []Outcome
}

// Run calls Require, loads spec with opts and runs every case, each
// starting from the spec's initial map contents unless the case sets its
// own. Programs whose results depend on the CPU (kernel.CPUDependent) run
// on CPU 0, as bpflab's engines do, unless the case pins another CPU or
// asks for RunOnCPU. Failures to use the kernel fail t; a rejected
// program is a normal result (Verdict.Accepted false, no Runs).
func Run(t testing.TB, spec *asm.ProgramSpec, opts *kernel.LoadOptions, cases []Case) *Results {
	t.Helper()
	Require(t)
	p, err := kernel.Load(spec, opts)
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	defer p.Close()
	res := &Results{
		Verdict: Verdict{p.Accepted, p.Errno, p.ErrorLine, p.Insn},
		Log:     p.Log,
	}
	if !p.Accepted {
		return res
	}
	pin := kernel.CPUDependent(spec)
	initial := make([][]asm.MapEntry, len(spec.Maps))
	for i, m := range spec.Maps {
		initial[i] = m.Contents
	}
	for _, c := range cases {
		in := c.Input
		if in.Maps == nil && len(initial) > 0 {
			in.Maps = initial
		}
		if pin && !in.Pin && in.Flags&kernel.RunOnCPU == 0 {
			in.Pin, in.CPU = true, 0
		}
		out, err := p.TestRun(in)
		if err != nil {
			res.Runs = append(res.Runs, Outcome{Err: err.Error()})
			continue
		}
		res.Runs = append(res.Runs, Outcome{Retval: out.Retval, Data: out.Data, Ctx: out.Ctx, Maps: out.Maps})
	}
	return res
}

// RunMemory calls Require and runs prog in the kernel under the
// bpf_conformance calling convention (r1 = mem, r2 = len(mem); see
// kernel.RunWithMemory), for engines' plain-program tests: the result's
// R0 is the full 64-bit r0 and Mem the memory afterwards. A rejection is
// a normal result (Accepted false).
func RunMemory(t testing.TB, prog asm.Program, mem []byte) *kernel.MemRun {
	t.Helper()
	Require(t)
	r, err := kernel.RunWithMemory(prog, mem)
	if err != nil {
		t.Fatalf("kernel: %v", err)
	}
	return r
}

// Diff returns a readable difference between the kernel's outcome and an
// engine's ("" when they agree); nil and empty slices are equal.
func Diff(kernelOut, engineOut Outcome) string {
	return cmp.Diff(kernelOut, engineOut, cmpopts.EquateEmpty())
}

// Check reports through t.Errorf when an engine's outcome differs from
// the kernel's.
func Check(t testing.TB, name string, kernelOut, engineOut Outcome) {
	t.Helper()
	if d := Diff(kernelOut, engineOut); d != "" {
		t.Errorf("%s: engine differs from the kernel (-kernel +engine):\n%s", name, d)
	}
}

// NonZero drops map entries whose value is all zeros, for comparing an
// array map read back from the kernel (every entry) with an engine that
// keeps only the entries written.
func NonZero(entries []asm.MapEntry) []asm.MapEntry {
	var out []asm.MapEntry
	for _, e := range entries {
		if strings.Trim(string(e.Value), "\x00") != "" {
			out = append(out, e)
		}
	}
	return out
}
