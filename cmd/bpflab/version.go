package main

import (
	"fmt"
	"io"
	"runtime"
)

func init() {
	register(command{name: "version", summary: "print bpflab's version", run: func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags("version", stderr)
		if err := fs.Parse(args); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "bpflab %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}})
}
