package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// stdin is the conformance plugin's input; tests replace it.
var stdin io.Reader = os.Stdin

// jitEngine runs a prepared program with the JIT. It stays nil until
// package jit can compile programs; the --jit flag then reports that the
// engine is unavailable.
var jitEngine func(p *vm.Program, env *vm.Env) (vm.Result, error)

func init() {
	register(command{
		name:    "conformance-plugin",
		summary: "run one program as a bpf_conformance plugin (program hex on stdin, memory hex as argument)",
		run:     runConformancePlugin,
	})
}

// runConformancePlugin speaks bpf_conformance's plugin protocol: the
// program arrives on stdin as hex bytes (two digits per byte, separated by
// spaces), the memory as the first argument in the same form. The program
// runs with r1 pointing to a copy of the memory and r2 holding its length,
// with uBPF's test helpers; r0 is printed in hex without 0x. A program that
// is refused or faults makes the plugin print the error and exit 1.
func runConformancePlugin(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("conformance-plugin", stderr)
	useJIT := fs.Bool("jit", false, "run with the JIT instead of the interpreter")
	budget := fs.Int("budget", 1<<24, "instruction budget")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bpflab conformance-plugin [--jit] [MEMORY-HEX] < PROGRAM-HEX")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("want at most one argument (the memory), got %d", fs.NArg())
	}
	var mem []byte
	if fs.NArg() == 1 {
		var err error
		if mem, err = parseHexBytes(fs.Arg(0)); err != nil {
			return &exitError{code: 1, msg: "memory: " + err.Error()}
		}
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	code, err := parseHexBytes(string(in))
	if err != nil {
		return &exitError{code: 1, msg: "program: " + err.Error()}
	}
	insns, err := asm.Decode(code, binary.LittleEndian)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	p, err := vm.Prepare(insns)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	env := vm.NewPlainEnv(mem)
	env.Helpers = vm.UBPFHelpers()
	env.Budget = *budget
	run := (*vm.Program).Run
	if *useJIT {
		if jitEngine == nil {
			return &exitError{code: 1, msg: "the JIT engine is not available in this build yet"}
		}
		run = jitEngine
	}
	res, err := run(p, env)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	fmt.Fprintf(stdout, "%x\n", res.R0)
	return nil
}

// parseHexBytes reads bytes written as hex, two digits per byte, with any
// whitespace between bytes (or none).
func parseHexBytes(s string) ([]byte, error) {
	fields := strings.Fields(s)
	var out []byte
	for _, f := range fields {
		if len(f) > 2 {
			b, err := hex.DecodeString(f)
			if err != nil {
				return nil, fmt.Errorf("bad hex %q", f)
			}
			out = append(out, b...)
			continue
		}
		v, err := strconv.ParseUint(f, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("bad hex byte %q", f)
		}
		out = append(out, byte(v))
	}
	return out, nil
}
