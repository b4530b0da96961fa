// Command bpfcheck exits 0 when this process can load and test-run eBPF
// programs, and 1 with the reason otherwise; .ci/run uses it.
package main

import (
	"fmt"
	"os"

	"github.com/bpflab/bpflab/kernel"
)

func main() {
	if err := kernel.Available(); err != nil {
		fmt.Fprintln(os.Stderr, "bpfcheck:", err)
		os.Exit(1)
	}
	fmt.Println("bpfcheck: bpf() and BPF_PROG_TEST_RUN work")
}
