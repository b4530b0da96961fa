// Package jit compiles eBPF programs to amd64 machine code that computes
// exactly what the interpreter (package vm) computes, many times faster. It
// is pure Go: code is mapped read+write, sealed read+execute before it runs
// (never both), and entered through a small assembly trampoline
// (entry_amd64.s) on a native stack of its own. Generated code never calls
// Go: helper calls and faults return to Go with an exit code, and Go
// re-enters after a helper, so the garbage collector never sees a foreign
// frame. Memory accesses are checked against vm's region table, so a wrong
// program stops with the interpreter's error, never a crash.
package jit
