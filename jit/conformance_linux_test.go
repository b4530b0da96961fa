//go:build linux && amd64

package jit_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

// outcome is everything a differential run compares.
type outcome struct {
	Result vm.Result
	Err    string
	Mem    []byte
}

// runPlainBoth runs p on the interpreter and on the JIT, each in a fresh
// plain environment over a copy of mem with uBPF's helpers, and returns
// both outcomes.
func runPlainBoth(t testing.TB, p asm.Program, mem []byte, budget int) (want, got outcome) {
	t.Helper()
	prog, err := vm.Prepare(p)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	code, err := jit.Compile(prog)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	defer code.Close()
	run := func(r func(*vm.Env) (vm.Result, error)) outcome {
		env := vm.NewPlainEnv(mem)
		env.Helpers = vm.UBPFHelpers()
		env.Budget = budget
		res, err := r(env)
		o := outcome{Result: res}
		if err != nil {
			o.Err = err.Error()
		}
		b, serr := env.Mem.Slice(env.R1, len(mem), false)
		if serr != nil {
			t.Fatalf("memory region lost: %v", serr)
		}
		o.Mem = bytes.Clone(b)
		return o
	}
	return run(prog.Run), run(code.Run)
}

// TestConformanceFiles runs the 313 bpf_conformance programs on the JIT:
// r0 must be "-- result", and result, steps, error and memory must equal
// the interpreter's.
func TestConformanceFiles(t *testing.T) {
	cases, err := testcase.Glob(filepath.Join(testenv.Shared(t, "conformance/tests"), "*.data"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 313 {
		t.Errorf("got %d conformance files, want 313", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want, got := runPlainBoth(t, c.Program, c.Mem, 1<<22)
			if got.Err != "" {
				t.Fatalf("error: %v", got.Err)
			}
			if got.Result.R0 != c.Result {
				t.Errorf("r0 = %#x, want %#x", got.Result.R0, c.Result)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("jit differs from vm (-vm +jit):\n%s", diff)
			}
		})
	}
}

// TestVectors runs every program of the shared vectors (bpf_conformance,
// its negative programs, uBPF's tests) that vm.Prepare accepts on both
// engines and requires identical outcomes, faults included.
func TestVectors(t *testing.T) {
	for _, file := range []string{"conformance.jsonl", "conformance_negative.jsonl", "ubpf.jsonl"} {
		f, err := os.Open(filepath.Join(testenv.Shared(t, "vectors"), file))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var v struct {
				Name       string `json:"name"`
				ProgramHex string `json:"program_hex"`
				MemHex     string `json:"mem_hex"`
			}
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			t.Run(file+"/"+v.Name, func(t *testing.T) {
				code, _ := hex.DecodeString(v.ProgramHex)
				mem, _ := hex.DecodeString(v.MemHex)
				insns, err := asm.Decode(code, binary.LittleEndian)
				if err != nil {
					t.Skipf("not a program: %v", err)
				}
				if _, err := vm.Prepare(insns); err != nil {
					t.Skipf("refused before either engine runs: %v", err)
				}
				want, got := runPlainBoth(t, insns, mem, 1<<20)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("jit differs from vm (-vm +jit):\n%s", diff)
				}
			})
		}
		f.Close()
	}
}
