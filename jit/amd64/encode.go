package amd64

import "fmt"

// Reg is a general-purpose 64-bit register, numbered as in the ISA.
type Reg uint8

// Registers.
const (
	RAX Reg = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

var regNames = [...]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

func (r Reg) String() string { return regNames[r&15] }

func (r Reg) low() byte { return byte(r) & 7 }
func (r Reg) ext() bool { return r >= R8 }

// Width is an operand size.
type Width uint8

// Operand sizes.
const (
	W8 Width = iota
	W16
	W32
	W64
)

// Mem is a memory operand [Base + Index*Scale + Disp]. Index is used only
// when HasIndex is set (RSP cannot be an index).
type Mem struct {
	Base     Reg
	Index    Reg
	HasIndex bool
	Scale    uint8 // 1, 2, 4 or 8
	Disp     int32
}

// Ptr is the memory operand [base + disp].
func Ptr(base Reg, disp int32) Mem { return Mem{Base: base, Disp: disp} }

// PtrIndex is the memory operand [base + index + disp].
func PtrIndex(base, index Reg, disp int32) Mem {
	return Mem{Base: base, Index: index, HasIndex: true, Scale: 1, Disp: disp}
}

// ALUOp selects a two-operand integer operation; the values are the ModRM
// /digit of the 0x81/0x83 group and the row of the classic opcode map.
type ALUOp uint8

// Two-operand ALU operations.
const (
	ADD ALUOp = 0
	OR  ALUOp = 1
	AND ALUOp = 4
	SUB ALUOp = 5
	XOR ALUOp = 6
	CMP ALUOp = 7
)

// ShiftOp selects a shift; the value is the /digit of the 0xC1/0xD3 group.
type ShiftOp uint8

// Shifts and rotates.
const (
	ROL ShiftOp = 0
	SHL ShiftOp = 4
	SHR ShiftOp = 5
	SAR ShiftOp = 7
)

// Cond is a condition code, the low nibble of Jcc/SETcc/CMOVcc.
type Cond uint8

// Condition codes.
const (
	CondO  Cond = 0x0
	CondB  Cond = 0x2 // unsigned <
	CondAE Cond = 0x3 // unsigned >=
	CondE  Cond = 0x4
	CondNE Cond = 0x5
	CondBE Cond = 0x6 // unsigned <=
	CondA  Cond = 0x7 // unsigned >
	CondS  Cond = 0x8
	CondL  Cond = 0xc // signed <
	CondGE Cond = 0xd // signed >=
	CondLE Cond = 0xe // signed <=
	CondG  Cond = 0xf // signed >
)

// Label is a position in the code, bound once and referenced by jumps
// before or after it is bound.
type Label int

type fixup struct {
	at    int // offset of the rel32 field
	label Label
}

// Asm accumulates machine code.
type Asm struct {
	b      []byte
	labels []int // bound offset per label, -1 while unbound
	fixups []fixup
}

// Len is the number of bytes emitted so far.
func (a *Asm) Len() int { return len(a.b) }

// NewLabel returns a fresh unbound label.
func (a *Asm) NewLabel() Label {
	a.labels = append(a.labels, -1)
	return Label(len(a.labels) - 1)
}

// Bind binds the label to the current position.
func (a *Asm) Bind(l Label) {
	if a.labels[l] >= 0 {
		panic(fmt.Sprintf("BUG: label %d bound twice", l))
	}
	a.labels[l] = len(a.b)
}

// Offset returns the bound position of l, or -1.
func (a *Asm) Offset(l Label) int { return a.labels[l] }

// Finish resolves every jump to its label and returns the code. It fails if
// a referenced label was never bound.
func (a *Asm) Finish() ([]byte, error) {
	for _, f := range a.fixups {
		to := a.labels[f.label]
		if to < 0 {
			return nil, fmt.Errorf("amd64: label %d referenced but never bound", f.label)
		}
		rel := int32(to - (f.at + 4))
		putU32(a.b[f.at:], uint32(rel))
	}
	a.fixups = a.fixups[:0]
	return a.b, nil
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func (a *Asm) byte1(b ...byte) { a.b = append(a.b, b...) }

func (a *Asm) imm32(v int32) { a.b = append(a.b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }

func (a *Asm) imm16(v int16) { a.b = append(a.b, byte(v), byte(v>>8)) }

// rex emits a REX prefix when needed: w for 64-bit operands, r/x/b extend
// the ModRM reg, SIB index and ModRM rm/base fields. force is for byte
// registers SPL/BPL/SIL/DIL, which need a REX to be addressable.
func (a *Asm) rex(w bool, r, x, b Reg, force bool) {
	v := byte(0x40)
	if w {
		v |= 8
	}
	if r.ext() {
		v |= 4
	}
	if x.ext() {
		v |= 2
	}
	if b.ext() {
		v |= 1
	}
	if v != 0x40 || force {
		a.byte1(v)
	}
}

// prefix emits the operand-size prefix and REX for a register-register or
// register-memory form with ModRM.reg = reg and ModRM.rm/base = rm.
func (a *Asm) prefix(w Width, reg, index, rm Reg, byteRegs bool) {
	if w == W16 {
		a.byte1(0x66)
	}
	force := byteRegs && w == W8 && (reg >= RSP && reg <= RDI || rm >= RSP && rm <= RDI)
	a.rex(w == W64, reg, index, rm, force)
}

// modrmReg emits ModRM for a register-direct operand.
func (a *Asm) modrmReg(reg byte, rm Reg) { a.byte1(0xc0 | reg<<3 | rm.low()) }

// modrmMem emits ModRM (+SIB, +displacement) for a memory operand.
func (a *Asm) modrmMem(reg byte, m Mem) {
	mod := byte(2)
	switch {
	case m.Disp == 0 && m.Base.low() != 5: // [rbp]/[r13] need a displacement
		mod = 0
	case m.Disp >= -128 && m.Disp <= 127:
		mod = 1
	}
	if m.HasIndex || m.Base.low() == 4 { // rsp/r12 as base need a SIB
		idx, scale := byte(4), byte(0) // 4 = no index
		if m.HasIndex {
			idx = m.Index.low()
			switch m.Scale {
			case 2:
				scale = 1
			case 4:
				scale = 2
			case 8:
				scale = 3
			}
		}
		a.byte1(mod<<6|reg<<3|4, scale<<6|idx<<3|m.Base.low())
	} else {
		a.byte1(mod<<6 | reg<<3 | m.Base.low())
	}
	switch mod {
	case 1:
		a.byte1(byte(int8(m.Disp)))
	case 2:
		a.imm32(m.Disp)
	}
}

func (m Mem) index() Reg {
	if m.HasIndex {
		return m.Index
	}
	return RAX
}

// opMem emits prefix, opcode and memory ModRM for a reg/mem form.
func (a *Asm) opMem(w Width, reg Reg, m Mem, op ...byte) {
	a.prefix(w, reg, m.index(), m.Base, true)
	a.byte1(op...)
	a.modrmMem(reg.low(), m)
}

// opReg emits prefix, opcode and register ModRM for a reg/reg form.
func (a *Asm) opReg(w Width, reg, rm Reg, op ...byte) {
	a.prefix(w, reg, RAX, rm, true)
	a.byte1(op...)
	a.modrmReg(reg.low(), rm)
}

// opDigit emits prefix, opcode and ModRM with a /digit extension on a register.
func (a *Asm) opDigit(w Width, digit byte, rm Reg, op ...byte) {
	a.prefix(w, RAX, RAX, rm, true)
	a.byte1(op...)
	a.modrmReg(digit, rm)
}

// Mov copies src to dst (W32 zero-extends into the upper half).
func (a *Asm) Mov(w Width, dst, src Reg) { a.opReg(w, src, dst, 0x89) }

// MovImm32 sets dst to the zero-extended 32-bit value.
func (a *Asm) MovImm32(dst Reg, v uint32) {
	a.rex(false, RAX, RAX, dst, false)
	a.byte1(0xb8 + dst.low())
	a.imm32(int32(v))
}

// MovImm64 sets dst to v with the shortest encoding.
func (a *Asm) MovImm64(dst Reg, v int64) {
	switch {
	case v == 0:
		a.ALU(XOR, W32, dst, dst)
	case v > 0 && v <= 0xffffffff:
		a.MovImm32(dst, uint32(v))
	case v >= -1<<31 && v < 1<<31:
		a.opDigit(W64, 0, dst, 0xc7)
		a.imm32(int32(v))
	default:
		a.rex(true, RAX, RAX, dst, false)
		a.byte1(0xb8 + dst.low())
		a.imm32(int32(v))
		a.imm32(int32(v >> 32))
	}
}

// ALU performs dst = dst op src (CMP only sets flags).
func (a *Asm) ALU(op ALUOp, w Width, dst, src Reg) { a.opReg(w, src, dst, byte(op)<<3|1) }

// ALUImm performs dst = dst op imm, imm sign-extended to the width.
func (a *Asm) ALUImm(op ALUOp, w Width, dst Reg, imm int32) {
	if imm >= -128 && imm <= 127 {
		a.opDigit(w, byte(op), dst, 0x83)
		a.byte1(byte(int8(imm)))
		return
	}
	a.opDigit(w, byte(op), dst, 0x81)
	a.imm32(imm)
}

// LockALU performs an atomic [m] = [m] op src (ADD, OR, AND, XOR).
func (a *Asm) LockALU(op ALUOp, w Width, m Mem, src Reg) {
	a.byte1(0xf0)
	a.opMem(w, src, m, byte(op)<<3|1)
}

// Test sets flags from a & b.
func (a *Asm) Test(w Width, x, y Reg) { a.opReg(w, y, x, 0x85) }

// TestImm sets flags from r & imm.
func (a *Asm) TestImm(w Width, r Reg, imm int32) {
	a.opDigit(w, 0, r, 0xf7)
	a.imm32(imm)
}

// IMul performs dst = dst * src (signed and unsigned agree on the low half).
func (a *Asm) IMul(w Width, dst, src Reg) { a.opReg(w, dst, src, 0x0f, 0xaf) }

// IMulImm performs dst = src * imm.
func (a *Asm) IMulImm(w Width, dst, src Reg, imm int32) {
	a.opReg(w, dst, src, 0x69)
	a.imm32(imm)
}

// Div divides rdx:rax by src unsigned: quotient in rax, remainder in rdx.
func (a *Asm) Div(w Width, src Reg) { a.opDigit(w, 6, src, 0xf7) }

// IDiv divides rdx:rax by src signed.
func (a *Asm) IDiv(w Width, src Reg) { a.opDigit(w, 7, src, 0xf7) }

// SignExtendAX sign-extends rax into rdx (cqo, or cdq for W32).
func (a *Asm) SignExtendAX(w Width) {
	if w == W64 {
		a.byte1(0x48)
	}
	a.byte1(0x99)
}

// Neg performs r = -r.
func (a *Asm) Neg(w Width, r Reg) { a.opDigit(w, 3, r, 0xf7) }

// Shift shifts r by CL.
func (a *Asm) Shift(op ShiftOp, w Width, r Reg) { a.opDigit(w, byte(op), r, 0xd3) }

// ShiftImm shifts r by n.
func (a *Asm) ShiftImm(op ShiftOp, w Width, r Reg, n uint8) {
	a.opDigit(w, byte(op), r, 0xc1)
	a.byte1(n)
}

// Bswap reverses the bytes of a 32- or 64-bit register.
func (a *Asm) Bswap(w Width, r Reg) {
	a.rex(w == W64, RAX, RAX, r, false)
	a.byte1(0x0f, 0xc8+r.low())
}

// Movzx zero-extends the low 8 or 16 bits of src into dst (W32 form, which
// clears the upper half too).
func (a *Asm) Movzx(from Width, dst, src Reg) {
	if from == W8 {
		a.rex(false, dst, RAX, src, src >= RSP && src <= RDI)
		a.byte1(0x0f, 0xb6)
	} else {
		a.rex(false, dst, RAX, src, false)
		a.byte1(0x0f, 0xb7)
	}
	a.modrmReg(dst.low(), src)
}

// Movsx sign-extends the low 8, 16 or 32 bits of src into dst of width to.
func (a *Asm) Movsx(from, to Width, dst, src Reg) {
	switch from {
	case W8:
		a.rex(to == W64, dst, RAX, src, src >= RSP && src <= RDI)
		a.byte1(0x0f, 0xbe)
	case W16:
		a.prefix(to, dst, RAX, src, false)
		a.byte1(0x0f, 0xbf)
	default:
		a.prefix(W64, dst, RAX, src, false)
		a.byte1(0x63)
	}
	a.modrmReg(dst.low(), src)
}

// Load reads w bits at m into dst, zero-extended to 64 bits.
func (a *Asm) Load(w Width, dst Reg, m Mem) {
	switch w {
	case W8:
		a.prefix(W32, dst, m.index(), m.Base, false)
		a.byte1(0x0f, 0xb6)
	case W16:
		a.prefix(W32, dst, m.index(), m.Base, false)
		a.byte1(0x0f, 0xb7)
	default:
		a.prefix(w, dst, m.index(), m.Base, false)
		a.byte1(0x8b)
	}
	a.modrmMem(dst.low(), m)
}

// LoadSX reads w bits at m into dst, sign-extended to 64 bits.
func (a *Asm) LoadSX(w Width, dst Reg, m Mem) {
	a.prefix(W64, dst, m.index(), m.Base, false)
	switch w {
	case W8:
		a.byte1(0x0f, 0xbe)
	case W16:
		a.byte1(0x0f, 0xbf)
	default:
		a.byte1(0x63)
	}
	a.modrmMem(dst.low(), m)
}

// Store writes the low w bits of src to m.
func (a *Asm) Store(w Width, m Mem, src Reg) {
	if w == W8 {
		a.opMem(w, src, m, 0x88)
		return
	}
	a.opMem(w, src, m, 0x89)
}

// StoreImm writes imm (truncated to w; sign-extended for W64) to m.
func (a *Asm) StoreImm(w Width, m Mem, imm int32) {
	switch w {
	case W8:
		a.opMem(w, RAX, m, 0xc6)
		a.byte1(byte(imm))
	case W16:
		a.opMem(w, RAX, m, 0xc7)
		a.imm16(int16(imm))
	default:
		a.opMem(w, RAX, m, 0xc7)
		a.imm32(imm)
	}
}

// Lea sets dst to the address of m.
func (a *Asm) Lea(dst Reg, m Mem) { a.opMem(W64, dst, m, 0x8d) }

// LockXadd atomically adds src to [m] and leaves the old value in src.
func (a *Asm) LockXadd(w Width, m Mem, src Reg) {
	a.byte1(0xf0)
	a.opMem(w, src, m, 0x0f, 0xc1)
}

// Xchg atomically exchanges src with [m] (xchg with memory is always locked).
func (a *Asm) Xchg(w Width, m Mem, src Reg) { a.opMem(w, src, m, 0x87) }

// LockCmpxchg compares rax with [m]; if equal stores src, and loads [m]
// into rax either way.
func (a *Asm) LockCmpxchg(w Width, m Mem, src Reg) {
	a.byte1(0xf0)
	a.opMem(w, src, m, 0x0f, 0xb1)
}

// Cmov moves src to dst when cc holds.
func (a *Asm) Cmov(cc Cond, w Width, dst, src Reg) { a.opReg(w, dst, src, 0x0f, 0x40|byte(cc)) }

// Jcc jumps to l when cc holds.
func (a *Asm) Jcc(cc Cond, l Label) {
	a.byte1(0x0f, 0x80|byte(cc))
	a.fixups = append(a.fixups, fixup{at: len(a.b), label: l})
	a.imm32(0)
}

// Jmp jumps to l.
func (a *Asm) Jmp(l Label) {
	a.byte1(0xe9)
	a.fixups = append(a.fixups, fixup{at: len(a.b), label: l})
	a.imm32(0)
}

// CallReg calls the address in r.
func (a *Asm) CallReg(r Reg) { a.opDigit(W32, 2, r, 0xff) }

// JmpReg jumps to the address in r.
func (a *Asm) JmpReg(r Reg) { a.opDigit(W32, 4, r, 0xff) }

// Push pushes r.
func (a *Asm) Push(r Reg) {
	a.rex(false, RAX, RAX, r, false)
	a.byte1(0x50 + r.low())
}

// Pop pops into r.
func (a *Asm) Pop(r Reg) {
	a.rex(false, RAX, RAX, r, false)
	a.byte1(0x58 + r.low())
}

// Ret returns.
func (a *Asm) Ret() { a.byte1(0xc3) }

// Int3 traps; used to pad and to mark code that must never run.
func (a *Asm) Int3() { a.byte1(0xcc) }

// ALUMem performs dst = dst op [m] (CMP only sets flags).
func (a *Asm) ALUMem(op ALUOp, w Width, dst Reg, m Mem) { a.opMem(w, dst, m, byte(op)<<3|3) }

// ALUMemImm performs [m] = [m] op imm, imm sign-extended to the width
// (W32 or W64).
func (a *Asm) ALUMemImm(op ALUOp, w Width, m Mem, imm int32) {
	if imm >= -128 && imm <= 127 {
		a.opMem(w, Reg(op), m, 0x83)
		a.byte1(byte(int8(imm)))
		return
	}
	a.opMem(w, Reg(op), m, 0x81)
	a.imm32(imm)
}

// LeaRIP sets dst to the address of label l (RIP-relative).
func (a *Asm) LeaRIP(dst Reg, l Label) {
	a.rex(true, dst, RAX, RAX, false)
	a.byte1(0x8d, 0x05|dst.low()<<3)
	a.fixups = append(a.fixups, fixup{at: len(a.b), label: l})
	a.imm32(0)
}

// Call calls label l.
func (a *Asm) Call(l Label) {
	a.byte1(0xe8)
	a.fixups = append(a.fixups, fixup{at: len(a.b), label: l})
	a.imm32(0)
}
