package asm

import "strconv"

// InsnSize is the size of one encoded instruction slot.
const InsnSize = 8

// Insn mirrors the kernel's struct bpf_insn: an opcode, two 4-bit register
// fields, a signed 16-bit offset and a signed 32-bit immediate. A 64-bit
// immediate load (lddw) occupies two consecutive Insn, the second with
// Code == 0 carrying the upper 32 bits in Imm, exactly as in the kernel.
type Insn struct {
	Code uint8
	Dst  Reg // 4 bits
	Src  Reg // 4 bits
	Off  int16
	Imm  int32
}

// Program is a sequence of instruction slots; lddw takes two.
type Program []Insn

// Class returns the instruction class.
func (i Insn) Class() Class { return Class(i.Code & classMask) }

// Size returns the size field of a load or store.
func (i Insn) Size() Size { return Size(i.Code & sizeMask) }

// Mode returns the mode field of a load or store.
func (i Insn) Mode() Mode { return Mode(i.Code & modeMask) }

// Source returns the operand source of an ALU or jump instruction.
func (i Insn) Source() Source { return Source(i.Code & sourceMask) }

// ALUOp returns the operation of an ALU instruction.
func (i Insn) ALUOp() ALUOp { return ALUOp(i.Code & opMask) }

// JmpOp returns the operation of a jump instruction.
func (i Insn) JmpOp() JmpOp { return JmpOp(i.Code & opMask) }

// IsLdImm64 reports whether this is the first slot of a 64-bit immediate load.
func (i Insn) IsLdImm64() bool { return i.Code == uint8(BPF_LD)|uint8(BPF_DW)|uint8(BPF_IMM) }

// IsExit reports whether this is BPF_EXIT.
func (i Insn) IsExit() bool { return i.Code == uint8(BPF_JMP)|uint8(BPF_EXIT) }

// IsCall reports whether this is BPF_CALL (helper, bpf-to-bpf or kfunc).
func (i Insn) IsCall() bool { return i.Code == uint8(BPF_JMP)|uint8(BPF_CALL) }

// IsPseudoCall reports whether this is a bpf-to-bpf call.
func (i Insn) IsPseudoCall() bool { return i.IsCall() && i.Src == BPF_PSEUDO_CALL }

// IsHelperCall reports whether this is a call of a kernel helper by id.
func (i Insn) IsHelperCall() bool { return i.IsCall() && i.Src == 0 }

// IsGotol reports whether this is the 32-bit-offset unconditional jump.
func (i Insn) IsGotol() bool { return i.Code == uint8(BPF_JMP32)|uint8(BPF_JA) }

// IsJump reports whether the instruction transfers control by a relative
// offset (conditional and unconditional jumps, gotol, may_goto), that is,
// everything in the jump classes but call and exit.
func (i Insn) IsJump() bool {
	if !i.Class().IsJump() {
		return false
	}
	op := i.JmpOp()
	return op != BPF_CALL && op != BPF_EXIT
}

// JumpTarget returns the absolute index a jump at index pc goes to when taken
// (gotol uses Imm, every other jump Off), and for a bpf-to-bpf call the callee.
func (i Insn) JumpTarget(pc int) int {
	if i.IsGotol() || i.IsPseudoCall() {
		return pc + 1 + int(i.Imm)
	}
	return pc + 1 + int(i.Off)
}

// Imm64 returns the 64-bit immediate of an lddw whose first slot is i and
// second slot is next.
func Imm64(i, next Insn) uint64 {
	return uint64(uint32(i.Imm)) | uint64(uint32(next.Imm))<<32
}

// Len returns the number of instructions (not slots) in the program.
func (p Program) Len() int {
	n := 0
	for pc := 0; pc < len(p); pc++ {
		if p[pc].IsLdImm64() {
			pc++
		}
		n++
	}
	return n
}

func itoa(n int) string         { return strconv.Itoa(n) }
func hexString(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }
