// Package tnum implements tristate numbers as the Linux verifier tracks them
// (kernel/bpf/tnum.c, v6.12): a 64-bit value in which each bit is known 0,
// known 1 or unknown. A Tnum{Value, Mask} stands for every x with
// x &^ Mask == Value; bits set in Mask are unknown, and a well-formed Tnum
// never has a bit set in both Value and Mask.
//
// Every operation over-approximates: if x ∈ a and y ∈ b then x op y ∈
// a.Op(b). The package tests check this exhaustively over small widths.
package tnum

import (
	"fmt"
	"math/bits"
)

// Tnum is a tristate number.
type Tnum struct {
	Value uint64
	Mask  uint64
}

// Unknown is the tnum with every bit unknown (tnum_unknown).
var Unknown = Tnum{Value: 0, Mask: ^uint64(0)}

// Const returns the tnum that holds exactly v (tnum_const).
func Const(v uint64) Tnum { return Tnum{Value: v} }

// Range returns the smallest tnum holding every value of [min, max]
// (tnum_range): the bits above the highest differing bit are known.
func Range(min, max uint64) Tnum {
	chi := min ^ max
	n := 64 - bits.LeadingZeros64(chi)
	if n > 63 {
		return Unknown
	}
	delta := uint64(1)<<n - 1
	return Tnum{Value: min &^ delta, Mask: delta}
}

// Lshift shifts left by a known amount (tnum_lshift).
func (a Tnum) Lshift(shift uint8) Tnum {
	return Tnum{Value: a.Value << shift, Mask: a.Mask << shift}
}

// Rshift shifts right logically by a known amount (tnum_rshift).
func (a Tnum) Rshift(shift uint8) Tnum {
	return Tnum{Value: a.Value >> shift, Mask: a.Mask >> shift}
}

// Arshift shifts right arithmetically by a known amount, treating a as a
// value of the given bit width, 32 or 64 (tnum_arshift). In 32-bit mode the
// result is the 32-bit sign extension shifted, zero-extended to 64 bits.
func (a Tnum) Arshift(shift uint8, width uint8) Tnum {
	if width == 32 {
		return Tnum{
			Value: uint64(uint32(int32(uint32(a.Value)) >> shift)),
			Mask:  uint64(uint32(int32(uint32(a.Mask)) >> shift)),
		}
	}
	return Tnum{
		Value: uint64(int64(a.Value) >> shift),
		Mask:  uint64(int64(a.Mask) >> shift),
	}
}

// Add is addition (tnum_add): the carries that unknown bits may cause are
// unknown too.
func (a Tnum) Add(b Tnum) Tnum {
	sm := a.Mask + b.Mask
	sv := a.Value + b.Value
	sigma := sm + sv
	chi := sigma ^ sv
	mu := chi | a.Mask | b.Mask
	return Tnum{Value: sv &^ mu, Mask: mu}
}

// Sub is subtraction (tnum_sub), with borrows treated like Add's carries.
func (a Tnum) Sub(b Tnum) Tnum {
	dv := a.Value - b.Value
	alpha := dv + a.Mask
	beta := dv - b.Mask
	chi := alpha ^ beta
	mu := chi | a.Mask | b.Mask
	return Tnum{Value: dv &^ mu, Mask: mu}
}

// And is bitwise and (tnum_and).
func (a Tnum) And(b Tnum) Tnum {
	alpha := a.Value | a.Mask
	beta := b.Value | b.Mask
	v := a.Value & b.Value
	return Tnum{Value: v, Mask: alpha & beta &^ v}
}

// Or is bitwise or (tnum_or).
func (a Tnum) Or(b Tnum) Tnum {
	v := a.Value | b.Value
	mu := a.Mask | b.Mask
	return Tnum{Value: v, Mask: mu &^ v}
}

// Xor is bitwise exclusive or (tnum_xor).
func (a Tnum) Xor(b Tnum) Tnum {
	v := a.Value ^ b.Value
	mu := a.Mask | b.Mask
	return Tnum{Value: v &^ mu, Mask: mu}
}

