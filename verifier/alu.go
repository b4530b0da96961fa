package verifier

import (
	"math"
	"math/bits"
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/verifier/tnum"
)

// aluString is the kernel's bpf_alu_string: operator text by op>>4.
var aluString = [16]string{"+=", "-=", "*=", "|=", "&=", "/=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""}

func aluStr(op asm.ALUOp) string { return aluString[(op>>4)&15] }

// checkALUOp checks and simulates one ALU or ALU64 instruction
// (check_alu_op, v6.12).
func (v *verifier) checkALUOp(ins asm.Insn) error {
	regs := &v.st.cur().regs
	op := ins.ALUOp()
	alu64 := ins.Class() == asm.BPF_ALU64
	switch {
	case op == asm.BPF_END || op == asm.BPF_NEG:
		if op == asm.BPF_NEG {
			if ins.Source() != asm.BPF_K || ins.Src != 0 || ins.Off != 0 || ins.Imm != 0 {
				return v.reject(syscall.EINVAL, "BPF_NEG uses reserved fields")
			}
		} else if ins.Src != 0 || ins.Off != 0 || (ins.Imm != 16 && ins.Imm != 32 && ins.Imm != 64) ||
			(alu64 && ins.Source() != asm.BPF_TO_LE) {
			return v.reject(syscall.EINVAL, "BPF_END uses reserved fields")
		}
		if err := v.checkRegArg(ins.Dst, srcOp); err != nil {
			return err
		}
		if v.isPointerValue(ins.Dst) {
			return v.reject(syscall.EACCES, "R%d pointer arithmetic prohibited", ins.Dst)
		}
		return v.checkRegArg(ins.Dst, dstOp)
	case op == asm.BPF_MOV:
		return v.checkMov(ins, alu64)
	case op > asm.BPF_END:
		return v.reject(syscall.EINVAL, "invalid BPF_ALU opcode %x", uint8(op))
	}
	if ins.Source() == asm.BPF_X {
		if ins.Imm != 0 || (ins.Off != 0 && ins.Off != 1) || (ins.Off == 1 && op != asm.BPF_MOD && op != asm.BPF_DIV) {
			return v.reject(syscall.EINVAL, "BPF_ALU uses reserved fields")
		}
		if err := v.checkRegArg(ins.Src, srcOp); err != nil {
			return err
		}
	} else if ins.Src != 0 || (ins.Off != 0 && ins.Off != 1) || (ins.Off == 1 && op != asm.BPF_MOD && op != asm.BPF_DIV) {
		return v.reject(syscall.EINVAL, "BPF_ALU uses reserved fields")
	}
	if err := v.checkRegArg(ins.Dst, srcOp); err != nil {
		return err
	}
	if (op == asm.BPF_MOD || op == asm.BPF_DIV) && ins.Source() == asm.BPF_K && ins.Imm == 0 {
		return v.reject(syscall.EINVAL, "div by zero")
	}
	if (op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH) && ins.Source() == asm.BPF_K {
		size := int32(32)
		if alu64 {
			size = 64
		}
		if ins.Imm < 0 || ins.Imm >= size {
			return v.reject(syscall.EINVAL, "invalid shift %d", ins.Imm)
		}
	}
	if err := v.checkRegArg(ins.Dst, dstOpNoMark); err != nil {
		return err
	}
	_ = regs
	return v.adjustRegMinMaxVals(ins)
}

// checkMov is the BPF_MOV part of check_alu_op.
func (v *verifier) checkMov(ins asm.Insn, alu64 bool) error {
	regs := &v.st.cur().regs
	if ins.Source() == asm.BPF_X {
		if !alu64 {
			if (ins.Off != 0 && ins.Off != 8 && ins.Off != 16) || ins.Imm != 0 {
				return v.reject(syscall.EINVAL, "BPF_MOV uses reserved fields")
			}
		} else if ins.Off == 1 { // BPF_ADDR_SPACE_CAST
			if ins.Imm != 1 && ins.Imm != 1<<16 {
				return v.reject(syscall.EINVAL, "addr_space_cast insn can only convert between address space 1 and 0")
			}
			return v.reject(syscall.EINVAL, "addr_space_cast insn can only be used in a program that has an associated arena")
		} else if (ins.Off != 0 && ins.Off != 8 && ins.Off != 16 && ins.Off != 32) || ins.Imm != 0 {
			return v.reject(syscall.EINVAL, "BPF_MOV uses reserved fields")
		}
		if err := v.checkRegArg(ins.Src, srcOp); err != nil {
			return err
		}
	} else if ins.Src != 0 || ins.Off != 0 {
		return v.reject(syscall.EINVAL, "BPF_MOV uses reserved fields")
	}
	if err := v.checkRegArg(ins.Dst, dstOpNoMark); err != nil {
		return err
	}
	dst := &regs[ins.Dst]
	if ins.Source() == asm.BPF_K {
		*dst = regState{typ: ScalarValue}
		if alu64 {
			dst.markKnown(uint64(int64(ins.Imm)))
		} else {
			dst.markKnown(uint64(uint32(ins.Imm)))
		}
		return nil
	}
	src := regs[ins.Src]
	if alu64 {
		switch {
		case ins.Off == 0:
			v.assignScalarIDBeforeMov(&regs[ins.Src])
			*dst = regs[ins.Src]
		case src.isPointer():
			if v.isPointerValue(ins.Src) {
				return v.reject(syscall.EACCES, "R%d sign-extension part of pointer", ins.Src)
			}
			dst.markUnknown()
		default:
			noSext := src.umax < uint64(1)<<(ins.Off-1)
			if noSext {
				v.assignScalarIDBeforeMov(&regs[ins.Src])
			}
			*dst = regs[ins.Src]
			if !noSext {
				dst.id = 0
			}
			dst.coerceRegToSizeSX(int(ins.Off) / 8)
		}
		return nil
	}
	if src.isPointer() {
		if v.isPointerValue(ins.Src) {
			return v.reject(syscall.EACCES, "R%d partial copy of pointer", ins.Src)
		}
		dst.markUnknown()
	} else if ins.Off == 0 {
		is32 := src.umax <= math.MaxUint32
		if is32 {
			v.assignScalarIDBeforeMov(&regs[ins.Src])
		}
		*dst = regs[ins.Src]
		if !is32 {
			dst.id = 0
		}
	} else {
		noSext := src.umax < uint64(1)<<(ins.Off-1)
		if noSext {
			v.assignScalarIDBeforeMov(&regs[ins.Src])
		}
		*dst = regs[ins.Src]
		if !noSext {
			dst.id = 0
		}
		dst.coerceSubregToSizeSX(int(ins.Off) / 8)
	}
	dst.zext32To64()
	dst.regBoundsSync()
	return nil
}

// assignScalarIDBeforeMov gives an unknown scalar an id before it is copied,
// so that what a branch learns about one copy applies to the others
// (assign_scalar_id_before_mov).
func (v *verifier) assignScalarIDBeforeMov(src *regState) {
	if src.typ == ScalarValue && src.id == 0 && !src.varOff.IsConst() {
		v.idGen++
		src.id = v.idGen
	}
}

// isPointerValue is is_pointer_value: true only when pointer leaks are not
// allowed (unprivileged) and the register holds a pointer.
func (v *verifier) isPointerValue(r asm.Reg) bool {
	return !v.allowPtrLeaks && v.st.cur().regs[r].isPointer()
}

// adjustRegMinMaxVals dispatches a binary ALU operation to the scalar or
// pointer arithmetic (adjust_reg_min_max_vals, v6.12).
func (v *verifier) adjustRegMinMaxVals(ins asm.Insn) error {
	regs := &v.st.cur().regs
	op := ins.ALUOp()
	dst := &regs[ins.Dst]
	var src regState
	if ins.Source() == asm.BPF_X {
		src = regs[ins.Src]
		if src.typ != ScalarValue {
			if dst.typ != ScalarValue {
				if op == asm.BPF_SUB && v.allowPtrLeaks {
					dst.markUnknown()
					return nil
				}
				return v.reject(syscall.EACCES, "R%d pointer %s pointer prohibited", ins.Dst, aluStr(op))
			}
			off := *dst
			return v.adjustPtrMinMaxVals(ins, src, off)
		}
		if dst.typ != ScalarValue {
			return v.adjustPtrMinMaxVals(ins, *dst, src)
		}
	} else {
		src = scalarConst(uint64(int64(ins.Imm)))
		if dst.typ != ScalarValue {
			return v.adjustPtrMinMaxVals(ins, *dst, src)
		}
	}
	v.adjustScalarMinMaxVals(ins, dst, src)
	dst.id = 0
	dst.off = 0
	return nil
}

// checkRegSaneOffset is check_reg_sane_offset.
func (v *verifier) checkRegSaneOffset(reg *regState, typeStr string) error {
	known := reg.varOff.IsConst()
	val := int64(reg.varOff.Value)
	if known && (val >= maxVarOff || val <= -maxVarOff) {
		return v.reject(syscall.EACCES, "math between %s pointer and %d is not allowed", typeStr, val)
	}
	if reg.off >= maxVarOff || reg.off <= -maxVarOff {
		return v.reject(syscall.EACCES, "%s pointer offset %d is not allowed", typeStr, reg.off)
	}
	if reg.smin == math.MinInt64 {
		return v.reject(syscall.EACCES, "math between %s pointer and register with unbounded min value is not allowed", typeStr)
	}
	if reg.smin >= maxVarOff || reg.smin <= -maxVarOff {
		return v.reject(syscall.EACCES, "value %d makes %s pointer be out of bounds", reg.smin, typeStr)
	}
	return nil
}

// maxVarOff is BPF_MAX_VAR_OFF.
const maxVarOff = 1 << 29

// adjustPtrMinMaxVals is pointer ± scalar (adjust_ptr_min_max_vals, v6.12).
func (v *verifier) adjustPtrMinMaxVals(ins asm.Insn, ptr, offReg regState) error {
	regs := &v.st.cur().regs
	dst := &regs[ins.Dst]
	op := ins.ALUOp()
	known := offReg.varOff.IsConst()
	sminVal, smaxVal := offReg.smin, offReg.smax
	uminVal, umaxVal := offReg.umin, offReg.umax
	if (known && (sminVal != smaxVal || uminVal != umaxVal)) || sminVal > smaxVal || uminVal > umaxVal {
		dst.markUnknown()
		return nil
	}
	if ins.Class() != asm.BPF_ALU64 {
		if op == asm.BPF_SUB && v.allowPtrLeaks {
			dst.markUnknown()
			return nil
		}
		return v.reject(syscall.EACCES, "R%d 32-bit pointer arithmetic prohibited", ins.Dst)
	}
	if ptr.maybeNull {
		return v.reject(syscall.EACCES, "R%d pointer arithmetic on %s prohibited, null-check it first", ins.Dst, ptr.typeStr())
	}
	switch ptr.typ {
	case PtrToCtx, PtrToMapValue, PtrToMapKey, PtrToStack, PtrToPacketMeta, PtrToPacket, PtrToMem, PtrToFunc:
	case PtrToFlowKeys:
		if !known {
			return v.reject(syscall.EACCES, "R%d pointer arithmetic on %s prohibited", ins.Dst, ptr.typeStr())
		}
	case ConstPtrToMap:
		if !(known && sminVal == 0 && op == asm.BPF_ADD) {
			return v.reject(syscall.EACCES, "R%d pointer arithmetic on %s prohibited", ins.Dst, ptr.typeStr())
		}
	default:
		return v.reject(syscall.EACCES, "R%d pointer arithmetic on %s prohibited", ins.Dst, ptr.typeStr())
	}
	ts := ptr.typeStr()
	if err := v.checkRegSaneOffset(&offReg, ts); err != nil {
		return err
	}
	if err := v.checkRegSaneOffset(&ptr, ts); err != nil {
		return err
	}
	res := ptr
	res.mark32Unbounded()
	switch op {
	case asm.BPF_ADD:
		if known && int64(ptr.off)+sminVal == int64(int32(int64(ptr.off)+sminVal)) {
			res.off = ptr.off + int32(sminVal)
			break
		}
		s1, o1 := addOverflowS64(ptr.smin, sminVal)
		s2, o2 := addOverflowS64(ptr.smax, smaxVal)
		if o1 || o2 {
			res.smin, res.smax = math.MinInt64, math.MaxInt64
		} else {
			res.smin, res.smax = s1, s2
		}
		u1, c1 := bits.Add64(ptr.umin, uminVal, 0)
		u2, c2 := bits.Add64(ptr.umax, umaxVal, 0)
		if c1 != 0 || c2 != 0 {
			res.umin, res.umax = 0, math.MaxUint64
		} else {
			res.umin, res.umax = u1, u2
		}
		res.varOff = ptr.varOff.Add(offReg.varOff)
		if ptr.isPkt() {
			v.idGen++
			res.id = v.idGen
			res.rng = 0
		}
	case asm.BPF_SUB:
		if regs[ins.Dst].typ == ScalarValue {
			return v.reject(syscall.EACCES, "R%d tried to subtract pointer from scalar", ins.Dst)
		}
		if ptr.typ == PtrToStack {
			return v.reject(syscall.EACCES, "R%d subtraction from stack pointer prohibited", ins.Dst)
		}
		if known && int64(ptr.off)-sminVal == int64(int32(int64(ptr.off)-sminVal)) {
			res.off = ptr.off - int32(sminVal)
			break
		}
		s1, o1 := subOverflowS64(ptr.smin, smaxVal)
		s2, o2 := subOverflowS64(ptr.smax, sminVal)
		if o1 || o2 {
			res.smin, res.smax = math.MinInt64, math.MaxInt64
		} else {
			res.smin, res.smax = s1, s2
		}
		if ptr.umin < umaxVal {
			res.umin, res.umax = 0, math.MaxUint64
		} else {
			res.umin, res.umax = ptr.umin-umaxVal, ptr.umax-uminVal
		}
		res.varOff = ptr.varOff.Sub(offReg.varOff)
		if ptr.isPkt() {
			v.idGen++
			res.id = v.idGen
			if sminVal < 0 {
				res.rng = 0
			}
		}
	case asm.BPF_AND, asm.BPF_OR, asm.BPF_XOR:
		return v.reject(syscall.EACCES, "R%d bitwise operator %s on pointer prohibited", ins.Dst, aluStr(op))
	default:
		return v.reject(syscall.EACCES, "R%d pointer arithmetic with %s operator prohibited", ins.Dst, aluStr(op))
	}
	if err := v.checkRegSaneOffset(&res, ts); err != nil {
		return err
	}
	res.regBoundsSync()
	*dst = res
	return nil
}

func addOverflowS64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func subOverflowS64(a, b int64) (int64, bool) {
	s := a - b
	return s, (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0)
}

func addOverflowS32(a, b int32) (int32, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func subOverflowS32(a, b int32) (int32, bool) {
	s := a - b
	return s, (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0)
}

// isSafeToComputeDstRegRange is is_safe_to_compute_dst_reg_range: the
// operations whose result bounds are tracked.
func isSafeToComputeDstRegRange(ins asm.Insn, src *regState) bool {
	alu64 := ins.Class() == asm.BPF_ALU64
	var srcConst bool
	width := uint64(32)
	if alu64 {
		width = 64
		srcConst = src.varOff.IsConst() && src.smin == src.smax && src.umin == src.umax
	} else {
		srcConst = src.varOff.Subreg().IsConst() && src.s32min == src.s32max && src.u32min == src.u32max
	}
	switch ins.ALUOp() {
	case asm.BPF_ADD, asm.BPF_SUB, asm.BPF_AND, asm.BPF_XOR, asm.BPF_OR, asm.BPF_MUL:
		return true
	case asm.BPF_LSH, asm.BPF_RSH, asm.BPF_ARSH:
		if alu64 {
			return srcConst && src.umax < width
		}
		return srcConst && uint64(src.u32max) < width
	}
	return false
}

// adjustScalarMinMaxVals computes the bounds of a scalar operation
// (adjust_scalar_min_max_vals, v6.12); every step over-approximates.
func (v *verifier) adjustScalarMinMaxVals(ins asm.Insn, dst *regState, src regState) {
	alu32 := ins.Class() != asm.BPF_ALU64
	if !isSafeToComputeDstRegRange(ins, &src) {
		dst.markUnknown()
		return
	}
	switch ins.ALUOp() {
	case asm.BPF_ADD:
		scalar32Add(dst, &src)
		scalarAdd(dst, &src)
		dst.varOff = dst.varOff.Add(src.varOff)
	case asm.BPF_SUB:
		scalar32Sub(dst, &src)
		scalarSub(dst, &src)
		dst.varOff = dst.varOff.Sub(src.varOff)
	case asm.BPF_MUL:
		dst.varOff = dst.varOff.Mul(src.varOff)
		scalar32Mul(dst, &src)
		scalarMul(dst, &src)
	case asm.BPF_AND:
		if src.varOff.IsConst() {
			v.maybeForkScalars(ins, dst)
		}
		dst.varOff = dst.varOff.And(src.varOff)
		scalar32And(dst, &src)
		scalarAnd(dst, &src)
	case asm.BPF_OR:
		if src.varOff.IsConst() {
			v.maybeForkScalars(ins, dst)
		}
		dst.varOff = dst.varOff.Or(src.varOff)
		scalar32Or(dst, &src)
		scalarOr(dst, &src)
	case asm.BPF_XOR:
		dst.varOff = dst.varOff.Xor(src.varOff)
		scalar32Xor(dst, &src)
		scalarXor(dst, &src)
	case asm.BPF_LSH:
		if alu32 {
			scalar32Lsh(dst, &src)
		} else {
			scalarLsh(dst, &src)
		}
	case asm.BPF_RSH:
		if alu32 {
			scalar32Rsh(dst, &src)
		} else {
			scalarRsh(dst, &src)
		}
	case asm.BPF_ARSH:
		if alu32 {
			scalar32Arsh(dst, &src)
		} else {
			scalarArsh(dst, &src)
		}
	}
	if alu32 {
		dst.zext32To64()
	}
	dst.regBoundsSync()
}

// maybeForkScalars splits a register known to be 0 or -1 into two paths
// before and/or with a constant (maybe_fork_scalars).
func (v *verifier) maybeForkScalars(ins asm.Insn, dst *regState) {
	var alu32 bool
	switch {
	case dst.smin == -1 && dst.smax == 0:
	case dst.s32min == -1 && dst.s32max == 0:
		alu32 = true
	default:
		return
	}
	br := v.pushStack(v.insnIdx, v.insnIdx)
	if br == nil {
		return
	}
	other := &br.cur().regs[ins.Dst]
	if alu32 {
		other.markReg32Known(0)
		dst.markReg32Known(math.MaxUint32)
	} else {
		other.markKnown(0)
		dst.markKnown(math.MaxUint64)
	}
}

func scalar32Add(d, s *regState) {
	a, o1 := addOverflowS32(d.s32min, s.s32min)
	b, o2 := addOverflowS32(d.s32max, s.s32max)
	if o1 || o2 {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	} else {
		d.s32min, d.s32max = a, b
	}
	ua, c1 := bits.Add32(d.u32min, s.u32min, 0)
	ub, c2 := bits.Add32(d.u32max, s.u32max, 0)
	if c1 != 0 || c2 != 0 {
		d.u32min, d.u32max = 0, math.MaxUint32
	} else {
		d.u32min, d.u32max = ua, ub
	}
}

func scalarAdd(d, s *regState) {
	a, o1 := addOverflowS64(d.smin, s.smin)
	b, o2 := addOverflowS64(d.smax, s.smax)
	if o1 || o2 {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	} else {
		d.smin, d.smax = a, b
	}
	ua, c1 := bits.Add64(d.umin, s.umin, 0)
	ub, c2 := bits.Add64(d.umax, s.umax, 0)
	if c1 != 0 || c2 != 0 {
		d.umin, d.umax = 0, math.MaxUint64
	} else {
		d.umin, d.umax = ua, ub
	}
}

func scalar32Sub(d, s *regState) {
	a, o1 := subOverflowS32(d.s32min, s.s32max)
	b, o2 := subOverflowS32(d.s32max, s.s32min)
	if o1 || o2 {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	} else {
		d.s32min, d.s32max = a, b
	}
	if d.u32min < s.u32max {
		d.u32min, d.u32max = 0, math.MaxUint32
	} else {
		d.u32min, d.u32max = d.u32min-s.u32max, d.u32max-s.u32min
	}
}

func scalarSub(d, s *regState) {
	a, o1 := subOverflowS64(d.smin, s.smax)
	b, o2 := subOverflowS64(d.smax, s.smin)
	if o1 || o2 {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	} else {
		d.smin, d.smax = a, b
	}
	if d.umin < s.umax {
		d.umin, d.umax = 0, math.MaxUint64
	} else {
		d.umin, d.umax = d.umin-s.umax, d.umax-s.umin
	}
}

func scalar32Mul(d, s *regState) {
	if s.s32min < 0 || d.s32min < 0 {
		d.mark32Unbounded()
		return
	}
	if s.u32max > math.MaxUint16 || d.u32max > math.MaxUint16 {
		d.mark32Unbounded()
		return
	}
	d.u32min *= s.u32min
	d.u32max *= s.u32max
	if d.u32max > math.MaxInt32 {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	} else {
		d.s32min, d.s32max = int32(d.u32min), int32(d.u32max)
	}
}

func scalarMul(d, s *regState) {
	if s.smin < 0 || d.smin < 0 {
		d.mark64Unbounded()
		return
	}
	if s.umax > math.MaxUint32 || d.umax > math.MaxUint32 {
		d.mark64Unbounded()
		return
	}
	d.umin *= s.umin
	d.umax *= s.umax
	if d.umax > math.MaxInt64 {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	} else {
		d.smin, d.smax = int64(d.umin), int64(d.umax)
	}
}

func scalar32And(d, s *regState) {
	vo := d.varOff.Subreg()
	if s.varOff.Subreg().IsConst() && vo.IsConst() {
		d.markReg32Known(uint32(vo.Value))
		return
	}
	d.u32min = uint32(vo.Value)
	d.u32max = minU32(d.u32max, s.u32max)
	if int32(d.u32min) <= int32(d.u32max) {
		d.s32min, d.s32max = int32(d.u32min), int32(d.u32max)
	} else {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	}
}

func scalarAnd(d, s *regState) {
	if s.varOff.IsConst() && d.varOff.IsConst() {
		d.markKnownKeepType(d.varOff.Value)
		return
	}
	d.umin = d.varOff.Value
	d.umax = minU64(d.umax, s.umax)
	if int64(d.umin) <= int64(d.umax) {
		d.smin, d.smax = int64(d.umin), int64(d.umax)
	} else {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	}
	d.updateRegBounds()
}

func scalar32Or(d, s *regState) {
	vo := d.varOff.Subreg()
	if s.varOff.Subreg().IsConst() && vo.IsConst() {
		d.markReg32Known(uint32(vo.Value))
		return
	}
	d.u32min = maxU32(d.u32min, s.u32min)
	d.u32max = uint32(vo.Value | vo.Mask)
	if int32(d.u32min) <= int32(d.u32max) {
		d.s32min, d.s32max = int32(d.u32min), int32(d.u32max)
	} else {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	}
}

func scalarOr(d, s *regState) {
	if s.varOff.IsConst() && d.varOff.IsConst() {
		d.markKnownKeepType(d.varOff.Value)
		return
	}
	d.umin = maxU64(d.umin, s.umin)
	d.umax = d.varOff.Value | d.varOff.Mask
	if int64(d.umin) <= int64(d.umax) {
		d.smin, d.smax = int64(d.umin), int64(d.umax)
	} else {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	}
	d.updateRegBounds()
}

func scalar32Xor(d, s *regState) {
	vo := d.varOff.Subreg()
	if s.varOff.Subreg().IsConst() && vo.IsConst() {
		d.markReg32Known(uint32(vo.Value))
		return
	}
	d.u32min = uint32(vo.Value)
	d.u32max = uint32(vo.Value | vo.Mask)
	if int32(d.u32min) <= int32(d.u32max) {
		d.s32min, d.s32max = int32(d.u32min), int32(d.u32max)
	} else {
		d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	}
}

func scalarXor(d, s *regState) {
	if s.varOff.IsConst() && d.varOff.IsConst() {
		d.markKnownKeepType(d.varOff.Value)
		return
	}
	d.umin = d.varOff.Value
	d.umax = d.varOff.Value | d.varOff.Mask
	if int64(d.umin) <= int64(d.umax) {
		d.smin, d.smax = int64(d.umin), int64(d.umax)
	} else {
		d.smin, d.smax = math.MinInt64, math.MaxInt64
	}
	d.updateRegBounds()
}

// markKnownKeepType sets the value bounds to the constant v without
// touching ids (the bounds part of __mark_reg_known).
func (r *regState) markKnownKeepType(v uint64) {
	r.varOff = tnum.Const(v)
	r.smin, r.smax = int64(v), int64(v)
	r.umin, r.umax = v, v
	r.s32min, r.s32max = int32(v), int32(v)
	r.u32min, r.u32max = uint32(v), uint32(v)
}

func scalar32Lsh(d, s *regState) {
	sh := s.u32min
	d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	if uint64(d.u32max) > uint64(1)<<(31-s.u32max) {
		d.u32min, d.u32max = 0, math.MaxUint32
	} else {
		d.u32min <<= sh
		d.u32max <<= s.u32max
	}
	d.varOff = d.varOff.Subreg().Lshift(uint8(sh)).Subreg()
	d.mark64Unbounded()
	d.updateReg32Bounds()
}

func scalarLsh(d, s *regState) {
	sh := s.umin
	d.smin, d.smax = math.MinInt64, math.MaxInt64
	if d.umax > uint64(1)<<(63-s.umax) {
		d.umin, d.umax = 0, math.MaxUint64
	} else {
		d.umin <<= sh
		d.umax <<= s.umax
	}
	d.varOff = d.varOff.Lshift(uint8(sh))
	d.mark32Unbounded()
	d.updateRegBounds()
}

func scalar32Rsh(d, s *regState) {
	d.s32min, d.s32max = math.MinInt32, math.MaxInt32
	d.varOff = d.varOff.Subreg().Rshift(uint8(s.u32min))
	d.u32min >>= s.u32max
	d.u32max >>= s.u32min
	d.mark64Unbounded()
	d.updateReg32Bounds()
}

func scalarRsh(d, s *regState) {
	d.smin, d.smax = math.MinInt64, math.MaxInt64
	d.varOff = d.varOff.Rshift(uint8(s.umin))
	d.umin >>= s.umax
	d.umax >>= s.umin
	d.mark32Unbounded()
	d.updateRegBounds()
}

func scalar32Arsh(d, s *regState) {
	sh := uint8(s.u32min)
	d.s32min >>= sh
	d.s32max >>= sh
	d.varOff = d.varOff.Subreg().Arshift(sh, 32).Subreg()
	d.u32min, d.u32max = 0, math.MaxUint32
	d.mark64Unbounded()
	d.updateReg32Bounds()
}

func scalarArsh(d, s *regState) {
	sh := uint8(s.umin)
	d.smin >>= sh
	d.smax >>= sh
	d.varOff = d.varOff.Arshift(sh, 64)
	d.umin, d.umax = 0, math.MaxUint64
	d.mark32Unbounded()
	d.updateRegBounds()
}
