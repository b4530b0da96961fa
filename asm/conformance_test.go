package asm_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// The -update flag rewrites golden files. Several test files of this
// package may want it, so it is registered only once, by whichever comes first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// vector is one line of the shared vectors/*.jsonl files, the output of
// the bpf_conformance reference assembler.
type vector struct {
	Suite       string `json:"suite"`
	Name        string `json:"name"`
	ProgramHex  string `json:"program_hex"`
	ExpectError bool   `json:"expect_error"`
}

func readVectors(t *testing.T, file string) map[string]vector {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Shared(t, "vectors"), file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]vector{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v vector
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[v.Name] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// loadAll loads every .data file of a shared directory, naming each by its
// base name so that errors read the same in every checkout.
func loadCase(t *testing.T, path string) (*testcase.Case, error) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return testcase.Parse(src, filepath.Base(path))
}

func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.Shared(t, dir), "*.data"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .data files in %s: %v", dir, err)
	}
	slices.Sort(files)
	return files
}

// TestConformanceAssemble assembles every program of the shared
// bpf_conformance tests and benchmarks, compares it with the file's own
// -- raw section where there is one, and with the bytes the reference
// assembler produced (vectors/*.jsonl).
func TestConformanceAssemble(t *testing.T) {
	for _, set := range []struct{ dir, vectors string }{
		{"conformance/tests", "conformance.jsonl"},
		{"bench", "bench.jsonl"},
	} {
		t.Run(set.dir, func(t *testing.T) {
			vecs := readVectors(t, set.vectors)
			var nAsm, nRaw, nVec int
			for _, path := range dataFiles(t, set.dir) {
				c, err := loadCase(t, path)
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				if _, ok := c.Section("asm"); ok {
					nAsm++
				}
				if c.Raw != nil {
					nRaw++ // Load already checked raw == asm
				}
				v, ok := vecs[c.Name]
				if !ok {
					t.Errorf("%s: no reference vector", c.Name)
					continue
				}
				got := hex.EncodeToString(c.Program.Marshal(binary.LittleEndian))
				if got != v.ProgramHex {
					t.Errorf("%s: bytes differ from the reference assembler:\n got %s\nwant %s", c.Name, got, v.ProgramHex)
					continue
				}
				nVec++
			}
			t.Logf("%s: %d asm sections assembled, %d raw sections identical, %d of %d programs equal the reference bytes",
				set.dir, nAsm, nRaw, nVec, len(vecs))
			if nVec != len(vecs) {
				t.Errorf("%d of %d reference vectors matched", nVec, len(vecs))
			}
		})
	}
}

// negativeKeyword is what each refusal must mention: the error names the
// problem the file was written to exhibit.
func negativeKeyword(name string) string {
	switch {
	case strings.HasPrefix(name, "unused-"):
		return "reserved fields"
	case strings.HasPrefix(name, "invalid_imm32"):
		return "out of 32-bit range"
	case strings.HasPrefix(name, "invalid_lock"):
		return "number of operands for lock"
	}
	return map[string]string{
		"empty":                     "no sections",
		"empty_instructions":        "no program",
		"invalid_label":             "invalid label",
		"invalid_mnemonic":          "invalid mnemonic",
		"invalid_offset":            "invalid memory operand",
		"invalid_offset_range":      "out of 16-bit signed range",
		"invalid_operand_count":     "invalid number of operands for lddw",
		"invalid_register":          "invalid register",
		"invalid_unknown_directive": "unknown section",
	}[name]
}

// negativeAtRun lists the negative files whose programs are well formed:
// they are wrong only when verified or run, which is not the assembler's
// business. The test checks that they do load, with the reason kept here.
var negativeAtRun = map[string]string{
	"error":                            "reads r0 before writing it (the kernel's verifier: R0 !read_ok); -- error expects a refusal at load",
	"incorrect_return_value_high_bits": "its -- result is deliberately wrong (0x89… for 0x88…): a runner must report the mismatch",
}

// TestConformanceNegative checks that every negative file is refused, by
// the loader, the assembler or Program.Validate, with an error naming the
// problem; the exact texts are in testdata/ubpf/negative.golden.
func TestConformanceNegative(t *testing.T) {
	vecs := readVectors(t, "conformance_negative.jsonl")
	var b strings.Builder
	refused, atRun, rawChecked := 0, 0, 0
	for _, path := range dataFiles(t, "conformance/negative") {
		name := strings.TrimSuffix(filepath.Base(path), ".data")
		c, err := loadCase(t, path)
		if reason, ok := negativeAtRun[name]; ok {
			if err != nil || len(c.Program) == 0 {
				t.Errorf("%s: well-formed negative refused: %v", name, err)
				continue
			}
			atRun++
			b.WriteString(name + ": loads (" + reason + ")\n")
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted, want refused", name)
			continue
		}
		refused++
		msg := err.Error()
		b.WriteString(name + ": " + msg + "\n")
		if kw := negativeKeyword(name); kw == "" || !strings.Contains(msg, kw) {
			t.Errorf("%s: error %q does not name the problem (want %q)", name, msg, kw)
		}
		// The reserved-field files come with bytes only: check ours.
		if v, ok := vecs[name]; ok {
			src, _ := os.ReadFile(path)
			if !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(string(src), " ", ""), "\n", ""), v.ProgramHex) {
				t.Errorf("%s: -- raw does not hold the reference bytes %s", name, v.ProgramHex)
			}
			rawChecked++
		}
	}
	t.Logf("negative: %d refused with a named error, %d well formed (refused only when verified or run), %d of %d reserved-field vectors checked",
		refused, atRun, rawChecked, len(vecs))
	golden(t, "testdata/ubpf/negative.golden", b.String())
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	if updating() {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s: diff (-want +got):\n%s", file, diff)
	}
}

// TestConformancePrintRoundTrip prints every reference program in uBPF
// syntax and assembles it again: the bytes must not change.
func TestConformancePrintRoundTrip(t *testing.T) {
	n := 0
	for _, file := range []string{"conformance.jsonl", "bench.jsonl", "ubpf.jsonl"} {
		for name, v := range readVectors(t, file) {
			b, err := hex.DecodeString(v.ProgramHex)
			if err != nil {
				t.Fatal(err)
			}
			p, err := asm.Decode(b, binary.LittleEndian)
			if err != nil {
				t.Errorf("%s/%s: %v", file, name, err)
				continue
			}
			if p.Validate() != nil {
				continue // uBPF's error cases; the round trip needs a valid program
			}
			for _, labels := range []bool{false, true} {
				var text strings.Builder
				if err := p.Print(&text, asm.PrintOptions{Syntax: asm.SyntaxUBPF, Labels: labels}); err != nil {
					t.Fatal(err)
				}
				q, err := asm.Assemble([]byte(text.String()), name, asm.SyntaxUBPF)
				if err != nil {
					t.Errorf("%s/%s (labels %v): %v\n%s", file, name, labels, err, text.String())
					continue
				}
				if diff := cmp.Diff(p, q); diff != "" {
					t.Errorf("%s/%s (labels %v): diff (-want +got):\n%s\n%s", file, name, labels, diff, text.String())
				}
			}
			n++
		}
	}
	t.Logf("%d valid reference programs round-trip through the uBPF printer", n)
}
