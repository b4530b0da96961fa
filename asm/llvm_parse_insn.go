package asm

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// The instruction productions of the LLVM-syntax assembler (llvm_parse.go
// holds the line, token and label handling).

var llvmJmpByName = map[string]JmpOp{
	"==": BPF_JEQ, ">": BPF_JGT, ">=": BPF_JGE, "&": BPF_JSET, "!=": BPF_JNE,
	"s>": BPF_JSGT, "s>=": BPF_JSGE, "<": BPF_JLT, "<=": BPF_JLE, "s<": BPF_JSLT, "s<=": BPF_JSLE,
}

var llvmALUByName = map[string]ALUOp{
	"+=": BPF_ADD, "-=": BPF_SUB, "*=": BPF_MUL, "/=": BPF_DIV, "|=": BPF_OR, "&=": BPF_AND,
	"<<=": BPF_LSH, ">>=": BPF_RSH, "%=": BPF_MOD, "^=": BPF_XOR, "s>>=": BPF_ARSH,
	"s/=": BPF_DIV, "s%=": BPF_MOD,
}

// insn assembles one instruction from the current tokens.
func (p *llvmParser) insn(code int) {
	t := p.peek()
	switch t.s {
	case "exit":
		p.pos++
		p.emit(BPF_EXIT_INSN())
		return
	case "goto", "ja":
		p.pos++
		p.emit(Insn{Code: Op(BPF_JMP, BPF_JA), Off: int16(p.target(false))})
		return
	case "gotol":
		p.pos++
		p.emit(Insn{Code: Op(BPF_JMP32, BPF_JA), Imm: int32(p.target(true))})
		return
	case "may_goto":
		p.pos++
		p.emit(BPF_MAY_GOTO_INSN(int16(p.target(false))))
		return
	case "call":
		p.pos++
		p.call()
		return
	case "callx":
		p.pos++
		r, _ := p.reg()
		p.emit(BPF_CALLX(r))
		return
	case "if":
		p.pos++
		p.cond()
		return
	case "lock":
		p.pos++
		p.expect("*")
		sz, _, r, off := p.memRef()
		op := p.next()
		aop, ok := llvmALUByName[op.s]
		if !ok || (aop != BPF_ADD && aop != BPF_AND && aop != BPF_OR && aop != BPF_XOR) || op.s[0] == 's' {
			p.fail(op.col, "expected +=, &=, |= or ^=, found %s", found(op))
		}
		src, _ := p.reg()
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, aop, r, src, off))
		return
	case "*":
		p.pos++
		p.store()
		return
	case "store_release":
		p.pos++
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_STORE_REL, r, src, off))
		return
	case "ld_pseudo":
		p.pos++
		dst, _ := p.reg()
		p.expect(",")
		src := p.imm32()
		if src < 1 || src > 15 {
			p.fail(t.col, "ld_pseudo source %d out of range", src)
		}
		p.expect(",")
		imm := p.imm32()
		var hi int32
		if p.accept(",") {
			hi = p.imm32()
		}
		p.emit(Insn{Code: Op(BPF_LD, BPF_DW, BPF_IMM), Dst: dst, Src: Reg(src), Imm: imm}, Insn{Imm: hi})
		return
	case ".byte", ".short", ".2byte", ".long", ".4byte", ".int", ".8byte", ".quad":
		// Raw data, as the kernel selftests write instructions LLVM cannot
		// spell; the bytes become instruction slots eight at a time.
		p.pos++
		width := dataWidth[t.s]
		for {
			v, col := p.number()
			if width < 8 {
				if lim := int64(1) << (8 * width); v < -lim/2 || v >= lim {
					p.fail(col, "%d does not fit in %d bytes", v, width)
				}
			}
			for i := 0; i < width; i++ {
				p.data = append(p.data, byte(uint64(v)>>(8*i)))
			}
			if !p.accept(",") {
				break
			}
		}
		for len(p.data) >= InsnSize {
			slot, _ := Decode(p.data[:InsnSize], binary.LittleEndian)
			p.data = p.data[InsnSize:]
			p.prog = append(p.prog, slot...)
			p.lines = append(p.lines, p.line)
		}
		return
	}
	if strings.HasPrefix(t.s, ".") && !t.num {
		// Other assembler directives (.text, .globl, .section …) carry no
		// instructions.
		p.pos = len(p.toks)
		return
	}
	if !p.isReg() {
		p.fail(t.col, "expected instruction, found %s", found(t))
	}
	p.assign(code)
}

