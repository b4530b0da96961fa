package verifier

import (
	"math"
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/verifier/tnum"
)

// revOpcode is rev_opcode: the condition of the fall-through edge. The
// reverse of BPF_JSET is represented as jsetRev.
func revOpcode(op asm.JmpOp) asm.JmpOp {
	switch op {
	case asm.BPF_JEQ:
		return asm.BPF_JNE
	case asm.BPF_JNE:
		return asm.BPF_JEQ
	case asm.BPF_JSET:
		return jsetRev
	case jsetRev:
		return asm.BPF_JSET
	case asm.BPF_JGE:
		return asm.BPF_JLT
	case asm.BPF_JLT:
		return asm.BPF_JGE
	case asm.BPF_JGT:
		return asm.BPF_JLE
	case asm.BPF_JLE:
		return asm.BPF_JGT
	case asm.BPF_JSGE:
		return asm.BPF_JSLT
	case asm.BPF_JSLT:
		return asm.BPF_JSGE
	case asm.BPF_JSGT:
		return asm.BPF_JSLE
	case asm.BPF_JSLE:
		return asm.BPF_JSGT
	}
	return op
}

// jsetRev is "no bit in common", the fall-through of BPF_JSET (the kernel
// spells it BPF_JSET | BPF_X).
const jsetRev = asm.BPF_JSET | 0x08

// flipOpcode is flip_opcode: the condition with its operands swapped.
func flipOpcode(op asm.JmpOp) asm.JmpOp {
	switch op {
	case asm.BPF_JGT:
		return asm.BPF_JLT
	case asm.BPF_JLT:
		return asm.BPF_JGT
	case asm.BPF_JGE:
		return asm.BPF_JLE
	case asm.BPF_JLE:
		return asm.BPF_JGE
	case asm.BPF_JSGT:
		return asm.BPF_JSLT
	case asm.BPF_JSLT:
		return asm.BPF_JSGT
	case asm.BPF_JSGE:
		return asm.BPF_JSLE
	case asm.BPF_JSLE:
		return asm.BPF_JSGE
	}
	return op
}

func isRegConst(r *regState, jmp32 bool) bool {
	if r.typ != ScalarValue {
		return false
	}
	if jmp32 {
		return r.varOff.Subreg().IsConst()
	}
	return r.varOff.IsConst()
}

func regConstValue(r *regState, jmp32 bool) uint64 {
	if jmp32 {
		return uint64(uint32(r.varOff.Value))
	}
	return r.varOff.Value
}

// regNotNull is reg_not_null.
func regNotNull(r *regState) bool {
	if r.maybeNull {
		return false
	}
	switch r.typ {
	case PtrToSocket, PtrToTCPSock, PtrToMapValue, PtrToMapKey, PtrToSockCommon, PtrToMem:
		return true
	}
	return false
}

// isBranchTaken is is_branch_taken (v6.12): 1 if the jump is always taken,
// 0 if never, -1 if unknown.
func isBranchTaken(r1, r2 *regState, op asm.JmpOp, jmp32 bool) int {
	if r1.isPktAny() && r2.isPktAny() && !jmp32 {
		return isPktPtrBranchTaken(r1, r2, op)
	}
	if r1.isPointer() || r2.isPointer() {
		if !isRegConst(r2, jmp32) {
			op = flipOpcode(op)
			r1, r2 = r2, r1
		}
		if !isRegConst(r2, jmp32) {
			return -1
		}
		if regConstValue(r2, jmp32) != 0 || !regNotNull(r1) {
			return -1
		}
		switch op {
		case asm.BPF_JEQ:
			return 0
		case asm.BPF_JNE:
			return 1
		}
		return -1
	}
	return isScalarBranchTaken(r1, r2, op, jmp32)
}

func (r *regState) isPktAny() bool {
	return r.typ == PtrToPacket || r.typ == PtrToPacketMeta || r.typ == PtrToPacketEnd
}

// Packet ranges after a comparison with pkt_end decided the pointer is
// past it (BEYOND_PKT_END) or at it (AT_PKT_END).
const (
	atPktEnd     = -1
	beyondPktEnd = -2
)

