package vm

import "fmt"

// frame is what a bpf-to-bpf call saves of its caller.
type frame struct {
	ret   int       // pc to resume at in the caller
	code  []insn    // the caller's code (a tail call may have switched it)
	saved [4]uint64 // the caller's r6–r9
	loops int       // the caller's may_goto counter
}

// machine is the state of one run.
type machine struct {
	r         [16]uint64 // r0–r10; indexing with x&15 needs no bounds check
	env       *Env
	steps     int
	limit     int // exec's step limit
	loops     int // may_goto counter of the current frame
	depth     int // current frame, 0 for the main program
	tailCalls int
	frames    [MaxCallFrames]frame
}

// Run executes the program in env until it exits or faults. env is reset
// first (previous helper regions dropped, frame 0's stack zeroed). On a
// fault the error is a *RuntimeError and Result still reports the steps.
// Runs of one Env must not overlap (a helper must not Run in its own env).
func (p *Program) Run(env *Env) (Result, error) {
	env.startRun(p.pure)
	// The machine is kept in env between runs: zeroing its call frames
	// every time would cost more than a short program's whole run.
	m := env.m
	if m == nil {
		m = new(machine)
		env.m = m
	}
	m.r = [16]uint64{1: env.R1, 2: env.R2, 10: env.StackTop(0)}
	m.env = env
	m.steps, m.depth, m.tailCalls = 0, 0, 0
	m.loops = MayGotoLoops
	budget := env.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	if err := m.loop(p.code, 0, budget, 0); err != nil && err != errExitNow {
		return m.result(), err
	}
	return m.result(), nil
}

func (m *machine) result() Result {
	return Result{R0: m.r[0], Steps: m.steps, TailCalls: m.tailCalls}
}

// loop alternates between exec, which runs the common instructions, and
// the handling of the others: calls, exits, tail calls, may_goto, atomics,
// legacy packet loads, lddw pseudo forms, and the trace hook. It starts at
// pc and returns when the function at depth base exits (nil), or with
// errExitNow when a helper ended the whole run.
func (m *machine) loop(code []insn, pc, budget, base int) *RuntimeError {
	env := m.env
	trace := env.Trace
	for {
		var why stop
		if trace != nil {
			regs := [11]uint64(m.r[:11])
			trace(m.depth, pc, &regs)
			pc, why = m.exec(code[:pc+1], pc, min(m.steps+1, budget+1))
		} else {
			pc, why = m.exec(code, pc, budget+1)
		}
		switch why {
		case stopFault:
			// Context accesses of packet programs take this slow path
			// (ctxaccess.go).
			if env.Ctx != nil {
				if ok, err := m.ctxAccess(&code[pc-1], &m.r); ok {
					if err != nil {
						return atPC(err, pc-1)
					}
					continue
				}
			}
			return env.Mem.memFault(pc-1, &code[pc-1], &m.r)
		case stopLimit:
			if m.steps > budget {
				return BudgetFault(pc, budget)
			}
			continue
		case stopEnd:
			if trace == nil {
				panic("BUG: a validated program ran off its end")
			}
			continue
		}

		// The instruction at pc-1 is one exec leaves to us; exec counted it.
		at := pc - 1
		in := &code[at]
		switch in.op {
		case opExit:
			if m.depth == base {
				return nil
			}
			pc, code = m.ret()
		case opCallLocal:
			if m.depth+1 >= MaxCallFrames {
				return &RuntimeError{PC: at, Fault: FaultCallDepth, Detail: fmt.Sprintf("more than %d nested calls", MaxCallFrames)}
			}
			m.frames[m.depth] = frame{ret: pc, code: code, saved: [4]uint64{m.r[6], m.r[7], m.r[8], m.r[9]}, loops: m.loops}
			m.depth++
			m.r[10] = env.StackTop(m.depth)
			clear(env.Mem.regions[env.stacks+uint32(m.depth)].Data)
			m.loops = MayGotoLoops
			pc = int(in.off)
		case opMayGoto:
			// The kernel counts may_goto per frame: it falls through
			// MayGotoLoops times, then jumps.
			if m.loops == 0 {
				pc = int(in.off)
			} else {
				m.loops--
			}
		case opCall, opCallx:
			id, err := m.helperID(in, at)
			if err != nil {
				return err
			}
			next, err := m.call(id, at, code)
			switch {
			case err != nil:
				return err
			case next != nil:
				code, pc, m.loops = next, 0, MayGotoLoops
			}
		case opLdAbsB, opLdAbsH, opLdAbsW, opLdIndB, opLdIndH, opLdIndW:
			err := m.ldPacket(in, at)
			if err == errFrameExit {
				// The kernel's rewrite returns 0 from the current function.
				if m.depth == base {
					return nil
				}
				pc, code = m.ret()
			} else if err != nil {
				return err
			}
		case opLddwMap, opLddwMapValue, opLddwFunc:
			if err := m.lddwPseudo(in, at); err != nil {
				return err
			}
			pc++
		default:
			if err := m.rare(in, at); err != nil {
				return err
			}
		}
		if m.steps > budget {
			return BudgetFault(pc, budget)
		}
	}
}

// ret returns from a bpf-to-bpf call: it restores the caller's r6–r9,
// r10 and may_goto counter and gives its pc and code.
func (m *machine) ret() (int, []insn) {
	m.depth--
	f := &m.frames[m.depth]
	m.r[6], m.r[7], m.r[8], m.r[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
	m.r[10] = m.env.StackTop(m.depth)
	m.loops = f.loops
	code := f.code
	f.code = nil
	return f.ret, code
}

// Sentinels between the handlers and loop; never returned to callers.
var (
	errExitNow   = &RuntimeError{PC: -1, Detail: "exit requested by helper"}
	errFrameExit = &RuntimeError{PC: -1, Detail: "legacy packet load out of bounds"}
)
