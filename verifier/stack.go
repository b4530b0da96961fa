package verifier

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/verifier/tnum"
)

func constTnum(v uint64) tnum.Tnum { return tnum.Const(v) }

// stackFrame returns the frame a stack pointer points into.
func (v *verifier) stackFrame(reg *regState) *funcState { return v.st.frames[reg.frameno] }

// checkStackAccessWithinBounds is check_stack_access_within_bounds (v6.12);
// helper accesses (helper true) are bounded like writes. The message names
// the direction as 6.18 does, for helpers too ("invalid read from stack").
func (v *verifier) checkStackAccessWithinBounds(regno asm.Reg, off, size int, helper, write bool) *Error {
	reg := &v.st.cur().regs[regno]
	f := v.stackFrame(reg)
	extra := " write to"
	if !write {
		extra = " read from"
	}
	var minOff, maxOff int64
	if reg.varOff.IsConst() {
		minOff = int64(reg.varOff.Value) + int64(off)
		maxOff = minOff + int64(size)
	} else {
		if reg.smax >= maxVarOff || reg.smin <= -maxVarOff {
			return v.reject(syscall.EACCES, "invalid unbounded variable-offset%s stack R%d", extra, regno)
		}
		minOff = reg.smin + int64(off)
		maxOff = reg.smax + int64(off) + int64(size)
	}
	minValid := int64(-maxBPFStack)
	if !(write || helper || v.allowUninitStack) {
		minValid = -int64(f.allocatedStack())
	}
	bad := minOff < minValid || minOff > -1 || maxOff > 0 || size < 0
	if bad {
		errno := syscall.EACCES
		if reg.varOff.IsConst() {
			return v.reject(errno, "invalid%s stack R%d off=%d size=%d", extra, regno, off, size)
		}
		return v.reject(errno, "invalid variable-offset%s stack R%d var_off=%s off=%d size=%d", extra, regno, reg.varOff, off, size)
	}
	f.growStack(int(-minOff))
	sp := &v.subprogs[f.subprog]
	if d := roundUp8(int(-minOff)); d > sp.stackDepth {
		sp.stackDepth = d
	}
	return nil
}

func roundUp8(n int) int { return (n + 7) &^ 7 }

// byteAt returns the slot and byte index of stack offset off (negative).
func byteAt(f *funcState, off int) (*stackSlot, int) {
	slot := -off - 1
	return &f.stack[slot/8], slot % 8
}

// checkStackWrite is check_stack_write (v6.12).
func (v *verifier) checkStackWrite(regno asm.Reg, off, size, valueReg int) *Error {
	reg := &v.st.cur().regs[regno]
	f := v.stackFrame(reg)
	if reg.varOff.IsConst() {
		return v.checkStackWriteFixedOff(f, off+int(int64(reg.varOff.Value)), size, valueReg)
	}
	return v.checkStackWriteVarOff(f, reg, off, size, valueReg)
}

// checkStackWriteFixedOff is check_stack_write_fixed_off: aligned 8-byte
// writes of registers spill them (scalars of any size with CAP_BPF); other
// writes make the bytes STACK_MISC, or STACK_ZERO for a known zero.
func (v *verifier) checkStackWriteFixedOff(f *funcState, off, size, valueReg int) *Error {
	slot := -off - 1
	spi := slot / 8
	sl := &f.stack[spi]
	v.markStackScratched(spi)
	if !v.allowPtrLeaks && sl.isSpill() && !sl.isSpilledScalar() && size != 8 {
		return v.reject(syscall.EACCES, "attempt to corrupt spilled pointer on stack")
	}
	cur := v.st.cur()
	var reg *regState
	if valueReg >= 0 {
		reg = &cur.regs[valueReg]
	}
	ins := v.prog[v.insnIdx]
	isSt := ins.Class() == asm.BPF_ST
	switch {
	case reg != nil && off%8 == 0 && reg.typ == ScalarValue && v.bpfCapable:
		fits := regWidth(reg) <= 8*size
		if fits {
			v.assignScalarIDBeforeMov(reg)
		}
		v.saveRegisterState(sl, reg, size)
		if !fits {
			sl.spilled.id = 0
		}
	case reg == nil && off%8 == 0 && isSt && v.bpfCapable:
		tmp := scalarConst(uint64(int64(ins.Imm)))
		v.saveRegisterState(sl, &tmp, size)
	case reg != nil && reg.isPointer():
		if size != 8 {
			return v.reject(syscall.EACCES, "invalid size of register spill")
		}
		if f != cur && reg.typ == PtrToStack {
			return v.reject(syscall.EINVAL, "cannot spill pointers to stack into stack frame of the caller")
		}
		v.saveRegisterState(sl, reg, size)
	default:
		kind := stackMisc
		scrubSpecialSlot(sl)
		if (reg != nil && reg.isNull()) || (reg == nil && isSt && ins.Imm == 0) {
			kind = stackZero
		}
		for i := 0; i < size; i++ {
			sl.kind[(slot-i)%8] = kind
		}
	}
	return nil
}

