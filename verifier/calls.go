package verifier

import (
	"math"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// checkAbnormalReturn is check_abnormal_return: without BTF, subprograms
// may use neither LD_ABS nor tail calls.
func (v *verifier) checkAbnormalReturn() *Error {
	for i := 1; i < len(v.subprogs); i++ {
		if v.subprogs[i].hasLdAbs {
			return v.rejectAt(v.subprogs[i].start, syscall.EINVAL, "LD_ABS is not allowed in subprogs without BTF")
		}
		if v.subprogs[i].hasTailCall {
			return v.rejectAt(v.subprogs[i].start, syscall.EINVAL, "tail_call is not allowed in subprogs without BTF")
		}
	}
	return nil
}

// checkFuncCall is check_func_call and setup_func_entry (v6.12) for a
// static bpf-to-bpf call: a new frame whose R1-R5 are the caller's, the
// caller's R0-R5 clobbered.
func (v *verifier) checkFuncCall(ins asm.Insn) (int, bool, *Error) {
	idx := v.insnIdx
	target := idx + int(ins.Imm) + 1
	sp := v.findSubprog(target)
	if sp < 0 {
		return 0, false, v.reject(syscall.EFAULT, "verifier bug. No program starts at insn %d", target)
	}
	if len(v.st.frames) >= maxCallFrames {
		return 0, false, v.reject(syscall.E2BIG, "the call stack of %d frames is too deep", len(v.st.frames)+1)
	}
	caller := v.st.cur()
	callee := &funcState{frameno: len(v.st.frames), callsite: idx, subprog: sp}
	for i := range callee.regs {
		callee.regs[i] = regState{typ: NotInit}
	}
	for r := asm.BPF_REG_1; r <= asm.BPF_REG_5; r++ {
		callee.regs[r] = caller.regs[r]
	}
	fp := regState{}
	fp.markKnownZero()
	fp.typ = PtrToStack
	fp.frameno = callee.frameno
	callee.regs[asm.BPF_REG_10] = fp
	for r := asm.BPF_REG_0; r <= asm.BPF_REG_5; r++ {
		caller.regs[r] = regState{typ: NotInit}
	}
	v.st.frames = append(v.st.frames, callee)
	if v.logLevel > 0 {
		v.logf("caller:")
		v.logf("%s", v.frameString(caller, true))
		v.logf("callee:")
		v.logf("%s", v.frameString(callee, true))
		v.allScratched = true
	}
	return v.subprogs[sp].start, false, nil
}

// pushCallbackCall is push_callback_call for bpf_loop (v6.12): the callback
// is verified on a queued path that enters it with R1 the (unknown)
// iteration number and R2 the callback context; its exit returns to the
// bpf_loop call, which may call it again, until pruning at that call ends
// the iterations. The current path continues as if the loop ran no more.
func (v *verifier) pushCallbackCall() *Error {
	idx := v.insnIdx
	caller := v.st.cur()
	fn := caller.regs[asm.BPF_REG_2]
	if fn.typ != PtrToFunc || fn.subprog < 0 {
		return v.reject(syscall.EFAULT, "verifier bug: callback without a function")
	}
	if len(v.st.frames) >= maxCallFrames {
		return v.reject(syscall.E2BIG, "the call stack of %d frames is too deep", len(v.st.frames)+1)
	}
	br := v.pushStack(v.subprogs[fn.subprog].start, idx)
	if br == nil {
		return v.reject(syscall.E2BIG, "The sequence of %d jumps is too complex.", len(v.stack))
	}
	bc := br.cur()
	callee := &funcState{frameno: len(br.frames), callsite: idx, subprog: fn.subprog, inCallback: true}
	for i := range callee.regs {
		callee.regs[i] = regState{typ: NotInit}
	}
	callee.regs[asm.BPF_REG_1] = unknownScalar()
	callee.regs[asm.BPF_REG_2] = bc.regs[asm.BPF_REG_3]
	fp := regState{}
	fp.markKnownZero()
	fp.typ = PtrToStack
	fp.frameno = callee.frameno
	callee.regs[asm.BPF_REG_10] = fp
	// The caller keeps its registers: when the callback returns, the
	// bpf_loop call is checked again with the same arguments.
	br.frames = append(br.frames, callee)
	return nil
}

// prepareFuncExit is prepare_func_exit (v6.12): R0 goes back to the caller,
// which resumes after the call; a callback returns to its bpf_loop call.
func (v *verifier) prepareFuncExit() (int, *Error) {
	callee := v.st.cur()
	r0 := callee.regs[asm.BPF_REG_0]
	if r0.typ == PtrToStack {
		return 0, v.reject(syscall.EINVAL, "cannot return stack pointer to the caller")
	}
	if callee.inCallback {
		if r0.typ != ScalarValue {
			return 0, v.reject(syscall.EACCES, "R0 not a scalar value")
		}
		if r0.smin < 0 || r0.smax > 1 {
			msg := "At callback return the register R0 has"
			unknown := true
			if r0.smin > math.MinInt64 {
				msg += " smin=" + itoa64(r0.smin)
				unknown = false
			}
			if r0.smax < math.MaxInt64 {
				msg += " smax=" + itoa64(r0.smax)
				unknown = false
			}
			if unknown {
				msg += " unknown scalar value"
			}
			return 0, v.reject(syscall.EINVAL, "%s should have been in [0, 1]", msg)
		}
		v.st.frames = v.st.frames[:len(v.st.frames)-1]
		if v.logLevel > 0 {
			v.logf("returning from callee:")
			v.logf("%s", v.frameString(callee, true))
			v.logf("to caller at %d:", callee.callsite)
			v.logf("%s", v.frameString(v.st.cur(), true))
		}
		// The helper call runs again: another iteration or the end.
		v.widenLoopScalars(callee.callsite)
		return callee.callsite, nil
	}
	v.st.frames = v.st.frames[:len(v.st.frames)-1]
	caller := v.st.cur()
	caller.regs[asm.BPF_REG_0] = r0
	if v.logLevel > 0 {
		v.logf("returning from callee:")
		v.logf("%s", v.frameString(callee, true))
		v.logf("to caller at %d:", callee.callsite+1)
		v.logf("%s", v.frameString(caller, true))
	}
	return callee.callsite + 1, nil
}

// checkLdImm is check_ld_imm (v6.12): lddw of a constant, a map or a map
// value.
func (v *verifier) checkLdImm(ins asm.Insn) *Error {
	if ins.Size() != asm.BPF_DW {
		return v.reject(syscall.EINVAL, "invalid BPF_LD_IMM insn")
	}
	if ins.Off != 0 {
		return v.reject(syscall.EINVAL, "BPF_LD_IMM64 uses reserved fields")
	}
	if e := v.checkRegArgE(ins.Dst, dstOp); e != nil {
		return e
	}
	regs := &v.st.cur().regs
	d := &regs[ins.Dst]
	next := v.prog[v.insnIdx+1]
	if ins.Src == 0 {
		*d = scalarConst(asm.Imm64(ins, next))
		return nil
	}
	*d = regState{}
	d.markKnownZero()
	switch ins.Src {
	case asm.BPF_PSEUDO_FUNC:
		d.typ = PtrToFunc
		d.subprog = v.findSubprog(v.insnIdx + int(ins.Imm) + 1)
	case asm.BPF_PSEUDO_MAP_VALUE:
		d.typ = PtrToMapValue
		d.mapIdx = int(ins.Imm)
		d.off = next.Imm
	case asm.BPF_PSEUDO_MAP_FD:
		d.typ = ConstPtrToMap
		d.mapIdx = int(ins.Imm)
	default:
		return v.reject(syscall.EINVAL, "bpf verifier is misconfigured")
	}
	return nil
}

// checkLdAbs is check_ld_abs (v6.12): the legacy packet loads, which use R6
// as the skb and clobber R1-R5.
func (v *verifier) checkLdAbs(ins asm.Insn) *Error {
	if !v.info().ldAbs {
		return v.reject(syscall.EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type")
	}
	if ins.Dst != 0 || ins.Off != 0 || ins.Size() == asm.BPF_DW || (ins.Mode() == asm.BPF_ABS && ins.Src != 0) {
		return v.reject(syscall.EINVAL, "BPF_LD_[ABS|IND] uses reserved fields")
	}
	if e := v.checkRegArgE(asm.BPF_REG_6, srcOp); e != nil {
		return e
	}
	if len(v.st.refs) > 0 {
		for _, r := range v.st.refs {
			v.logf("Unreleased reference id=%d alloc_insn=%d", r.id, r.insnIdx)
		}
		return v.reject(syscall.EINVAL, "BPF_LD_[ABS|IND] cannot be mixed with socket references")
	}
	regs := &v.st.cur().regs
	if regs[asm.BPF_REG_6].typ != PtrToCtx {
		return v.reject(syscall.EINVAL, "at the time of BPF_LD_ABS|IND R6 != pointer to skb")
	}
	if ins.Mode() == asm.BPF_IND {
		if e := v.checkRegArgE(ins.Src, srcOp); e != nil {
			return e
		}
	}
	if e := v.checkPtrOffReg(&regs[asm.BPF_REG_6], asm.BPF_REG_6); e != nil {
		return e
	}
	for r := asm.BPF_REG_0; r <= asm.BPF_REG_5; r++ {
		regs[r] = regState{typ: NotInit}
	}
	regs[asm.BPF_REG_0].markUnknown()
	v.scratchRegs |= uint16(callerSaved)
	return nil
}
