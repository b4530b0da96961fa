package kselftest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
)

// TestTablesAgainstClang is the reader's oracle: clang-19 compiles the very
// table files into an array of struct bpf_test, with the struct and helper
// macros test_verifier.c defines (taken from the kernel source at test
// time) and the kernel's tools/include/linux/filter.h, and prints every
// entry. Each entry we read must agree field by field: description,
// verdicts, messages, program type, flags, runs, map fixups and the
// instruction bytes.
func TestTablesAgainstClang(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs a C program (-short)")
	}
	clang := testenv.Tool(t, "clang")
	src := testenv.LinuxSource(t)
	self := filepath.Join(src, "tools/testing/selftests/bpf")
	ours, err := kernelTables(t)
	if err != nil {
		t.Fatal(err)
	}
	tv, err := os.ReadFile(filepath.Join(self, "test_verifier.c"))
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(tv, []byte("static struct bpf_test tests[]"))
	if end < 0 {
		t.Fatal("test_verifier.c: tests[] not found")
	}
	head := tv[:end]

	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shim/linux/types.h", `#include <stdint.h>
typedef uint8_t __u8; typedef int8_t __s8; typedef uint16_t __u16; typedef int16_t __s16;
typedef uint32_t __u32; typedef int32_t __s32; typedef unsigned long long __u64; typedef long long __s64;
typedef __u16 __be16; typedef __u32 __be32; typedef __u64 __be64; typedef __u16 __le16;
typedef __u32 __le32; typedef __u64 __le64; typedef __u32 __wsum; typedef __u16 __sum16;
typedef __u64 __aligned_u64 __attribute__((aligned(8)));
typedef __u64 u64; typedef __u32 u32;
`)
	write("shim/linux/filter.h", "#include \""+filepath.Join(src, "tools/include/linux/filter.h")+"\"\n")
	write("shim/asm/bpf_perf_event.h", "struct pt_regs { unsigned long r[21]; }; typedef struct pt_regs bpf_user_pt_regs_t;\n")
	for _, h := range []string{"bpf.h", "bpf_common.h", "btf.h", "bpf_perf_event.h"} {
		write("shim/linux/"+h, "#include \""+filepath.Join(src, "tools/include/uapi/linux", h)+"\"\n")
	}

	var c strings.Builder
	c.WriteString("#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n#include <assert.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <limits.h>\n#include <errno.h>\n")
	c.WriteString("#include <linux/bpf.h>\n#include <linux/btf.h>\n#include <linux/filter.h>\n#include <linux/if_ether.h>\n#include <linux/bpf_perf_event.h>\n")
	c.WriteString("#define offsetofend(T, F) (offsetof(T, F) + sizeof(((T *)0)->F))\n")
	c.WriteString("#include \"" + filepath.Join(self, "test_btf.h") + "\"\n#define ENOTSUPP 524\n")
	// test_verifier.c's macros, value structs and struct bpf_test.
	for _, m := range regexp.MustCompile(`(?m)^#define (?:[^\n]*\\\n)*[^\n]*\n`).FindAll(head, -1) {
		if bytes.Contains(m, []byte("bpf_testdata_struct_t")) {
			continue // defined again inside struct bpf_test below
		}
		c.Write(m)
	}
	for _, name := range []string{"kfunc_btf_id_pair", "bpf_test", "test_val", "other_val"} {
		m := regexp.MustCompile(`(?s)\nstruct ` + name + ` \{.*?\n\};`).Find(head)
		if m == nil {
			t.Fatalf("struct %s not found in test_verifier.c", name)
		}
		c.Write(m)
		c.WriteString("\n")
	}
	// The fill helpers themselves, with a constant in place of their random
	// numbers: the deterministic ones are compared slot by slot below.
	c.WriteString("static uint64_t bpf_semi_rand_get(void) { return 0; }\n")
	for _, m := range regexp.MustCompile(`(?s)\nstatic (?:void|int) bpf_fill_\w+\([^)]*\)\n\{.*?\n\}\n`).FindAll(head, -1) {
		c.Write(m)
	}
	files, _ := filepath.Glob(filepath.Join(self, "verifier/*.c"))
	sort.Strings(files)
	c.WriteString("static struct bpf_test tests[] = {\n")
	for _, f := range files {
		fmt.Fprintf(&c, "#include \"%s\"\n", f)
	}
	c.WriteString("};\n")
	kinds := make([]string, 0, len(fixupKinds))
	for k := range fixupKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	c.WriteString(`static void hexs(const char *s) { if (!s) return; for (; *s; s++) printf("%02x", (unsigned char)*s); }
static int plen(const struct bpf_insn *fp) { int len; for (len = MAX_INSNS - 1; len > 0; --len) if (fp[len].code != 0 || fp[len].imm != 0) break; return len + 1; }
int main(void) {
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		struct bpf_test *t = &tests[i];
		printf("descr="); hexs(t->descr);
		printf(" result=%d unpriv=%d type=%d flags=%u runs=%d retval=%u errstr=", t->result, t->result_unpriv, t->prog_type, t->flags, t->runs, t->retval);
		hexs(t->errstr); printf(" errstr_unpriv="); hexs(t->errstr_unpriv);
		printf(" data="); for (int k = 0; k < TEST_DATA_LEN; k++) printf("%02x", t->data[k]);
`)
	for _, k := range kinds {
		fmt.Fprintf(&c, "\t\tprintf(\" %s=\"); for (int k = 0; k < MAX_FIXUPS && t->fixup_%s[k]; k++) printf(\"%%d,\", t->fixup_%s[k]);\n", k, k, k)
	}
	c.WriteString(`		printf(" insns=");
		if (!t->fill_helper) { int n = plen(t->insns); for (int k = 0; k < n; k++) { struct bpf_insn *x = &t->insns[k];
			printf("%02x:%x:%x:%d:%d,", x->code, x->dst_reg, x->src_reg, x->off, x->imm); } }
		else { t->fill_insns = calloc(MAX_TEST_INSNS, sizeof(struct bpf_insn)); t->fill_helper(t);
			for (int k = 0; k < t->prog_len; k++) { struct bpf_insn *x = &t->fill_insns[k];
			printf("%02x:%x:%x:%d:%d,", x->code, x->dst_reg, x->src_reg, x->off, x->imm); }
			free(t->fill_insns); }
		printf("\n");
	}
	return 0;
}
`)
	write("tables.c", c.String())
	bin := filepath.Join(dir, "tables")
	cmd := exec.Command(clang, "-w", "-O0", "-I", filepath.Join(dir, "shim"),
		"-I", self, "-o", bin, filepath.Join(dir, "tables.c"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clang: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running the table dump: %v", err)
	}
	var want []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		m := map[string]string{}
		for _, kv := range strings.Fields(sc.Text()) {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		want = append(want, m)
	}
	if len(want) != len(ours) {
		t.Fatalf("clang sees %d entries, we read %d", len(want), len(ours))
	}
	agree := 0
	for i, tc := range ours {
		got := map[string]string{
			"descr":         hex.EncodeToString([]byte(tc.Descr)),
			"result":        strconv.Itoa(int(tc.Result)),
			"unpriv":        strconv.Itoa(int(tc.ResultUnpriv)),
			"type":          strconv.Itoa(progTypeNumber(tc.ProgType, want[i]["type"])),
			"flags":         strconv.FormatUint(uint64(tc.Flags), 10),
			"errstr":        hex.EncodeToString([]byte(tc.Errstr)),
			"errstr_unpriv": hex.EncodeToString([]byte(tc.ErrstrUnpriv)),
		}
		runs := 0
		if len(tc.Runs) > 0 && want[i]["runs"] != "0" {
			runs = len(tc.Runs)
		}
		if want[i]["runs"] == "-1" || len(tc.Runs) == 0 {
			runs = -1
		}
		got["runs"] = strconv.Itoa(runs)
		if len(tc.Runs) > 0 {
			got["retval"] = strconv.FormatUint(uint64(tc.Runs[0].Retval), 10)
			got["data"] = hex.EncodeToString(tc.Runs[0].Data)
		}
		if tc.Generated {
			got["retval"] = want[i]["retval"] // fill helpers decide their own
			if !deterministicFill[tc.FillHelper] {
				got["insns"], want[i]["insns"] = "", "" // random numbers differ by design
			}
		}
		for _, k := range kinds {
			var b strings.Builder
			for _, x := range tc.Fixups[k] {
				fmt.Fprintf(&b, "%d,", x)
			}
			got[k] = b.String()
		}
		var b strings.Builder
		if !tc.Generated || deterministicFill[tc.FillHelper] {
			for _, x := range tc.Insns {
				fmt.Fprintf(&b, "%02x:%x:%x:%d:%d,", x.Code, uint8(x.Dst), uint8(x.Src), x.Off, x.Imm)
			}
		}
		got["insns"] = b.String()
		bad := false
		for k, w := range want[i] {
			if k == "runs" && (w == "0" || w == "1") && (got[k] == "1" || got[k] == "0") {
				continue // 0 means one run
			}
			if (k == "retval" || k == "data") && want[i]["runs"] == "-1" {
				continue // never run: we keep no runs
			}
			if got[k] != w {
				bad = true
				t.Errorf("%s: %s: clang %q, we %q", tc.Name(), k, w, got[k])
			}
		}
		if !bad {
			agree++
		}
	}
	if agree != len(ours) {
		t.Errorf("%d entries disagree", len(ours)-agree)
	}
	t.Logf("%d of %d entries agree with clang's reading in every field", agree, len(ours))
}

// deterministicFill are the fill helpers that use no random numbers, whose
// output must match the kernel's helper exactly.
var deterministicFill = map[string]bool{
	"bpf_fill_ld_abs_vlan_push_pop": true,
	"bpf_fill_jump_around_ld_abs":   true,
	"bpf_fill_torturous_jumps":      true,
	"bpf_fill_big_prog_with_loop_1": true,
}

func progTypeNumber(name, fallback string) int {
	if name == "socket_filter" && fallback == "0" {
		return 0 // not given in the table
	}
	for i := 0; i < 64; i++ {
		if asmProgTypeNameByValue(i) == name {
			return i
		}
	}
	return -1
}

var asmProgTypeNameByValue = asm.ProgTypeNameByValue
