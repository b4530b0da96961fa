package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
)

// TestConformancePluginJIT runs the 313 conformance vectors through the
// plugin with --jit.
func TestConformancePluginJIT(t *testing.T) {
	if jitEngine == nil {
		t.Skip("the JIT runs only on linux/amd64")
	}
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
		args := []string{"--jit"}
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
	if n != 313 {
		t.Errorf("ran %d vectors, want 313", n)
	}
}

// TestJITDisasm checks that bpflab jit --disasm lists every instruction of
// a program with its machine code.
func TestJITDisasm(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "p.s")
	if err := os.WriteFile(src, []byte("r0 = 1\nr1 = *(u32 *)(r1 + 0)\nif r0 > 3 goto +1\nr0 += r1\nexit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := run([]string{"jit", "--disasm", src}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"program ", "; entry", "    0: r0 = 0x1", "    1: r1 = *(u32 *)(r1 + 0x0)", "    2: if r0 > 0x3 goto +0x1",
		"    4: exit", "cmp r10, qword ptr [r12+0x78]", "; out-of-line exits", "ret"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