// isPktPtrBranchTaken is is_pkt_ptr_branch_taken.
func isPktPtrBranchTaken(dst, src *regState, op asm.JmpOp) int {
	var pkt *regState
	switch {
	case src.typ == PtrToPacketEnd:
		pkt = dst
	case dst.typ == PtrToPacketEnd:
		pkt = src
		op = flipOpcode(op)
	default:
		return -1
	}
	if pkt.rng >= 0 {
		return -1
	}
	switch op {
	case asm.BPF_JLE, asm.BPF_JGT:
		if pkt.rng == beyondPktEnd {
			return b2i(op == asm.BPF_JGT)
		}
	case asm.BPF_JLT, asm.BPF_JGE:
		if pkt.rng == beyondPktEnd || pkt.rng == atPktEnd {
			return b2i(op == asm.BPF_JGE)
		}
	}
	return -1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isScalarBranchTaken is is_scalar_branch_taken (v6.12).
func isScalarBranchTaken(r1, r2 *regState, op asm.JmpOp, jmp32 bool) int {
	t1, t2 := r1.varOff, r2.varOff
	umin1, umax1, umin2, umax2 := r1.umin, r1.umax, r2.umin, r2.umax
	smin1, smax1, smin2, smax2 := r1.smin, r1.smax, r2.smin, r2.smax
	if jmp32 {
		t1, t2 = t1.Subreg(), t2.Subreg()
		umin1, umax1, umin2, umax2 = uint64(r1.u32min), uint64(r1.u32max), uint64(r2.u32min), uint64(r2.u32max)
		smin1, smax1, smin2, smax2 = int64(r1.s32min), int64(r1.s32max), int64(r2.s32min), int64(r2.s32max)
	}
	switch op {
	case asm.BPF_JEQ, asm.BPF_JNE:
		eq := -1
		switch {
		case t1.IsConst() && t2.IsConst():
			eq = b2i(t1.Value == t2.Value)
		case umin1 > umax2 || umax1 < umin2, smin1 > smax2 || smax1 < smin2, !t1.Overlap(t2):
			eq = 0
		case !jmp32 && (r1.u32min > r2.u32max || r1.u32max < r2.u32min || r1.s32min > r2.s32max || r1.s32max < r2.s32min):
			eq = 0
		}
		if eq < 0 {
			return -1
		}
		if op == asm.BPF_JNE {
			return 1 - eq
		}
		return eq
	case asm.BPF_JSET:
		if !isRegConst(r2, jmp32) {
			t1, t2 = t2, t1
			r1, r2 = r2, r1
		}
		if !isRegConst(r2, jmp32) {
			return -1
		}
		if (^t1.Mask&t1.Value)&t2.Value != 0 {
			return 1
		}
		if (t1.Mask|t1.Value)&t2.Value == 0 {
			return 0
		}
	case asm.BPF_JGT:
		if umin1 > umax2 {
			return 1
		} else if umax1 <= umin2 {
			return 0
		}
	case asm.BPF_JSGT:
		if smin1 > smax2 {
			return 1
		} else if smax1 <= smin2 {
			return 0
		}
	case asm.BPF_JLT:
		if umax1 < umin2 {
			return 1
		} else if umin1 >= umax2 {
			return 0
		}
	case asm.BPF_JSLT:
		if smax1 < smin2 {
			return 1
		} else if smin1 >= smax2 {
			return 0
		}
	case asm.BPF_JGE:
		if umin1 >= umax2 {
			return 1
		} else if umax1 < umin2 {
			return 0
		}
	case asm.BPF_JSGE:
		if smin1 >= smax2 {
			return 1
		} else if smax1 < smin2 {
			return 0
		}
	case asm.BPF_JLE:
		if umax1 <= umin2 {
			return 1
		} else if umin1 > umax2 {
			return 0
		}
	case asm.BPF_JSLE:
		if smax1 <= smin2 {
			return 1
		} else if smin1 > smax2 {
			return 0
		}
	}
	return -1
}

// regsRefineCondOp narrows two scalars with the knowledge that "r1 op r2"
// holds (regs_refine_cond_op, v6.12).
func regsRefineCondOp(r1, r2 *regState, op asm.JmpOp, jmp32 bool) {
	switch op {
	case asm.BPF_JEQ:
		if jmp32 {
			r1.u32min = maxU32(r1.u32min, r2.u32min)
			r1.u32max = minU32(r1.u32max, r2.u32max)
			r1.s32min = maxS32(r1.s32min, r2.s32min)
			r1.s32max = minS32(r1.s32max, r2.s32max)
			r2.u32min, r2.u32max, r2.s32min, r2.s32max = r1.u32min, r1.u32max, r1.s32min, r1.s32max
			t := r1.varOff.Subreg().Intersect(r2.varOff.Subreg())
			r1.varOff = r1.varOff.WithSubreg(t)
			r2.varOff = r2.varOff.WithSubreg(t)
		} else {
			r1.umin = maxU64(r1.umin, r2.umin)
			r1.umax = minU64(r1.umax, r2.umax)
			r1.smin = maxS64(r1.smin, r2.smin)
			r1.smax = minS64(r1.smax, r2.smax)
			r2.umin, r2.umax, r2.smin, r2.smax = r1.umin, r1.umax, r1.smin, r1.smax
			r1.varOff = r1.varOff.Intersect(r2.varOff)
			r2.varOff = r1.varOff
		}
	case asm.BPF_JNE:
		if !isRegConst(r2, jmp32) {
			r1, r2 = r2, r1
		}
		if !isRegConst(r2, jmp32) {
			return
		}
		val := regConstValue(r2, jmp32)
		if jmp32 {
			if r1.u32min == uint32(val) && r1.u32min != math.MaxUint32 {
				r1.u32min++
			}
			if r1.u32max == uint32(val) && r1.u32max != 0 {
				r1.u32max--
			}
			if r1.s32min == int32(val) && r1.s32min != math.MaxInt32 {
				r1.s32min++
			}
			if r1.s32max == int32(val) && r1.s32max != math.MinInt32 {
				r1.s32max--
			}
		} else {
			if r1.umin == val && r1.umin != math.MaxUint64 {
				r1.umin++
			}
			if r1.umax == val && r1.umax != 0 {
				r1.umax--
			}
			if r1.smin == int64(val) && r1.smin != math.MaxInt64 {
				r1.smin++
			}
			if r1.smax == int64(val) && r1.smax != math.MinInt64 {
				r1.smax--
			}
		}
	case asm.BPF_JSET:
		if !isRegConst(r2, jmp32) {
			r1, r2 = r2, r1
		}
		if !isRegConst(r2, jmp32) {
			return
		}
		val := regConstValue(r2, jmp32)
		if val == 0 || val&(val-1) != 0 {
			return // one bit is needed to learn something
		}
		if jmp32 {
			r1.varOff = r1.varOff.WithSubreg(r1.varOff.Subreg().Or(tnum.Const(val)))
		} else {
			r1.varOff = r1.varOff.Or(tnum.Const(val))
		}
	case jsetRev:
		if !isRegConst(r2, jmp32) {
			r1, r2 = r2, r1
		}
		if !isRegConst(r2, jmp32) {
			return
		}
		val := regConstValue(r2, jmp32)
		if jmp32 {
			r1.varOff = r1.varOff.WithSubreg(r1.varOff.Subreg().And(tnum.Const(^val)))
		} else {
			r1.varOff = r1.varOff.And(tnum.Const(^val))
		}
		// Linux 6.18 keeps only what the new tnum says on this branch: the
		// ranges start over from it (umin 10 of [10,39] is gone after
		// "if r & 0x20" falls through), so we may not be more precise.
		r1.markUnbounded()
	case asm.BPF_JLE:
		if jmp32 {
			r1.u32max = minU32(r1.u32max, r2.u32max)
			r2.u32min = maxU32(r1.u32min, r2.u32min)
		} else {
			r1.umax = minU64(r1.umax, r2.umax)
			r2.umin = maxU64(r1.umin, r2.umin)
		}
	case asm.BPF_JLT:
		// The branch is feasible, so r2's maximum is above zero and r1's
		// minimum below the type's maximum (is_branch_taken ruled the rest
		// out); saturate anyway to keep an infeasible path from wrapping.
		if jmp32 {
			if r2.u32max > 0 {
				r1.u32max = minU32(r1.u32max, r2.u32max-1)
			} else {
				r1.u32max, r1.u32min = 0, 1
			}
			if r1.u32min < math.MaxUint32 {
				r2.u32min = maxU32(r1.u32min+1, r2.u32min)
			}
		} else {
			if r2.umax > 0 {
				r1.umax = minU64(r1.umax, r2.umax-1)
			} else {
				r1.umax, r1.umin = 0, 1
			}
			if r1.umin < math.MaxUint64 {
				r2.umin = maxU64(r1.umin+1, r2.umin)
			}
		}
	case asm.BPF_JSLE:
		if jmp32 {
			r1.s32max = minS32(r1.s32max, r2.s32max)
			r2.s32min = maxS32(r1.s32min, r2.s32min)
		} else {
			r1.smax = minS64(r1.smax, r2.smax)
			r2.smin = maxS64(r1.smin, r2.smin)
		}
	case asm.BPF_JSLT:
		if jmp32 {
			if r2.s32max > math.MinInt32 {
				r1.s32max = minS32(r1.s32max, r2.s32max-1)
			} else {
				r1.s32max, r1.s32min = math.MinInt32, math.MaxInt32
			}
			if r1.s32min < math.MaxInt32 {
				r2.s32min = maxS32(r1.s32min+1, r2.s32min)
			}
		} else {
			if r2.smax > math.MinInt64 {
				r1.smax = minS64(r1.smax, r2.smax-1)
			} else {
				r1.smax, r1.smin = math.MinInt64, math.MaxInt64
			}
			if r1.smin < math.MaxInt64 {
				r2.smin = maxS64(r1.smin+1, r2.smin)
			}
		}
	case asm.BPF_JGE, asm.BPF_JGT, asm.BPF_JSGE, asm.BPF_JSGT:
		regsRefineCondOp(r2, r1, flipOpcode(op), jmp32)
	}
}

// regSetMinMax refines both edges of a conditional jump between scalars
// (reg_set_min_max, v6.12). A range that becomes empty means the edge
// cannot be taken; the kernel then widens the register again
// (reg_bounds_sanity_check), and so do we.
func regSetMinMax(t1, t2, f1, f2 *regState, op asm.JmpOp, jmp32 bool) {
	if f1.typ != ScalarValue || f2.typ != ScalarValue {
		return
	}
	regsRefineCondOp(f1, f2, revOpcode(op), jmp32)
	for _, r := range []*regState{f1, f2} {
		r.regBoundsSync()
		r.sanitizeBounds()
	}
	regsRefineCondOp(t1, t2, op, jmp32)
	for _, r := range []*regState{t1, t2} {
		r.regBoundsSync()
		r.sanitizeBounds()
	}
}

// sanitizeBounds is reg_bounds_sanity_check's recovery: an inconsistent
// register becomes unbounded.
func (r *regState) sanitizeBounds() {
	if !r.boundsSane() {
		r.varOff = tnum.Unknown
		r.markUnbounded()
	}
}

// checkCondJmpOp checks and simulates a conditional jump (check_cond_jmp_op,
// v6.12) and returns the next instruction of the current path.
func (v *verifier) checkCondJmpOp(ins asm.Insn) (int, *Error) {
	idx := v.insnIdx
	op := ins.JmpOp()
	if op == asm.BPF_JA || op > asm.BPF_JCOND {
		return 0, v.reject(syscall.EINVAL, "invalid BPF_JMP/JMP32 opcode %x", uint8(op))
	}
	if op == asm.BPF_JCOND {
		return v.checkMayGoto(ins)
	}
	if e := v.checkRegArgE(ins.Dst, srcOp); e != nil {
		return 0, e
	}
	regs := &v.st.cur().regs
	dst := &regs[ins.Dst]
	var src *regState
	var fake regState
	if ins.Source() == asm.BPF_X {
		if ins.Imm != 0 {
			return 0, v.reject(syscall.EINVAL, "BPF_JMP/JMP32 uses reserved fields")
		}
		if e := v.checkRegArgE(ins.Src, srcOp); e != nil {
			return 0, e
		}
		src = &regs[ins.Src]
		if !(dst.isPktAny() && src.isPktAny()) && v.isPointerValue(ins.Src) {
			return 0, v.reject(syscall.EACCES, "R%d pointer comparison prohibited", ins.Src)
		}
	} else {
		if ins.Src != 0 {
			return 0, v.reject(syscall.EINVAL, "BPF_JMP/JMP32 uses reserved fields")
		}
		fake = scalarConst(uint64(int64(ins.Imm)))
		src = &fake
	}
	jmp32 := ins.Class() == asm.BPF_JMP32
	target := idx + int(ins.Off) + 1
	switch pred := isBranchTaken(dst, src, op, jmp32); pred {
	case 0, 1:
		next, other := target, idx+1
		if pred == 0 {
			next, other = idx+1, target
		}
		// Without CAP_PERFMON the CPU's speculation past a decided branch
		// is verified too (sanitize_speculative_path): the other edge with
		// the compared registers unknown.
		if v.opts.Unpriv {
			br := v.pushStack(other, idx)
			if br == nil {
				return 0, v.reject(syscall.E2BIG, "The sequence of %d jumps is too complex.", len(v.stack))
			}
			br.cur().regs[ins.Dst].markUnknown()
			if ins.Source() == asm.BPF_X {
				br.cur().regs[ins.Src].markUnknown()
			}
		}
		if v.logLevel > 0 {
			v.printInsnState()
		}
		return next, nil
	}
	other := v.pushStack(target, idx)
	if other == nil {
		return 0, v.reject(syscall.E2BIG, "The sequence of %d jumps is too complex.", len(v.stack))
	}
	oregs := &other.cur().regs
	if ins.Source() == asm.BPF_X {
		regSetMinMax(&oregs[ins.Dst], &oregs[ins.Src], dst, src, op, jmp32)
		if src.typ == ScalarValue && src.id != 0 {
			syncLinkedRegs(v.st, src)
			syncLinkedRegs(other, &oregs[ins.Src])
		}
	} else {
		fake2 := fake
		regSetMinMax(&oregs[ins.Dst], &fake, dst, &fake2, op, jmp32)
	}
	if dst.typ == ScalarValue && dst.id != 0 {
		syncLinkedRegs(v.st, dst)
		syncLinkedRegs(other, &oregs[ins.Dst])
	}
	if ins.Source() == asm.BPF_X && !jmp32 && src.isPointer() && dst.isPointer() && src.maybeNull != dst.maybeNull &&
		(op == asm.BPF_JEQ || op == asm.BPF_JNE) {
		// Comparing a maybe-null pointer with a non-null one proves it
		// non-null on the equal side.
		eqState, eqRegs := v.st, regs
		if op == asm.BPF_JEQ {
			eqState, eqRegs = other, oregs
		}
		if src.maybeNull {
			markPtrOrNullRegs(eqState, int(ins.Src), false, eqRegs[ins.Src].id)
		} else {
			markPtrOrNullRegs(eqState, int(ins.Dst), false, eqRegs[ins.Dst].id)
		}
	}
	if !jmp32 && ins.Source() == asm.BPF_K && ins.Imm == 0 && (op == asm.BPF_JEQ || op == asm.BPF_JNE) && dst.maybeNull {
		id := dst.id
		markPtrOrNullRegs(v.st, int(ins.Dst), op == asm.BPF_JNE, id)
		markPtrOrNullRegs(other, int(ins.Dst), op == asm.BPF_JEQ, id)
	} else if !v.tryMatchPktPointers(ins, dst, &regs[ins.Src], v.st, other) && v.isPointerValue(ins.Dst) {
		return 0, v.reject(syscall.EACCES, "R%d pointer comparison prohibited", ins.Dst)
	}
	if v.logLevel > 0 {
		v.printInsnState()
	}
	return idx + 1, nil
}

// syncLinkedRegs copies what a branch learned about a scalar to every
// register and spill sharing its id (sync_linked_regs).
func syncLinkedRegs(st *state, known *regState) {
	k := *known
	for _, f := range st.frames {
		for i := range f.regs {
			r := &f.regs[i]
			if r != known && r.typ == ScalarValue && r.id == k.id {
				*r = k
			}
		}
		for i := range f.stack {
			sl := &f.stack[i]
			if sl.isSpill() && sl.spilled.typ == ScalarValue && sl.spilled.id == k.id {
				sl.spilled = k
			}
		}
	}
}

// markPtrOrNullRegs resolves a maybe-null pointer and all its copies
// (same id) on one edge of a null check (mark_ptr_or_null_regs): NULL makes
// them the scalar 0 (and releases a reference acquired with it), non-NULL
// makes them plain pointers.
func markPtrOrNullRegs(st *state, regno int, isNull bool, id uint32) {
	f := st.cur()
	ref := f.regs[regno].refObjID
	if ref != 0 && ref == id && isNull {
		st.releaseReferenceState(id)
	}
	fix := func(r *regState) {
		if !r.maybeNull || r.id != id {
			return
		}
		if isNull {
			*r = scalarConst(0)
			return
		}
		r.maybeNull = false
		if r.refObjID == 0 {
			r.id = 0
		}
	}
	for _, fr := range st.frames {
		for i := range fr.regs {
			fix(&fr.regs[i])
		}
		for i := range fr.stack {
			if fr.stack[i].isSpill() {
				fix(&fr.stack[i].spilled)
			}
		}
	}
}

// checkMayGoto simulates may_goto: the loop body continues while the
// implicit counter lasts (the kernel's bound is 8M iterations; both edges
// are explored and pruning ends the loop).
func (v *verifier) checkMayGoto(ins asm.Insn) (int, *Error) {
	if ins.Src != asm.BPF_MAY_GOTO || ins.Dst != 0 || ins.Imm != 0 || ins.Source() != asm.BPF_K || ins.Class() != asm.BPF_JMP {
		return 0, v.reject(syscall.EINVAL, "invalid may_goto off %d imm %d", ins.Off, ins.Imm)
	}
	idx := v.insnIdx
	other := v.pushStack(idx+int(ins.Off)+1, idx)
	if other == nil {
		return 0, v.reject(syscall.E2BIG, "The sequence of %d jumps is too complex.", len(v.stack))
	}
	v.st.mayGotoDepth++
	return idx + 1, nil
}
