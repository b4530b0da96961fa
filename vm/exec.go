package vm

import "math/bits"

// stop says why exec returned.
type stop uint8

const (
	stopEnd   stop = iota // pc left the code slice (single-stepping)
	stopLimit             // a jump found the step limit reached
	stopOther             // the instruction before pc is one exec leaves to run
	stopFault             // the access of the instruction before pc failed (m.acc)
)

// exec is the interpreter's hot loop: it runs the common instructions
// (ALU, jumps, loads, stores, lddw) from pc on, with the registers in m.r,
// and returns at the first instruction it does not run itself, at a fault,
// or when a taken jump finds the step count at limit. It makes no calls on its
// common paths, so the compiler keeps pc and the code slice in registers.
//
// Steps are not counted one by one: within a straight-line run the count
// is base+pc, so base changes only where control leaves the run (jumps,
// returns) and no instruction pays for counting.
//
// To single-step (Env.Trace), the caller passes code cut just after pc and
// limit = steps+1: the next instruction falls off the end of the slice or
// its jump hits the limit.
func (m *machine) exec(code []insn, pc int, limit int) (int, stop) {
	r := &m.r
	// The limit is read from memory at taken jumps only, which leaves a
	// register free for the whole loop.
	m.limit = limit
	regions := m.env.Mem.regions // helpers, which can grow the table, run outside exec
	base := m.steps - pc         // the step count is base+pc; written back on return
	for {
		if uint(pc) >= uint(len(code)) {
			m.steps = base + pc
			return pc, stopEnd
		}
		in := &code[pc]
		pc++
		dst, src := in.dst&15, in.src&15
		switch in.op {
		// ALU64
		case opAdd64K:
			r[dst] += uint64(in.imm)
		case opAdd64X:
			r[dst] += r[src]
		case opSub64K:
			r[dst] -= uint64(in.imm)
		case opSub64X:
			r[dst] -= r[src]
		case opMul64K:
			r[dst] *= uint64(in.imm)
		case opMul64X:
			r[dst] *= r[src]
		case opDiv64K:
			r[dst] = div64(r[dst], uint64(in.imm))
		case opDiv64X:
			r[dst] = div64(r[dst], r[src])
		case opSdiv64K:
			r[dst] = sdiv64(r[dst], uint64(in.imm))
		case opSdiv64X:
			r[dst] = sdiv64(r[dst], r[src])
		case opMod64K:
			r[dst] = mod64(r[dst], uint64(in.imm))
		case opMod64X:
			r[dst] = mod64(r[dst], r[src])
		case opSmod64K:
			r[dst] = smod64(r[dst], uint64(in.imm))
		case opSmod64X:
			r[dst] = smod64(r[dst], r[src])
		case opOr64K:
			r[dst] |= uint64(in.imm)
		case opOr64X:
			r[dst] |= r[src]
		case opAnd64K:
			r[dst] &= uint64(in.imm)
		case opAnd64X:
			r[dst] &= r[src]
		case opXor64K:
			r[dst] ^= uint64(in.imm)
		case opXor64X:
			r[dst] ^= r[src]
		case opLsh64K:
			r[dst] <<= uint64(in.imm) & 63
		case opLsh64X:
			r[dst] <<= r[src] & 63
		case opRsh64K:
			r[dst] >>= uint64(in.imm) & 63
		case opRsh64X:
			r[dst] >>= r[src] & 63
		case opArsh64K:
			r[dst] = uint64(int64(r[dst]) >> (uint64(in.imm) & 63))
		case opArsh64X:
			r[dst] = uint64(int64(r[dst]) >> (r[src] & 63))
		case opNeg64:
			r[dst] = -r[dst]
		case opMov64K:
			r[dst] = uint64(in.imm)
		case opMov64X:
			r[dst] = r[src]
		case opMovsx64x8:
			r[dst] = uint64(int8(r[src]))
		case opMovsx64x16:
			r[dst] = uint64(int16(r[src]))
		case opMovsx64x32:
			r[dst] = uint64(int32(r[src]))
		case opBswap16:
			r[dst] = uint64(bits.ReverseBytes16(uint16(r[dst])))
		case opBswap32:
			r[dst] = uint64(bits.ReverseBytes32(uint32(r[dst])))
		case opBswap64:
			r[dst] = bits.ReverseBytes64(r[dst])

		// ALU32
		case opAdd32K:
			r[dst] = uint64(uint32(r[dst]) + uint32(in.imm))
		case opAdd32X:
			r[dst] = uint64(uint32(r[dst]) + uint32(r[src]))
		case opSub32K:
			r[dst] = uint64(uint32(r[dst]) - uint32(in.imm))
		case opSub32X:
			r[dst] = uint64(uint32(r[dst]) - uint32(r[src]))
		case opMul32K:
			r[dst] = uint64(uint32(r[dst]) * uint32(in.imm))
		case opMul32X:
			r[dst] = uint64(uint32(r[dst]) * uint32(r[src]))
		case opDiv32K:
			r[dst] = div32(r[dst], uint64(in.imm))
		case opDiv32X:
			r[dst] = div32(r[dst], r[src])
		case opSdiv32K:
			r[dst] = sdiv32(r[dst], uint64(in.imm))
		case opSdiv32X:
			r[dst] = sdiv32(r[dst], r[src])
		case opMod32K:
			r[dst] = mod32(r[dst], uint64(in.imm))
		case opMod32X:
			r[dst] = mod32(r[dst], r[src])
		case opSmod32K:
			r[dst] = smod32(r[dst], uint64(in.imm))
		case opSmod32X:
			r[dst] = smod32(r[dst], r[src])
		case opOr32K:
			r[dst] = uint64(uint32(r[dst]) | uint32(in.imm))
		case opOr32X:
			r[dst] = uint64(uint32(r[dst]) | uint32(r[src]))
		case opAnd32K:
			r[dst] = uint64(uint32(r[dst]) & uint32(in.imm))
		case opAnd32X:
			r[dst] = uint64(uint32(r[dst]) & uint32(r[src]))
		case opXor32K:
			r[dst] = uint64(uint32(r[dst]) ^ uint32(in.imm))
		case opXor32X:
			r[dst] = uint64(uint32(r[dst]) ^ uint32(r[src]))
		case opLsh32K:
			r[dst] = uint64(uint32(r[dst]) << (uint32(in.imm) & 31))
		case opLsh32X:
			r[dst] = uint64(uint32(r[dst]) << (uint32(r[src]) & 31))
		case opRsh32K:
			r[dst] = uint64(uint32(r[dst]) >> (uint32(in.imm) & 31))
		case opRsh32X:
			r[dst] = uint64(uint32(r[dst]) >> (uint32(r[src]) & 31))
		case opArsh32K:
			r[dst] = uint64(uint32(int32(r[dst]) >> (uint32(in.imm) & 31)))
		case opArsh32X:
			r[dst] = uint64(uint32(int32(r[dst]) >> (uint32(r[src]) & 31)))
		case opNeg32:
			r[dst] = uint64(-uint32(r[dst]))
		case opMov32K:
			r[dst] = uint64(uint32(in.imm))
		case opMov32X:
			r[dst] = uint64(uint32(r[src]))
		case opMovsx32x8:
			r[dst] = uint64(uint32(int8(r[src])))
		case opMovsx32x16:
			r[dst] = uint64(uint32(int16(r[src])))
		case opLe16:
			r[dst] = uint64(uint16(r[dst]))
		case opLe32:
			r[dst] = uint64(uint32(r[dst]))
		case opLe64:
			// A no-op on a little-endian machine, which the ISA assumes.
		case opBe16:
			r[dst] = uint64(bits.ReverseBytes16(uint16(r[dst])))
		case opBe32:
			r[dst] = uint64(bits.ReverseBytes32(uint32(r[dst])))
		case opBe64:
			r[dst] = bits.ReverseBytes64(r[dst])

		// JMP
		case opJa:
			goto jump
		case opJeq64K:
			if r[dst] == uint64(in.imm) {
				goto jump
			}
		case opJeq64X:
			if r[dst] == r[src] {
				goto jump
			}
		case opJgt64K:
			if r[dst] > uint64(in.imm) {
				goto jump
			}
		case opJgt64X:
			if r[dst] > r[src] {
				goto jump
			}
		case opJge64K:
			if r[dst] >= uint64(in.imm) {
				goto jump
			}
		case opJge64X:
			if r[dst] >= r[src] {
				goto jump
			}
		case opJlt64K:
			if r[dst] < uint64(in.imm) {
				goto jump
			}
		case opJlt64X:
			if r[dst] < r[src] {
				goto jump
			}
		case opJle64K:
			if r[dst] <= uint64(in.imm) {
				goto jump
			}
		case opJle64X:
			if r[dst] <= r[src] {
				goto jump
			}
		case opJset64K:
			if r[dst]&uint64(in.imm) != 0 {
				goto jump
			}
		case opJset64X:
			if r[dst]&r[src] != 0 {
				goto jump
			}
		case opJne64K:
			if r[dst] != uint64(in.imm) {
				goto jump
			}
		case opJne64X:
			if r[dst] != r[src] {
				goto jump
			}
		case opJsgt64K:
			if int64(r[dst]) > in.imm {
				goto jump
			}
		case opJsgt64X:
			if int64(r[dst]) > int64(r[src]) {
				goto jump
			}
		case opJsge64K:
			if int64(r[dst]) >= in.imm {
				goto jump
			}
		case opJsge64X:
			if int64(r[dst]) >= int64(r[src]) {
				goto jump
			}
		case opJslt64K:
			if int64(r[dst]) < in.imm {
				goto jump
			}
		case opJslt64X:
			if int64(r[dst]) < int64(r[src]) {
				goto jump
			}
		case opJsle64K:
			if int64(r[dst]) <= in.imm {
				goto jump
			}
		case opJsle64X:
			if int64(r[dst]) <= int64(r[src]) {
				goto jump
			}

		// JMP32
		case opJeq32K:
			if uint32(r[dst]) == uint32(in.imm) {
				goto jump
			}
		case opJeq32X:
			if uint32(r[dst]) == uint32(r[src]) {
				goto jump
			}
		case opJgt32K:
			if uint32(r[dst]) > uint32(in.imm) {
				goto jump
			}
		case opJgt32X:
			if uint32(r[dst]) > uint32(r[src]) {
				goto jump
			}
		case opJge32K:
			if uint32(r[dst]) >= uint32(in.imm) {
				goto jump
			}
		case opJge32X:
			if uint32(r[dst]) >= uint32(r[src]) {
				goto jump
			}
		case opJlt32K:
			if uint32(r[dst]) < uint32(in.imm) {
				goto jump
			}
		case opJlt32X:
			if uint32(r[dst]) < uint32(r[src]) {
				goto jump
			}
		case opJle32K:
			if uint32(r[dst]) <= uint32(in.imm) {
				goto jump
			}
		case opJle32X:
			if uint32(r[dst]) <= uint32(r[src]) {
				goto jump
			}
		case opJset32K:
			if uint32(r[dst])&uint32(in.imm) != 0 {
				goto jump
			}
		case opJset32X:
			if uint32(r[dst])&uint32(r[src]) != 0 {
				goto jump
			}
		case opJne32K:
			if uint32(r[dst]) != uint32(in.imm) {
				goto jump
			}
		case opJne32X:
			if uint32(r[dst]) != uint32(r[src]) {
				goto jump
			}
		case opJsgt32K:
			if int32(r[dst]) > int32(in.imm) {
				goto jump
			}
		case opJsgt32X:
			if int32(r[dst]) > int32(r[src]) {
				goto jump
			}
		case opJsge32K:
			if int32(r[dst]) >= int32(in.imm) {
				goto jump
			}
		case opJsge32X:
			if int32(r[dst]) >= int32(r[src]) {
				goto jump
			}
		case opJslt32K:
			if int32(r[dst]) < int32(in.imm) {
				goto jump
			}
		case opJslt32X:
			if int32(r[dst]) < int32(r[src]) {
				goto jump
			}
		case opJsle32K:
			if int32(r[dst]) <= int32(in.imm) {
				goto jump
			}
		case opJsle32X:
			if int32(r[dst]) <= int32(r[src]) {
				goto jump
			}

		// Loads: dst = *(size *)(src + off)
		case opLdxB:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 1) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(*(*uint8)(p))
		case opLdxH:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 2) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(le16(p))
		case opLdxW:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 4) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(le32(p))
		case opLdxDW:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 8) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = le64(p)
		case opLdxsB:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 1) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(int8(*(*uint8)(p)))
		case opLdxsH:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 2) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(int16(le16(p)))
		case opLdxsW:
			a := r[src] + uint64(in.off)
			if !canLoad(regions, a, 4) {
				goto fault
			}
			p := bytesAt(regions, a)
			r[dst] = uint64(int32(le32(p)))

		// Stores: *(size *)(dst + off) = imm or src
		case opStB:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 1) {
				goto fault
			}
			p := bytesAt(regions, a)
			*(*uint8)(p) = uint8(uint64(in.imm))
		case opStxB:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 1) {
				goto fault
			}
			p := bytesAt(regions, a)
			*(*uint8)(p) = uint8(r[src])
		case opStH:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 2) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE16(p, uint64(in.imm))
		case opStxH:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 2) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE16(p, r[src])
		case opStW:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 4) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE32(p, uint64(in.imm))
		case opStxW:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 4) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE32(p, r[src])
		case opStDW:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 8) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE64(p, uint64(in.imm))
		case opStxDW:
			a := r[dst] + uint64(in.off)
			if !canStore(regions, a, 8) {
				goto fault
			}
			p := bytesAt(regions, a)
			putLE64(p, r[src])

		case opLddw:
			r[dst] = uint64(in.imm)
			pc++   // skip the second slot,
			base-- // which is not an instruction of its own
		default:
			m.steps = base + pc
			return pc, stopOther
		}
		continue

	jump:
		{
			steps := base + pc
			pc = int(in.off)
			base = steps - pc
			if steps >= m.limit {
				m.steps = steps
				return pc, stopLimit
			}
		}
		continue

	fault:
		// No calls here: exec must make none, or the compiler would keep
		// its loop state in memory. The access left the registers as they
		// were, so loop can rebuild it from the instruction (Memory.memFault)
		// to build the error or serve a context access (ctxaccess.go).
		m.steps = base + pc
		return pc, stopFault
	}
}

// storeValue is the value a store writes: the immediate for ST, the source
// register for STX.
func storeValue(in *insn, r *[16]uint64) uint64 {
	if in.op <= opStDW {
		return uint64(in.imm)
	}
	return r[in.src&15]
}
