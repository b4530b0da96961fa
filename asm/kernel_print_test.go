package asm

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"
)

// kernelLogLines reads testdata/kernel-log/insns.txt: instruction bytes and
// the line the live kernel's verifier log printed for them.
func kernelLogLines(t *testing.T) []struct {
	prog Program
	text string
} {
	t.Helper()
	f, err := os.Open("testdata/kernel-log/insns.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []struct {
		prog Program
		text string
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		hx, text, ok := strings.Cut(l, "\t")
		b, err := hex.DecodeString(hx)
		if !ok || err != nil {
			t.Fatalf("bad golden line %q", l)
		}
		p, err := Decode(b, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct {
			prog Program
			text string
		}{p, text})
	}
	return out
}

// TestKernelString compares KernelString with the lines the Linux 6.18
// verifier log printed for the same instructions.
func TestKernelString(t *testing.T) {
	lines := kernelLogLines(t)
	if len(lines) < 500 {
		t.Fatalf("only %d golden lines", len(lines))
	}
	for _, l := range lines {
		if got := l.prog.KernelString(0); got != l.text {
			t.Errorf("%v: got %q, kernel printed %q", l.prog[0], got, l.text)
		}
	}
}

// TestParseKernelLog assembles every verifier-log line, with its "N: "
// prefix and register-state comment, back to the logged instruction.
func TestParseKernelLog(t *testing.T) {
	for _, l := range kernelLogLines(t) {
		src := "7: " + l.text + "                ; R0_w=0 R10=fp0\n"
		got, _, err := assembleLLVM([]byte(src), "log")
		if err != nil {
			t.Errorf("%q: %v", l.text, err)
		} else if !slices.Equal(got, l.prog) {
			t.Errorf("%q: got %v, want %v", l.text, got.Format(SyntaxLLVM), l.prog.Format(SyntaxLLVM))
		}
	}
}

func TestKernelStringBounds(t *testing.T) {
	p := Prog(BPF_LD_IMM64(BPF_REG_1, 0x1234), BPF_EXIT_INSN())
	for _, tt := range []struct {
		pc   int
		want string
	}{{-1, ""}, {0, "(18) r1 = 0x1234"}, {2, "(95) exit"}, {3, ""}} {
		if got := p.KernelString(tt.pc); got != tt.want {
			t.Errorf("KernelString(%d) = %q, want %q", tt.pc, got, tt.want)
		}
	}
	// An lddw cut short prints its low half, never panics.
	if got := p[:1].KernelString(0); got != "(18) r1 = 0x1234" {
		t.Errorf("truncated lddw: %q", got)
	}
}
