package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunVerifiesFirst checks that `bpflab run` refuses, in the kernel's
// words, a program the verifier rejects, and runs it with --no-verify.
func TestRunVerifiesFirst(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "bad.s")
	// Reads a packet byte without comparing against data_end.
	if err := os.WriteFile(prog, []byte("r2 = *(u32 *)(r1 +0)\nr0 = *(u8 *)(r2 +0)\nexit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkt := "000000000000000000000000080045000014000000004011000000000000000000000000"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
		wantOut  string
	}{
		{"verified", []string{"run", "--type", "xdp", "--packet", pkt, prog}, 2,
			"insn 1: R2 offset is outside of the packet (run with --no-verify to run it anyway)", ""},
		{"no-verify", []string{"run", "--no-verify", "--type", "xdp", "--packet", pkt, prog}, 0,
			"", "XDP_ABORTED (0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr.String(), tt.wantErr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", stdout.String(), tt.wantOut)
			}
		})
	}
}
