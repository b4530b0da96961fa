package vm

import (
	"fmt"
	"math/bits"
)

// frame is what a bpf-to-bpf call saves of its caller.
type frame struct {
	ret   int       // pc to resume at in the caller
	code  []insn    // the caller's code (a tail call may have switched it)
	saved [4]uint64 // the caller's r6–r9
	loops int       // the caller's may_goto counter
}

// machine is the state of one run. The hot registers live in locals of
// (*Program).Run; machine keeps what calls and exits need.
type machine struct {
	env       *Env
	frames    [MaxCallFrames]frame
	depth     int
	tailCalls int
}

// Run executes the program in env until it exits or faults. env is reset
// first (previous helper regions dropped, frame 0's stack zeroed). On a
// fault the error is a *RuntimeError and Result still reports the steps.
func (p *Program) Run(env *Env) (Result, error) {
	env.ResetTemp()
	m := machine{env: env}
	budget := env.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	mem := env.Mem
	trace := env.Trace

	var r [16]uint64 // r0–r10; the mask in r[x&15] lets the compiler drop bounds checks
	r[1], r[2], r[10] = env.R1, env.R2, env.StackTop(0)
	code := p.code
	pc := 0
	steps := 0
	loops := MayGotoLoops
	var err *RuntimeError

	for {
		in := &code[pc]
		pc++
		steps++
		if trace != nil {
			regs := [11]uint64(r[:11])
			trace(m.depth, pc-1, &regs)
		}
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
		case opMayGoto:
			// The kernel counts may_goto per frame: it falls through
			// MayGotoLoops times, then jumps.
			if loops == 0 {
				goto jump
			}
			loops--
			if steps > budget {
				err = budgetFault(pc-1, budget)
				goto fail
			}

		// Loads: dst = *(size *)(src + off)
		case opLdxB:
			a := r[src] + uint64(in.off)
			v, ok := mem.load8(a)
			if !ok {
				err = mem.accessError("load", a, 1)
				goto fail
			}
			r[dst] = v
		case opLdxH:
			a := r[src] + uint64(in.off)
			v, ok := mem.load16(a)
			if !ok {
				err = mem.accessError("load", a, 2)
				goto fail
			}
			r[dst] = v
		case opLdxW:
			a := r[src] + uint64(in.off)
			v, ok := mem.load32(a)
			if !ok {
				err = mem.accessError("load", a, 4)
				goto fail
			}
			r[dst] = v
		case opLdxDW:
			a := r[src] + uint64(in.off)
			v, ok := mem.load64(a)
			if !ok {
				err = mem.accessError("load", a, 8)
				goto fail
			}
			r[dst] = v
		case opLdxsB:
			a := r[src] + uint64(in.off)
			v, ok := mem.load8(a)
			if !ok {
				err = mem.accessError("load", a, 1)
				goto fail
			}
			r[dst] = uint64(int8(v))
		case opLdxsH:
			a := r[src] + uint64(in.off)
			v, ok := mem.load16(a)
			if !ok {
				err = mem.accessError("load", a, 2)
				goto fail
			}
			r[dst] = uint64(int16(v))
		case opLdxsW:
			a := r[src] + uint64(in.off)
			v, ok := mem.load32(a)
			if !ok {
				err = mem.accessError("load", a, 4)
				goto fail
			}
			r[dst] = uint64(int32(v))

		// Stores: *(size *)(dst + off) = imm or src
		case opStB, opStxB:
			a, v := r[dst]+uint64(in.off), storeValue(in, &r)
			if !mem.store8(a, v) {
				err = mem.accessError("store", a, 1)
				goto fail
			}
		case opStH, opStxH:
			a, v := r[dst]+uint64(in.off), storeValue(in, &r)
			if !mem.store16(a, v) {
				err = mem.accessError("store", a, 2)
				goto fail
			}
		case opStW, opStxW:
			a, v := r[dst]+uint64(in.off), storeValue(in, &r)
			if !mem.store32(a, v) {
				err = mem.accessError("store", a, 4)
				goto fail
			}
		case opStDW, opStxDW:
			a, v := r[dst]+uint64(in.off), storeValue(in, &r)
			if !mem.store64(a, v) {
				err = mem.accessError("store", a, 8)
				goto fail
			}

		case opLddw:
			r[dst] = uint64(in.imm)
			pc++ // the second slot
		case opLddwMap, opLddwMapValue, opLddwFunc:
			if err = m.lddwPseudo(in, &r, pc-1); err != nil {
				goto fail
			}
			pc++

		case opExit:
			if m.depth == 0 {
				return Result{R0: r[0], Steps: steps, TailCalls: m.tailCalls}, nil
			}
			m.depth--
			f := &m.frames[m.depth]
			pc, code, loops = f.ret, f.code, f.loops
			r[6], r[7], r[8], r[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
			r[10] = env.StackTop(m.depth)

		case opCallLocal:
			if m.depth+1 >= MaxCallFrames {
				err = &RuntimeError{PC: pc - 1, Fault: FaultCallDepth, Detail: fmt.Sprintf("more than %d nested calls", MaxCallFrames)}
				goto fail
			}
			m.frames[m.depth] = frame{ret: pc, code: code, saved: [4]uint64{r[6], r[7], r[8], r[9]}, loops: loops}
			m.depth++
			r[10] = env.StackTop(m.depth)
			clear(mem.regions[env.stacks+uint32(m.depth)].Data)
			loops = MayGotoLoops
			goto jump

		default:
			// The rare instructions: helper calls, atomics, legacy packet
			// loads and lddw pseudo forms (see rare.go).
			var next []insn
			next, err = m.rare(in, &r, pc)
			switch {
			case err == errExitNow:
				return Result{R0: r[0], Steps: steps, TailCalls: m.tailCalls}, nil
			case err == errFrameExit:
				err = nil
				if m.depth == 0 {
					return Result{R0: r[0], Steps: steps, TailCalls: m.tailCalls}, nil
				}
				m.depth--
				f := &m.frames[m.depth]
				pc, code, loops = f.ret, f.code, f.loops
				r[6], r[7], r[8], r[9] = f.saved[0], f.saved[1], f.saved[2], f.saved[3]
				r[10] = env.StackTop(m.depth)
			case err != nil:
				goto fail
			case next != nil: // a tail call
				if steps > budget {
					err = budgetFault(pc-1, budget)
					goto fail
				}
				code, pc, loops = next, 0, MayGotoLoops
			}
		}
		continue

	jump:
		if steps > budget {
			err = budgetFault(pc-1, budget)
			goto fail
		}
		pc = int(in.off)
		continue

	fail:
		// Context accesses take this slow path (ctxaccess.go).
		if ok, cerr := m.ctxAccess(in, &r); ok {
			if cerr == nil {
				err = nil
				continue
			}
			err = cerr
		}
		if err.PC < 0 {
			err.PC = pc - 1
		}
		return Result{R0: r[0], Steps: steps, TailCalls: m.tailCalls}, err
	}
}

func budgetFault(pc, budget int) *RuntimeError {
	return &RuntimeError{PC: pc, Fault: FaultBudget, Detail: fmt.Sprintf("more than %d instructions", budget)}
}

// storeValue is the value a store writes: the immediate for ST, the source
// register for STX.
func storeValue(in *insn, r *[16]uint64) uint64 {
	if in.op <= opStDW {
		return uint64(in.imm)
	}
	return r[in.src&15]
}

// Sentinels between rare() and the loop; never returned to callers.
var (
	errExitNow   = &RuntimeError{PC: -1, Detail: "exit requested by helper"}
	errFrameExit = &RuntimeError{PC: -1, Detail: "legacy packet load out of bounds"}
)
