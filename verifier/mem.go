package verifier

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// checkLoadMem is check_load_mem (v6.12): LDX.
func (v *verifier) checkLoadMem(ins asm.Insn) *Error {
	if e := v.checkRegArgE(ins.Src, srcOp); e != nil {
		return e
	}
	if e := v.checkRegArgE(ins.Dst, dstOpNoMark); e != nil {
		return e
	}
	srcType := v.st.cur().regs[ins.Src].typ
	if e := v.checkMemAccess(ins.Src, int(ins.Off), ins.Size().Bytes(), false, int(ins.Dst), ins.Mode() == asm.BPF_MEMSX); e != nil {
		return e
	}
	return v.saveAuxPtrType(srcType)
}

// checkStoreReg is check_store_reg (v6.12): STX.
func (v *verifier) checkStoreReg(ins asm.Insn) *Error {
	if e := v.checkRegArgE(ins.Src, srcOp); e != nil {
		return e
	}
	if e := v.checkRegArgE(ins.Dst, srcOp); e != nil {
		return e
	}
	dstType := v.st.cur().regs[ins.Dst].typ
	if e := v.checkMemAccess(ins.Dst, int(ins.Off), ins.Size().Bytes(), true, int(ins.Src), false); e != nil {
		return e
	}
	return v.saveAuxPtrType(dstType)
}

// checkAtomic is check_atomic and check_atomic_rmw (v6.12).
func (v *verifier) checkAtomic(ins asm.Insn) *Error {
	switch asm.ALUOp(ins.Imm) {
	case asm.BPF_ADD, asm.BPF_ADD | asm.BPF_FETCH, asm.BPF_AND, asm.BPF_AND | asm.BPF_FETCH,
		asm.BPF_OR, asm.BPF_OR | asm.BPF_FETCH, asm.BPF_XOR, asm.BPF_XOR | asm.BPF_FETCH,
		asm.BPF_XCHG, asm.BPF_CMPXCHG:
	default:
		return v.reject(syscall.EINVAL, "BPF_ATOMIC uses invalid atomic opcode %02x", ins.Imm)
	}
	if ins.Size() != asm.BPF_W && ins.Size() != asm.BPF_DW {
		return v.reject(syscall.EINVAL, "invalid atomic operand size")
	}
	if e := v.checkRegArgE(ins.Src, srcOp); e != nil {
		return e
	}
	if e := v.checkRegArgE(ins.Dst, srcOp); e != nil {
		return e
	}
	if asm.ALUOp(ins.Imm) == asm.BPF_CMPXCHG {
		if e := v.checkRegArgE(asm.BPF_REG_0, srcOp); e != nil {
			return e
		}
		if v.isPointerValue(asm.BPF_REG_0) {
			return v.reject(syscall.EACCES, "R0 leaks addr into mem")
		}
	}
	if v.isPointerValue(ins.Src) {
		return v.reject(syscall.EACCES, "R%d leaks addr into mem", ins.Src)
	}
	d := &v.st.cur().regs[ins.Dst]
	switch d.typ {
	case PtrToCtx, PtrToPacket, PtrToPacketMeta, PtrToFlowKeys, PtrToSocket, PtrToSockCommon, PtrToTCPSock:
		return v.reject(syscall.EACCES, "BPF_ATOMIC stores into R%d %s is not allowed", ins.Dst, d.typeStr())
	}
	loadReg := -1
	if ins.Imm&int32(asm.BPF_FETCH) != 0 {
		if asm.ALUOp(ins.Imm) == asm.BPF_CMPXCHG {
			loadReg = 0
		} else {
			loadReg = int(ins.Src)
		}
		if e := v.checkRegArgE(asm.Reg(loadReg), dstOp); e != nil {
			return e
		}
	}
	size := ins.Size().Bytes()
	if e := v.checkMemAccessStrict(ins.Dst, int(ins.Off), size, false, -1, false, true); e != nil {
		return e
	}
	if loadReg >= 0 {
		if e := v.checkMemAccessStrict(ins.Dst, int(ins.Off), size, false, loadReg, false, true); e != nil {
			return e
		}
	}
	if e := v.saveAuxPtrType(v.st.cur().regs[ins.Dst].typ); e != nil {
		return e
	}
	return v.checkMemAccessStrict(ins.Dst, int(ins.Off), size, true, -1, false, true)
}

