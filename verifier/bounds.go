package verifier

import (
	"math"

	"github.com/bpflab/bpflab/verifier/tnum"
)

func maxS64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
func minS64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
func maxU64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
func minU64(a, b uint64) uint64 {
	if a < b {
		return a
	}
	return b
}
func maxS32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
func minS32(a, b int32) int32 {
	if a < b {
		return a
	}
	return b
}
func maxU32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}
func minU32(a, b uint32) uint32 {
	if a < b {
		return a
	}
	return b
}

// updateReg32Bounds narrows the 32-bit bounds with the known bits
// (__update_reg32_bounds, v6.12).
func (r *regState) updateReg32Bounds() {
	v := r.varOff.Subreg()
	r.s32min = maxS32(r.s32min, int32(uint32(v.Value|(v.Mask&(1<<31)))))
	r.s32max = minS32(r.s32max, int32(uint32(v.Value|(v.Mask&(1<<31-1)))))
	r.u32min = maxU32(r.u32min, uint32(v.Value))
	r.u32max = minU32(r.u32max, uint32(v.Value|v.Mask))
}

// updateReg64Bounds is __update_reg64_bounds.
func (r *regState) updateReg64Bounds() {
	v := r.varOff
	r.smin = maxS64(r.smin, int64(v.Value|(v.Mask&(1<<63))))
	r.smax = minS64(r.smax, int64(v.Value|(v.Mask&(1<<63-1))))
	r.umin = maxU64(r.umin, v.Value)
	r.umax = minU64(r.umax, v.Value|v.Mask)
}

func (r *regState) updateRegBounds() {
	r.updateReg32Bounds()
	r.updateReg64Bounds()
}

// reg32DeduceBounds learns 32-bit bounds from the 64-bit ones and from each
// other (__reg32_deduce_bounds, v6.12).
func (r *regState) reg32DeduceBounds() {
	if r.umin>>32 == r.umax>>32 {
		r.u32min = maxU32(r.u32min, uint32(r.umin))
		r.u32max = minU32(r.u32max, uint32(r.umax))
		if int32(r.umin) <= int32(r.umax) {
			r.s32min = maxS32(r.s32min, int32(r.umin))
			r.s32max = minS32(r.s32max, int32(r.umax))
		}
	}
	if r.smin>>32 == r.smax>>32 {
		if uint32(r.smin) <= uint32(r.smax) {
			r.u32min = maxU32(r.u32min, uint32(r.smin))
			r.u32max = minU32(r.u32max, uint32(r.smax))
		}
		if int32(r.smin) <= int32(r.smax) {
			r.s32min = maxS32(r.s32min, int32(r.smin))
			r.s32max = minS32(r.s32max, int32(r.smax))
		}
	}
	// A range that crosses one 32-bit boundary upwards from a negative low
	// half to a non-negative one is still a contiguous s32 range.
	if uint32(r.umin>>32)+1 == uint32(r.umax>>32) && int32(r.umin) < 0 && int32(r.umax) >= 0 {
		r.s32min = maxS32(r.s32min, int32(r.umin))
		r.s32max = minS32(r.s32max, int32(r.umax))
	}
	if uint32(r.smin>>32)+1 == uint32(r.smax>>32) && int32(r.smin) < 0 && int32(r.smax) >= 0 {
		r.s32min = maxS32(r.s32min, int32(r.smin))
		r.s32max = minS32(r.s32max, int32(r.smax))
	}
	if int32(r.u32min) <= int32(r.u32max) {
		r.s32min = maxS32(r.s32min, int32(r.u32min))
		r.s32max = minS32(r.s32max, int32(r.u32max))
	}
	if uint32(r.s32min) <= uint32(r.s32max) {
		r.u32min = maxU32(r.u32min, uint32(r.s32min))
		r.u32max = minU32(r.u32max, uint32(r.s32max))
	}
}

