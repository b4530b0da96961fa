package verifier

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// snum and unum print numbers as the kernel's verbose_snum/verbose_unum:
// decimal when small, hex otherwise.
func snum(n int64) string {
	if n >= math.MinInt16 && n <= math.MaxInt16 {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%#x", uint64(n))
}

func unum(n uint64) string {
	if n <= math.MaxUint16 {
		return strconv.FormatUint(n, 10)
	}
	return fmt.Sprintf("%#x", n)
}

// regString prints one register as print_reg_state does (v6.12):
// "ctx()", "fp-8", "pkt(off=14,r=14)", "scalar(umax=255,var_off=(0x0; 0xff))".
func (v *verifier) regString(f *funcState, r *regState) string {
	if r.typ == ScalarValue && r.varOff.IsConst() {
		return snum(int64(r.varOff.Value))
	}
	var b strings.Builder
	b.WriteString(r.typeStr())
	if r.typ == PtrToStack {
		if f.frameno != r.frameno {
			fmt.Fprintf(&b, "[%d]", r.frameno)
		}
		if r.varOff.IsConst() {
			b.WriteString(snum(int64(r.varOff.Value) + int64(r.off)))
			return b.String()
		}
	}
	var parts []string
	if r.id != 0 {
		parts = append(parts, fmt.Sprintf("id=%d", r.id))
	}
	if r.refObjID != 0 {
		parts = append(parts, fmt.Sprintf("ref_obj_id=%d", r.refObjID))
	}
	if r.typ == ConstPtrToMap || r.typ == PtrToMapValue || r.typ == PtrToMapKey {
		if r.mapIdx < len(v.opts.Maps) {
			m := v.opts.Maps[r.mapIdx]
			if m.Name != "" {
				parts = append(parts, "map="+m.Name)
			}
			parts = append(parts, fmt.Sprintf("ks=%d,vs=%d", m.KeySize, m.ValueSize))
		}
	}
	if r.typ != ScalarValue && r.off != 0 {
		parts = append(parts, "off="+snum(int64(r.off)))
	}
	if r.isPkt() {
		parts = append(parts, "r="+unum(uint64(int64(r.rng))))
	}
	if r.typ == PtrToMem {
		parts = append(parts, "sz="+unum(uint64(r.memSize)))
	}
	if r.varOff.IsConst() {
		if r.varOff.Value != 0 {
			parts = append(parts, "imm="+snum(int64(r.varOff.Value)))
		}
	} else {
		if s := scalarRanges(r); s != "" {
			parts = append(parts, s)
		}
		if !r.varOff.IsUnknown() {
			parts = append(parts, "var_off="+r.varOff.String())
		}
	}
	b.WriteString("(" + strings.Join(parts, ",") + ")")
	return b.String()
}

// scalarRanges is print_scalar_ranges: the non-default bounds, with equal
// values of the same sign folded into one "a=b=value".
func scalarRanges(r *regState) string {
	type mm struct {
		name   string
		val    uint64
		signed bool
		omit   bool
	}
	s32 := func(x int32) uint64 {
		if x >= math.MinInt16 && x <= math.MaxInt16 {
			return uint64(int64(x))
		}
		return uint64(uint32(x))
	}
	ms := []mm{
		{"smin", uint64(r.smin), true, r.smin == math.MinInt64},
		{"smax", uint64(r.smax), true, r.smax == math.MaxInt64},
		{"umin", r.umin, false, r.umin == 0},
		{"umax", r.umax, false, r.umax == math.MaxUint64},
		{"smin32", s32(r.s32min), true, r.s32min == math.MinInt32},
		{"smax32", s32(r.s32max), true, r.s32max == math.MaxInt32},
		{"umin32", uint64(r.u32min), false, r.u32min == 0},
		{"umax32", uint64(r.u32max), false, r.u32max == math.MaxUint32},
	}
	var b strings.Builder
	sep := ""
	for i := range ms {
		m1 := &ms[i]
		if m1.omit {
			continue
		}
		neg1 := m1.signed && int64(m1.val) < 0
		b.WriteString(sep + m1.name + "=")
		sep = ","
		for j := i + 2; j < len(ms); j += 2 {
			m2 := &ms[j]
			if m2.omit {
				continue
			}
			neg2 := m2.signed && int64(m2.val) < 0
			if neg1 == neg2 && m1.val == m2.val {
				b.WriteString(m2.name + "=")
				m2.omit = true
			}
		}
		if m1.signed {
			b.WriteString(snum(int64(m1.val)))
		} else {
			b.WriteString(unum(m1.val))
		}
	}
	return b.String()
}

var slotChar = [...]byte{stackInvalid: '?', stackSpill: 'r', stackMisc: 'm', stackZero: '0'}

// frameString prints a frame's registers and stack as print_verifier_state
// does, each item after a space: " R1=ctx() R10=fp0 fp-8=mmmmmmmm". Unless
// all is set, only what the last instructions touched is printed.
func (v *verifier) frameString(f *funcState, all bool) string {
	var b strings.Builder
	if f.frameno != 0 {
		fmt.Fprintf(&b, " frame%d:", f.frameno)
	}
	for i := range f.regs {
		r := &f.regs[i]
		if r.typ == NotInit || (!all && v.scratchRegs&(1<<i) == 0) {
			continue
		}
		fmt.Fprintf(&b, " R%d=%s", i, v.regString(f, r))
	}
	for i := range f.stack {
		if !all && (i >= 64 || v.scratchStack&(1<<i) == 0) {
			continue
		}
		sl := &f.stack[i]
		var types [8]byte
		valid := false
		for j := 0; j < 8; j++ {
			if sl.kind[j] != stackInvalid {
				valid = true
			}
			types[j] = slotChar[sl.kind[j]]
		}
		if !valid {
			continue
		}
		if sl.isSpill() {
			j := 0
			for j < 8 && sl.kind[j] != stackSpill {
				j++
			}
			fmt.Fprintf(&b, " fp%d=%s%s", (-i-1)*8, string(types[:j]), v.regString(f, &sl.spilled))
		} else {
			fmt.Fprintf(&b, " fp%d=%s", (-i-1)*8, string(types[:]))
		}
	}
	return b.String()
}

// printInsnState is print_insn_state: what the previous instruction
// touched, appended to its log line at column 40 ("; R0=1"), or on a line
// of its own ("5: R0=1 R10=fp0") after a jump or at a path's start.
func (v *verifier) printInsnState() {
	if !v.allScratched && v.scratchRegs == 0 && v.scratchStack == 0 {
		return
	}
	st := v.frameString(v.st.cur(), v.allScratched)
	if v.lastInsnLine >= 0 && v.lastInsnLine == len(v.log)-1 {
		line := v.log[v.lastInsnLine]
		pos := len(line) + 1
		// vlog_alignment: to column 40, then in steps of 8; the kernel
		// pads with "%*c", at least one character.
		width := max((max(pos+4, 40)+7)/8*8-pos-1, 1)
		v.log[v.lastInsnLine] = line + strings.Repeat(" ", width) + ";" + st
	} else {
		v.logf("%d:%s", v.insnIdx, st)
	}
	v.scratchRegs, v.scratchStack, v.allScratched = 0, 0, false
	v.lastInsnLine = -1
}

func (v *verifier) markStackScratched(spi int) {
	if spi >= 0 && spi < 64 {
		v.scratchStack |= 1 << spi
	}
}

// insnText prints instruction pc as the kernel's print_bpf_insn does.
func (v *verifier) insnText(pc int) string {
	return v.prog.KernelString(pc)
}
