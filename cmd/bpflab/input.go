package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// readInput reads the file a command names, or standard input (the
// package's stdin, which tests replace) for "-". It
// returns the contents and the name to use in messages.
func readInput(arg string) ([]byte, string, error) {
	if arg == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "<stdin>", fmt.Errorf("reading standard input: %w", err)
		}
		return b, "<stdin>", nil
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return nil, arg, err // *PathError already names the file
	}
	return b, arg, nil
}

// oneArg returns the single positional argument of a command that takes
// "FILE|-".
func oneArg(fs *pflag.FlagSet) (string, error) {
	switch fs.NArg() {
	case 1:
		return fs.Arg(0), nil
	case 0:
		return "", fmt.Errorf("missing input file (use - for standard input)")
	default:
		return "", fmt.Errorf("want one input file, got %d", fs.NArg())
	}
}

// writeOutput writes b to the file named by -o, or to stdout when it is "".
func writeOutput(path string, stdout io.Writer, b []byte) error {
	if path == "" {
		_, err := stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