// checkMemAccess is check_mem_access (v6.12): a load (write false; the value
// goes to register valueReg, -1 for none) or a store of size bytes at
// regno+off.
func (v *verifier) checkMemAccess(regno asm.Reg, off, size int, write bool, valueReg int, ldsx bool) *Error {
	return v.checkMemAccessStrict(regno, off, size, write, valueReg, ldsx, false)
}

func (v *verifier) checkMemAccessStrict(regno asm.Reg, off, size int, write bool, valueReg int, ldsx, strictOnce bool) *Error {
	regs := &v.st.cur().regs
	reg := &regs[regno]
	if e := v.checkPtrAlignment(reg, off, size, strictOnce); e != nil {
		return e
	}
	off += int(reg.off)
	leak := func(what string) *Error {
		if write && valueReg >= 0 && v.isPointerValue(asm.Reg(valueReg)) {
			return v.reject(syscall.EACCES, "R%d leaks addr into %s", valueReg, what)
		}
		return nil
	}
	var err *Error
	switch {
	case reg.typ == PtrToMapKey && !reg.maybeNull:
		if write {
			return v.reject(syscall.EACCES, "write to change key R%d not allowed", regno)
		}
		if err = v.checkMemRegionAccess(regno, off, size, int(v.opts.Maps[reg.mapIdx].KeySize), false); err != nil {
			return err
		}
		if valueReg >= 0 {
			regs[valueReg].markUnknown()
		}
	case reg.typ == PtrToMapValue && !reg.maybeNull:
		if err = leak("map"); err != nil {
			return err
		}
		if err = v.checkMapAccessType(regno, off, size, write); err != nil {
			return err
		}
		if err = v.checkMapAccess(regno, off, size, false); err != nil {
			return err
		}
		if !write && valueReg >= 0 {
			regs[valueReg].markUnknown()
		}
	case reg.typ == PtrToMem:
		if reg.maybeNull {
			return v.reject(syscall.EACCES, "R%d invalid mem access '%s'", regno, reg.typeStr())
		}
		if write && reg.rdonly {
			return v.reject(syscall.EACCES, "R%d cannot write into %s", regno, reg.typeStr())
		}
		if err = leak("mem"); err != nil {
			return err
		}
		if err = v.checkMemRegionAccess(regno, off, size, reg.memSize, false); err != nil {
			return err
		}
		if valueReg >= 0 && (!write || reg.rdonly) {
			regs[valueReg].markUnknown()
		}
	case reg.typ == PtrToCtx:
		if err = leak("ctx"); err != nil {
			return err
		}
		if err = v.checkPtrOffReg(reg, regno); err != nil {
			return err
		}
		t, maybeNull, e := v.checkCtxAccess(off, size, write, ldsx)
		if e != nil {
			return e
		}
		if !write && valueReg >= 0 {
			r := &regs[valueReg]
			if t == ScalarValue {
				r.markUnknown()
			} else {
				*r = regState{typ: t, maybeNull: maybeNull}
				r.markKnownZero()
				r.typ = t
				if maybeNull {
					v.idGen++
					r.id = v.idGen
				}
			}
		}
	case reg.typ == PtrToStack:
		if err = v.checkStackAccessWithinBounds(regno, off, size, false, write); err != nil {
			return err
		}
		if write {
			err = v.checkStackWrite(regno, off, size, valueReg)
		} else {
			err = v.checkStackRead(regno, off, size, valueReg)
		}
		if err != nil {
			return err
		}
	case reg.isPkt():
		if write && !v.mayAccessDirectPktData(true) {
			return v.reject(syscall.EACCES, "cannot write into packet")
		}
		if err = leak("packet"); err != nil {
			return err
		}
		if err = v.checkPacketAccess(regno, off, size, false); err != nil {
			return err
		}
		if !write && valueReg >= 0 {
			regs[valueReg].markUnknown()
		}
	case reg.typ == PtrToFlowKeys:
		if err = leak("flow keys"); err != nil {
			return err
		}
		if off < 0 || size < 0 || off+size > flowKeysSize {
			return v.reject(syscall.EACCES, "invalid access to flow keys off=%d size=%d", off, size)
		}
		if !write && valueReg >= 0 {
			regs[valueReg].markUnknown()
		}
	case (reg.typ == PtrToSocket || reg.typ == PtrToSockCommon || reg.typ == PtrToTCPSock) && !reg.maybeNull:
		if write {
			return v.reject(syscall.EACCES, "R%d cannot write into %s", regno, reg.typeStr())
		}
		if err = v.checkSockAccess(regno, off, size); err != nil {
			return err
		}
		if valueReg >= 0 {
			regs[valueReg].markUnknown()
		}
	default:
		return v.reject(syscall.EACCES, "R%d invalid mem access '%s'", regno, reg.typeStr())
	}
	if size < 8 && valueReg >= 0 && !write && regs[valueReg].typ == ScalarValue {
		if ldsx {
			regs[valueReg].coerceRegToSizeSX(size)
		} else {
			regs[valueReg].coerceRegToSize(size)
		}
	}
	return nil
}

