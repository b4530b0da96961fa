package vm

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// More of the engine contract (engine.go): the slow paths package jit
// leaves to the interpreter's own code, so both engines share one
// implementation of helpers, tail calls, legacy packet loads, context
// accesses and fault messages.

// StackRegion returns the region index of frame 0's stack; frame k's stack
// is region StackRegion()+k, and the frames' bytes are one contiguous slab.
func (env *Env) StackRegion() uint32 {
	env.setup()
	return env.stacks
}

// EffectiveBudget is the step budget a run of env has (DefaultBudget when
// Budget is 0 or negative).
func (env *Env) EffectiveBudget() int {
	if env.Budget <= 0 {
		return DefaultBudget
	}
	return env.Budget
}

// CallDepthFault is the error of a bpf-to-bpf call at pc that would nest
// more than MaxCallFrames frames.
func CallDepthFault(pc int) *RuntimeError {
	return &RuntimeError{PC: pc, Fault: FaultCallDepth, Detail: fmt.Sprintf("more than %d nested calls", MaxCallFrames)}
}

// SlowRun is the state of an engine's run that Slow reads and updates.
type SlowRun struct {
	// TailCalls is the run's tail call counter.
	TailCalls int
	// Depth is the current bpf-to-bpf frame, 0 for the main program.
	Depth int
	// Steps are the instructions run so far, the slow one included.
	Steps int
}

// SlowOutcome says how an engine goes on after Slow.
type SlowOutcome uint8

// Outcomes of Slow.
const (
	// SlowNext: continue with the next instruction.
	SlowNext SlowOutcome = iota
	// SlowExit: the program ends now with regs[0] (a helper returned
	// ErrExit).
	SlowExit
	// SlowFrameExit: the current function returns regs[0] (= 0) as if it
	// executed exit (a legacy packet load out of bounds).
	SlowFrameExit
	// SlowTailCall: the current frame continues at pc 0 of
	// env.Programs[target].
	SlowTailCall
)

// Slow executes for another engine the instruction at pc that the engine
// leaves to the interpreter: helper calls (call, callx, bpf_tail_call),
// LD_ABS/LD_IND, lddw map and function forms, atomics and
// acquire/release accesses, and any other instruction but jumps, calls
// and exits that an engine prefers not to compile. regs are r0–r10 (indexes 11–15 unused);
// run is the engine's run state. Slow does not count the instruction
// itself, but helpers that call back into the program (bpf_loop,
// bpf_for_each_map_elem) run their callbacks here, in the interpreter, in
// frames below run.Depth: their steps are added to run.Steps, and a
// callback can fail with the budget, call depth or any other fault.
func (p *Program) Slow(env *Env, pc int, regs *[16]uint64, run *SlowRun) (outcome SlowOutcome, target int, err *RuntimeError) {
	m := env.slowMachine(regs)
	m.tailCalls, m.depth, m.steps = run.TailCalls, run.Depth, run.Steps
	defer func() { *regs, run.TailCalls, run.Steps = m.r, m.tailCalls, m.steps }()
	in := &p.code[pc]
	switch in.op {
	case opCall, opCallx:
		id, err := m.helperID(in, pc)
		if err != nil {
			return SlowNext, 0, err
		}
		if id == asm.BPF_FUNC_tail_call {
			if _, replaced := env.Helpers[id]; !replaced {
				if i, ok := env.TailCall(&m.tailCalls, m.r[2], m.r[3]); ok {
					return SlowTailCall, i, nil
				}
				return SlowNext, 0, nil
			}
		}
		_, err = m.call(id, pc, p.code)
		if err == errExitNow {
			return SlowExit, 0, nil
		}
		return SlowNext, 0, err
	case opLdAbsB, opLdAbsH, opLdAbsW, opLdIndB, opLdIndH, opLdIndW:
		err := m.ldPacket(in, pc)
		if err == errFrameExit {
			return SlowFrameExit, 0, nil
		}
		return SlowNext, 0, err
	case opLddwMap, opLddwMapValue, opLddwFunc:
		return SlowNext, 0, m.lddwPseudo(in, pc)
	case opAtomic32, opAtomic64, opLoadAcqB, opLoadAcqH, opLoadAcqW, opLoadAcqDW,
		opStoreRelB, opStoreRelH, opStoreRelW, opStoreRelDW:
		return SlowNext, 0, m.rare(in, pc)
	case opJa, opExit, opCallLocal, opMayGoto:
	default:
		if in.op < opJa || in.op > opExit {
			// A common instruction the engine chose not to compile (one
			// that writes the frame pointer, say): run it alone.
			if _, why := m.exec(p.code[:pc+1], pc, 1<<62); why == stopFault {
				if env.Ctx != nil {
					if ok, cerr := m.ctxAccess(in, &m.r); ok {
						if cerr != nil {
							return SlowNext, 0, atPC(cerr, pc)
						}
						return SlowNext, 0, nil
					}
				}
				return SlowNext, 0, env.Mem.memFault(pc, in, &m.r)
			}
			return SlowNext, 0, nil
		}
	}
	return SlowNext, 0, &RuntimeError{PC: pc, Fault: FaultBadOpcode, Detail: fmt.Sprintf("BUG: op %d is not a slow instruction", in.op)}
}