// regWidth is get_reg_width: bits needed for the largest unsigned value.
func regWidth(r *regState) int {
	n := 0
	for x := r.umax; x != 0; x >>= 1 {
		n++
	}
	return n
}

// saveRegisterState is save_register_state: a spill of size bytes at the
// start of the slot; the rest of the slot becomes STACK_MISC unless it was
// zero (or uninitialised, for CAP_BPF).
func (v *verifier) saveRegisterState(sl *stackSlot, reg *regState, size int) {
	sl.spilled = *reg
	i := 8
	for ; i > 8-size; i-- {
		sl.kind[i-1] = stackSpill
	}
	for ; i > 0; i-- {
		k := &sl.kind[i-1]
		if *k == stackZero || (*k == stackInvalid && v.allowUninitStack) {
			continue
		}
		*k = stackMisc
	}
}

// scrubSpecialSlot is scrub_special_slot: a plain write destroys a spill;
// its initialised bytes become STACK_MISC (scrub_spilled_slot).
func scrubSpecialSlot(sl *stackSlot) {
	if sl.isSpill() {
		for i := range sl.kind {
			if sl.kind[i] != stackInvalid {
				sl.kind[i] = stackMisc
			}
		}
	}
	sl.spilled = regState{}
}

// checkStackWriteVarOff is check_stack_write_var_off: every byte that might
// be written becomes STACK_MISC (or keeps STACK_ZERO when writing zero).
func (v *verifier) checkStackWriteVarOff(f *funcState, ptr *regState, off, size, valueReg int) *Error {
	minOff := int(ptr.smin) + off
	maxOff := int(ptr.smax) + off + size
	zero := false
	if valueReg >= 0 {
		zero = v.st.cur().regs[valueReg].isNull()
	} else if ins := v.prog[v.insnIdx]; ins.Class() == asm.BPF_ST && ins.Imm == 0 {
		zero = true
	}
	for i := minOff; i < maxOff; i++ {
		sl, b := byteAt(f, i)
		if !v.allowPtrLeaks && sl.isSpill() && !sl.isSpilledScalar() {
			return v.reject(syscall.EACCES, "spilled ptr in range of var-offset stack write; insn %d, ptr off: %d", v.insnIdx, i)
		}
		scrubSpecialSlot(sl)
		k := sl.kind[b]
		if !zero || k != stackZero {
			if k == stackInvalid && !v.allowUninitStack {
				return v.reject(syscall.EACCES, "uninit stack in range of var-offset write prohibited for !root; insn %d, off: %d", v.insnIdx, i)
			}
			sl.kind[b] = stackMisc
		}
	}
	return nil
}

// checkStackRead is check_stack_read (v6.12).
func (v *verifier) checkStackRead(regno asm.Reg, off, size, dstReg int) *Error {
	reg := &v.st.cur().regs[regno]
	f := v.stackFrame(reg)
	if reg.varOff.IsConst() {
		return v.checkStackReadFixedOff(f, off+int(int64(reg.varOff.Value)), size, dstReg)
	}
	// A variable offset read: every byte must be initialised (or
	// uninitialised reads allowed); the result is unknown unless all zero.
	minOff := int(reg.smin) + off
	maxOff := int(reg.smax) + off + size
	allZero := true
	for i := minOff; i < maxOff; i++ {
		sl, b := byteAt(f, i)
		k := sl.kind[b]
		if k != stackZero {
			allZero = false
		}
		if k == stackMisc || k == stackZero || (k == stackSpill && sl.isSpilledScalar()) || (k == stackInvalid && v.allowUninitStack) {
			continue
		}
		return v.reject(syscall.EACCES, "invalid variable-offset read from stack R%d var_off=%s off=%d size=%d", regno, reg.varOff, off, size)
	}
	if dstReg >= 0 {
		d := &v.st.cur().regs[dstReg]
		if allZero {
			*d = scalarConst(0)
		} else {
			d.markUnknown()
		}
	}
	return nil
}