// dataWidth is the size in bytes of each data directive.
var dataWidth = map[string]int{".byte": 1, ".short": 2, ".2byte": 2, ".long": 4, ".4byte": 4, ".int": 4, ".8byte": 8, ".quad": 8}

func (p *llvmParser) atomicSize(sz Size, col int) {
	if sz != BPF_W && sz != BPF_DW {
		p.fail(col, "atomic operations need u32 or u64")
	}
}

func (p *llvmParser) call() {
	t := p.peek()
	switch {
	case t.s == "pc" && !t.num:
		p.pos++
		v := p.imm32()
		// bpftool names the callee: "call pc+2#bpf_prog_5f2c_sub".
		if p.accept("#") {
			if n := p.next(); !isIdent(n.s) || n.num {
				p.fail(n.col, "expected function name, found %s", found(n))
			}
		}
		p.emit(BPF_CALL_REL(v))
	case t.num || t.s == "-" || t.s == "+":
		p.emit(Insn{Code: Op(BPF_JMP, BPF_CALL), Imm: p.imm32()})
	case t.s == "kernel-function":
		p.pos++
		p.expect("#")
		imm := p.imm32()
		var off int16
		if p.accept(",") {
			off = p.off16()
		}
		p.emit(BPF_CALL_KFUNC(off, imm))
	case isIdent(t.s):
		p.pos++
		if p.accept("#") {
			n := p.imm32()
			if f, ok := FuncByName(t.s); ok {
				p.emit(BPF_EMIT_CALL(f))
			} else if t.s == "unknown" || t.s == "bpf_unspec" {
				p.emit(Insn{Code: Op(BPF_JMP, BPF_CALL), Imm: n})
			} else {
				p.emit(BPF_CALL_KFUNC(0, n))
			}
			return
		}
		p.fixups = append(p.fixups, llvmFixup{pc: len(p.prog), label: t.s, line: p.line, col: t.col, call: true})
		p.emit(BPF_CALL_REL(0))
	default:
		p.fail(t.col, "expected call target, found %s", found(t))
	}
}

func (p *llvmParser) cond() {
	dst, w := p.reg()
	opt := p.next()
	op, ok := llvmJmpByName[opt.s]
	if !ok {
		p.fail(opt.col, "expected comparison, found %s", found(opt))
	}
	class := BPF_JMP
	if w {
		class = BPF_JMP32
	}
	ins := Insn{Dst: dst}
	if p.isReg() {
		src, _ := p.reg()
		ins.Code, ins.Src = Op(class, op, BPF_X), src
	} else {
		ins.Code, ins.Imm = Op(class, op, BPF_K), p.imm32()
	}
	p.expect("goto")
	ins.Off = int16(p.target(false))
	p.emit(ins)
}

// store reads "*(u32 *)(r1 + 0x2) = r3" or "= imm" after the leading "*".
func (p *llvmParser) store() {
	sz, signed, col := p.sizeCast()
	if signed {
		p.fail(col, "stores take an unsigned size")
	}
	p.expect("(")
	r, off := p.addr()
	p.expect(")")
	p.expect("=")
	if p.isReg() {
		src, _ := p.reg()
		p.emit(BPF_STX_MEM(sz, r, src, off))
		return
	}
	p.emit(BPF_ST_MEM(sz, r, off, p.imm32()))
}

