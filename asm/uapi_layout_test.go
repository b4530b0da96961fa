package asm

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
)

// TestUAPILayouts checks every entry of the layout table against the
// kernel's headers: it writes a C file of static assertions (offset and size
// of each member, size of each struct) and has clang-19 compile it against
// linux-source-6.12's include/uapi. The selftest value structs are taken
// from test_verifier.c itself.
func TestUAPILayouts(t *testing.T) {
	clang := testenv.Tool(t, "clang")
	src := testenv.LinuxSource(t)
	dir := t.TempDir()
	// Minimal stand-ins for the arch headers the source package lacks.
	shims := map[string]string{
		"linux/types.h": `typedef unsigned char __u8; typedef signed char __s8;
typedef unsigned short __u16; typedef short __s16; typedef unsigned int __u32; typedef int __s32;
typedef unsigned long long __u64; typedef long long __s64;
typedef __u16 __be16; typedef __u32 __be32; typedef __u64 __be64; typedef __u16 __le16;
typedef __u32 __le32; typedef __u64 __le64; typedef __u32 __wsum; typedef __u16 __sum16;
typedef __u64 __aligned_u64 __attribute__((aligned(8)));
`,
		// x86-64's struct pt_regs holds 21 unsigned longs.
		"asm/bpf_perf_event.h": "struct pt_regs { unsigned long r[21]; }; typedef struct pt_regs bpf_user_pt_regs_t;\n",
	}
	for name, text := range shims {
		p := filepath.Join(dir, "shim", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tv, err := os.ReadFile(filepath.Join(src, "tools/testing/selftests/bpf/test_verifier.c"))
	if err != nil {
		t.Fatal(err)
	}
	var c strings.Builder
	c.WriteString("#include <stddef.h>\n#include <linux/bpf.h>\n#include <linux/bpf_perf_event.h>\n#define MAX_ENTRIES 11\n")
	for name := range selftestStructs {
		m := regexp.MustCompile(`(?s)struct ` + name + ` \{.*?\n\};`).Find(tv)
		if m == nil {
			t.Fatalf("struct %s not found in test_verifier.c", name)
		}
		c.Write(m)
		c.WriteString("\n")
	}
	names := make([]string, 0, len(uapiLayouts))
	for n := range uapiLayouts {
		names = append(names, n)
	}
	sort.Strings(names)
	checks := 0
	for _, n := range names {
		l := uapiLayouts[n]
		fmt.Fprintf(&c, "_Static_assert(sizeof(struct %s) == %d, \"sizeof(struct %s) != %d\");\n", n, l.Size, n, l.Size)
		checks++
		for _, f := range l.Fields {
			m := fmt.Sprintf("((struct %s *)0)->%s", n, f.Name)
			fmt.Fprintf(&c, "_Static_assert(offsetof(struct %s, %s) == %d, \"%s.%s: offset != %d\");\n", n, f.Name, f.Off, n, f.Name, f.Off)
			fmt.Fprintf(&c, "_Static_assert(sizeof(%s) == %d, \"%s.%s: size != %d\");\n", m, f.Size, n, f.Name, f.Size)
			checks += 2
			if f.Elem != 0 {
				fmt.Fprintf(&c, "_Static_assert(sizeof(%s[0]) == %d, \"%s.%s: element size != %d\");\n", m, f.Elem, n, f.Name, f.Elem)
				checks++
			}
		}
	}
	file := filepath.Join(dir, "layout.c")
	if err := os.WriteFile(file, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(clang, "-fsyntax-only", "-ferror-limit=0", "-I", filepath.Join(dir, "shim"),
		"-I", filepath.Join(src, "include/uapi"), file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("layout table disagrees with the kernel headers: %v\n%s", err, out)
	}
	t.Logf("%d structs, %d static assertions hold", len(names), checks)
}
