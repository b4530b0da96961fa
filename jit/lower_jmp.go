package jit

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit/amd64"
)

var conds = map[asm.JmpOp]amd64.Cond{
	asm.BPF_JEQ: amd64.CondE, asm.BPF_JNE: amd64.CondNE, asm.BPF_JSET: amd64.CondNE,
	asm.BPF_JGT: amd64.CondA, asm.BPF_JGE: amd64.CondAE, asm.BPF_JLT: amd64.CondB, asm.BPF_JLE: amd64.CondBE,
	asm.BPF_JSGT: amd64.CondG, asm.BPF_JSGE: amd64.CondGE, asm.BPF_JSLT: amd64.CondL, asm.BPF_JSLE: amd64.CondLE,
}

// lowerJmp compiles jumps, calls and exit. Each ends a segment: the
// segment's instructions are subtracted from the budget first, and a taken
// jump faults when the budget is then exhausted, as the vm checks at taken
// jumps.
func (c *compiler) lowerJmp(pc int, in asm.Insn) error {
	a := &c.a
	op := in.JmpOp()
	switch {
	case op == asm.BPF_EXIT:
		c.flush(pc)
		a.Jmp(c.retStub)
	case op == asm.BPF_JA:
		t := in.JumpTarget(pc)
		c.flush(pc)
		a.Jcc(amd64.CondS, c.stub(exitBudget, t))
		a.Jmp(c.labels[t])
	case op == asm.BPF_CALL && in.IsPseudoCall():
		c.lowerLocalCall(pc, in)
	case op == asm.BPF_CALL:
		// Helpers, callx and tail calls run in Go.
		c.flush(pc)
		c.exitInline(exitSlowCheck, pc)
	case op == asm.BPF_JCOND:
		c.lowerMayGoto(pc, in)
	default:
		cc, ok := conds[op]
		if !ok {
			return &CompileError{Insn: pc, Msg: fmt.Sprintf("unsupported jump %#02x", in.Code)}
		}
		t := in.JumpTarget(pc)
		c.flush(pc)
		over := a.NewLabel()
		a.Jcc(amd64.CondS, over)
		c.compare(in)
		a.Jcc(cc, c.labels[t])
		c.cold = append(c.cold, func() {
			// Over budget: a taken jump faults, a fall-through goes on.
			a.Bind(over)
			c.compare(in)
			a.Jcc(cc, c.stub(exitBudget, t))
			a.Jmp(c.labels[pc+1])
		})
	}
	return nil
}

// compare sets the flags for a conditional jump.
func (c *compiler) compare(in asm.Insn) {
	a := &c.a
	w := amd64.W64
	if in.Class() == asm.BPF_JMP32 {
		w = amd64.W32
	}
	dst := c.src(in.Dst, s10)
	test := in.JmpOp() == asm.BPF_JSET
	if in.Source() == asm.BPF_X {
		src := c.src(in.Src, s9)
		if test {
			a.Test(w, dst, src)
		} else {
			a.ALU(amd64.CMP, w, dst, src)
		}
		return
	}
	if test {
		a.TestImm(w, dst, in.Imm)
	} else {
		a.ALUImm(amd64.CMP, w, dst, in.Imm)
	}
}

// lowerLocalCall compiles a bpf-to-bpf call: the caller's R6–R9 and
// may_goto counter go on the native stack, the callee gets the next stack
// region (cleared, as the vm clears it) and R10, and a native call runs
// it. The vm restores R6–R9 and R10 on return, and so does this.
func (c *compiler) lowerLocalCall(pc int, in asm.Insn) {
	a := &c.a
	t := in.JumpTarget(pc)
	c.flush(pc)
	a.ALUMemImm(amd64.CMP, amd64.W64, amd64.Ptr(regState, offDepth), maxFrames-1)
	a.Jcc(amd64.CondAE, c.stub(exitCallDepth, pc))
	for _, r := range regMap[6:] {
		a.Push(r)
	}
	a.Load(amd64.W64, s11, amd64.Ptr(regState, offLoops))
	a.Push(s11)
	a.ALUMemImm(amd64.ADD, amd64.W64, amd64.Ptr(regState, offDepth), 1)
	a.MovImm32(s11, 8*1024*1024) // vm.MayGotoLoops
	a.Store(amd64.W64, amd64.Ptr(regState, offLoops), s11)
	c.setFrame()
	// Clear the callee's stack.
	a.Load(amd64.W64, s11, amd64.Ptr(regState, offDepth))
	a.ShiftImm(amd64.SHL, amd64.W64, s11, 9)
	a.ALUMem(amd64.ADD, amd64.W64, s11, amd64.Ptr(regState, offStack0))
	a.Lea(s10, amd64.Ptr(s11, stackSize))
	a.Store(amd64.W64, amd64.Ptr(regState, offFP), s10)
	loop := a.NewLabel()
	a.Bind(loop)
	a.StoreImm(amd64.W64, amd64.Ptr(s11, 0), 0)
	a.ALUImm(amd64.ADD, amd64.W64, s11, 8)
	a.ALU(amd64.CMP, amd64.W64, s11, s10)
	a.Jcc(amd64.CondB, loop)
	// The vm checks the budget after the call, at the callee's first pc.
	a.Test(amd64.W64, regBudget, regBudget)
	a.Jcc(amd64.CondS, c.stub(exitBudget, t))
	a.Call(c.labels[t])
	a.Pop(s11)
	a.Store(amd64.W64, amd64.Ptr(regState, offLoops), s11)
	for i := len(regMap) - 1; i >= 6; i-- {
		a.Pop(regMap[i])
	}
	a.ALUMemImm(amd64.SUB, amd64.W64, amd64.Ptr(regState, offDepth), 1)
	a.ALUMemImm(amd64.SUB, amd64.W64, amd64.Ptr(regState, offFP), stackSize)
	c.setFrame()
	a.Test(amd64.W64, regBudget, regBudget)
	a.Jcc(amd64.CondS, c.stub(exitBudget, pc+1))
}

// setFrame sets R10 to the current frame's stack top.
func (c *compiler) setFrame() {
	a := &c.a
	a.Load(amd64.W64, s11, amd64.Ptr(regState, offDepth))
	a.ShiftImm(amd64.SHL, amd64.W64, s11, 32)
	a.ALUMem(amd64.ADD, amd64.W64, s11, amd64.Ptr(regState, offR10Base))
	a.Store(amd64.W64, amd64.Ptr(regState, offR10), s11)
}

// lowerMayGoto compiles may_goto: it falls through MayGotoLoops times per
// frame, then jumps; the budget is checked after, at the next pc.
func (c *compiler) lowerMayGoto(pc int, in asm.Insn) {
	a := &c.a
	t := in.JumpTarget(pc)
	c.flush(pc)
	taken := a.NewLabel()
	a.Load(amd64.W64, s11, amd64.Ptr(regState, offLoops))
	a.Test(amd64.W64, s11, s11)
	a.Jcc(amd64.CondE, taken)
	a.ALUImm(amd64.SUB, amd64.W64, s11, 1)
	a.Store(amd64.W64, amd64.Ptr(regState, offLoops), s11)
	a.Test(amd64.W64, regBudget, regBudget)
	a.Jcc(amd64.CondS, c.stub(exitBudget, pc+1))
	a.Jmp(c.labels[pc+1])
	a.Bind(taken)
	a.Test(amd64.W64, regBudget, regBudget)
	a.Jcc(amd64.CondS, c.stub(exitBudget, t))
	a.Jmp(c.labels[t])
}
