package asm

import (
	"strconv"
)

// KernelString formats the instruction at slot pc as the kernel's verifier
// log prints it (print_bpf_insn in kernel/bpf/disasm.c, checked against
// Linux 6.18): the opcode in hex, then pseudo-C with decimal immediates and
// "pc+N" jump targets, e.g. "(b7) r0 = 0", "(61) r2 = *(u32 *)(r1 +0)",
// "(85) call bpf_map_lookup_elem#1", "(05) goto pc+2". The log's "N: "
// index prefix is not included.
//
// Two things differ from a live log by nature: an lddw that refers to a map
// prints its immediate as stored here, where the kernel prints the map's
// address once it has resolved the fd, and a kfunc call prints
// "kernel-function" where the kernel looks the name up in BTF.
func (p Program) KernelString(pc int) string {
	if pc < 0 || pc >= len(p) {
		return ""
	}
	ins := p[pc]
	head := "(" + hex2(ins.Code) + ") "
	w := func(r Reg, narrow bool) string {
		if narrow {
			return "w" + itoa(int(r))
		}
		return "r" + itoa(int(r))
	}
	memOff := func(r Reg, off int16) string { return "(r" + itoa(int(r)) + " " + plusd(int64(off)) + ")" }
	size := sizeNames[ins.Size()]
	switch class := ins.Class(); class {
	case BPF_ALU, BPF_ALU64:
		n := class == BPF_ALU
		op := ins.ALUOp()
		switch {
		case op == BPF_END && class == BPF_ALU64:
			return head + w(ins.Dst, false) + " = bswap" + itoa(int(ins.Imm)) + " " + w(ins.Dst, false)
		case op == BPF_END:
			e := "le"
			if ins.Source() == BPF_TO_BE {
				e = "be"
			}
			return head + w(ins.Dst, false) + " = " + e + itoa(int(ins.Imm)) + " " + w(ins.Dst, false)
		case op == BPF_NEG:
			return head + w(ins.Dst, n) + " = -" + w(ins.Dst, n)
		}
		sym, ok := llvmALUOps[op]
		if !ok {
			sym = "(null)" // the kernel's table has no entry; printk says so
		}
		if (op == BPF_DIV || op == BPF_MOD) && ins.Off == 1 {
			sym = "s" + sym
		}
		if ins.Code == Op(BPF_ALU64, BPF_MOV, BPF_X) && ins.Off == 1 { // BPF_ADDR_SPACE_CAST
			return head + w(ins.Dst, false) + " = addr_space_cast(" + w(ins.Src, false) + ", " +
				itoa(int(uint32(ins.Imm)>>16)) + ", " + itoa(int(uint16(ins.Imm))) + ")"
		}
		if ins.Code == Op(BPF_ALU64, BPF_MOV, BPF_X) && ins.Off == -1 { // internal per-CPU address move
			return head + w(ins.Dst, false) + " = &(void __percpu *)(" + w(ins.Src, false) + ")"
		}
		if ins.Source() == BPF_X {
			cast := ""
			if op == BPF_MOV && (ins.Off == 8 || ins.Off == 16 || ins.Off == 32) {
				cast = "(s" + itoa(int(ins.Off)) + ")"
			}
			return head + w(ins.Dst, n) + " " + sym + " " + cast + w(ins.Src, n)
		}
		return head + w(ins.Dst, n) + " " + sym + " " + itoa(int(ins.Imm))
	case BPF_STX:
		switch ins.Mode() {
		case BPF_MEM:
			return head + "*(" + size + " *)" + memOff(ins.Dst, ins.Off) + " = " + w(ins.Src, false)
		case BPF_ATOMIC:
			return head + kernelAtomic(ins, size, memOff(ins.Dst, ins.Off))
		}
		return "BUG_" + hex2(ins.Code)
	case BPF_ST:
		if ins.Mode() == BPF_MEM {
			return head + "*(" + size + " *)" + memOff(ins.Dst, ins.Off) + " = " + itoa(int(ins.Imm))
		}
		if ins.Mode() == 0xc0 { // BPF_NOSPEC, kernel-internal
			return head + "nospec"
		}
		return "BUG_st_" + hex2(ins.Code)
	case BPF_LDX:
		switch ins.Mode() {
		case BPF_MEM:
			return head + w(ins.Dst, false) + " = *(" + size + " *)" + memOff(ins.Src, ins.Off)
		case BPF_MEMSX:
			return head + w(ins.Dst, false) + " = *(" + sxSizeNames[ins.Size()] + " *)" + memOff(ins.Src, ins.Off)
		}
		return "BUG_ldx_" + hex2(ins.Code)
	case BPF_LD:
		switch {
		case ins.Mode() == BPF_ABS:
			return head + "r0 = *(" + size + " *)skb[" + itoa(int(ins.Imm)) + "]"
		case ins.Mode() == BPF_IND:
			return head + "r0 = *(" + size + " *)skb[r" + itoa(int(ins.Src)) + " + " + itoa(int(ins.Imm)) + "]"
		case ins.IsLdImm64():
			var hi Insn
			if pc+1 < len(p) {
				hi = p[pc+1]
			}
			return head + w(ins.Dst, false) + " = 0x" + strconv.FormatUint(Imm64(ins, hi), 16)
		}
		return "BUG_ld_" + hex2(ins.Code)
	default: // BPF_JMP, BPF_JMP32
		n := class == BPF_JMP32
		switch op := ins.JmpOp(); {
		case op == BPF_CALL:
			switch {
			case ins.Src == BPF_PSEUDO_CALL:
				return head + "call pc" + plusd(int64(ins.Imm))
			case ins.Src == 0 && Func(ins.Imm).Known():
				return head + "call " + Func(ins.Imm).String() + "#" + itoa(int(ins.Imm))
			case ins.Src == 0 && ins.Imm == 0:
				return head + "call bpf_unspec#0"
			case ins.Src == BPF_PSEUDO_KFUNC_CALL:
				return head + "call kernel-function#" + itoa(int(ins.Imm))
			}
			return head + "call unknown#" + itoa(int(ins.Imm))
		case ins.Code == Op(BPF_JMP, BPF_JA):
			return head + "goto pc" + plusd(int64(ins.Off))
		case ins.Code == Op(BPF_JMP, BPF_JCOND) && ins.Src == BPF_MAY_GOTO:
			return head + "may_goto pc" + plusd(int64(ins.Off))
		case ins.Code == Op(BPF_JMP32, BPF_JA):
			return head + "gotol pc" + plusd(int64(ins.Imm))
		case ins.Code == Op(BPF_JMP, BPF_EXIT):
			return head + "exit"
		default:
			sym, ok := llvmJmpOps[op]
			if !ok {
				if sym, ok = kernelJmpOther[op]; !ok {
					sym = "(null)"
				}
			}
			rhs := "0x" + strconv.FormatUint(uint64(uint32(ins.Imm)), 16)
			if ins.Source() == BPF_X {
				rhs = w(ins.Src, n)
			}
			return head + "if " + w(ins.Dst, n) + " " + sym + " " + rhs + " goto pc" + plusd(int64(ins.Off))
		}
	}
}

