package asm

// Reg is an eBPF register number, R0…R10.
type Reg uint8

// Class is the low three bits of an opcode.
type Class uint8

// Size is the size field of a load or store opcode.
type Size uint8

// Mode is the mode field of a load or store opcode.
type Mode uint8

// Source selects an immediate (BPF_K) or register (BPF_X) operand; for
// BPF_END it selects the byte order (BPF_TO_LE, BPF_TO_BE).
type Source uint8

// ALUOp is the operation field of an ALU or ALU64 opcode. Atomic operations
// (BPF_ADD|BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL) use
// the same type because the kernel encodes them in the immediate with the
// same values.
type ALUOp uint16

// JmpOp is the operation field of a JMP or JMP32 opcode.
type JmpOp uint8

// Registers.
const (
	BPF_REG_0 Reg = iota
	BPF_REG_1
	BPF_REG_2
	BPF_REG_3
	BPF_REG_4
	BPF_REG_5
	BPF_REG_6
	BPF_REG_7
	BPF_REG_8
	BPF_REG_9
	BPF_REG_10
	// MaxReg is the number of registers.
	MaxReg
	// BPF_REG_FP is the read-only frame pointer.
	BPF_REG_FP = BPF_REG_10
)

// Instruction classes.
const (
	BPF_LD    Class = 0x00
	BPF_LDX   Class = 0x01
	BPF_ST    Class = 0x02
	BPF_STX   Class = 0x03
	BPF_ALU   Class = 0x04
	BPF_JMP   Class = 0x05
	BPF_JMP32 Class = 0x06
	BPF_ALU64 Class = 0x07
)

// Load and store sizes.
const (
	BPF_W  Size = 0x00 // 4 bytes
	BPF_H  Size = 0x08 // 2 bytes
	BPF_B  Size = 0x10 // 1 byte
	BPF_DW Size = 0x18 // 8 bytes
)

// Load and store modes.
const (
	BPF_IMM    Mode = 0x00 // lddw, the 64-bit immediate load
	BPF_ABS    Mode = 0x20 // legacy packet load at a constant offset
	BPF_IND    Mode = 0x40 // legacy packet load at a register offset
	BPF_MEM    Mode = 0x60 // plain load or store
	BPF_MEMSX  Mode = 0x80 // sign-extending load
	BPF_ATOMIC Mode = 0xc0 // atomic read-modify-write
)

// Operand sources.
const (
	BPF_K Source = 0x00 // immediate
	BPF_X Source = 0x08 // register

	BPF_TO_LE Source = 0x00 // BPF_END: convert to little endian
	BPF_TO_BE Source = 0x08 // BPF_END: convert to big endian
	// BPF_FROM_LE and BPF_FROM_BE are the same bits read the other way.
	BPF_FROM_LE = BPF_TO_LE
	BPF_FROM_BE = BPF_TO_BE
)

// ALU operations.
const (
	BPF_ADD  ALUOp = 0x00
	BPF_SUB  ALUOp = 0x10
	BPF_MUL  ALUOp = 0x20
	BPF_DIV  ALUOp = 0x30 // off 1: signed division (sdiv)
	BPF_OR   ALUOp = 0x40
	BPF_AND  ALUOp = 0x50
	BPF_LSH  ALUOp = 0x60
	BPF_RSH  ALUOp = 0x70
	BPF_NEG  ALUOp = 0x80
	BPF_MOD  ALUOp = 0x90 // off 1: signed modulo (smod)
	BPF_XOR  ALUOp = 0xa0
	BPF_MOV  ALUOp = 0xb0 // off 8/16/32: sign-extending move (movsx)
	BPF_ARSH ALUOp = 0xc0
	BPF_END  ALUOp = 0xd0 // byte swap; with BPF_ALU64 an unconditional bswap

	// Atomic operations, carried in the immediate of BPF_STX|BPF_ATOMIC.
	BPF_FETCH     ALUOp = 0x01        // flag: also return the old value
	BPF_XCHG      ALUOp = 0xe0 | 0x01 // atomic exchange
	BPF_CMPXCHG   ALUOp = 0xf0 | 0x01 // atomic compare and exchange against R0
	BPF_LOAD_ACQ  ALUOp = 0x100       // load-acquire
	BPF_STORE_REL ALUOp = 0x110       // store-release
)

