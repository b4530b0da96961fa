package asm

import "fmt"

// Validate checks that the program is well formed as the kernel's loader and
// the eBPF ISA define it: known opcodes, reserved fields zero, complete lddw
// pairs, registers R0–R10, jump and call targets inside the program and not
// in the second slot of an lddw, and a last instruction that is exit or an
// unconditional jump. It does not check safety: that is the verifier's job.
// The error is a *DecodeError naming the first bad slot.
func (p Program) Validate() error {
	if len(p) == 0 {
		return &DecodeError{Insn: 0, Msg: "empty program"}
	}
	if len(p) > MaxInsns {
		return &DecodeError{Insn: MaxInsns, Msg: fmt.Sprintf("program of %d insns is too large (limit %d)", len(p), MaxInsns)}
	}
	second := make([]bool, len(p)) // marks the upper halves of lddw
	for pc := 0; pc < len(p); pc++ {
		ins := p[pc]
		if msg := ins.check(); msg != "" {
			return &DecodeError{Insn: pc, Code: ins.Code, Msg: msg}
		}
		if ins.IsLdImm64() {
			if pc+1 >= len(p) {
				return &DecodeError{Insn: pc, Code: ins.Code, Msg: "invalid bpf_ld_imm64 insn"}
			}
			n := p[pc+1]
			if n.Code != 0 || n.Dst != 0 || n.Src != 0 || n.Off != 0 {
				return &DecodeError{Insn: pc, Code: ins.Code, Msg: "invalid bpf_ld_imm64 insn"}
			}
			pc++
			second[pc] = true
		}
	}
	for pc := 0; pc < len(p); pc++ {
		ins := p[pc]
		if second[pc] {
			continue
		}
		if ins.IsJump() || ins.IsPseudoCall() || (ins.IsLdImm64() && ins.Src == BPF_PSEUDO_FUNC) {
			t := ins.JumpTarget(pc)
			if ins.IsLdImm64() {
				t = pc + 1 + int(ins.Imm)
			}
			if t < 0 || t >= len(p) {
				return &DecodeError{Insn: pc, Code: ins.Code, Msg: fmt.Sprintf("jump out of range from insn %d to %d", pc, t)}
			}
			if second[t] {
				return &DecodeError{Insn: pc, Code: ins.Code, Msg: fmt.Sprintf("jump into the middle of ldimm64 insn %d", t-1)}
			}
		}
	}
	last := len(p) - 1
	if l := p[last]; !second[last] && !l.IsExit() && l.Code != uint8(BPF_JMP)|uint8(BPF_JA) && !l.IsGotol() {
		return &DecodeError{Insn: last, Code: l.Code, Msg: "last insn is not an exit or jmp"}
	} else if second[last] {
		return &DecodeError{Insn: last, Code: l.Code, Msg: "last insn is not an exit or jmp"}
	}
	return nil
}