// kernelJmpOther names the jump operations without a comparison, as the
// kernel's table does when one of them reaches the comparison branch.
var kernelJmpOther = map[JmpOp]string{BPF_JA: "jmp", BPF_CALL: "call", BPF_EXIT: "exit"}

func kernelAtomic(ins Insn, size, addr string) string {
	r := func(x Reg) string { return "r" + itoa(int(x)) }
	bits := ""
	if ins.Size() == BPF_DW {
		bits = "64"
	}
	ptr := "(" + size + " *)" + addr
	switch op := ALUOp(ins.Imm); op {
	case BPF_ADD, BPF_AND, BPF_OR, BPF_XOR:
		return "lock *" + ptr + " " + llvmALUOps[op] + " " + r(ins.Src)
	case BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH:
		return r(ins.Src) + " = atomic" + bits + "_fetch_" + atomicNames[op&^BPF_FETCH] + "(" + ptr + ", " + r(ins.Src) + ")"
	case BPF_CMPXCHG:
		return "r0 = atomic" + bits + "_cmpxchg(" + ptr + ", r0, " + r(ins.Src) + ")"
	case BPF_XCHG:
		return r(ins.Src) + " = atomic" + bits + "_xchg(" + ptr + ", " + r(ins.Src) + ")"
	case BPF_LOAD_ACQ:
		return r(ins.Dst) + " = load_acquire((" + size + " *)(r" + itoa(int(ins.Src)) + " " + plusd(int64(ins.Off)) + "))"
	case BPF_STORE_REL:
		return "store_release(" + ptr + ", " + r(ins.Src) + ")"
	}
	return "BUG_" + hex2(ins.Code)
}

// plusd formats a signed decimal with its sign, as C's "%+d".
func plusd(v int64) string {
	if v < 0 {
		return strconv.FormatInt(v, 10)
	}
	return "+" + strconv.FormatInt(v, 10)
}

// hex2 formats a byte as two lower-case hex digits, as C's "%02x".
func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&0xf]})
}