// flowKeysSize is sizeof(struct bpf_flow_keys).
const flowKeysSize = 56

// checkPtrAlignment is check_ptr_alignment: stack accesses are always
// checked; others only with BPF_F_STRICT_ALIGNMENT or for atomics.
func (v *verifier) checkPtrAlignment(reg *regState, off, size int, strictOnce bool) *Error {
	strict := v.strictAlignment || strictOnce
	desc := ""
	switch reg.typ {
	case PtrToPacket, PtrToPacketMeta:
		if !strict || size == 1 {
			return nil
		}
		const ipAlign = 2
		ro := reg.varOff.Add(constTnum(uint64(ipAlign + int64(reg.off) + int64(off))))
		if !ro.IsAligned(uint64(size)) {
			return v.reject(syscall.EACCES, "misaligned packet access off %d+%s+%d+%d size %d", ipAlign, reg.varOff, reg.off, off, size)
		}
		return nil
	case PtrToFlowKeys:
		desc = "flow keys "
	case PtrToMapKey:
		desc = "key "
	case PtrToMapValue:
		desc = "value "
	case PtrToCtx:
		desc = "context "
	case PtrToStack:
		desc = "stack "
		strict = true
	case PtrToSocket:
		desc = "sock "
	case PtrToSockCommon:
		desc = "sock_common "
	case PtrToTCPSock:
		desc = "tcp_sock "
	}
	if !strict || size == 1 {
		return nil
	}
	ro := reg.varOff.Add(constTnum(uint64(int64(reg.off) + int64(off))))
	if !ro.IsAligned(uint64(size)) {
		return v.reject(syscall.EACCES, "misaligned %saccess off %s+%d+%d size %d", desc, reg.varOff, reg.off, off, size)
	}
	return nil
}

// checkPtrOffReg is check_ptr_off_reg for pointers that must be unmodified
// (the context).
func (v *verifier) checkPtrOffReg(reg *regState, regno asm.Reg) *Error {
	if reg.off != 0 {
		return v.reject(syscall.EACCES, "dereference of modified %s ptr R%d off=%d disallowed", reg.typeStr(), regno, reg.off)
	}
	if !reg.varOff.IsConst() || reg.varOff.Value != 0 {
		return v.reject(syscall.EACCES, "variable %s access var_off=%s disallowed", reg.typeStr(), reg.varOff)
	}
	return nil
}

// checkMemAccessBounds is __check_mem_access: the first line of the two the
// kernel prints for an out-of-bounds access.
func (v *verifier) checkMemAccessBounds(regno asm.Reg, off int64, size, memSize int, zeroOK bool) bool {
	sizeOK := size > 0 || (size == 0 && zeroOK)
	if off >= 0 && sizeOK && off+int64(size) <= int64(memSize) {
		return true
	}
	reg := &v.st.cur().regs[regno]
	switch reg.typ {
	case PtrToMapKey:
		v.logf("invalid access to map key, key_size=%d off=%d size=%d", memSize, int32(off), size)
	case PtrToMapValue:
		v.logf("invalid access to map value, value_size=%d off=%d size=%d", memSize, int32(off), size)
	case PtrToPacket, PtrToPacketMeta, PtrToPacketEnd:
		v.logf("invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)", int32(off), size, regno, reg.id, int32(off), memSize)
	default:
		v.logf("invalid access to memory, mem_size=%d off=%d size=%d", memSize, int32(off), size)
	}
	return false
}

// checkMemRegionAccess is check_mem_region_access (v6.12): both ends of a
// possibly variable offset within [0, memSize).
func (v *verifier) checkMemRegionAccess(regno asm.Reg, off, size, memSize int, zeroOK bool) *Error {
	reg := &v.st.cur().regs[regno]
	if reg.smin < 0 && (reg.smin == minS64Val || int64(off)+reg.smin != int64(int32(int64(off)+reg.smin)) || reg.smin+int64(off) < 0) {
		return v.reject(syscall.EACCES, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno)
	}
	if !v.checkMemAccessBounds(regno, reg.smin+int64(off), size, memSize, zeroOK) {
		return v.reject(syscall.EACCES, "R%d min value is outside of the allowed memory range", regno)
	}
	if reg.umax >= maxVarOff {
		return v.reject(syscall.EACCES, "R%d unbounded memory access, make sure to bounds check any such access", regno)
	}
	if !v.checkMemAccessBounds(regno, int64(reg.umax)+int64(off), size, memSize, zeroOK) {
		return v.reject(syscall.EACCES, "R%d max value is outside of the allowed memory range", regno)
	}
	return nil
}

