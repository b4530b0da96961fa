package vm_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/vm"
)

// vector is one line of the shared vectors/*.jsonl files.
type vector struct {
	Suite       string   `json:"suite"`
	Name        string   `json:"name"`
	ProgramHex  string   `json:"program_hex"`
	MemHex      string   `json:"mem_hex"`
	ExpectedR0  *string  `json:"expected_r0"`
	ExpectError bool     `json:"expect_error"`
	Groups      []string `json:"groups"`
}

func (v *vector) has(group string) bool {
	for _, g := range v.Groups {
		if g == group {
			return true
		}
	}
	return false
}

func loadVectors(t testing.TB, file string) []vector {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Shared(t, "vectors"), file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// runPlain runs program bytes the way bpf_conformance's plugins do: r1 is
// a copy of mem, r2 its length, uBPF's test helpers registered.
func runPlain(code, mem []byte) (uint64, error) {
	insns, err := asm.Decode(code, binary.LittleEndian)
	if err != nil {
		return 0, err
	}
	return runProgram(insns, mem)
}

func runProgram(insns asm.Program, mem []byte) (uint64, error) {
	p, err := vm.Prepare(insns)
	if err != nil {
		return 0, err
	}
	env := vm.NewPlainEnv(mem)
	env.Helpers = vm.UBPFHelpers()
	env.Budget = 1 << 22
	res, err := p.Run(env)
	return res.R0, err
}

func checkVector(t *testing.T, v vector) {
	code, err := hex.DecodeString(v.ProgramHex)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := hex.DecodeString(v.MemHex)
	if err != nil {
		t.Fatal(err)
	}
	r0, err := runPlain(code, mem)
	if v.ExpectError {
		if err == nil {
			t.Errorf("ran to r0=%#x, want an error", r0)
		}
		return
	}
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	want, perr := strconv.ParseUint(strings.TrimPrefix(*v.ExpectedR0, "0x"), 16, 64)
	if perr != nil {
		t.Fatal(perr)
	}
	if r0 != want {
		t.Errorf("r0 = %#x, want %#x", r0, want)
	}
}

// TestConformanceVectors runs the 313 bpf_conformance programs (as bytes
// from vectors/conformance.jsonl) and its 45 negative programs.
func TestConformanceVectors(t *testing.T) {
	vs := loadVectors(t, "conformance.jsonl")
	if len(vs) != 313 {
		t.Errorf("got %d conformance vectors, want 313", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) { checkVector(t, v) })
	}
	for _, v := range loadVectors(t, "conformance_negative.jsonl") {
		t.Run("negative/"+v.Name, func(t *testing.T) {
			if !v.ExpectError {
				t.Fatal("negative vector without expect_error")
			}
			checkVector(t, v)
		})
	}
}

// TestUBPFVectors runs uBPF's own tests. Two kinds are skipped with a
// reason: uBPF's 65,536-instruction cap (impl-limit) is not ours, and the
// "disputed" err-unknown-opcode is a valid gotol whose only fault is an
// uninitialised r0, which the verifier, not the interpreter, rejects.
func TestUBPFVectors(t *testing.T) {
	for _, v := range loadVectors(t, "ubpf.jsonl") {
		t.Run(v.Name, func(t *testing.T) {
			switch {
			case v.has("impl-limit"):
				t.Skip("uBPF's own program size limit; the kernel's is 1,000,000 instructions")
			case v.has("disputed"):
				t.Skip("valid gotol +0 reading uninitialised r0: a verifier error, not an interpreter one")
			case v.Name == "errors/err-infinite-loop":
				code, _ := hex.DecodeString(v.ProgramHex)
				_, err := runPlain(code, nil)
				var re *vm.RuntimeError
				if !errors.As(err, &re) || re.Fault != vm.FaultBudget {
					t.Errorf("got %v, want a budget fault (uBPF refuses the loop at load)", err)
				}
				return
			}
			checkVector(t, v)
		})
	}
}

// TestConformanceFiles assembles the 313 bpf_conformance .data files with
// our uBPF-syntax assembler (internal/testcase) and runs them: r0 must
// equal "-- result".
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
			if !c.HasResult {
				t.Fatal("no -- result section")
			}
			r0, err := runProgram(c.Program, c.Mem)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if r0 != c.Result {
				t.Errorf("r0 = %#x, want %#x", r0, c.Result)
			}
		})
	}
}
