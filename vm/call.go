package vm

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// helperID is the helper a call or callx instruction at pc calls.
func (m *machine) helperID(in *insn, pc int) (asm.Func, *RuntimeError) {
	if in.op == opCall {
		return asm.Func(in.imm), nil
	}
	id := m.r[in.dst&15]
	if id > 1<<31-1 {
		return 0, &RuntimeError{PC: pc, Fault: FaultUnknownHelper, Detail: fmt.Sprintf("callx to %#x, which is not a helper id", id)}
	}
	return asm.Func(id), nil
}

// call runs helper id for the call at pc of code, or the tail call. It
// returns the code of a tail-call target (or nil), or errExitNow.
func (m *machine) call(id asm.Func, pc int, code []insn) ([]insn, *RuntimeError) {
	env := m.env
	if env.IsTailCall(id) {
		return m.tailCall(), nil
	}
	if env.isCallbackHelper(id) {
		return nil, m.callbackHelper(id, pc, code)
	}
	r0, exit, err := env.CallHelper(id, pc, (*[5]uint64)(m.r[1:6]))
	if err != nil {
		return nil, err
	}
	m.r[0] = r0
	if exit {
		return nil, errExitNow
	}
	return nil, nil
}

// tailCall is bpf_tail_call(ctx, prog_array, index); see Env.TailCall.
func (m *machine) tailCall() []insn {
	if i, ok := m.env.TailCall(&m.tailCalls, m.r[2], m.r[3]); ok {
		return m.env.Programs[i].code
	}
	return nil
}
