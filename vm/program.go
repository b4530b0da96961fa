package vm

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
)

// Program is a validated program in the interpreter's pre-decoded form. It
// is immutable and may be run by several environments at once.
type Program struct {
	src  asm.Program
	code []insn
	pure bool // no stores, atomics or helper calls: the run writes no memory
}

// insn is one pre-decoded slot: the operation is resolved to one dense
// number (size, source, sign and width folded in), immediates are
// sign-extended once, and jump targets are absolute.
type insn struct {
	op  op
	dst uint8
	src uint8
	_   uint8
	off int32 // memory offset, or absolute target pc of a jump or local call
	imm int64 // sign-extended immediate; lddw: the 64-bit value
}

// op is the interpreter's opcode. The names read as the instruction:
// opAdd64X is "dst += src" on 64 bits, opJgt32K "if w(dst) > imm goto".
type op uint8

const (
	opInvalid op = iota // the second slot of an lddw: never executed

	// ALU64, immediate and register operand.
	opAdd64K
	opAdd64X
	opSub64K
	opSub64X
	opMul64K
	opMul64X
	opDiv64K
	opDiv64X
	opSdiv64K
	opSdiv64X
	opOr64K
	opOr64X
	opAnd64K
	opAnd64X
	opLsh64K
	opLsh64X
	opRsh64K
	opRsh64X
	opNeg64
	opMod64K
	opMod64X
	opSmod64K
	opSmod64X
	opXor64K
	opXor64X
	opMov64K
	opMov64X
	opArsh64K
	opArsh64X

	// ALU32: results zero-extended to 64 bits.
	opAdd32K
	opAdd32X
	opSub32K
	opSub32X
	opMul32K
	opMul32X
	opDiv32K
	opDiv32X
	opSdiv32K
	opSdiv32X
	opOr32K
	opOr32X
	opAnd32K
	opAnd32X
	opLsh32K
	opLsh32X
	opRsh32K
	opRsh32X
	opNeg32
	opMod32K
	opMod32X
	opSmod32K
	opSmod32X
	opXor32K
	opXor32X
	opMov32K
	opMov32X
	opArsh32K
	opArsh32X

	// Sign-extending moves and byte swaps (kept out of the ALU64/ALU32
	// blocks above, which must stay parallel).
	opMovsx64x8
	opMovsx64x16
	opMovsx64x32
	opMovsx32x8
	opMovsx32x16
	opBswap16 // ALU64 class: unconditional
	opBswap32
	opBswap64
	opLe16
	opLe32
	opLe64
	opBe16
	opBe32
	opBe64

	// Jumps. off holds the absolute target.
	opJa
	opJeq64K
	opJeq64X
	opJgt64K
	opJgt64X
	opJge64K
	opJge64X
	opJset64K
	opJset64X
	opJne64K
	opJne64X
	opJsgt64K
	opJsgt64X
	opJsge64K
	opJsge64X
	opJlt64K
	opJlt64X
	opJle64K
	opJle64X
	opJslt64K
	opJslt64X
	opJsle64K
	opJsle64X
	opJeq32K
	opJeq32X
	opJgt32K
	opJgt32X
	opJge32K
	opJge32X
	opJset32K
	opJset32X
	opJne32K
	opJne32X
	opJsgt32K
	opJsgt32X
	opJsge32K
	opJsge32X
	opJlt32K
	opJlt32X
	opJle32K
	opJle32X
	opJslt32K
	opJslt32X
	opJsle32K
	opJsle32X
	opMayGoto
	opCall      // helper call, imm = id
	opCallLocal // bpf-to-bpf call, off = callee pc
	opCallx     // helper call, id in dst
	opExit

	// Loads and stores.
	opLddw         // imm = value
	opLddwMap      // imm = map index: a map handle
	opLddwMapValue // imm = map index, off = offset into its value
	opLddwFunc     // off = subprogram pc
	opLdxB
	opLdxH
	opLdxW
	opLdxDW
	opLdxsB
	opLdxsH
	opLdxsW
	opStB
	opStH
	opStW
	opStDW
	opStxB
	opStxH
	opStxW
	opStxDW
	opLdAbsB
	opLdAbsH
	opLdAbsW
	opLdIndB
	opLdIndH
	opLdIndW
	opAtomic32 // imm = the atomic operation (asm.ALUOp)
	opAtomic64
	opLoadAcqB // dst = *(src+off), with acquire order
	opLoadAcqH
	opLoadAcqW
	opLoadAcqDW
	opStoreRelB // *(dst+off) = src, with release order
	opStoreRelH
	opStoreRelW
	opStoreRelDW
)

