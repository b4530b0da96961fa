package verifier

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// explored is a state saved at a prune point (struct bpf_verifier_state_list
// with its state's branch counter).
type explored struct {
	st       *state
	insn     int
	branches int // paths from this state still being verified
	parent   *explored
	hit      int
	miss     int
}

// updateBranchCounts is update_branch_counts: a path ended, so its explored
// ancestors have one branch less in flight; a state with none left is
// complete and may be used for pruning.
func (v *verifier) updateBranchCounts(p *explored) {
	for p != nil {
		p.branches--
		if p.branches > 0 {
			return
		}
		v.curStates--
		p = p.parent
	}
}

// isStateVisited is is_state_visited (v6.12) without liveness and
// precision tracking: the current state is pruned when a completely
// verified state at the same instruction is at least as general; a state
// equal to one still being verified on the current path is an infinite
// loop. Otherwise the current state is saved.
func (v *verifier) isStateVisited(insn int) (bool, *Error) {
	list := v.explored[insn]
	// Like the kernel, save a new state only every few jumps and insns;
	// every visit is still checked against the saved ones.
	addNew := v.jmpsProcessed-v.prevJmpsProcessed >= 2 && v.processed-v.prevInsnProcessed >= 8
	force := v.callsCallback(insn) // a forced checkpoint, as the kernel's is_force_checkpoint
	if force {
		addNew = true
	}
	keep := list[:0]
	var pruned bool
	for i, sl := range list {
		if pruned {
			keep = append(keep, list[i:]...)
			break
		}
		if sl.branches > 0 && v.callsCallback(insn) {
			// A callback's iterations may stop at any time, so a state
			// still being explored covers an equal later one
			// (calls_callback in is_state_visited).
			if v.statesEqual(sl.st, v.st, false) {
				sl.hit++
				pruned = true
				keep = append(keep, sl)
				continue
			}
		} else if sl.branches > 0 {
			if v.statesMaybeLooping(sl.st, v.st) && v.statesEqual(sl.st, v.st, true) {
				e := v.reject(syscall.EINVAL, "infinite loop detected at insn %d", insn)
				v.logf("cur state:%s", v.frameString(v.st.cur(), true))
				v.logf("old state:%s", v.frameString(sl.st.cur(), true))
				return false, e
			}
			// Inside a loop, save states less often: iterations differ.
			if !force && v.jmpsProcessed-v.prevJmpsProcessed < 20 && v.processed-v.prevInsnProcessed < 100 {
				addNew = false
			}
		} else if v.statesEqual(sl.st, v.st, false) {
			sl.hit++
			pruned = true
			keep = append(keep, sl)
			continue
		}
		sl.miss++
		// Forget states that keep failing to prune (the kernel's
		// miss_cnt > hit_cnt*3+3 eviction).
		if sl.miss > sl.hit*3+3 {
			continue
		}
		keep = append(keep, sl)
	}
	v.explored[insn] = keep
	list = keep
	if pruned {
		return true, nil
	}
	if !addNew {
		return false, nil
	}
	v.prevJmpsProcessed = v.jmpsProcessed
	v.prevInsnProcessed = v.processed
	n := &explored{st: v.st.clone(), insn: insn, branches: 1, parent: v.st.parent}
	n.st.parent = nil
	v.st.parent = n
	// Like the kernel, count the states the new one joins.
	if len(list) > v.maxStatesPerInsn {
		v.maxStatesPerInsn = len(list)
	}
	v.explored[insn] = append(list, n)
	v.totalStates++
	v.curStates++
	if v.curStates > v.peakStates {
		v.peakStates = v.curStates
	}
	return false, nil
}

// widenLoopScalars is widen_imprecise_scalars for callback iterations:
// after a callback returns to its bpf_loop call, every scalar of the
// callers that differs from the state at the previous visit of the call
// becomes unknown, so that the iterations converge. (The kernel widens only
// scalars that no branch depended on; without precision tracking we widen
// them all, which can reject a loop the kernel accepts.)
func (v *verifier) widenLoopScalars(callsite int) {
	list := v.explored[callsite]
	for i := len(list) - 1; i >= 0; i-- {
		old := list[i].st
		if list[i].branches == 0 || len(old.frames) != len(v.st.frames) {
			continue
		}
		for fi, f := range v.st.frames {
			of := old.frames[fi]
			for r := range f.regs {
				cr, or := &f.regs[r], &of.regs[r]
				if cr.typ == ScalarValue && or.typ == ScalarValue && !regsEqualValue(cr, or) {
					cr.markUnknown()
				}
			}
			for spi := range f.stack {
				if spi >= len(of.stack) {
					break
				}
				cs, os := &f.stack[spi], &of.stack[spi]
				if cs.isSpilledScalar() && os.isSpilledScalar() && !regsEqualValue(&cs.spilled, &os.spilled) {
					cs.spilled.markUnknown()
				}
			}
		}
		return
	}
}

// regsEqualValue reports whether two scalars have the same bounds.
func regsEqualValue(a, b *regState) bool {
	return a.varOff == b.varOff && a.umin == b.umin && a.umax == b.umax && a.smin == b.smin && a.smax == b.smax &&
		a.u32min == b.u32min && a.u32max == b.u32max && a.s32min == b.s32min && a.s32max == b.s32max
}

// callsCallback reports whether insn calls a callback (bpf_loop).
func (v *verifier) callsCallback(insn int) bool {
	ins := v.prog[insn]
	return ins.IsHelperCall() && asm.Func(ins.Imm) == asm.BPF_FUNC_loop
}

