//go:build linux && amd64

package jit

import (
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/vm"
)

// Supported reports whether this build can compile and run programs
// (linux/amd64). Elsewhere Compile returns ErrUnsupported and callers use
// the interpreter.
func Supported() bool { return true }

// Code is a compiled program. It may be run by one goroutine at a time per
// Env, like vm.Program; several goroutines may run it with their own Envs.
type Code struct {
	prog *vm.Program
	low  *lowered
	mem  *execMem

	mu     sync.Mutex
	tails  map[*vm.Program]*Code // tail-call targets, compiled on first use
	closed atomic.Bool
}

// runCtx is what one run needs besides the Env: the state shared with the
// code and a native stack (mapped outside the Go heap).
type runCtx struct {
	st    state
	stack []byte
	codes []*Code
	regs  [16]uint64
}

// nativeStackSize holds the deepest bpf-to-bpf nesting (8 frames of a few
// words) with a wide margin.
const nativeStackSize = 64 << 10

// Compile compiles a program the interpreter prepared (so it is valid).
func Compile(p *vm.Program) (*Code, error) {
	low, err := lower(p.Insns())
	if err != nil {
		return nil, err
	}
	mem, err := newExecMem(low.code)
	if err != nil {
		return nil, err
	}
	return &Code{prog: p, low: low, mem: mem}, nil
}

// CompileInsns prepares p for the interpreter (vm.Prepare) and compiles it.
func CompileInsns(p asm.Program) (*Code, error) {
	prog, err := vm.Prepare(p)
	if err != nil {
		return nil, err
	}
	return Compile(prog)
}

// Program returns the interpreter form the code was compiled from.
func (c *Code) Program() *vm.Program { return c.prog }

// Close frees the machine code, the native stacks and the tail-call
// targets compiled for this code. The Code must not run afterwards.
func (c *Code) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil
	}
	c.closed.Store(true)
	err := c.mem.close()
	for _, t := range c.tails {
		if e := t.Close(); err == nil {
			err = e
		}
	}
	c.tails = nil
	return err
}

var errClosed = errors.New("jit: run of closed code")

// runCtxs holds run contexts between runs. A native stack is plain Go
// heap memory: the garbage collector never moves heap objects, never scans
// a []byte, and the run context keeps it alive while code runs on it, so a
// context the pool drops is simply collected.
var runCtxs = sync.Pool{New: func() any { return &runCtx{stack: make([]byte, nativeStackSize)} }}

// tail returns the compiled form of a tail-call target.
func (c *Code) tail(p *vm.Program) (*Code, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p == c.prog {
		return c, nil
	}
	if t, ok := c.tails[p]; ok {
		return t, nil
	}
	t, err := Compile(p)
	if err != nil {
		return nil, err
	}
	if c.tails == nil {
		c.tails = map[*vm.Program]*Code{}
	}
	c.tails[p] = t
	return t, nil
}

func (c *Code) addr(off int32) uintptr { return c.mem.addr() + uintptr(off) }

// Run executes the code in env until it exits or faults, with the
// interpreter's semantics: same Result (r0, steps, tail calls), same
// *vm.RuntimeError (pc, fault, detail) on failure. env is reset first, as
// vm.Program.Run does. With env.Trace set it runs the interpreter instead,
// since compiled code cannot stop at every instruction.
func (c *Code) Run(env *vm.Env) (vm.Result, error) {
	if c.closed.Load() {
		return vm.Result{}, errClosed
	}
	if env.Trace != nil {
		return c.prog.Run(env)
	}
	env.ResetTemp()
	rc := runCtxs.Get().(*runCtx)
	codes := append(rc.codes[:0], c)
	defer func() {
		rc.codes = codes[:0]
		runCtxs.Put(rc)
	}()
	st := &rc.st
	*st = state{}
	st.stackTop = uintptr(unsafe.Pointer(&rc.stack[len(rc.stack)-64]))
	st.regs[1], st.regs[2], st.regs[10] = env.R1, env.R2, env.StackTop(0)
	budget := env.EffectiveBudget()
	st.rem = int64(budget)
	st.loops = vm.MayGotoLoops
	st.r10base = env.StackTop(0)
	st.stack0 = uintptr(unsafe.Pointer(unsafe.SliceData(env.Mem.Table()[env.StackRegion()].Data)))
	st.fp = st.stack0 + vm.StackSize
	cur := c
	st.resume = c.addr(c.low.entry)
	tailCalls := 0
	regs := &rc.regs
	result := func() vm.Result {
		return vm.Result{R0: st.regs[0], Steps: budget - int(st.rem), TailCalls: tailCalls}
	}
	for {
		tab := env.Mem.Table()
		st.table = uintptr(unsafe.Pointer(unsafe.SliceData(tab)))
		st.tableLen = uint64(len(tab))
		st.packet = env.Packet
		enter(cur.mem.addr(), st)
		for _, k := range codes {
			if k.mem.addr() == st.exitBase {
				cur = k
				break
			}
		}
		pc := int(st.exitPC)
		switch st.exitCode {
		case exitDone:
			return result(), nil
		case exitBudget:
			return result(), vm.BudgetFault(pc, budget)
		case exitCallDepth:
			return result(), vm.CallDepthFault(pc)
		case exitMemFault:
			copy(regs[:11], st.regs[:])
			handled, ferr := cur.prog.MemFault(env, pc, regs)
			copy(st.regs[:], regs[:11])
			if ferr != nil || !handled {
				res := result()
				res.Steps += int(cur.low.within[pc])
				return res, ferr
			}
			st.resume = cur.addr(cur.low.resume[pc])
		case exitSlow, exitSlowCheck:
			copy(regs[:11], st.regs[:])
			run := vm.SlowRun{TailCalls: tailCalls, Depth: int(st.depth), Steps: budget - int(st.rem)}
			if st.exitCode == exitSlow {
				run.Steps += int(cur.low.within[pc])
			}
			before := run.Steps
			outcome, target, serr := cur.prog.Slow(env, pc, regs, &run)
			copy(st.regs[:], regs[:11])
			// Callbacks of bpf_loop and bpf_for_each_map_elem ran in Go.
			tailCalls = run.TailCalls
			st.rem -= int64(run.Steps - before)
			res := result()
			if st.exitCode == exitSlow {
				res.Steps += int(cur.low.within[pc])
			}
			if serr != nil {
				return res, serr
			}
			next := pc + 1
			if cur.prog.Insns()[pc].IsLdImm64() {
				next++
			}
			switch outcome {
			case vm.SlowExit:
				return res, nil
			case vm.SlowFrameExit:
				if st.depth == 0 {
					return res, nil
				}
				// The caller checks the budget after the return.
				st.resume = cur.addr(cur.low.retStub)
				continue
			case vm.SlowTailCall:
				t, terr := c.tail(env.Programs[target])
				if terr != nil {
					return res, terr
				}
				if !contains(codes, t) {
					codes = append(codes, t)
				}
				cur = t
				st.loops = vm.MayGotoLoops
				st.resume = t.addr(t.low.entry)
				next = 0
			default:
				st.resume = cur.addr(cur.low.resume[pc])
			}
			if st.exitCode == exitSlowCheck && res.Steps > budget {
				return res, vm.BudgetFault(next, budget)
			}
		default:
			panic("BUG: jit: unknown exit code")
		}
	}
}

func contains(codes []*Code, c *Code) bool {
	for _, k := range codes {
		if k == c {
			return true
		}
	}
	return false
}

// Listing returns the code's machine code by eBPF instruction.
func (c *Code) Listing() *Listing { return c.low.listing() }
