package main

// The PROGRAM argument shared by run, verify, jit and crosscheck: the
// flags that pick a program of an ELF object, the usage text, parsing the
// one argument and loading it (loadProgram, in inputs.go).

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// progFlags pick one program of an ELF object.
type progFlags struct {
	section, prog *string
}

// addProgFlags registers --section and --prog.
func addProgFlags(fs *pflag.FlagSet) progFlags {
	return progFlags{
		section: fs.String("section", "", "ELF input: the program of section `SEC`"),
		prog:    fs.String("prog", "", "ELF input: the program called `NAME`"),
	}
}

// load reads the program named by arg with loadProgram.
func (p progFlags) load(arg string) (*loadedProgram, error) {
	return loadProgram(arg, *p.prog, *p.section)
}

// setUsage gives fs a usage text: the synopsis after "bpflab", the lines
// of about as a paragraph, then the flags.
func setUsage(fs *pflag.FlagSet, stderr io.Writer, synopsis string, about ...string) {
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: bpflab %s\n\n%s\n\nflags:\n", synopsis, strings.Join(about, "\n"))
		fs.PrintDefaults()
	}
}

// parseArg parses args into fs and returns the one input argument.
func parseArg(fs *pflag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	return oneArg(fs)
}
