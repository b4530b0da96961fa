package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConformancePluginJIT runs the 313 conformance vectors through the
// plugin with --jit.
func TestConformancePluginJIT(t *testing.T) {
	if jitEngine == nil {
		t.Skip("the JIT runs only on linux/amd64")
	}
	checkPluginVectors(t, "--jit")
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
