package tnum

import (
	"fmt"
	"testing"
)

const width = 6

// all returns every well-formed tnum of the given bit width.
func all(w uint) []Tnum {
	var out []Tnum
	lim := uint64(1) << w
	for m := uint64(0); m < lim; m++ {
		for v := uint64(0); v < lim; v++ {
			if v&m == 0 {
				out = append(out, Tnum{Value: v, Mask: m})
			}
		}
	}
	return out
}

// members returns every concrete value of a (a of small width).
func members(a Tnum) []uint64 {
	var out []uint64
	// Enumerate the subsets of the mask bits.
	sub := uint64(0)
	for {
		out = append(out, a.Value|sub)
		if sub == a.Mask {
			break
		}
		sub = (sub - a.Mask) & a.Mask
	}
	return out
}

func TestBinarySoundness(t *testing.T) {
	ops := []struct {
		name string
		abs  func(a, b Tnum) Tnum
		conc func(x, y uint64) uint64
	}{
		{"add", Tnum.Add, func(x, y uint64) uint64 { return x + y }},
		{"sub", Tnum.Sub, func(x, y uint64) uint64 { return x - y }},
		{"and", Tnum.And, func(x, y uint64) uint64 { return x & y }},
		{"or", Tnum.Or, func(x, y uint64) uint64 { return x | y }},
		{"xor", Tnum.Xor, func(x, y uint64) uint64 { return x ^ y }},
		{"mul", Tnum.Mul, func(x, y uint64) uint64 { return x * y }},
	}
	w := uint(width)
	if testing.Short() {
		w = 4
	}
	ts := all(w)
	mem := make([][]uint64, len(ts))
	for i, a := range ts {
		mem[i] = members(a)
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			bad := 0
			for i, a := range ts {
				for j, b := range ts {
					r := op.abs(a, b)
					if r.Value&r.Mask != 0 {
						t.Fatalf("%v %s %v = %v is malformed", a, op.name, b, r)
					}
					for _, x := range mem[i] {
						for _, y := range mem[j] {
							if z := op.conc(x, y); !r.Contains(z) {
								if bad++; bad < 5 {
									t.Errorf("%#x %s %#x = %#x not in %v %s %v = %v", x, op.name, y, z, a, op.name, b, r)
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestShiftSoundness(t *testing.T) {
	for _, a := range all(width) {
		for s := uint8(0); s < 64; s++ {
			l, r := a.Lshift(s), a.Rshift(s)
			// Put the small tnum in the top bits so arithmetic shifts see signs.
			hi := a.Lshift(58)
			hi32 := a.Lshift(26)
			ar := hi.Arshift(s, 64)
			for _, x := range members(a) {
				if !l.Contains(x << s) {
					t.Fatalf("lsh %#x<<%d not in %v", x, s, l)
				}
				if !r.Contains(x >> s) {
					t.Fatalf("rsh %#x>>%d not in %v", x, s, r)
				}
				if v := uint64(int64(x<<58) >> s); !ar.Contains(v) {
					t.Fatalf("arsh64 %#x not in %v", v, ar)
				}
				if s < 32 {
					ar32 := hi32.Arshift(s, 32)
					if v := uint64(uint32(int32(uint32(x<<26)) >> s)); !ar32.Contains(v) {
						t.Fatalf("arsh32 %#x not in %v", v, ar32)
					}
				}
			}
		}
	}
}

func TestRangeInIntersect(t *testing.T) {
	ts := all(width)
	for lo := uint64(0); lo < 64; lo++ {
		for hi := lo; hi < 64; hi++ {
			r := Range(lo, hi)
			for x := lo; x <= hi; x++ {
				if !r.Contains(x) {
					t.Fatalf("Range(%d,%d)=%v misses %d", lo, hi, r, x)
				}
			}
		}
	}
	for _, a := range ts {
		for _, b := range ts {
			in := a.In(b)
			want := true
			for _, y := range members(b) {
				if !a.Contains(y) {
					want = false
				}
			}
			if in != want {
				t.Fatalf("%v.In(%v) = %v, want %v", a, b, in, want)
			}
			// Intersect keeps every value common to both.
			is := a.Intersect(b)
			for _, x := range members(a) {
				if b.Contains(x) && !is.Contains(x) {
					t.Fatalf("%v ∩ %v = %v misses %#x", a, b, is, x)
				}
			}
			ov := false
			for _, x := range members(a) {
				if b.Contains(x) {
					ov = true
				}
			}
			if a.Overlap(b) != ov {
				t.Fatalf("%v.Overlap(%v) = %v, want %v", a, b, !ov, ov)
			}
		}
	}
}

func TestCastSubreg(t *testing.T) {
	a := Tnum{Value: 0x1_0000_00f0, Mask: 0xff00_0000_000f}
	tests := []struct {
		name string
		got  Tnum
		want Tnum
	}{
		{"cast1", a.Cast(1), Tnum{0xf0, 0x0f}},
		{"cast4", a.Cast(4), Tnum{0xf0, 0x0f}},
		{"subreg", a.Subreg(), Tnum{0xf0, 0x0f}},
		{"clear", a.ClearSubreg(), Tnum{0x1_0000_0000, 0xff00_0000_0000}},
		{"with", a.WithSubreg(Const(7)), Tnum{0x1_0000_0007, 0xff00_0000_0000}},
		{"constsub", a.ConstSubreg(9), Tnum{0x1_0000_0009, 0xff00_0000_0000}},
		{"range", Range(0, 255), Tnum{0, 0xff}},
		{"rangeall", Range(0, ^uint64(0)), Unknown},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v want %v", tt.name, tt.got, tt.want)
		}
	}
	if s := fmt.Sprint(Tnum{0, 0xff}); s != "(0x0; 0xff)" {
		t.Errorf("String = %q", s)
	}
	if s := fmt.Sprint(Const(7)); s != "7" {
		t.Errorf("String = %q", s)
	}
	if s := fmt.Sprint(Const(0x10000)); s != "0x10000" {
		t.Errorf("String = %q", s)
	}
	if !Const(8).IsAligned(8) || (Tnum{0, 4}).IsAligned(8) {
		t.Errorf("IsAligned wrong")
	}
}
