package verifier

import (
	"fmt"
	"syscall"
)

// Error is a rejection: the instruction the kernel's verifier stops at, the
// errno bpf(BPF_PROG_LOAD) would return, and the kernel's last log line,
// verbatim and without the trailing newline.
type Error struct {
	Insn  int
	Errno syscall.Errno
	Msg   string
}

func (e *Error) Error() string { return fmt.Sprintf("insn %d: %s", e.Insn, e.Msg) }

// Unwrap returns the errno, so errors.Is(err, syscall.EACCES) works alike
// for our errors and the kernel's.
func (e *Error) Unwrap() error { return e.Errno }

// reject builds the error for the instruction being checked and appends the
// message to the log, as the kernel's verbose() does before failing.
func (v *verifier) reject(errno syscall.Errno, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	v.logf("%s", msg)
	return &Error{Insn: v.insnIdx, Errno: errno, Msg: msg}
}
