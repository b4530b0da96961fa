package vm

import (
	"errors"
	"fmt"
)

// Fault is the kind of a run-time failure. The JIT reports the same kinds.
type Fault uint8

// Fault kinds.
const (
	// FaultNone is the zero value; a RuntimeError never carries it.
	FaultNone Fault = iota
	// FaultOutOfBounds: a load or store outside its region, or a write to a
	// read-only region.
	FaultOutOfBounds
	// FaultNullDeref: an access through an address in region 0 (NULL plus an
	// offset below 4 GiB).
	FaultNullDeref
	// FaultBadAddress: an access through a value that is not an address of
	// any region (region index past the table).
	FaultBadAddress
	// FaultBadOpcode: an instruction the environment cannot serve (an lddw
	// of a map it lacks, a legacy packet load without a packet).
	FaultBadOpcode
	// FaultUnknownHelper: a call of a helper id the environment lacks.
	FaultUnknownHelper
	// FaultHelper: a helper failed (bad argument, missing map).
	FaultHelper
	// FaultBudget: the step budget ran out.
	FaultBudget
	// FaultCallDepth: more than MaxCallFrames nested bpf-to-bpf calls.
	FaultCallDepth
)

var faultNames = [...]string{
	FaultNone:          "no fault",
	FaultOutOfBounds:   "out of bounds",
	FaultNullDeref:     "null pointer dereference",
	FaultBadAddress:    "invalid address",
	FaultBadOpcode:     "unsupported instruction",
	FaultUnknownHelper: "unknown helper",
	FaultHelper:        "helper failed",
	FaultBudget:        "step budget exhausted",
	FaultCallDepth:     "call depth exceeded",
}

func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", f)
}

// RuntimeError is a failure while running a program: the instruction index
// (into the asm.Program, counting lddw as two slots) and the kind of fault.
// Both engines (vm and jit) return this type with the same PC and Fault for
// the same program and input.
type RuntimeError struct {
	PC     int
	Fault  Fault
	Detail string // e.g. "load 4 bytes at ctx+80 (ctx is 24 bytes)"
}

func (e *RuntimeError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("pc %d: %s", e.PC, e.Fault)
	}
	return fmt.Sprintf("pc %d: %s: %s", e.PC, e.Fault, e.Detail)
}

// ErrExit, returned by a helper, ends the program at once as if every frame
// executed exit, with r0 the helper's return value. uBPF's "unwind" test
// helper uses it.
var ErrExit = errors.New("program exit requested by helper")

// fault builds a RuntimeError whose PC the engine fills in (helpers and
// Memory do not know it).
func fault(f Fault, format string, args ...any) *RuntimeError {
	return &RuntimeError{PC: -1, Fault: f, Detail: fmt.Sprintf(format, args...)}
}

// atPC returns err as a RuntimeError located at pc: a RuntimeError without
// a PC gets pc, any other error becomes FaultHelper.
func atPC(err error, pc int) *RuntimeError {
	var re *RuntimeError
	if errors.As(err, &re) {
		if re.PC < 0 {
			c := *re
			c.PC = pc
			return &c
		}
		return re
	}
	return &RuntimeError{PC: pc, Fault: FaultHelper, Detail: err.Error()}
}
