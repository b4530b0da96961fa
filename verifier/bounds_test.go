package verifier

import (
	"fmt"
	"math"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/verifier/tnum"
)

// contains reports whether the concrete 64-bit value x is allowed by every
// view of the abstract scalar r.
func contains(r *regState, x uint64) bool {
	return r.varOff.Contains(x) &&
		r.umin <= x && x <= r.umax &&
		r.smin <= int64(x) && int64(x) <= r.smax &&
		r.u32min <= uint32(x) && uint32(x) <= r.u32max &&
		r.s32min <= int32(x) && int32(x) <= r.s32max
}

// abstract builds the scalar the verifier would have for the values vals,
// from their hull in every view, synced like reg_bounds_sync.
func abstract(vals []uint64) regState {
	r := regState{typ: ScalarValue}
	r.umin, r.smin, r.u32min, r.s32min = math.MaxUint64, math.MaxInt64, math.MaxUint32, math.MaxInt32
	r.umax, r.smax, r.u32max, r.s32max = 0, math.MinInt64, 0, math.MinInt32
	and, or := ^uint64(0), uint64(0)
	for _, x := range vals {
		r.umin, r.umax = min(r.umin, x), max(r.umax, x)
		r.smin, r.smax = min(r.smin, int64(x)), max(r.smax, int64(x))
		r.u32min, r.u32max = min(r.u32min, uint32(x)), max(r.u32max, uint32(x))
		r.s32min, r.s32max = min(r.s32min, int32(x)), max(r.s32max, int32(x))
		and &= x
		or |= x
	}
	r.varOff = tnum.Tnum{Value: and, Mask: and ^ or}
	r.regBoundsSync()
	return r
}

// sampleSets are value sets around the interesting boundaries: zero, the
// 32-bit and 64-bit sign changes and wrap-arounds.
func sampleSets() [][]uint64 {
	pts := []uint64{0, 1, 2, 3, 7, 8, 255, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x100000005,
		math.MaxInt64, 1 << 63, math.MaxUint64 - 1, math.MaxUint64, math.MaxUint64 - 7}
	if testing.Short() {
		// Fewer boundaries, still both sign changes.
		pts = []uint64{0, 1, 0x7fffffff, 0x80000000, 0xffffffff, math.MaxInt64, 1 << 63, math.MaxUint64}
	}
	var sets [][]uint64
	for i := range pts {
		sets = append(sets, []uint64{pts[i]})
		for j := i + 1; j < len(pts); j++ {
			sets = append(sets, []uint64{pts[i], pts[j]})
			if j+1 < len(pts) {
				sets = append(sets, []uint64{pts[i], pts[j], pts[j+1]})
			}
		}
	}
	return sets
}

func aluConcrete(op asm.ALUOp, alu64 bool, x, y uint64) (uint64, bool) {
	if !alu64 {
		a, b := uint32(x), uint32(y)
		var r uint32
		switch op {
		case asm.BPF_ADD:
			r = a + b
		case asm.BPF_SUB:
			r = a - b
		case asm.BPF_MUL:
			r = a * b
		case asm.BPF_AND:
			r = a & b
		case asm.BPF_OR:
			r = a | b
		case asm.BPF_XOR:
			r = a ^ b
		case asm.BPF_LSH:
			r = a << (b & 31)
		case asm.BPF_RSH:
			r = a >> (b & 31)
		case asm.BPF_ARSH:
			r = uint32(int32(a) >> (b & 31))
		default:
			return 0, false
		}
		return uint64(r), true
	}
	switch op {
	case asm.BPF_ADD:
		return x + y, true
	case asm.BPF_SUB:
		return x - y, true
	case asm.BPF_MUL:
		return x * y, true
	case asm.BPF_AND:
		return x & y, true
	case asm.BPF_OR:
		return x | y, true
	case asm.BPF_XOR:
		return x ^ y, true
	case asm.BPF_LSH:
		return x << (y & 63), true
	case asm.BPF_RSH:
		return x >> (y & 63), true
	case asm.BPF_ARSH:
		return uint64(int64(x) >> (y & 63)), true
	}
	return 0, false
}