// statesMaybeLooping is states_maybe_looping: same call chain.
func (v *verifier) statesMaybeLooping(old, cur *state) bool {
	if len(old.frames) != len(cur.frames) {
		return false
	}
	for i := range old.frames {
		if old.frames[i].callsite != cur.frames[i].callsite {
			return false
		}
	}
	return true
}

// idMap is check_ids' mapping of old ids to current ids, which must be a
// bijection.
type idMap struct {
	fwd, back map[uint32]uint32
}

func (m *idMap) check(old, cur uint32) bool {
	if old == 0 && cur == 0 {
		return true
	}
	if old == 0 || cur == 0 {
		return false
	}
	if m.fwd == nil {
		m.fwd, m.back = map[uint32]uint32{}, map[uint32]uint32{}
	}
	if c, ok := m.fwd[old]; ok {
		return c == cur
	}
	if o, ok := m.back[cur]; ok {
		return o == old
	}
	m.fwd[old] = cur
	m.back[cur] = old
	return true
}

// statesEqual is states_equal: every frame, every reference and the
// may_goto depth agree, old being at least as general as cur (or exactly
// equal when exact).
func (v *verifier) statesEqual(old, cur *state, exact bool) bool {
	if len(old.frames) != len(cur.frames) || old.mayGotoDepth != cur.mayGotoDepth {
		return false
	}
	var ids idMap
	if len(old.refs) != len(cur.refs) {
		return false
	}
	for i := range old.refs {
		if !ids.check(old.refs[i].id, cur.refs[i].id) {
			return false
		}
	}
	for i := range old.frames {
		if old.frames[i].callsite != cur.frames[i].callsite {
			return false
		}
		// Registers the innermost frame overwrites before reading them do
		// not matter (the kernel's clean_func_state with liveness).
		insn := -1
		if i == len(old.frames)-1 {
			insn = v.insnIdx
		}
		if !v.funcStatesEqual(old.frames[i], cur.frames[i], &ids, exact, insn) {
			return false
		}
	}
	return true
}

func (v *verifier) funcStatesEqual(old, cur *funcState, ids *idMap, exact bool, insn int) bool {
	for i := range old.regs {
		if insn >= 0 && !v.liveAt(insn, i) {
			continue
		}
		if !regsafe(&old.regs[i], &cur.regs[i], ids, exact) {
			return false
		}
	}
	if v.stackNeverRead {
		return true
	}
	return v.stacksafe(old, cur, ids, exact)
}

// regsafe is regsafe (v6.12): may a register in state cur stand where old
// was verified safe?
func regsafe(old, cur *regState, ids *idMap, exact bool) bool {
	if exact {
		o, c := *old, *cur
		if !ids.check(o.id, c.id) || !ids.check(o.refObjID, c.refObjID) {
			return false
		}
		o.id, c.id, o.refObjID, c.refObjID = 0, 0, 0, 0
		return o == c
	}
	if old.typ == NotInit {
		return true
	}
	if cur.typ == NotInit {
		return false
	}
	if old.typ != cur.typ || old.maybeNull != cur.maybeNull || old.rdonly != cur.rdonly {
		return false
	}
	switch old.typ {
	case ScalarValue:
		// Without precision tracking every scalar counts as precise.
		return rangeWithin(old, cur) && old.varOff.In(cur.varOff) && (old.id == 0 || ids.check(old.id, cur.id))
	case PtrToPacket, PtrToPacketMeta:
		if old.rng > cur.rng && !(cur.rng < 0 && old.rng == cur.rng) {
			if old.rng > cur.rng {
				return false
			}
		}
		if old.off != cur.off {
			return false
		}
		if !ids.check(old.id, cur.id) {
			return false
		}
		return rangeWithin(old, cur) && old.varOff.In(cur.varOff)
	case PtrToMapValue, PtrToMapKey, PtrToMem, PtrToStack, PtrToCtx, ConstPtrToMap, PtrToPacketEnd,
		PtrToSocket, PtrToSockCommon, PtrToTCPSock, PtrToFlowKeys, PtrToFunc:
		if old.off != cur.off || old.mapIdx != cur.mapIdx || old.memSize != cur.memSize || old.frameno != cur.frameno {
			return false
		}
		if !ids.check(old.id, cur.id) || !ids.check(old.refObjID, cur.refObjID) {
			return false
		}
		return rangeWithin(old, cur) && old.varOff.In(cur.varOff)
	}
	return false
}

// rangeWithin is range_within: cur's bounds inside old's.
func rangeWithin(old, cur *regState) bool {
	return old.umin <= cur.umin && old.umax >= cur.umax &&
		old.smin <= cur.smin && old.smax >= cur.smax &&
		old.u32min <= cur.u32min && old.u32max >= cur.u32max &&
		old.s32min <= cur.s32min && old.s32max >= cur.s32max
}

// stacksafe is stacksafe (v6.12).
func (v *verifier) stacksafe(old, cur *funcState, ids *idMap, exact bool) bool {
	n := len(old.stack)
	if exact && len(cur.stack) != n {
		return false
	}
	for spi := 0; spi < n; spi++ {
		os := &old.stack[spi]
		var cs *stackSlot
		if spi < len(cur.stack) {
			cs = &cur.stack[spi]
		}
		for i := 0; i < 8; i++ {
			ok := os.kind[i]
			if !exact && ok == stackInvalid {
				continue
			}
			if !exact && v.allowUninitStack && ok == stackMisc {
				continue
			}
			if cs == nil {
				if exact && ok == stackInvalid {
					continue
				}
				return false
			}
			ck := cs.kind[i]
			if !exact && ok == stackMisc && ck == stackZero {
				continue
			}
			if ok != ck {
				return false
			}
		}
		if os.isSpill() && cs != nil {
			if !regsafe(&os.spilled, &cs.spilled, ids, exact) {
				return false
			}
		}
	}
	return true
}