// reg64DeduceBounds is __reg64_deduce_bounds.
func (r *regState) reg64DeduceBounds() {
	if int64(r.umin) <= int64(r.umax) {
		r.smin = maxS64(r.smin, int64(r.umin))
		r.smax = minS64(r.smax, int64(r.umax))
	}
	if uint64(r.smin) <= uint64(r.smax) {
		r.umin = maxU64(r.umin, uint64(r.smin))
		r.umax = minU64(r.umax, uint64(r.smax))
	} else {
		// The signed range wraps in unsigned terms; an unsigned range
		// entirely on one side of the wrap picks one half.
		if r.umax < uint64(r.smin) {
			r.smin = int64(r.umin)
			r.umax = minU64(r.umax, uint64(r.smax))
		} else if uint64(r.smax) < r.umin {
			r.smax = int64(r.umax)
			r.umin = maxU64(r.umin, uint64(r.smin))
		}
	}
}

// regDeduceMixedBounds tightens the 64-bit bounds with the low 32 bits'
// ranges (__reg_deduce_mixed_bounds).
func (r *regState) regDeduceMixedBounds() {
	const hi = ^uint64(0xffffffff)
	nu := (r.umin & hi) | uint64(r.u32min)
	nx := (r.umax & hi) | uint64(r.u32max)
	r.umin = maxU64(r.umin, nu)
	r.umax = minU64(r.umax, nx)
	ns := int64((uint64(r.smin) & hi) | uint64(r.u32min))
	nm := int64((uint64(r.smax) & hi) | uint64(r.u32max))
	r.smin = maxS64(r.smin, ns)
	r.smax = minS64(r.smax, nm)
	if uint32(r.s32min) <= uint32(r.s32max) {
		nu = (r.umin & hi) | uint64(uint32(r.s32min))
		nx = (r.umax & hi) | uint64(uint32(r.s32max))
		r.umin = maxU64(r.umin, nu)
		r.umax = minU64(r.umax, nx)
		ns = int64((uint64(r.smin) & hi) | uint64(uint32(r.s32min)))
		nm = int64((uint64(r.smax) & hi) | uint64(uint32(r.s32max)))
		r.smin = maxS64(r.smin, ns)
		r.smax = minS64(r.smax, nm)
	}
}

func (r *regState) regDeduceBounds() {
	r.reg32DeduceBounds()
	r.reg64DeduceBounds()
	r.regDeduceMixedBounds()
}

// regBoundOffset learns known bits from the intervals (__reg_bound_offset).
func (r *regState) regBoundOffset() {
	v64 := r.varOff.Intersect(tnum.Range(r.umin, r.umax))
	v32 := v64.Subreg().Intersect(tnum.Range(uint64(r.u32min), uint64(r.u32max)))
	r.varOff = v64.ClearSubreg().Or(v32)
}

// regBoundsSync makes the tnum and the four intervals agree
// (reg_bounds_sync, v6.12).
func (r *regState) regBoundsSync() {
	r.updateRegBounds()
	r.regDeduceBounds()
	r.regDeduceBounds()
	r.regDeduceBounds()
	r.regBoundOffset()
	r.updateRegBounds()
}

// boundsSane reports whether the ranges are non-empty (reg_bounds_sanity_check
// without the message): an empty range means a path that cannot happen.
func (r *regState) boundsSane() bool {
	if r.umin > r.umax || r.smin > r.smax || r.u32min > r.u32max || r.s32min > r.s32max {
		return false
	}
	if r.varOff.Value&r.varOff.Mask != 0 {
		return false
	}
	if r.umin > r.varOff.Max() || r.umax < r.varOff.Min() {
		return false
	}
	return true
}

// varOffWithin reports whether the tnum is still consistent (used by branch
// refinement to detect impossible branches).

// zext32To64 zero-extends the low half into the full register after a
// 32-bit operation (zext_32_to_64).
func (r *regState) zext32To64() {
	r.varOff = r.varOff.Subreg()
	r.umin, r.umax = uint64(r.u32min), uint64(r.u32max)
	r.smin, r.smax = int64(r.umin), int64(r.umax)
}