// Prepare validates p (see asm.Program.Validate) and decodes it for the
// interpreter. It also makes the kernel's load-time checks that need no
// types (functions end in exit or jump and jumps stay inside them; r10 is
// never written), and refuses, with an *asm.DecodeError, the few
// well-formed instructions no engine here can run: kfunc calls and lddw of
// a BTF id.
func Prepare(p asm.Program) (*Program, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := checkSubprogs(p); err != nil {
		return nil, err
	}
	code := make([]insn, len(p))
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		if writesFP(in) {
			return nil, decodeErr(pc, in, "frame pointer is read only")
		}
		d, err := decode(p, pc)
		if err != nil {
			return nil, err
		}
		code[pc] = d
		if in.IsLdImm64() {
			pc++ // code[pc] stays opInvalid
		}
	}
	return &Program{src: p, code: code, pure: pure(code)}, nil
}

// pure reports whether code cannot write memory: it has no stores, no
// atomics and no helper calls (a helper may write through its arguments).
// bpf-to-bpf calls are allowed: a callee's stack is cleared when it is
// entered, and the caller's is written only by stores.
func pure(code []insn) bool {
	for _, in := range code {
		switch {
		case in.op >= opStB && in.op <= opStxDW,
			in.op == opAtomic32, in.op == opAtomic64,
			in.op >= opStoreRelB && in.op <= opStoreRelDW,
			in.op == opCall, in.op == opCallx:
			return false
		}
	}
	return true
}

// writesFP reports whether in writes r10, which the kernel refuses
// (check_reg_arg, "frame pointer is read only"): engines may then keep the
// frame pointer in a fixed place.
func writesFP(in asm.Insn) bool {
	switch in.Class() {
	case asm.BPF_ALU, asm.BPF_ALU64, asm.BPF_LDX:
		return in.Dst == asm.BPF_REG_FP
	case asm.BPF_LD:
		return in.IsLdImm64() && in.Dst == asm.BPF_REG_FP
	case asm.BPF_STX:
		if in.Mode() != asm.BPF_ATOMIC {
			return false
		}
		switch op := asm.ALUOp(in.Imm); {
		case op == asm.BPF_LOAD_ACQ:
			return in.Dst == asm.BPF_REG_FP
		case op == asm.BPF_STORE_REL, op == asm.BPF_CMPXCHG:
			return false
		default:
			return op&asm.BPF_FETCH != 0 && in.Src == asm.BPF_REG_FP
		}
	}
	return false
}

// checkSubprogs makes the kernel's structural checks on bpf-to-bpf
// functions (check_subprogs, kernel/bpf/verifier.c v6.12): every function
// (the main program, each call target, each lddw BPF_PSEUDO_FUNC target)
// ends with exit or an unconditional jump, and no jump leaves its function.
// Without them the interpreter would run from one function into the next.
func checkSubprogs(p asm.Program) error {
	start := make([]bool, len(p)+1)
	start[0], start[len(p)] = true, true
	for pc, in := range p {
		switch {
		case in.IsPseudoCall():
			start[in.JumpTarget(pc)] = true
		case in.IsLdImm64() && in.Src == asm.BPF_PSEUDO_FUNC:
			start[pc+1+int(in.Imm)] = true
		}
	}
	fn := make([]int, len(p)) // function number of each slot
	for pc, n := 0, -1; pc < len(p); pc++ {
		if start[pc] {
			n++
		}
		fn[pc] = n
	}
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		next := pc + 1
		if in.IsLdImm64() {
			next++
		}
		if in.IsJump() {
			if t := in.JumpTarget(pc); fn[t] != fn[pc] {
				return decodeErr(pc, in, "jump out of range from insn %d to %d", pc, t)
			}
		}
		if start[next] && !in.IsExit() && !(in.IsJump() && in.JmpOp() == asm.BPF_JA) {
			return decodeErr(pc, in, "last insn is not an exit or jmp")
		}
		pc = next - 1
	}
	return nil
}

