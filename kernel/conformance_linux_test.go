package kernel

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
)

// vector is one line of ../shared/vectors/*.jsonl.
type vector struct {
	Name        string  `json:"name"`
	ProgramHex  string  `json:"program_hex"`
	MemHex      string  `json:"mem_hex"`
	ExpectedR0  *string `json:"expected_r0"`
	ExpectError bool    `json:"expect_error"`
}

func readVectors(t *testing.T, file string) []vector {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Shared(t, "vectors"), file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (v vector) decode(t *testing.T) (asm.Program, []byte) {
	t.Helper()
	code, err := hex.DecodeString(v.ProgramHex)
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	// Decode, not Unmarshal: malformed programs are for the kernel to judge.
	prog, err := asm.Decode(code, binary.LittleEndian)
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	mem, err := hex.DecodeString(v.MemHex)
	if err != nil {
		t.Fatalf("%s: mem: %v", v.Name, err)
	}
	return prog, mem
}

// kernelRefuses are the bpf_conformance programs the kernel does not load,
// with the line it refuses them with: callx (opcode 0x8d) is not part of
// its ISA, and it rejects shifts by a constant outside [0, width) that the
// conformance suite expects to be masked.
var kernelRefuses = map[*regexp.Regexp]string{
	regexp.MustCompile(`^callx$`):                    "unknown opcode 8d",
	regexp.MustCompile(`^[a-z0-9]+-imm-(high|neg)$`): "invalid shift ",
}

// conformanceCase is one bpf_conformance test program with its input and
// expected result.
type conformanceCase struct {
	name        string
	prog        asm.Program
	mem         []byte
	want        uint64
	expectError bool
}

// checkConformance runs each case in the live kernel (see RunWithMemory)
// and compares r0 with the expected result; the programs the kernel
// refuses must be exactly the known ones.
func checkConformance(t *testing.T, cases []conformanceCase) {
	var loaded, agree int
	var refused []string
	for _, c := range cases {
		r, err := RunWithMemory(c.prog, c.mem)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !r.Accepted {
			refused = append(refused, c.name+": "+r.ErrorLine)
			known := false
			for re, line := range kernelRefuses {
				if re.MatchString(c.name) {
					known = true
					if !strings.HasPrefix(r.ErrorLine, line) {
						t.Errorf("%s: refused with %q, want %q", c.name, r.ErrorLine, line)
					}
				}
			}
			if !known {
				t.Errorf("%s: refused (%v) at insn %d: %s", c.name, r.Errno, r.Insn, r.ErrorLine)
			}
			continue
		}
		loaded++
		switch {
		case c.expectError:
			t.Errorf("%s: accepted, but the suite expects an error (r0 = %#x)", c.name, r.R0)
		case r.R0 != c.want:
			t.Errorf("%s: kernel r0 = %#x, want %#x", c.name, r.R0, c.want)
		default:
			agree++
		}
	}
	sort.Strings(refused)
	t.Logf("conformance vs kernel: %d programs, %d loaded, %d agree with the expected r0, %d refused:\n  %s",
		len(cases), loaded, agree, len(refused), strings.Join(refused, "\n  "))
	if len(cases) < 300 {
		t.Errorf("only %d programs found", len(cases))
	}
	if len(refused) != 13 {
		t.Errorf("%d programs refused, want 13 (callx and the twelve *-imm-high/-imm-neg shifts)", len(refused))
	}
}

// TestKernelConformance runs the bpf_conformance test files
// (../shared/conformance/tests/*.data, assembled by bpflab's uBPF
// assembler) in the live kernel.
func TestKernelConformance(t *testing.T) {
	requireKernel(t)
	files, err := testcase.Glob(filepath.Join(testenv.Shared(t, "conformance/tests"), "*.data"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	for _, c := range files {
		cases = append(cases, conformanceCase{name: c.Name, prog: c.Program, mem: c.Mem, want: c.Result, expectError: c.ExpectError || !c.HasResult})
	}
	checkConformance(t, cases)
}

// TestKernelConformanceVectors runs the same programs as bpf_conformance's
// own assembler encoded them (../shared/vectors/conformance.jsonl), so a
// difference between the two tests points at bpflab's assembler.
func TestKernelConformanceVectors(t *testing.T) {
	requireKernel(t)
	var cases []conformanceCase
	for _, v := range readVectors(t, "conformance.jsonl") {
		prog, mem := v.decode(t)
		c := conformanceCase{name: v.Name, prog: prog, mem: mem, expectError: v.ExpectError}
		if v.ExpectedR0 != nil {
			want, err := strconv.ParseUint(strings.TrimPrefix(*v.ExpectedR0, "0x"), 16, 64)
			if err != nil {
				t.Fatalf("%s: expected_r0 %q: %v", v.Name, *v.ExpectedR0, err)
			}
			c.want = want
		}
		cases = append(cases, c)
	}
	checkConformance(t, cases)
}

// TestKernelConformanceNegative checks that the kernel refuses every
// negative conformance program (reserved fields set).
func TestKernelConformanceNegative(t *testing.T) {
	requireKernel(t)
	vecs := readVectors(t, "conformance_negative.jsonl")
	var reasons []string
	for _, v := range vecs {
		prog, mem := v.decode(t)
		r, err := RunWithMemory(prog, mem)
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if r.Accepted {
			t.Errorf("%s: accepted (r0 = %#x), want refused", v.Name, r.R0)
			continue
		}
		reasons = append(reasons, fmt.Sprintf("%s: insn %d: %s", v.Name, r.Insn, r.ErrorLine))
	}
	t.Logf("%d negative programs, %d refused:\n  %s", len(vecs), len(reasons), strings.Join(reasons, "\n  "))
}

// TestKernelUBPFErrors checks that the kernel refuses every uBPF test
// program that uBPF itself refuses at load or stops at run time: the
// verifier catches the run-time errors (out-of-bounds accesses) at load.
func TestKernelUBPFErrors(t *testing.T) {
	requireKernel(t)
	var reasons []string
	for _, v := range readVectors(t, "ubpf.jsonl") {
		if !v.ExpectError {
			continue
		}
		prog, mem := v.decode(t)
		r, err := RunWithMemory(prog, mem)
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if r.Accepted {
			t.Errorf("%s: accepted (r0 = %#x), want refused", v.Name, r.R0)
			continue
		}
		reasons = append(reasons, v.Name+": "+r.ErrorLine)
	}
	if len(reasons) < 25 {
		t.Errorf("only %d uBPF error programs found", len(reasons))
	}
	t.Logf("%d uBPF error programs refused:\n  %s", len(reasons), strings.Join(reasons, "\n  "))
}