// assign reads the statements that start with "rN" or "wN".
func (p *llvmParser) assign(code int) {
	dstTok := p.peek()
	dst, w := p.reg()
	class := BPF_ALU64
	if w {
		class = BPF_ALU
	}
	opt := p.next()
	if op, ok := llvmALUByName[opt.s]; ok {
		var off int16
		if opt.s[0] == 's' && op != BPF_ARSH {
			off = 1
		}
		if p.isReg() {
			src, _ := p.reg()
			p.emit(Insn{Code: Op(class, op, BPF_X), Dst: dst, Src: src, Off: off})
		} else if t := p.peek(); !t.num && t.s != "-" && t.s != "+" {
			p.fail(t.col, "expected register or immediate, found %s", found(t))
		} else {
			p.emit(Insn{Code: Op(class, op, BPF_K), Dst: dst, Off: off, Imm: p.imm32()})
		}
		return
	}
	if opt.s != "=" {
		p.fail(opt.col, "expected assignment operator, found %s", found(opt))
	}
	t := p.peek()
	switch {
	case t.s == "-" && p.pos+1 < len(p.toks) && !p.toks[p.pos+1].num:
		p.pos++
		src, _ := p.reg()
		if src != dst {
			p.fail(t.col, "negation needs the same register on both sides")
		}
		p.emit(Insn{Code: Op(class, BPF_NEG, BPF_K), Dst: dst})
	case t.s == "*":
		p.pos++
		p.load(dst, w, dstTok)
	case t.s == "(":
		// movsx "(s8)r2"
		p.pos++
		sz, signed, col := p.size()
		p.expect(")")
		src, _ := p.reg()
		if !signed || sz == BPF_DW || (sz == BPF_W && w) {
			p.fail(col, "expected s8, s16 or (for 64-bit registers) s32")
		}
		p.emit(Insn{Code: Op(class, BPF_MOV, BPF_X), Dst: dst, Src: src, Off: int16(sz.Bytes() * 8)})
	case p.isReg():
		src, _ := p.reg()
		p.emit(Insn{Code: Op(class, BPF_MOV, BPF_X), Dst: dst, Src: src})
	case t.num || t.s == "-" || t.s == "+":
		p.movImm(dst, w, class, code)
	case isIdent(t.s):
		p.pos++
		p.named(t, dst, w, class)
	default:
		p.fail(t.col, "expected expression, found %s", found(t))
	}
}

// movImm reads "= imm", "= imm ll" or the kernel's "(18) r1 = 0x…".
func (p *llvmParser) movImm(dst Reg, w bool, class Class, code int) {
	start := p.pos
	v, col := p.number()
	if p.accept("ll") || code == int(Op(BPF_LD, BPF_DW, BPF_IMM)) {
		if w {
			p.fail(col, "lddw needs a 64-bit register")
		}
		p.emitWide(BPF_LD_IMM64(dst, uint64(v)))
		return
	}
	p.pos = start
	p.emit(Insn{Code: Op(class, BPF_MOV, BPF_K), Dst: dst, Imm: p.imm32()})
}

// load reads "*(u32 *)(r1 + 2)" or "*(u32 *)skb[…]" after "rN = *".
func (p *llvmParser) load(dst Reg, w bool, dstTok tok) {
	sz, signed, col := p.sizeCast()
	if p.accept("skb") {
		if dst != BPF_REG_0 {
			p.fail(dstTok.col, "legacy packet loads write r0")
		}
		if signed || sz == BPF_DW {
			p.fail(col, "legacy packet loads take u8, u16 or u32")
		}
		p.expect("[")
		if p.isReg() {
			src, _ := p.reg()
			var imm int32
			if p.peekIs("+") || p.peekIs("-") {
				imm = p.imm32()
			}
			p.expect("]")
			p.emit(BPF_LD_IND(sz, src, imm))
			return
		}
		imm := p.imm32()
		p.expect("]")
		p.emit(BPF_LD_ABS(sz, imm))
		return
	}
	p.expect("(")
	src, off := p.addr()
	p.expect(")")
	if signed {
		if sz == BPF_DW {
			p.fail(col, "sign-extending loads take s8, s16 or s32")
		}
		p.emit(BPF_LDX_MEMSX(sz, dst, src, off))
		return
	}
	p.emit(BPF_LDX_MEM(sz, dst, src, off))
}