// checkStackReadFixedOff is check_stack_read_fixed_off (v6.12): fills
// restore a spilled register; other reads give an unknown scalar (zero
// when every byte is STACK_ZERO).
func (v *verifier) checkStackReadFixedOff(f *funcState, off, size, dstReg int) *Error {
	slot := -off - 1
	spi := slot / 8
	sl := &f.stack[spi]
	v.markStackScratched(spi)
	regs := &v.st.cur().regs
	if sl.isSpill() {
		spillSize := 1
		for i := 7; i > 0 && sl.kind[i-1] == stackSpill; i-- {
			spillSize++
		}
		if size != 8 || spillSize != 8 {
			if sl.spilled.typ != ScalarValue {
				return v.reject(syscall.EACCES, "invalid size of register fill")
			}
			if dstReg < 0 {
				return nil
			}
			if size <= spillSize && off%8 == 0 {
				regs[dstReg] = sl.spilled
				if regWidth(&sl.spilled) > size*8 {
					regs[dstReg].id = 0
				}
				return nil
			}
			spillCnt, zeroCnt := 0, 0
			for i := 0; i < size; i++ {
				switch sl.kind[(slot-i)%8] {
				case stackSpill:
					spillCnt++
				case stackMisc:
				case stackZero:
					zeroCnt++
				default:
					if v.allowUninitStack {
						continue
					}
					return v.reject(syscall.EACCES, "invalid read from stack off %d+%d size %d", off, i, size)
				}
			}
			if (spillCnt == size && sl.spilled.varOff.EqualsConst(0)) || zeroCnt == size {
				regs[dstReg] = scalarConst(0)
			} else {
				regs[dstReg].markUnknown()
			}
			return nil
		}
		if dstReg >= 0 {
			regs[dstReg] = sl.spilled
		} else if !v.allowPtrLeaks && sl.spilled.isPointer() {
			return v.reject(syscall.EACCES, "leaking pointer from stack off %d", off)
		}
		return nil
	}
	zeroCnt := 0
	for i := 0; i < size; i++ {
		switch sl.kind[(slot-i)%8] {
		case stackMisc:
		case stackZero:
			zeroCnt++
		default:
			if v.allowUninitStack {
				continue
			}
			return v.reject(syscall.EACCES, "invalid read from stack off %d+%d size %d", off, i, size)
		}
	}
	if dstReg >= 0 {
		if zeroCnt == size {
			regs[dstReg] = scalarConst(0)
		} else {
			regs[dstReg].markUnknown()
		}
	}
	return nil
}

// checkStackRangeInitialized is check_stack_range_initialized (v6.12) for a
// helper reading size bytes at regno+off; with rawMode the helper writes
// them instead, and they become STACK_MISC.
func (v *verifier) checkStackRangeInitialized(regno asm.Reg, off, size int, zeroOK, rawMode bool) *Error {
	reg := &v.st.cur().regs[regno]
	f := v.stackFrame(reg)
	if size == 0 && !zeroOK {
		return v.reject(syscall.EACCES, "invalid zero-sized read")
	}
	if e := v.checkStackAccessWithinBounds(regno, off, size, true, rawMode); e != nil {
		return e
	}
	var minOff, maxOff int
	if reg.varOff.IsConst() {
		minOff = int(int64(reg.varOff.Value)) + off
		maxOff = minOff
	} else {
		if v.opts.Unpriv {
			return v.reject(syscall.EACCES, "R%d indirect variable offset stack access prohibited for !root, var_off=%s", regno, reg.varOff)
		}
		rawMode = false
		minOff = int(reg.smin) + off
		maxOff = int(reg.smax) + off
	}
	if rawMode {
		for i := minOff; i < maxOff+size; i++ {
			sl, b := byteAt(f, i)
			if sl.isSpill() {
				scrubSpecialSlot(sl)
			}
			sl.kind[b] = stackMisc
		}
		return nil
	}
	for i := minOff; i < maxOff+size; i++ {
		sl, b := byteAt(f, i)
		k := sl.kind[b]
		switch {
		case k == stackMisc, k == stackZero:
			continue
		case sl.isSpill() && (sl.spilled.typ == ScalarValue || v.allowPtrLeaks):
			continue
		case k == stackInvalid && v.allowUninitStack:
			continue
		}
		if reg.varOff.IsConst() {
			return v.reject(syscall.EACCES, "invalid indirect read from stack R%d off %d+%d size %d", regno, minOff, i-minOff, size)
		}
		return v.reject(syscall.EACCES, "invalid indirect read from stack R%d var_off %s+%d size %d", regno, reg.varOff, off, size)
	}
	return nil
}