// MustPrepare is Prepare for programs known to be valid (tests, examples);
// it panics on error.
func MustPrepare(p asm.Program) *Program {
	prog, err := Prepare(p)
	if err != nil {
		panic(err)
	}
	return prog
}

// Insns returns the program as it was given to Prepare.
func (p *Program) Insns() asm.Program { return p.src }

func decodeErr(pc int, in asm.Insn, format string, args ...any) error {
	return &asm.DecodeError{Insn: pc, Code: in.Code, Msg: fmt.Sprintf(format, args...)}
}

// aluOps maps an ALU operation to its ALU64 immediate op; the register form
// is the next op, and ALU32 ops sit at the same distance from opAdd32K.
var aluOps = map[asm.ALUOp]op{
	asm.BPF_ADD: opAdd64K, asm.BPF_SUB: opSub64K, asm.BPF_MUL: opMul64K, asm.BPF_DIV: opDiv64K,
	asm.BPF_OR: opOr64K, asm.BPF_AND: opAnd64K, asm.BPF_LSH: opLsh64K, asm.BPF_RSH: opRsh64K,
	asm.BPF_MOD: opMod64K, asm.BPF_XOR: opXor64K, asm.BPF_MOV: opMov64K, asm.BPF_ARSH: opArsh64K,
}

// jmpOps maps a conditional jump to its JMP immediate op; the register
// form is the next op, and JMP32 ops sit at the same distance from opJeq32K.
var jmpOps = map[asm.JmpOp]op{
	asm.BPF_JEQ: opJeq64K, asm.BPF_JGT: opJgt64K, asm.BPF_JGE: opJge64K, asm.BPF_JSET: opJset64K,
	asm.BPF_JNE: opJne64K, asm.BPF_JSGT: opJsgt64K, asm.BPF_JSGE: opJsge64K, asm.BPF_JLT: opJlt64K,
	asm.BPF_JLE: opJle64K, asm.BPF_JSLT: opJslt64K, asm.BPF_JSLE: opJsle64K,
}

var sizeIndex = map[asm.Size]op{asm.BPF_B: 0, asm.BPF_H: 1, asm.BPF_W: 2, asm.BPF_DW: 3}

