//go:build !(linux && amd64)

package jit

import (
	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// Supported reports whether this build can compile and run programs; it
// cannot here (only linux/amd64 can), so callers use the interpreter.
func Supported() bool { return false }

// Code is a compiled program; on this platform there is none.
type Code struct{ prog *vm.Program }

// Compile returns ErrUnsupported on this platform: run p with the
// interpreter (vm.Program.Run) instead.
func Compile(p *vm.Program) (*Code, error) { return nil, ErrUnsupported }

// CompileInsns returns ErrUnsupported on this platform.
func CompileInsns(p asm.Program) (*Code, error) { return nil, ErrUnsupported }

// Program returns the interpreter form of the code.
func (c *Code) Program() *vm.Program { return c.prog }

// Run is never reached: Compile fails on this platform.
func (c *Code) Run(env *vm.Env) (vm.Result, error) { return vm.Result{}, ErrUnsupported }

// Close does nothing on this platform.
func (c *Code) Close() error { return nil }

// Listing is never reached: Compile fails on this platform (Generate
// works everywhere).
func (c *Code) Listing() *Listing { return nil }
