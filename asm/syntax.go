package asm

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Syntax names a text form of eBPF programs.
type Syntax uint8

const (
	// SyntaxAuto asks the reader to detect the syntax.
	SyntaxAuto Syntax = iota
	// SyntaxLLVM is the pseudo-C of llvm-objdump, bpftool and the kernel's
	// verifier log: "r0 = 0", "if r1 > 0x5 goto +2". The default printer.
	SyntaxLLVM
	// SyntaxMacro is the kernel's C macro syntax: "BPF_MOV64_IMM(BPF_REG_0, 0),".
	SyntaxMacro
	// SyntaxUBPF is the uBPF / bpf_conformance mnemonic syntax: "mov32 %r0, 0".
	SyntaxUBPF
)

var syntaxNames = [...]string{"auto", "llvm", "macro", "ubpf"}

func (s Syntax) String() string {
	if int(s) < len(syntaxNames) {
		return syntaxNames[s]
	}
	return fmt.Sprintf("Syntax(%d)", s)
}

// ParseSyntax maps a --syntax flag value to a Syntax.
func ParseSyntax(name string) (Syntax, error) {
	for i, n := range syntaxNames {
		if n == strings.ToLower(name) {
			return Syntax(i), nil
		}
	}
	return 0, fmt.Errorf("unknown syntax %q (want auto, llvm, macro or ubpf)", name)
}

// PrintOptions control Print.
type PrintOptions struct {
	Syntax Syntax // SyntaxAuto means SyntaxLLVM
	// Index prefixes each instruction with its slot index, "   5:\t", as
	// llvm-objdump does.
	Index bool
	// Labels prints jump targets as labels ("goto LBB0_3") and emits the
	// label lines; otherwise targets are relative offsets ("goto +2").
	Labels bool
	// Symbols names instruction indexes (functions of an ELF object); a
	// named index starts a new function block and is used as call target.
	Symbols map[int]string
	// MapNames names the map an lddw at an index refers to.
	MapNames map[int]string
	// HelperNames prints helper calls by name ("call bpf_map_lookup_elem",
	// as bpftool does) instead of by id ("call 0x1", as llvm-objdump does).
	HelperNames bool
	// W32 prints 32-bit register names in sub-64-bit loads and stores and in
	// the 32-bit atomic add ("*(u32 *)(r10 - 0x4) = w1"), as llvm-objdump
	// --mcpu=v3 and later do; by default they print as plain llvm-objdump -d.
	W32 bool
	// Objdump prints what llvm-objdump-19 prints even where that text loses
	// information or is wrong: bpf-to-bpf and kfunc calls as "call IMM",
	// pseudo lddw without its second immediate, "skb[r3]" without the
	// immediate, 32-bit atomics as objdump without --mcpu decodes them (see
	// W32), load-acquire as the atomic add LLVM 19 mistakes it for, and
	// slots it cannot decode as "<unknown>". The default printer spells
	// those forms losslessly instead, so its output always assembles back to
	// the same bytes.
	Objdump bool
}

// syntaxImpl is what each text syntax provides; each registers itself from
// its own file.
type syntaxImpl struct {
	// print writes the whole program.
	print func(w io.Writer, p Program, o *PrintOptions) error
	// insn formats one instruction (both slots for lddw), without labels.
	insn func(p Program, pc int) string
	// parse reads a whole program; file names the input in errors.
	parse func(src []byte, file string) (Program, error)
	// detect scores how much src looks like this syntax (0 = not at all).
	detect func(src []byte) int
}

var syntaxes = map[Syntax]syntaxImpl{}

func registerSyntax(s Syntax, impl syntaxImpl) {
	if _, dup := syntaxes[s]; dup {
		panic("BUG: syntax registered twice: " + s.String())
	}
	syntaxes[s] = impl
}

func impl(s Syntax) (syntaxImpl, error) {
	if s == SyntaxAuto {
		s = SyntaxLLVM
	}
	si, ok := syntaxes[s]
	if !ok {
		return syntaxImpl{}, fmt.Errorf("syntax %s is not supported", s)
	}
	return si, nil
}

// Print writes the program in the chosen syntax.
func (p Program) Print(w io.Writer, o PrintOptions) error {
	si, err := impl(o.Syntax)
	if err != nil {
		return err
	}
	return si.print(w, p, &o)
}

// Format returns the program printed in the given syntax, without indexes
// or labels beyond what the syntax needs.
func (p Program) Format(s Syntax) string {
	var b bytes.Buffer
	if err := p.Print(&b, PrintOptions{Syntax: s, Labels: true}); err != nil {
		return "<" + err.Error() + ">"
	}
	return b.String()
}

// InsnString formats the instruction at slot pc in the given syntax.
func (p Program) InsnString(pc int, s Syntax) string {
	si, err := impl(s)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return si.insn(p, pc)
}

// String formats the instruction in LLVM syntax. An lddw is shown with only
// its low 32 bits; use Program.InsnString to see both slots.
func (i Insn) String() string { return Program{i, {}}.InsnString(0, SyntaxLLVM) }

// Assemble reads a program in the given syntax, detecting it for
// SyntaxAuto. file names the input in errors ("prog.s:3:7: …").
func Assemble(src []byte, file string, s Syntax) (Program, error) {
	if s == SyntaxAuto {
		s = DetectSyntax(src)
	}
	si, err := impl(s)
	if err != nil {
		return nil, err
	}
	return si.parse(src, file)
}

// DetectSyntax guesses the syntax of program text; LLVM when in doubt.
func DetectSyntax(src []byte) Syntax {
	best, bestScore := SyntaxLLVM, 0
	for _, s := range []Syntax{SyntaxLLVM, SyntaxMacro, SyntaxUBPF} {
		if si, ok := syntaxes[s]; ok && si.detect != nil {
			if sc := si.detect(src); sc > bestScore {
				best, bestScore = s, sc
			}
		}
	}
	return best
}