// Jump operations.
const (
	BPF_JA    JmpOp = 0x00
	BPF_JEQ   JmpOp = 0x10
	BPF_JGT   JmpOp = 0x20
	BPF_JGE   JmpOp = 0x30
	BPF_JSET  JmpOp = 0x40
	BPF_JNE   JmpOp = 0x50
	BPF_JSGT  JmpOp = 0x60
	BPF_JSGE  JmpOp = 0x70
	BPF_CALL  JmpOp = 0x80
	BPF_EXIT  JmpOp = 0x90
	BPF_JLT   JmpOp = 0xa0
	BPF_JLE   JmpOp = 0xb0
	BPF_JSLT  JmpOp = 0xc0
	BPF_JSLE  JmpOp = 0xd0
	BPF_JCOND JmpOp = 0xe0 // may_goto (src BPF_MAY_GOTO)
)

// Pseudo source registers of lddw, call and jcond.
const (
	BPF_PSEUDO_MAP_FD        = 1 // lddw: imm is a map fd
	BPF_PSEUDO_MAP_VALUE     = 2 // lddw: imm is a map fd, next imm an offset into its value
	BPF_PSEUDO_BTF_ID        = 3 // lddw: imm is a BTF id of a kernel variable
	BPF_PSEUDO_FUNC          = 4 // lddw: imm is a relative instruction offset of a subprogram
	BPF_PSEUDO_MAP_IDX       = 5 // lddw: imm is an index into the fd array
	BPF_PSEUDO_MAP_IDX_VALUE = 6 // lddw: as MAP_VALUE with an fd-array index

	BPF_PSEUDO_CALL       = 1 // call: imm is a relative instruction offset (bpf-to-bpf)
	BPF_PSEUDO_KFUNC_CALL = 2 // call: imm is a BTF id of a kernel function

	BPF_MAY_GOTO = 0 // jcond: src of may_goto
)

// Masks and shifts of the opcode fields.
const (
	classMask  = 0x07
	sizeMask   = 0x18
	modeMask   = 0xe0
	opMask     = 0xf0
	sourceMask = 0x08
)

// MaxInsns is the kernel's limit on program length (BPF_COMPLEXITY_LIMIT_INSNS).
const MaxInsns = 1000000

// CodePart is any opcode field constant; see Op.
type CodePart interface{ codeBits() uint8 }

func (c Class) codeBits() uint8  { return uint8(c) }
func (s Size) codeBits() uint8   { return uint8(s) }
func (m Mode) codeBits() uint8   { return uint8(m) }
func (s Source) codeBits() uint8 { return uint8(s) }
func (o ALUOp) codeBits() uint8  { return uint8(o) }
func (o JmpOp) codeBits() uint8  { return uint8(o) }

// Op ORs opcode fields together, as the kernel writes BPF_JMP | BPF_CALL; Go's
// typed constants cannot be ORed across types directly.
func Op(parts ...CodePart) uint8 {
	var c uint8
	for _, p := range parts {
		c |= p.codeBits()
	}
	return c
}

// IsALU reports whether the class is BPF_ALU or BPF_ALU64.
func (c Class) IsALU() bool { return c == BPF_ALU || c == BPF_ALU64 }

// IsJump reports whether the class is BPF_JMP or BPF_JMP32.
func (c Class) IsJump() bool { return c == BPF_JMP || c == BPF_JMP32 }

// IsLoad reports whether the class is BPF_LD or BPF_LDX.
func (c Class) IsLoad() bool { return c == BPF_LD || c == BPF_LDX }

// IsStore reports whether the class is BPF_ST or BPF_STX.
func (c Class) IsStore() bool { return c == BPF_ST || c == BPF_STX }