// coerceRegToSize truncates a scalar to size bytes, zero-extending
// (coerce_reg_to_size).
func (r *regState) coerceRegToSize(size int) {
	r.varOff = r.varOff.Cast(uint8(size))
	mask := uint64(math.MaxUint64)
	if size < 8 {
		mask = uint64(1)<<(size*8) - 1
	}
	if r.umin&^mask == r.umax&^mask {
		r.umin &= mask
		r.umax &= mask
	} else {
		r.umin = 0
		r.umax = mask
	}
	r.smin, r.smax = int64(r.umin), int64(r.umax)
	if size >= 4 {
		// The 32-bit bounds stay as they are for a 4-byte cast.
		if size == 4 {
			return
		}
	}
	// Below four bytes the 32-bit view is the same range.
	if size < 4 {
		r.u32min, r.u32max = uint32(r.umin), uint32(r.umax)
		r.s32min, r.s32max = int32(r.u32min), int32(r.u32max)
	}
}

// signExtend sign-extends x from size bytes.
func signExtend(x uint64, size int) int64 {
	s := uint(64 - 8*size)
	return int64(x<<s) >> s
}

// coerceRegToSizeSX sign-extends the low size bytes of a scalar into the
// whole register (coerce_reg_to_size_sx): exact when the range does not
// straddle a sign change of the truncated value, otherwise the full signed
// range of that width.
func (r *regState) coerceRegToSizeSX(size int) {
	if r.varOff.IsConst() {
		r.markKnown(uint64(signExtend(r.varOff.Value, size)))
		return
	}
	lo := int64(-1) << (8*size - 1)
	hi := -lo - 1
	mask := uint64(1)<<(8*size) - 1
	sameTop := r.umin&^mask == r.umax&^mask
	smin, smax := signExtend(r.umin&mask, size), signExtend(r.umax&mask, size)
	r.markUnknownBoundsOnly()
	if sameTop && smin <= smax {
		r.smin, r.smax = smin, smax
	} else {
		r.smin, r.smax = lo, hi
	}
	r.varOff = tnum.Unknown
	r.regBoundsSync()
}

// coerceSubregToSizeSX is coerceRegToSizeSX for the low 32 bits
// (coerce_subreg_to_size_sx); the upper half becomes zero.
func (r *regState) coerceSubregToSizeSX(size int) {
	v := uint64(uint32(r.umin))
	if r.varOff.IsConst() {
		r.markKnown(uint64(uint32(int32(signExtend(r.varOff.Value, size)))))
		return
	}
	_ = v
	lo := int32(-1) << (8*size - 1)
	hi := -lo - 1
	mask := uint32(1)<<(8*size) - 1
	u32min, u32max := r.u32min, r.u32max
	sameTop := u32min&^mask == u32max&^mask
	smin, smax := int32(signExtend(uint64(u32min&mask), size)), int32(signExtend(uint64(u32max&mask), size))
	r.markUnknownBoundsOnly()
	if sameTop && smin <= smax {
		r.s32min, r.s32max = smin, smax
	} else {
		r.s32min, r.s32max = lo, hi
	}
	r.varOff = tnum.Unknown.Subreg()
	r.umax = math.MaxUint32
	r.smin, r.smax = 0, math.MaxUint32
	r.regBoundsSync()
}

// markUnknownBoundsOnly widens every bound, keeping type and ids.
func (r *regState) markUnknownBoundsOnly() {
	r.varOff = tnum.Unknown
	r.markUnbounded()
}

// markReg32Known sets the low 32 bits to v, leaving the rest unknown
// (__mark_reg32_known).
func (r *regState) markReg32Known(v uint32) {
	r.varOff = r.varOff.ConstSubreg(v)
	r.s32min, r.s32max = int32(v), int32(v)
	r.u32min, r.u32max = v, v
}