// TestScalarALUSoundness checks adjustScalarMinMaxVals: for abstract
// scalars built from value sets, every concrete result of the operation
// on members must be a member of the abstract result.
func TestScalarALUSoundness(t *testing.T) {
	ops := []asm.ALUOp{asm.BPF_ADD, asm.BPF_SUB, asm.BPF_MUL, asm.BPF_AND, asm.BPF_OR, asm.BPF_XOR, asm.BPF_LSH, asm.BPF_RSH, asm.BPF_ARSH}
	sets := sampleSets()
	shifts := [][]uint64{{0}, {1}, {3}, {31}, {32}, {63}}
	v := &verifier{}
	v.st = &state{frames: []*funcState{{}}}
	for _, alu64 := range []bool{true, false} {
		cls := asm.BPF_ALU
		if alu64 {
			cls = asm.BPF_ALU64
		}
		for _, op := range ops {
			srcSets := sets
			if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH {
				srcSets = shifts
			}
			ins := asm.Insn{Code: uint8(cls) | uint8(op) | uint8(asm.BPF_X), Dst: 1, Src: 2}
			bad := 0
			for _, a := range sets {
				for _, b := range srcSets {
					if !alu64 && len(b) == 1 && b[0] >= 32 && (op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH) {
						continue
					}
					d, s := abstract(a), abstract(b)
					res := d
					before := len(v.stack)
					v.adjustScalarMinMaxVals(ins, &res, s)
					// maybe_fork_scalars: a {-1, 0} register is split, and
					// the 0 side re-runs the instruction on its own path.
					forked := len(v.stack) > before
					fork64 := d.smin == -1 && d.smax == 0
					for _, x := range a {
						if forked && ((fork64 && x == 0) || (!fork64 && uint32(x) == 0)) {
							continue
						}
						for _, y := range b {
							z, ok := aluConcrete(op, alu64, x, y)
							if ok && !contains(&res, z) {
								if bad++; bad < 4 {
									t.Errorf("%v alu64=%v: %#x op %#x = %#x not in %s", op, alu64, x, y, z, dump(&res))
								}
							}
						}
					}
				}
			}
		}
	}
}

func dump(r *regState) string {
	return fmt.Sprintf("{u[%#x,%#x] s[%d,%d] u32[%#x,%#x] s32[%d,%d] %v}", r.umin, r.umax, r.smin, r.smax, r.u32min, r.u32max, r.s32min, r.s32max, r.varOff)
}

func condHolds(op asm.JmpOp, jmp32 bool, x, y uint64) bool {
	if jmp32 {
		x, y = uint64(uint32(x)), uint64(uint32(y))
		switch op {
		case asm.BPF_JSGT:
			return int32(x) > int32(y)
		case asm.BPF_JSGE:
			return int32(x) >= int32(y)
		case asm.BPF_JSLT:
			return int32(x) < int32(y)
		case asm.BPF_JSLE:
			return int32(x) <= int32(y)
		}
	}
	switch op {
	case asm.BPF_JEQ:
		return x == y
	case asm.BPF_JNE:
		return x != y
	case asm.BPF_JGT:
		return x > y
	case asm.BPF_JGE:
		return x >= y
	case asm.BPF_JLT:
		return x < y
	case asm.BPF_JLE:
		return x <= y
	case asm.BPF_JSGT:
		return int64(x) > int64(y)
	case asm.BPF_JSGE:
		return int64(x) >= int64(y)
	case asm.BPF_JSLT:
		return int64(x) < int64(y)
	case asm.BPF_JSLE:
		return int64(x) <= int64(y)
	case asm.BPF_JSET:
		return x&y != 0
	}
	panic("BUG: op")
}

// TestBranchRefinementSoundness checks isBranchTaken and regSetMinMax:
// a decided branch must agree with every concrete pair, and the refined
// registers of each edge must keep every pair for which that edge is taken.
func TestBranchRefinementSoundness(t *testing.T) {
	ops := []asm.JmpOp{asm.BPF_JEQ, asm.BPF_JNE, asm.BPF_JGT, asm.BPF_JGE, asm.BPF_JLT, asm.BPF_JLE,
		asm.BPF_JSGT, asm.BPF_JSGE, asm.BPF_JSLT, asm.BPF_JSLE, asm.BPF_JSET}
	sets := sampleSets()
	for _, jmp32 := range []bool{false, true} {
		for _, op := range ops {
			bad := 0
			for _, a := range sets {
				for _, b := range sets {
					r1, r2 := abstract(a), abstract(b)
					pred := isBranchTaken(&r1, &r2, op, jmp32)
					t1, t2, f1, f2 := r1, r2, r1, r2
					regSetMinMax(&t1, &t2, &f1, &f2, op, jmp32)
					for _, x := range a {
						for _, y := range b {
							holds := condHolds(op, jmp32, x, y)
							switch {
							case pred == 1 && !holds, pred == 0 && holds:
								if bad++; bad < 4 {
									t.Errorf("%v jmp32=%v: %#x,%#x: predicted %d, holds %v", op, jmp32, x, y, pred, holds)
								}
							case pred < 0 && holds && (!contains(&t1, x) || !contains(&t2, y)):
								if bad++; bad < 4 {
									t.Errorf("%v jmp32=%v: taken edge lost %#x,%#x: %s %s", op, jmp32, x, y, dump(&t1), dump(&t2))
								}
							case pred < 0 && !holds && (!contains(&f1, x) || !contains(&f2, y)):
								if bad++; bad < 4 {
									t.Errorf("%v jmp32=%v: fall-through edge lost %#x,%#x: %s %s", op, jmp32, x, y, dump(&f1), dump(&f2))
								}
							}
						}
					}
				}
			}
		}
	}
}
