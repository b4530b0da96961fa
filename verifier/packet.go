package verifier

import "github.com/bpflab/bpflab/asm"

// maxPacketOff is MAX_PACKET_OFF.
const maxPacketOff = 0xffff

// regIsInitPktPointer is reg_is_init_pkt_pointer: the unmodified pointer of
// the given type.
func regIsInitPktPointer(r *regState, t regType) bool {
	return r.typ == t && r.id == 0 && r.off == 0 && r.varOff.EqualsConst(0)
}

// findGoodPktPointers gives every packet pointer sharing dst's id the
// range dst's comparison with pkt_end proved (find_good_pkt_pointers).
func findGoodPktPointers(st *state, dst *regState, t regType, rangeRightOpen bool) {
	if dst.off < 0 || (dst.off == 0 && rangeRightOpen) {
		return
	}
	if dst.umax > maxPacketOff || dst.umax+uint64(dst.off) > maxPacketOff {
		return
	}
	newRange := int(dst.off)
	if rangeRightOpen {
		newRange++
	}
	id := dst.id
	forEachReg(st, func(r *regState) {
		if r.typ == t && r.id == id && r.rng < newRange {
			r.rng = newRange
		}
	})
}

// forEachReg visits every register and spilled register of every frame
// (bpf_for_each_reg_in_vstate).
func forEachReg(st *state, fn func(r *regState)) {
	for _, f := range st.frames {
		for i := range f.regs {
			fn(&f.regs[i])
		}
		for i := range f.stack {
			if f.stack[i].isSpill() {
				fn(&f.stack[i].spilled)
			}
		}
	}
}

// markPktEnd records that a packet pointer is at or beyond pkt_end on one
// edge (mark_pkt_end).
func markPktEnd(st *state, regno asm.Reg, rangeOpen bool) {
	r := &st.cur().regs[regno]
	if r.typ != PtrToPacket {
		return
	}
	if rangeOpen {
		r.rng = beyondPktEnd
	} else {
		r.rng = atPktEnd
	}
}

// tryMatchPktPointers recognises comparisons of a packet pointer with
// pkt_end (or of pkt_meta with pkt) in every form and sets the ranges on
// the edge where the access is safe (try_match_pkt_pointers, v6.12). this
// is the fall-through state, other the jump target's.
func (v *verifier) tryMatchPktPointers(ins asm.Insn, dst, src *regState, this, other *state) bool {
	if ins.Source() != asm.BPF_X || ins.Class() == asm.BPF_JMP32 {
		return false
	}
	dstPkt := (dst.typ == PtrToPacket && src.typ == PtrToPacketEnd) ||
		(dst.typ == PtrToPacketMeta && regIsInitPktPointer(src, PtrToPacket))
	srcPkt := (dst.typ == PtrToPacketEnd && src.typ == PtrToPacket) ||
		(regIsInitPktPointer(dst, PtrToPacket) && src.typ == PtrToPacketMeta)
	od := &other.cur().regs[ins.Dst]
	os := &other.cur().regs[ins.Src]
	switch ins.JmpOp() {
	case asm.BPF_JGT:
		if dstPkt {
			findGoodPktPointers(this, dst, dst.typ, false)
			markPktEnd(other, ins.Dst, true)
		} else if srcPkt {
			findGoodPktPointers(other, os, src.typ, true)
			markPktEnd(this, ins.Src, false)
		} else {
			return false
		}
	case asm.BPF_JLT:
		if dstPkt {
			findGoodPktPointers(other, od, dst.typ, true)
			markPktEnd(this, ins.Dst, false)
		} else if srcPkt {
			findGoodPktPointers(this, src, src.typ, false)
			markPktEnd(other, ins.Src, true)
		} else {
			return false
		}
	case asm.BPF_JGE:
		if dstPkt {
			findGoodPktPointers(this, dst, dst.typ, true)
			markPktEnd(other, ins.Dst, false)
		} else if srcPkt {
			findGoodPktPointers(other, os, src.typ, false)
			markPktEnd(this, ins.Src, true)
		} else {
			return false
		}
	case asm.BPF_JLE:
		if dstPkt {
			findGoodPktPointers(other, od, dst.typ, false)
			markPktEnd(this, ins.Dst, true)
		} else if srcPkt {
			findGoodPktPointers(this, src, src.typ, true)
			markPktEnd(other, ins.Src, false)
		} else {
			return false
		}
	default:
		return false
	}
	return true
}

// clearAllPktPointers forgets every packet pointer after a helper that may
// move the packet (clear_all_pkt_pointers): with CAP_BPF they become
// unknown scalars, otherwise unreadable.
func (v *verifier) clearAllPktPointers() {
	forEachReg(v.st, func(r *regState) {
		if r.isPktAny() {
			if v.allowPtrLeaks {
				r.markUnknown()
			} else {
				*r = regState{typ: NotInit}
			}
		}
	})
}
