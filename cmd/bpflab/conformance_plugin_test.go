package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
)

// spaced writes bytes as the plugin protocol does: "b7 00 00 …".
func spaced(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = hex.EncodeToString([]byte{c})
	}
	return strings.Join(parts, " ")
}

func runPlugin(t *testing.T, program []byte, args ...string) (int, string, string) {
	t.Helper()
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader(spaced(program) + "\n")
	var out, errb bytes.Buffer
	code := run(append([]string{"conformance-plugin"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestConformancePlugin(t *testing.T) { checkPluginVectors(t) }

// checkPluginVectors runs the 313 conformance vectors through the plugin,
// with flags before the memory argument, and checks each r0.
func checkPluginVectors(t *testing.T, flags ...string) {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Shared(t, "vectors"), "conformance.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n := 0
	for sc.Scan() {
		var v struct {
			Name       string `json:"name"`
			ProgramHex string `json:"program_hex"`
			MemHex     string `json:"mem_hex"`
			ExpectedR0 string `json:"expected_r0"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		prog, _ := hex.DecodeString(v.ProgramHex)
		mem, _ := hex.DecodeString(v.MemHex)
		args := append([]string(nil), flags...)
		if len(mem) > 0 {
			args = append(args, spaced(mem))
		}
		code, out, errs := runPlugin(t, prog, args...)
		want := strings.TrimPrefix(v.ExpectedR0, "0x") + "\n"
		if code != 0 || out != want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 0, stdout %q", v.Name, code, out, errs, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 313 {
		t.Errorf("ran %d vectors, want 313", n)
	}
}

func TestConformancePluginErrors(t *testing.T) {
	tests := []struct {
		name    string
		program []byte
		args    []string
		stderr  string
	}{
		{"refused", []byte{0x07, 0x0b, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}, nil,
			"bpflab conformance-plugin: insn 0: invalid register R11\n"},
		{"fault", []byte{0x61, 0x10, 0x10, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}, []string{"01 02"},
			"bpflab conformance-plugin: pc 0: out of bounds: load 4 bytes at mem+16 (mem is 2 bytes)\n"},
		{"truncated", []byte{0x95, 0, 0}, nil,
			"bpflab conformance-plugin: 3 bytes is not a whole number of instructions: truncated instruction\n"},
		{"bad memory", []byte{0x95, 0, 0, 0, 0, 0, 0, 0}, []string{"zz"},
			"bpflab conformance-plugin: memory: bad hex byte \"zz\"\n"},
		{"jit", []byte{0x95, 0, 0, 0, 0, 0, 0, 0}, []string{"--jit"},
			"bpflab conformance-plugin: the JIT engine is not available in this build yet\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "jit" && jitEngine != nil {
				t.Skip("the JIT is available")
			}
			code, out, errs := runPlugin(t, tt.program, tt.args...)
			if code != 1 || out != "" || errs != tt.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, stderr %q", code, out, errs, tt.stderr)
			}
		})
	}
}
