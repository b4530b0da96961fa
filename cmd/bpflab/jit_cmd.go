package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/vm"
	"golang.org/x/arch/x86/x86asm"
)

func init() {
	register(command{name: "jit", summary: "compile a program with the amd64 JIT and show the machine code", run: runJIT})
}

func runJIT(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("jit", stderr)
	pf := addProgFlags(fs)
	disasm := fs.Bool("disasm", false, "print the machine code, disassembled, under the eBPF instruction each part came from")
	setUsage(fs, stderr, "jit [--disasm] PROGRAM",
		"Compiles a program with bpflab's amd64 JIT (any host: the code is generated, not run)",
		"and reports its size; --disasm lists it. Every memory access is checked against the",
		"interpreter's region table, so the code stops where the interpreter would.")
	arg, err := parseArg(fs, args)
	if err != nil {
		return err
	}
	lp, err := pf.load(arg)
	if err != nil {
		return err
	}
	insns := lp.Spec.Insns
	start := time.Now()
	l, err := jit.Generate(insns)
	if err != nil {
		return fmt.Errorf("%s: %w", lp.Name, err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "program %s: %d instructions, %d bytes of machine code (generated in %v)\n",
		lp.Spec.Name, len(insns), len(l.Code), took.Round(time.Microsecond))
	if *disasm {
		writeListing(stdout, insns, l)
	}
	return nil
}

// writeListing prints each block of machine code under its eBPF
// instruction (LLVM syntax), decoded with x86asm.
func writeListing(w io.Writer, insns asm.Program, l *jit.Listing) {
	for _, b := range l.Blocks {
		switch b.PC {
		case jit.BlockEntry:
			fmt.Fprintln(w, "\n; entry: load registers, resume")
		case jit.BlockExits:
			fmt.Fprintln(w, "\n; out-of-line exits to Go (faults, budget, helpers) and frame return")
		default:
			fmt.Fprintf(w, "%5d: %s\n", b.PC, insns.InsnString(b.PC, asm.SyntaxLLVM))
		}
		for off := b.Start; off < b.End; {
			inst, err := x86asm.Decode(l.Code[off:b.End], 64)
			if err != nil {
				fmt.Fprintf(w, "        %04x: %02x (undecodable)\n", off, l.Code[off])
				off++
				continue
			}
			text := x86asm.IntelSyntax(inst, uint64(off), nil)
			fmt.Fprintf(w, "        %04x: %-30s %s\n", off, hexBytes(l.Code[off:off+inst.Len]), text)
			off += inst.Len
		}
	}
}

func hexBytes(b []byte) string {
	var s strings.Builder
	for i, x := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "%02x", x)
	}
	return s.String()
}

// useJIT makes the runner run its program compiled by the JIT. Where the
// JIT is unsupported (not linux/amd64) it says so on stderr and the
// interpreter runs. The returned function frees the code.
func (r *vmRunner) useJIT(stderr io.Writer) (func(), error) {
	if !jit.Supported() {
		fmt.Fprintln(stderr, "bpflab: the JIT runs only on linux/amd64; using the interpreter")
		return func() {}, nil
	}
	code, err := jit.Compile(r.progs[r.main])
	if err != nil {
		return nil, err
	}
	r.exec = code.Run
	return func() { code.Close() }, nil
}

// runner functions have the shape of vm.Program.Run.
var _ func(*vm.Env) (vm.Result, error) = (*jit.Code)(nil).Run

func init() {
	if jit.Supported() {
		jitEngine = runCompiled
	}
}

// runCompiled compiles p, runs it once in env and frees the code (the
// conformance plugin runs one program per process).
func runCompiled(p *vm.Program, env *vm.Env) (vm.Result, error) {
	code, err := jit.Compile(p)
	if err != nil {
		return vm.Result{}, err
	}
	defer code.Close()
	return code.Run(env)
}