// Mul is multiplication (tnum_mul): a sum of partial products, one per bit
// of a, where an unknown bit of a contributes an unknown partial product.
func (a Tnum) Mul(b Tnum) Tnum {
	accV := a.Value * b.Value
	accM := Tnum{}
	for a.Value != 0 || a.Mask != 0 {
		if a.Value&1 != 0 {
			// A known 1 adds b's unknown bits.
			accM = accM.Add(Tnum{Value: 0, Mask: b.Mask})
		} else if a.Mask&1 != 0 {
			// An unknown bit adds either 0 or b: every bit b may have is unknown.
			accM = accM.Add(Tnum{Value: 0, Mask: b.Value | b.Mask})
		}
		a = a.Rshift(1)
		b = b.Lshift(1)
	}
	return Const(accV).Add(accM)
}

// Overlap reports whether a and b have a value in common (tnum_overlap).
func (a Tnum) Overlap(b Tnum) bool {
	mu := ^a.Mask & ^b.Mask
	return a.Value&mu == b.Value&mu
}

// Intersect returns the tnum of values known to be in both a and b, for two
// tnums that describe the same value (tnum_intersect).
func (a Tnum) Intersect(b Tnum) Tnum {
	v := a.Value | b.Value
	mu := a.Mask & b.Mask
	return Tnum{Value: v &^ mu, Mask: mu}
}

// Cast truncates to size bytes, zero-extending (tnum_cast).
func (a Tnum) Cast(size uint8) Tnum {
	if size >= 8 {
		return a
	}
	keep := uint64(1)<<(size*8) - 1
	return Tnum{Value: a.Value & keep, Mask: a.Mask & keep}
}

// IsAligned reports whether every value of a is a multiple of size, a power
// of two (tnum_is_aligned).
func (a Tnum) IsAligned(size uint64) bool {
	if size == 0 {
		return true
	}
	return (a.Value|a.Mask)&(size-1) == 0
}

// In reports whether every value of b is a value of a (tnum_in).
func (a Tnum) In(b Tnum) bool {
	if b.Mask&^a.Mask != 0 {
		return false
	}
	return a.Value == b.Value&^a.Mask
}

// Contains reports whether the concrete value x is a value of a.
func (a Tnum) Contains(x uint64) bool { return x&^a.Mask == a.Value }

// IsConst reports whether a holds exactly one value (tnum_is_const).
func (a Tnum) IsConst() bool { return a.Mask == 0 }

// EqualsConst reports whether a is the constant b (tnum_equals_const).
func (a Tnum) EqualsConst(b uint64) bool { return a.IsConst() && a.Value == b }

// IsUnknown reports whether no bit is known (tnum_is_unknown).
func (a Tnum) IsUnknown() bool { return a.Mask == ^uint64(0) }

// Min is the smallest unsigned value of a; Max the largest.
func (a Tnum) Min() uint64 { return a.Value }

// Max is the largest unsigned value of a.
func (a Tnum) Max() uint64 { return a.Value | a.Mask }

// Subreg returns the low 32 bits, zero-extended (tnum_subreg).
func (a Tnum) Subreg() Tnum { return a.Cast(4) }

// ClearSubreg returns a with the low 32 bits known zero (tnum_clear_subreg).
func (a Tnum) ClearSubreg() Tnum { return a.Rshift(32).Lshift(32) }

// WithSubreg returns reg's upper 32 bits joined with subreg's low 32 bits
// (tnum_with_subreg).
func (a Tnum) WithSubreg(subreg Tnum) Tnum { return a.ClearSubreg().Or(subreg.Subreg()) }

// ConstSubreg returns a with the low 32 bits set to the constant v
// (tnum_const_subreg).
func (a Tnum) ConstSubreg(v uint32) Tnum { return a.WithSubreg(Const(uint64(v))) }

// String prints the tnum as the kernel's tnum_strn does: a known value as a
// number (decimal up to 65535, hex above), otherwise "(0x0; 0xff)".
func (a Tnum) String() string {
	if a.Mask == 0 {
		if a.Value <= 0xffff {
			return fmt.Sprintf("%d", a.Value)
		}
		return fmt.Sprintf("%#x", a.Value)
	}
	return fmt.Sprintf("(%#x; %#x)", a.Value, a.Mask)
}

// Sbin prints the tnum as 64 characters '0', '1' or 'x', most significant
// bit first (tnum_sbin).
func (a Tnum) Sbin() string {
	var b [64]byte
	for i := 0; i < 64; i++ {
		bit := uint64(1) << uint(63-i)
		switch {
		case a.Mask&bit != 0:
			b[i] = 'x'
		case a.Value&bit != 0:
			b[i] = '1'
		default:
			b[i] = '0'
		}
	}
	return string(b[:])
}