// decode turns the (valid) instruction at pc into its interpreter form.
func decode(p asm.Program, pc int) (insn, error) {
	in := p[pc]
	d := insn{dst: uint8(in.Dst), src: uint8(in.Src), off: int32(in.Off), imm: int64(in.Imm)}
	x := in.Source() == asm.BPF_X
	var reg op // 1 for the register form
	if x {
		reg = 1
	}
	switch c := in.Class(); c {
	case asm.BPF_ALU, asm.BPF_ALU64:
		alu32 := c == asm.BPF_ALU
		switch o := in.ALUOp(); o {
		case asm.BPF_NEG:
			d.op = opNeg64
			if alu32 {
				d.op = opNeg32
			}
		case asm.BPF_END:
			switch {
			case !alu32:
				d.op = map[int32]op{16: opBswap16, 32: opBswap32, 64: opBswap64}[in.Imm]
			case in.Source() == asm.BPF_TO_BE:
				d.op = map[int32]op{16: opBe16, 32: opBe32, 64: opBe64}[in.Imm]
			default:
				d.op = map[int32]op{16: opLe16, 32: opLe32, 64: opLe64}[in.Imm]
			}
		default:
			d.op = aluOps[o] + reg
			switch {
			case (o == asm.BPF_DIV || o == asm.BPF_MOD) && in.Off == 1:
				d.op += opSdiv64K - opDiv64K // sdiv and smod follow div and mod
			case o == asm.BPF_MOV && x && in.Off != 0:
				d.op = map[int16]op{8: opMovsx64x8, 16: opMovsx64x16, 32: opMovsx64x32}[in.Off]
				if alu32 {
					d.op = map[int16]op{8: opMovsx32x8, 16: opMovsx32x16}[in.Off]
				}
				return d, nil
			}
			if alu32 {
				d.op += opAdd32K - opAdd64K
			}
		}
	case asm.BPF_JMP, asm.BPF_JMP32:
		jmp32 := c == asm.BPF_JMP32
		switch o := in.JmpOp(); o {
		case asm.BPF_JA:
			d.op = opJa
			d.off = int32(in.JumpTarget(pc))
		case asm.BPF_CALL:
			switch {
			case x:
				d.op = opCallx
			case in.Src == asm.BPF_PSEUDO_CALL:
				d.op = opCallLocal
				d.off = int32(in.JumpTarget(pc))
			case in.Src == asm.BPF_PSEUDO_KFUNC_CALL:
				return d, decodeErr(pc, in, "kfunc calls are not supported by the interpreter")
			default:
				d.op = opCall
			}
		case asm.BPF_EXIT:
			d.op = opExit
		case asm.BPF_JCOND:
			d.op = opMayGoto
			d.off = int32(in.JumpTarget(pc))
		default:
			d.op = jmpOps[o] + reg
			if jmp32 {
				d.op += opJeq32K - opJeq64K
			}
			d.off = int32(in.JumpTarget(pc))
		}
	case asm.BPF_LD:
		switch in.Mode() {
		case asm.BPF_IMM:
			v := asm.Imm64(in, p[pc+1])
			switch in.Src {
			case 0:
				d.op, d.imm = opLddw, int64(v)
			case asm.BPF_PSEUDO_MAP_FD, asm.BPF_PSEUDO_MAP_IDX:
				d.op, d.imm = opLddwMap, int64(uint32(in.Imm))
			case asm.BPF_PSEUDO_MAP_VALUE, asm.BPF_PSEUDO_MAP_IDX_VALUE:
				d.op, d.imm, d.off = opLddwMapValue, int64(uint32(in.Imm)), p[pc+1].Imm
			case asm.BPF_PSEUDO_FUNC:
				d.op, d.off = opLddwFunc, int32(pc+1+int(in.Imm))
			default:
				return d, decodeErr(pc, in, "lddw with src %d (BTF id) is not supported by the interpreter", in.Src)
			}
		case asm.BPF_ABS:
			d.op = opLdAbsB + [...]op{asm.BPF_B: 0, asm.BPF_H: 1, asm.BPF_W: 2}[in.Size()]
		case asm.BPF_IND:
			d.op = opLdIndB + [...]op{asm.BPF_B: 0, asm.BPF_H: 1, asm.BPF_W: 2}[in.Size()]
		}
	case asm.BPF_LDX:
		if in.Mode() == asm.BPF_MEMSX {
			d.op = opLdxsB + [...]op{asm.BPF_B: 0, asm.BPF_H: 1, asm.BPF_W: 2}[in.Size()]
		} else {
			d.op = opLdxB + sizeIndex[in.Size()]
		}
	case asm.BPF_ST:
		d.op = opStB + sizeIndex[in.Size()]
	case asm.BPF_STX:
		if in.Mode() == asm.BPF_MEM {
			d.op = opStxB + sizeIndex[in.Size()]
			break
		}
		switch asm.ALUOp(in.Imm) {
		case asm.BPF_LOAD_ACQ:
			d.op = opLoadAcqB + sizeIndex[in.Size()]
		case asm.BPF_STORE_REL:
			d.op = opStoreRelB + sizeIndex[in.Size()]
		default:
			d.op = opAtomic64
			if in.Size() == asm.BPF_W {
				d.op = opAtomic32
			}
		}
	}
	if d.op == opInvalid {
		return d, decodeErr(pc, in, "BUG: no interpreter op for opcode %#02x", in.Code)
	}
	return d, nil
}
