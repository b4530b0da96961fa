package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.s", "r0 = 0\nexit\n")
	bad := write("bad.s", "r2 = *(u32 *)(r1 +0)\nr0 = *(u8 *)(r2 +0)\nexit\n")
	lookup := write("lookup.s", "r1 = 0\n*(u64 *)(r10 -8) = r1\nr2 = r10\nr2 += -8\nr1 = map[m]\ncall bpf_map_lookup_elem\nr0 = *(u64 *)(r0 +0)\nexit\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring
		stderr   string // substring
		jsonErr  string
		jsonInsn int
	}{
		{name: "accept", args: []string{ok}, code: 0, stdout: "accepted (2 insns processed)"},
		{name: "reject", args: []string{"--type", "xdp", bad}, code: 1, stdout: "R2 offset is outside of the packet", stderr: "rejected: insn 1: R2 offset is outside of the packet (EACCES)"},
		{name: "json", args: []string{"--json", "--type", "xdp", bad}, code: 1, jsonErr: "R2 offset is outside of the packet", jsonInsn: 1},
		{name: "map decl", args: []string{"--map", "m:hash:8:8:4", "--type", "sched_cls", lookup}, code: 1,
			stdout: "R0 invalid mem access 'map_value_or_null'", stderr: "lookup.s: rejected: insn 7"},
		{name: "level 2", args: []string{"--log-level", "2", ok}, code: 0, stdout: "0: (b7) r0 = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"verify"}, tt.args...), &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errb.String())
			}
			if tt.jsonErr != "" {
				var v verifyJSON
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Fatal(err)
				}
				if v.Accepted || v.Error != tt.jsonErr || v.Insn == nil || *v.Insn != tt.jsonInsn || v.Processed == 0 {
					t.Errorf("json %+v", v)
				}
			}
		})
	}
}