// check returns what is wrong with one slot on its own, or "".
func (i Insn) check() string {
	if i.Dst > BPF_REG_10 {
		return fmt.Sprintf("invalid register R%d", i.Dst)
	}
	switch c := i.Class(); c {
	case BPF_ALU, BPF_ALU64:
		return i.checkALU()
	case BPF_JMP, BPF_JMP32:
		return i.checkJmp()
	case BPF_LD:
		return i.checkLD()
	case BPF_LDX:
		if i.Src > BPF_REG_10 {
			return fmt.Sprintf("invalid register R%d", i.Src)
		}
		switch i.Mode() {
		case BPF_MEM:
		case BPF_MEMSX:
			if i.Size() == BPF_DW {
				return fmt.Sprintf("unknown opcode %#02x", i.Code)
			}
		default:
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
		if i.Imm != 0 {
			return "BPF_LDX uses reserved fields"
		}
	case BPF_ST:
		if i.Mode() != BPF_MEM {
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
		if i.Src != 0 {
			return "BPF_ST uses reserved fields"
		}
	case BPF_STX:
		if i.Src > BPF_REG_10 {
			return fmt.Sprintf("invalid register R%d", i.Src)
		}
		switch i.Mode() {
		case BPF_MEM:
			if i.Imm != 0 {
				return "BPF_STX uses reserved fields"
			}
		case BPF_ATOMIC:
			return i.checkAtomic()
		default:
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
	}
	return ""
}

func (i Insn) checkALU() string {
	op := i.ALUOp()
	if op > BPF_END {
		return fmt.Sprintf("unknown opcode %#02x", i.Code)
	}
	if i.Source() == BPF_X && i.Src > BPF_REG_10 {
		return fmt.Sprintf("invalid register R%d", i.Src)
	}
	reserved := false
	switch op {
	case BPF_NEG:
		reserved = i.Source() != BPF_K || i.Src != 0 || i.Off != 0 || i.Imm != 0
	case BPF_END:
		reserved = i.Src != 0 || i.Off != 0 || (i.Imm != 16 && i.Imm != 32 && i.Imm != 64) ||
			(i.Class() == BPF_ALU64 && i.Source() != BPF_TO_LE)
	case BPF_DIV, BPF_MOD:
		reserved = (i.Off != 0 && i.Off != 1) || i.srcOrImmSet()
	case BPF_MOV:
		if i.Source() == BPF_X {
			ok := i.Off == 0 || i.Off == 8 || i.Off == 16 || (i.Off == 32 && i.Class() == BPF_ALU64)
			reserved = !ok || i.Imm != 0
		} else {
			reserved = i.Off != 0 || i.Src != 0
		}
	default:
		reserved = i.Off != 0 || i.srcOrImmSet()
	}
	if reserved {
		return "BPF_ALU uses reserved fields"
	}
	return ""
}

// srcOrImmSet reports whether the operand field that the source bit says is
// unused is nonzero.
func (i Insn) srcOrImmSet() bool {
	if i.Source() == BPF_X {
		return i.Imm != 0
	}
	return i.Src != 0
}

func (i Insn) checkJmp() string {
	op := i.JmpOp()
	jmp32 := i.Class() == BPF_JMP32
	switch op {
	case BPF_JA:
		if i.Source() != BPF_K || i.Dst != 0 || i.Src != 0 {
			return "BPF_JA uses reserved fields"
		}
		if jmp32 && i.Off != 0 || !jmp32 && i.Imm != 0 {
			return "BPF_JA uses reserved fields"
		}
	case BPF_CALL:
		if jmp32 {
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
		if i.Source() == BPF_X { // callx: target register in dst
			if i.Src != 0 || i.Off != 0 || i.Imm != 0 {
				return "BPF_CALL uses reserved fields"
			}
			return ""
		}
		if i.Dst != 0 || i.Off != 0 || i.Src > BPF_PSEUDO_KFUNC_CALL {
			return "BPF_CALL uses reserved fields"
		}
	case BPF_EXIT:
		if jmp32 {
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
		if i.Source() != BPF_K || i.Dst != 0 || i.Src != 0 || i.Off != 0 || i.Imm != 0 {
			return "BPF_EXIT uses reserved fields"
		}
	case BPF_JCOND:
		if jmp32 || i.Source() != BPF_K || i.Src != BPF_MAY_GOTO || i.Dst != 0 || i.Imm != 0 {
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
	case 0xf0:
		return fmt.Sprintf("unknown opcode %#02x", i.Code)
	default:
		if i.Source() == BPF_X {
			if i.Src > BPF_REG_10 {
				return fmt.Sprintf("invalid register R%d", i.Src)
			}
			if i.Imm != 0 {
				return "BPF_JMP/JMP32 uses reserved fields"
			}
		} else if i.Src != 0 {
			return "BPF_JMP/JMP32 uses reserved fields"
		}
	}
	return ""
}

func (i Insn) checkLD() string {
	switch i.Mode() {
	case BPF_IMM:
		if i.Size() != BPF_DW {
			return fmt.Sprintf("unknown opcode %#02x", i.Code)
		}
		if i.Off != 0 || i.Src > BPF_PSEUDO_MAP_IDX_VALUE {
			return "invalid bpf_ld_imm64 insn"
		}
	case BPF_ABS, BPF_IND:
		if i.Size() == BPF_DW || i.Dst != 0 || i.Off != 0 || (i.Mode() == BPF_ABS && i.Src != 0) {
			return "BPF_LD_[ABS|IND] uses reserved fields"
		}
		if i.Src > BPF_REG_10 {
			return fmt.Sprintf("invalid register R%d", i.Src)
		}
	default:
		return fmt.Sprintf("unknown opcode %#02x", i.Code)
	}
	return ""
}

func (i Insn) checkAtomic() string {
	sz := i.Size()
	if i.Imm != int32(ALUOp(i.Imm)) { // ALUOp is 16 bits wide; the imm is not
		return fmt.Sprintf("BPF_ATOMIC uses invalid atomic opcode %02x", i.Imm)
	}
	switch ALUOp(i.Imm) {
	case BPF_LOAD_ACQ, BPF_STORE_REL:
		return ""
	case BPF_ADD, BPF_AND, BPF_OR, BPF_XOR,
		BPF_ADD | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_XOR | BPF_FETCH,
		BPF_XCHG, BPF_CMPXCHG:
		if sz != BPF_W && sz != BPF_DW {
			return "invalid atomic operand size"
		}
		return ""
	}
	return fmt.Sprintf("BPF_ATOMIC uses invalid atomic opcode %02x", i.Imm)
}
