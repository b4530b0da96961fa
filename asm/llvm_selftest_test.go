package asm

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
)

// inlineAsmBlocks extracts the assembler text of each asm volatile (…)
// statement of a C file: its string literals joined, up to the first ':'.
func inlineAsmBlocks(src string) []string {
	var blocks []string
	for {
		i := strings.Index(src, "asm volatile (")
		if i < 0 {
			return blocks
		}
		src = src[i+len("asm volatile ("):]
		var b strings.Builder
		j := 0
	scan:
		for j < len(src) {
			switch c := src[j]; c {
			case '"':
				j++
				for j < len(src) && src[j] != '"' {
					if src[j] == '\\' && j+1 < len(src) {
						switch src[j+1] {
						case '\n':
						case 'n':
							b.WriteByte('\n')
						case 't':
							b.WriteByte('\t')
						default:
							b.WriteByte(src[j+1])
						}
						j += 2
						continue
					}
					b.WriteByte(src[j])
					j++
				}
				j++
			case ':', ')':
				break scan
			default:
				j++
			}
		}
		blocks = append(blocks, b.String())
		src = src[j:]
	}
}

var memOperand = regexp.MustCompile(`\*\)\s*%\[`)

var operandRef = regexp.MustCompile(`%\[([A-Za-z0-9_]+)\]`)

// substitute fills in what clang would: helper ids for %[bpf_helper],
// an exit instruction for raw .8byte operands, -0 for every other operand
// (a signed number, since some tests write "(r1  %[off])" and rely on the
// operand's sign), "%" for "%%", and a number for the %= label uniquifier.
func substitute(s string) string {
	s = operandRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if f, ok := FuncByName(name); ok && strings.HasPrefix(name, "bpf_") {
			return itoa(int(f))
		}
		return "-0"
	})
	s = strings.ReplaceAll(s, ".8byte -0", ".8byte 0x95")
	s = strings.ReplaceAll(s, "%%", "%")
	return strings.ReplaceAll(s, "_%=", "_1")
}

// TestLLVMParseSelftests assembles the inline asm of the kernel's verifier
// selftests (tools/testing/selftests/bpf/progs/verifier_*.c), which clang
// accepts, statement by statement.
func TestLLVMParseSelftests(t *testing.T) {
	root := testenv.LinuxSource(t)
	files, _ := filepath.Glob(filepath.Join(root, "tools/testing/selftests/bpf/progs/verifier_*.c"))
	if len(files) == 0 {
		t.Fatal("no verifier selftests found")
	}
	blocks, ok, skipped := 0, 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range inlineAsmBlocks(string(src)) {
			if memOperand.MatchString(block) {
				// "*(u64 *)%[addr]": the operand is a whole address
				// expression we cannot make up.
				skipped++
				continue
			}
			blocks++
			_, _, err := assembleLLVM([]byte(substitute(block)), filepath.Base(file))
			switch {
			case err == nil:
				ok++
			case strings.Contains(err.Error(), "undefined label"), strings.Contains(err.Error(), "no instructions"):
				// A call or jump into another asm statement or C
				// function, or a block of constraints only.
				skipped++
			default:
				t.Errorf("%v\n%s", err, block)
			}
		}
	}
	if ok < blocks*9/10 {
		t.Errorf("only %d of %d blocks assemble", ok, blocks)
	}
	t.Logf("%d inline asm blocks from %d files assemble; %d skipped (cross-block references, address operands)", ok, len(files), skipped)
}