// named handles "rN = ident …": byte swaps, atomics, maps and symbols.
func (p *llvmParser) named(t tok, dst Reg, w bool, class Class) {
	s := t.s
	for _, e := range []struct {
		prefix string
		code   uint8
	}{{"le", Op(BPF_ALU, BPF_END, BPF_TO_LE)}, {"be", Op(BPF_ALU, BPF_END, BPF_TO_BE)}, {"bswap", Op(BPF_ALU64, BPF_END, BPF_TO_LE)}} {
		if n, ok := strings.CutPrefix(s, e.prefix); ok && (n == "16" || n == "32" || n == "64") {
			src, _ := p.reg()
			if src != dst {
				p.fail(t.col, "byte swap needs the same register on both sides")
			}
			bits, _ := strconv.Atoi(n)
			p.emit(Insn{Code: e.code, Dst: dst, Imm: int32(bits)})
			return
		}
	}
	if op, ok := fetchOps[strings.TrimPrefix(strings.TrimPrefix(s, "atomic64"), "atomic")]; ok && strings.HasPrefix(s, "atomic") {
		// r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "the fetched value goes to the source register")
		}
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, op, r, src, off))
		return
	}
	switch s {
	case "xchg_64", "xchg32_32":
		p.expect("(")
		r, off := p.addr()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "xchg returns into its source register")
		}
		sz := BPF_DW
		if s == "xchg32_32" {
			sz = BPF_W
		}
		p.emit(BPF_ATOMIC_OP(sz, BPF_XCHG, r, src, off))
		return
	case "cmpxchg_64", "cmpxchg32_32", "atomic_cmpxchg", "atomic64_cmpxchg":
		p.expect("(")
		sz := BPF_DW
		if s == "cmpxchg32_32" {
			sz = BPF_W
		}
		var r Reg
		var off int16
		if s[0] == 'a' {
			sz, _, r, off = p.memRef()
			p.atomicSize(sz, t.col)
		} else {
			r, off = p.addr()
		}
		p.expect(",")
		if r0, _ := p.reg(); r0 != BPF_REG_0 || dst != BPF_REG_0 {
			p.fail(t.col, "cmpxchg compares with r0 and returns into r0")
		}
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_CMPXCHG, r, src, off))
		return
	case "atomic_xchg", "atomic64_xchg":
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(",")
		src, _ := p.reg()
		p.expect(")")
		if src != dst {
			p.fail(t.col, "xchg returns into its source register")
		}
		p.atomicSize(sz, t.col)
		p.emit(BPF_ATOMIC_OP(sz, BPF_XCHG, r, src, off))
		return
	case "load_acquire":
		p.expect("(")
		sz, _, r, off := p.memRef()
		p.expect(")")
		p.emit(BPF_ATOMIC_OP(sz, BPF_LOAD_ACQ, dst, r, off))
		return
	case "map":
		p.mapRef(dst, w, t)
		return
	}
	if w {
		p.fail(t.col, "expected expression, found %q", s)
	}
	// clang's "r1 = sym ll": a map by name.
	p.expect("ll")
	p.emitWide(BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, uint64(p.mapIndex(s))))
}

var fetchOps = map[string]ALUOp{
	"_fetch_add": BPF_ADD | BPF_FETCH, "_fetch_and": BPF_AND | BPF_FETCH,
	"_fetch_or": BPF_OR | BPF_FETCH, "_fetch_xor": BPF_XOR | BPF_FETCH,
}

func (p *llvmParser) mapIndex(name string) int {
	if i, ok := p.maps[name]; ok {
		return i
	}
	p.maps[name] = len(p.maps)
	return len(p.maps) - 1
}

// mapRef reads bpftool's "map[id:5]", "map[id:5][0]+8" and our
// "map[name]", "map[name][0]+8" after "rN = map".
func (p *llvmParser) mapRef(dst Reg, w bool, t tok) {
	if w {
		p.fail(t.col, "map references need a 64-bit register")
	}
	p.expect("[")
	var imm int32
	n := p.next()
	switch {
	case n.s == "id" || n.s == "fd" || n.s == "idx":
		p.expect(":")
		imm = p.imm32()
	case isIdent(n.s) && !n.num:
		imm = int32(p.mapIndex(n.s))
	default:
		p.fail(n.col, "expected map id or name, found %s", found(n))
	}
	p.expect("]")
	if p.accept("[") {
		p.expect("0")
		p.expect("]")
		p.expect("+")
		off := p.imm32()
		p.emitWide(BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_MAP_VALUE, 0, 0, imm, off))
		return
	}
	p.emitWide(BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_MAP_FD, uint64(uint32(imm))))
}