// MemFault is called by another engine when the load or store at pc failed
// its inline region check with registers regs. Context accesses of packet
// programs are served here (handled is true, regs updated, err nil unless
// the context refused); otherwise err is the interpreter's fault for the
// access.
func (p *Program) MemFault(env *Env, pc int, regs *[16]uint64) (handled bool, err *RuntimeError) {
	in := &p.code[pc]
	if env.Ctx != nil {
		m := env.slowMachine(regs)
		if ok, cerr := m.ctxAccess(in, &m.r); ok {
			*regs = m.r
			if cerr != nil {
				return true, atPC(cerr, pc)
			}
			return true, nil
		}
	}
	return false, env.Mem.memFault(pc, in, regs)
}

// memFault is the fault of the load or store at pc, which failed its check
// with registers r (a failed access changes no register).
func (m *Memory) memFault(pc int, in *insn, r *[16]uint64) *RuntimeError {
	var op string
	var addr uint64
	var size int
	switch {
	case in.op >= opLdxB && in.op <= opLdxDW:
		op, addr, size = "load", r[in.src&15], 1<<(in.op-opLdxB)
	case in.op >= opLdxsB && in.op <= opLdxsW:
		op, addr, size = "load", r[in.src&15], 1<<(in.op-opLdxsB)
	case in.op >= opStB && in.op <= opStDW:
		op, addr, size = "store", r[in.dst&15], 1<<(in.op-opStB)
	case in.op >= opStxB && in.op <= opStxDW:
		op, addr, size = "store", r[in.dst&15], 1<<(in.op-opStxB)
	case in.op == opAtomic32:
		op, addr, size = "atomic", r[in.dst&15], 4
	case in.op == opAtomic64:
		op, addr, size = "atomic", r[in.dst&15], 8
	case in.op >= opLoadAcqB && in.op <= opLoadAcqDW:
		op, addr, size = "load", r[in.src&15], 1<<(in.op-opLoadAcqB)
	case in.op >= opStoreRelB && in.op <= opStoreRelDW:
		op, addr, size = "store", r[in.dst&15], 1<<(in.op-opStoreRelB)
	default:
		return &RuntimeError{PC: pc, Fault: FaultBadOpcode, Detail: fmt.Sprintf("BUG: op %d is not a memory access", in.op)}
	}
	return m.AccessFault(pc, op, addr+uint64(int64(in.off)), size)
}

// slowMachine returns the environment's machine (the one Run reuses) set
// up with regs, for one slow-path instruction; building a fresh machine
// would cost more than the instruction.
func (env *Env) slowMachine(regs *[16]uint64) *machine {
	m := env.m
	if m == nil {
		m = new(machine)
		env.m = m
	}
	m.env, m.r, m.steps = env, *regs, 0
	return m
}
