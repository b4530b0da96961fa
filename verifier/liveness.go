package verifier

import (
	"strings"

	"github.com/bpflab/bpflab/asm"
)

// regSet is a set of registers R0-R9 as a bit mask.
type regSet uint16

const callerSaved regSet = 0x3f // R0-R5

// helperArgs is the number of register arguments a helper reads.
func helperArgs(id int32) int {
	fn, ok := protos[asm.Func(id)]
	if !ok {
		return 5
	}
	n := 0
	for i, a := range fn.args {
		if a != argDontCare {
			n = i + 1
		}
	}
	return n
}

// insnUseDef returns the registers an instruction reads and writes
// (compute_insn_live_regs, v6.18).
func insnUseDef(p asm.Program, pc int) (use, def regSet) {
	ins := p[pc]
	dst, src := regSet(1)<<ins.Dst, regSet(1)<<ins.Src
	switch cls := ins.Class(); cls {
	case asm.BPF_ALU, asm.BPF_ALU64:
		def = dst
		switch op := ins.ALUOp(); {
		case op == asm.BPF_MOV:
			if ins.Source() == asm.BPF_X {
				use = src
			}
		case op == asm.BPF_NEG || op == asm.BPF_END:
			use = dst
		default:
			use = dst
			if ins.Source() == asm.BPF_X {
				use |= src
			}
		}
	case asm.BPF_LDX:
		use, def = src, dst
	case asm.BPF_ST:
		use = dst
	case asm.BPF_STX:
		use = dst | src
		if ins.Mode() == asm.BPF_ATOMIC {
			if asm.ALUOp(ins.Imm) == asm.BPF_CMPXCHG {
				use |= 1
				def = 1
			} else if ins.Imm&int32(asm.BPF_FETCH) != 0 {
				def = src
			}
		}
	case asm.BPF_LD:
		switch ins.Mode() {
		case asm.BPF_IMM:
			def = dst
		case asm.BPF_IND:
			use = 1<<6 | src
			def = callerSaved
		default:
			use = 1 << 6
			def = callerSaved
		}
	case asm.BPF_JMP, asm.BPF_JMP32:
		switch ins.JmpOp() {
		case asm.BPF_JA, asm.BPF_JCOND:
		case asm.BPF_EXIT:
			use = 1
		case asm.BPF_CALL:
			n := 5
			if ins.Src == 0 {
				n = helperArgs(ins.Imm)
			}
			use = regSet(1<<(n+1)-1) &^ 1
			def = callerSaved
		default:
			use = dst
			if ins.Source() == asm.BPF_X {
				use |= src
			}
		}
	}
	return use &^ (1 << 10) & 0x3ff, def & 0x3ff
}

// insnSuccs returns the instructions that may run after pc in the same
// function.
func insnSuccs(p asm.Program, pc int) []int {
	ins := p[pc]
	next := pc + 1
	if ins.IsLdImm64() {
		next = pc + 2
	}
	if !ins.Class().IsJump() {
		return []int{next}
	}
	switch ins.JmpOp() {
	case asm.BPF_EXIT:
		return nil
	case asm.BPF_CALL:
		return []int{next}
	case asm.BPF_JA:
		if ins.Class() == asm.BPF_JMP32 {
			return []int{pc + 1 + int(ins.Imm)}
		}
		return []int{pc + 1 + int(ins.Off)}
	}
	return []int{next, pc + 1 + int(ins.Off)}
}

// computeLiveRegisters computes, for every instruction, the registers that
// may be read before being written on some path from it
// (compute_live_registers, v6.18). Pruning ignores the others.
func (v *verifier) computeLiveRegisters() {
	n := len(v.prog)
	v.liveIn = make([]regSet, n)
	use := make([]regSet, n)
	def := make([]regSet, n)
	for pc := 0; pc < n; pc++ {
		use[pc], def[pc] = insnUseDef(v.prog, pc)
	}
	for changed := true; changed; {
		changed = false
		for pc := n - 1; pc >= 0; pc-- {
			if pc > 0 && v.prog[pc-1].IsLdImm64() {
				continue
			}
			var out regSet
			for _, s := range insnSuccs(v.prog, pc) {
				if s >= 0 && s < n {
					out |= v.liveIn[s]
				}
			}
			in := use[pc] | (out &^ def[pc])
			if in != v.liveIn[pc] {
				v.liveIn[pc] = in
				changed = true
			}
		}
	}
	if v.logLevel > 1 {
		v.logf("Live regs before insn:")
		for pc := 0; pc < n; pc++ {
			if pc > 0 && v.prog[pc-1].IsLdImm64() {
				continue
			}
			var b strings.Builder
			for r := 0; r < 10; r++ {
				if v.liveIn[pc]&(1<<r) != 0 {
					b.WriteByte(byte('0' + r))
				} else {
					b.WriteByte('.')
				}
			}
			v.logf("%7d: %s %s", pc, b.String(), v.insnText(pc))
		}
	}
}

// liveAt reports whether register r of the innermost frame matters at insn.
func (v *verifier) liveAt(insn int, r int) bool {
	if r >= 10 || v.liveIn == nil {
		return true
	}
	return v.liveIn[insn]&(1<<r) != 0
}

// computeStackNeverRead finds programs that never read memory at all: no
// load, no atomic, no helper taking a memory argument. Their stack contents
// cannot matter, so pruning ignores the stack, as the kernel's stack
// liveness would.
func (v *verifier) computeStackNeverRead() {
	for _, ins := range v.prog {
		switch {
		case ins.Class() == asm.BPF_LDX, ins.Class() == asm.BPF_STX && ins.Mode() == asm.BPF_ATOMIC:
			return
		case ins.IsHelperCall():
			fn, ok := protos[asm.Func(ins.Imm)]
			if !ok {
				return
			}
			for _, a := range fn.args {
				switch a & argBaseMask {
				case argPtrToMapKey, argPtrToMapValue, argPtrToMem:
					return
				}
			}
		case ins.Class().IsJump() && ins.JmpOp() == asm.BPF_CALL && ins.Src == asm.BPF_PSEUDO_KFUNC_CALL:
			return
		}
	}
	v.stackNeverRead = true
}
