package jit

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned where the JIT cannot run (not linux/amd64);
// callers fall back to the interpreter.
var ErrUnsupported = fmt.Errorf("jit: only linux/amd64 is supported: %w", errors.ErrUnsupported)

// CompileError reports an instruction the JIT cannot compile.
type CompileError struct {
	Insn int
	Msg  string
}

func (e *CompileError) Error() string { return fmt.Sprintf("insn %d: %s", e.Insn, e.Msg) }
