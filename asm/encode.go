package asm

import (
	"encoding/binary"
	"fmt"
)

// Marshal encodes the program as the kernel reads it: 8 bytes per slot in the
// given byte order (binary.LittleEndian on every mainstream target). In little
// endian the dst register takes the low nibble of byte 1, in big endian the
// high nibble, as in the kernel's bitfield layout.
func (p Program) Marshal(order binary.ByteOrder) []byte {
	b := make([]byte, len(p)*InsnSize)
	for i, ins := range p {
		ins.put(b[i*InsnSize:], order)
	}
	return b
}

func (i Insn) put(b []byte, order binary.ByteOrder) {
	b[0] = i.Code
	if order == binary.BigEndian {
		b[1] = uint8(i.Dst&0xf)<<4 | uint8(i.Src&0xf)
	} else {
		b[1] = uint8(i.Src&0xf)<<4 | uint8(i.Dst&0xf)
	}
	order.PutUint16(b[2:], uint16(i.Off))
	order.PutUint32(b[4:], uint32(i.Imm))
}

// Decode decodes the bytes of a program without validating it; it fails only
// when the length is not a multiple of 8.
func Decode(b []byte, order binary.ByteOrder) (Program, error) {
	if len(b)%InsnSize != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of instructions: %w", len(b), ErrTruncated)
	}
	p := make(Program, len(b)/InsnSize)
	for i := range p {
		s := b[i*InsnSize:]
		ins := Insn{Code: s[0], Off: int16(order.Uint16(s[2:])), Imm: int32(order.Uint32(s[4:]))}
		if order == binary.BigEndian {
			ins.Dst, ins.Src = Reg(s[1]>>4), Reg(s[1]&0xf)
		} else {
			ins.Dst, ins.Src = Reg(s[1]&0xf), Reg(s[1]>>4)
		}
		p[i] = ins
	}
	return p, nil
}

// Unmarshal decodes and validates a program: the result is well formed (see
// Validate) and safe to hand to the interpreter, the JIT or the verifier.
func Unmarshal(b []byte, order binary.ByteOrder) (Program, error) {
	p, err := Decode(b, order)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}
