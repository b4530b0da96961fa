// Command bpflab is the command line over bpflab: assemble, disassemble,
// verify, run, JIT and cross-check eBPF programs against the live kernel.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