const minS64Val = -1 << 63

// Map flags that restrict program access (BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG).
const (
	mapFRdonlyProg = 1 << 7
	mapFWronlyProg = 1 << 8
)

// checkMapAccessType is check_map_access_type.
func (v *verifier) checkMapAccessType(regno asm.Reg, off, size int, write bool) *Error {
	reg := &v.st.cur().regs[regno]
	m := v.opts.Maps[reg.mapIdx]
	if write && m.Flags&mapFRdonlyProg != 0 {
		return v.reject(syscall.EACCES, "write into map forbidden, value_size=%d off=%d size=%d", m.ValueSize, off, size)
	}
	if !write && m.Flags&mapFWronlyProg != 0 {
		return v.reject(syscall.EACCES, "read from map forbidden, value_size=%d off=%d size=%d", m.ValueSize, off, size)
	}
	return nil
}

// checkMapAccess is check_map_access without special fields (kptrs, locks
// and timers need BTF, which bpflab's maps do not carry).
func (v *verifier) checkMapAccess(regno asm.Reg, off, size int, zeroOK bool) *Error {
	reg := &v.st.cur().regs[regno]
	return v.checkMemRegionAccess(regno, off, size, int(v.opts.Maps[reg.mapIdx].ValueSize), zeroOK)
}

// checkPacketAccess is check_packet_access (v6.12): within the range the
// data_end comparisons proved.
func (v *verifier) checkPacketAccess(regno asm.Reg, off, size int, zeroOK bool) *Error {
	reg := &v.st.cur().regs[regno]
	if reg.smin < 0 {
		return v.reject(syscall.EACCES, "R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno)
	}
	if reg.rng < 0 || !v.checkMemAccessBounds(regno, int64(off), size, reg.rng, zeroOK) {
		return v.reject(syscall.EACCES, "R%d offset is outside of the packet", regno)
	}
	return nil
}

// checkSockAccess is check_sock_access with bpf_sock_is_valid_access's
// rules for struct bpf_sock (80 bytes of u32 fields, readable whole or as
// narrower loads of the first bytes of a field); a sock_common may read all
// of it but type through priority (bpf_sock_common_is_valid_access).
func (v *verifier) checkSockAccess(regno asm.Reg, off, size int) *Error {
	reg := &v.st.cur().regs[regno]
	ok := off >= 0 && off < bpfSockSize && off%size == 0 && size <= 4
	switch reg.typ {
	case PtrToSockCommon:
		ok = ok && (off < bpfSockTypeOff || off >= bpfSockPriorityEnd) && bpfSockFieldOK(off, size)
	case PtrToSocket:
		ok = ok && bpfSockFieldOK(off, size)
	}
	if !ok {
		return v.reject(syscall.EACCES, "R%d invalid %s access off=%d size=%d", regno, reg.typ, off, size)
	}
	return nil
}

// bpfSockFieldOK is the per-field part of bpf_sock_is_valid_access for an
// aligned load of at most 4 bytes at off: narrow loads only at the start of
// family, type, protocol, src_port, state and rx_queue_mapping, anywhere
// in the addresses, 1 or 2 bytes of dst_port, nothing in its padding, and
// only whole words of the other fields.
func bpfSockFieldOK(off, size int) bool {
	switch {
	case off == 4, off == 8, off == 12, off == 44, off == 72, off == 76, // family … rx_queue_mapping
		off >= 24 && off < 44, off >= 52 && off < 72: // src_ip4, src_ip6, dst_ip4, dst_ip6
		return true
	case off == 48 || off == 49: // dst_port
		return size <= 2 || size == 4
	case off == 50 || off == 51: // dst_port's padding
		return false
	}
	return size == 4
}

// Offsets in struct bpf_sock: its size, and the fields a sock_common may
// not read (type, protocol, mark, priority).
const (
	bpfSockSize        = 80
	bpfSockTypeOff     = 8
	bpfSockPriorityEnd = 24
)