// Bytes is the access width in bytes.
func (s Size) Bytes() int {
	switch s {
	case BPF_B:
		return 1
	case BPF_H:
		return 2
	case BPF_W:
		return 4
	default:
		return 8
	}
}

// SizeOf returns the Size for an access width of 1, 2, 4 or 8 bytes.
func SizeOf(bytes int) (Size, bool) {
	switch bytes {
	case 1:
		return BPF_B, true
	case 2:
		return BPF_H, true
	case 4:
		return BPF_W, true
	case 8:
		return BPF_DW, true
	}
	return 0, false
}

var classNames = [...]string{"BPF_LD", "BPF_LDX", "BPF_ST", "BPF_STX", "BPF_ALU", "BPF_JMP", "BPF_JMP32", "BPF_ALU64"}

func (c Class) String() string { return classNames[c&classMask] }

func (s Size) String() string {
	switch s {
	case BPF_W:
		return "BPF_W"
	case BPF_H:
		return "BPF_H"
	case BPF_B:
		return "BPF_B"
	case BPF_DW:
		return "BPF_DW"
	}
	return "Size(" + hexString(uint64(s)) + ")"
}

func (m Mode) String() string {
	switch m {
	case BPF_IMM:
		return "BPF_IMM"
	case BPF_ABS:
		return "BPF_ABS"
	case BPF_IND:
		return "BPF_IND"
	case BPF_MEM:
		return "BPF_MEM"
	case BPF_MEMSX:
		return "BPF_MEMSX"
	case BPF_ATOMIC:
		return "BPF_ATOMIC"
	}
	return "Mode(" + hexString(uint64(m)) + ")"
}

func (s Source) String() string {
	if s == BPF_X {
		return "BPF_X"
	}
	return "BPF_K"
}

var aluNames = map[ALUOp]string{
	BPF_ADD: "BPF_ADD", BPF_SUB: "BPF_SUB", BPF_MUL: "BPF_MUL", BPF_DIV: "BPF_DIV",
	BPF_OR: "BPF_OR", BPF_AND: "BPF_AND", BPF_LSH: "BPF_LSH", BPF_RSH: "BPF_RSH",
	BPF_NEG: "BPF_NEG", BPF_MOD: "BPF_MOD", BPF_XOR: "BPF_XOR", BPF_MOV: "BPF_MOV",
	BPF_ARSH: "BPF_ARSH", BPF_END: "BPF_END",
	BPF_XCHG: "BPF_XCHG", BPF_CMPXCHG: "BPF_CMPXCHG",
	BPF_LOAD_ACQ: "BPF_LOAD_ACQ", BPF_STORE_REL: "BPF_STORE_REL",
}

func (o ALUOp) String() string {
	if s, ok := aluNames[o]; ok {
		return s
	}
	if o&BPF_FETCH != 0 {
		if s, ok := aluNames[o&^BPF_FETCH]; ok {
			return s + " | BPF_FETCH"
		}
	}
	return "ALUOp(" + hexString(uint64(o)) + ")"
}

var jmpNames = map[JmpOp]string{
	BPF_JA: "BPF_JA", BPF_JEQ: "BPF_JEQ", BPF_JGT: "BPF_JGT", BPF_JGE: "BPF_JGE",
	BPF_JSET: "BPF_JSET", BPF_JNE: "BPF_JNE", BPF_JSGT: "BPF_JSGT", BPF_JSGE: "BPF_JSGE",
	BPF_CALL: "BPF_CALL", BPF_EXIT: "BPF_EXIT", BPF_JLT: "BPF_JLT", BPF_JLE: "BPF_JLE",
	BPF_JSLT: "BPF_JSLT", BPF_JSLE: "BPF_JSLE", BPF_JCOND: "BPF_JCOND",
}

func (o JmpOp) String() string {
	if s, ok := jmpNames[o]; ok {
		return s
	}
	return "JmpOp(" + hexString(uint64(o)) + ")"
}

func (r Reg) String() string {
	if r <= BPF_REG_10 {
		return "BPF_REG_" + itoa(int(r))
	}
	return "Reg(" + itoa(int(r)) + ")"
}
