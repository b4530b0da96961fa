package asm

import (
	"errors"
	"fmt"
)

// ErrTruncated is returned when binary input is not a whole number of
// instruction slots.
var ErrTruncated = errors.New("truncated instruction")

// DecodeError reports a malformed instruction in a binary program.
type DecodeError struct {
	Insn int   // index of the offending slot
	Code uint8 // its opcode
	Msg  string
}

func (e *DecodeError) Error() string { return fmt.Sprintf("insn %d: %s", e.Insn, e.Msg) }

// SyntaxError reports bad text input with its position.
type SyntaxError struct {
	File      string
	Line, Col int // 1-based
	Msg       string
}

func (e *SyntaxError) Error() string {
	f := e.File
	if f == "" {
		f = "<input>"
	}
	return fmt.Sprintf("%s:%d:%d: %s", f, e.Line, e.Col, e.Msg)
}
