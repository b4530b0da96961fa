package asm

// The instruction macros the C macro syntax understands: every macro of
// include/linux/filter.h and tools/include/linux/filter.h (v6.12) that
// builds instructions, and the helpers the verifier selftests define in
// test_verifier.c. Each is written here from its documented meaning; the
// arguments arrive as C-converted 64-bit values, and fields are stored with
// C's truncation (see rawInsn). Operation, size and source arguments are
// masked to their opcode bits as filter.h's BPF_OP, BPF_SIZE and BPF_SRC do.

type insnMacro struct {
	params []string // argument names, for arity and messages
	object bool     // an object-like macro, used without parentheses
	build  func(v []uint64) ([]Insn, error)
}

func mOne(i Insn) ([]Insn, error) { return []Insn{i}, nil }

const (
	mOpBits   = 0xf0
	mSizeBits = 0x18
	mSrcBits  = 0x08
)

func mCls(c Class) uint64 { return uint64(c) }

func aluMacro(class Class, src Source, withOff bool) insnMacro {
	params := []string{"OP", "DST", "SRC"}
	if src == BPF_K {
		params = []string{"OP", "DST", "IMM"}
	}
	if withOff {
		params = append(params, "OFF")
	}
	return insnMacro{params: params, build: func(v []uint64) ([]Insn, error) {
		code := mCls(class) | v[0]&mOpBits | uint64(src)
		var off uint64
		if withOff {
			off = v[3]
		}
		if src == BPF_X {
			return mOne(rawInsn(code, v[1], v[2], off, 0))
		}
		return mOne(rawInsn(code, v[1], 0, off, v[2]))
	}}
}

func jmpMacro(class Class, src Source) insnMacro {
	params := []string{"OP", "DST", "SRC", "OFF"}
	if src == BPF_K {
		params = []string{"OP", "DST", "IMM", "OFF"}
	}
	return insnMacro{params: params, build: func(v []uint64) ([]Insn, error) {
		code := mCls(class) | v[0]&mOpBits | uint64(src)
		if src == BPF_X {
			return mOne(rawInsn(code, v[1], v[2], v[3], 0))
		}
		return mOne(rawInsn(code, v[1], 0, v[3], v[2]))
	}}
}

func memMacro(class Class, mode Mode) insnMacro {
	return insnMacro{params: []string{"SIZE", "DST", "SRC", "OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(class)|v[0]&mSizeBits|uint64(mode), v[1], v[2], v[3], 0))
	}}
}

func movMacro(class Class, src Source) insnMacro {
	if src == BPF_X {
		return insnMacro{params: []string{"DST", "SRC"}, build: func(v []uint64) ([]Insn, error) {
			return mOne(rawInsn(mCls(class)|uint64(BPF_MOV)|uint64(BPF_X), v[0], v[1], 0, 0))
		}}
	}
	return insnMacro{params: []string{"DST", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(class)|uint64(BPF_MOV)|uint64(BPF_K), v[0], 0, 0, v[1]))
	}}
}

// ldImm64 builds the two slots of lddw; the upper half is (u64)IMM >> 32.
func mLdImm64(dst, src, imm uint64) []Insn {
	return []Insn{
		rawInsn(uint64(Op(BPF_LD, BPF_DW, BPF_IMM)), dst, src, 0, uint64(uint32(imm))),
		rawInsn(0, 0, 0, 0, imm>>32),
	}
}

func mSeq(ps ...[]Insn) []Insn {
	var out []Insn
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

func mIns(i Insn) []Insn { return []Insn{i} }

var insnMacros = map[string]insnMacro{
	"BPF_ALU64_REG":     aluMacro(BPF_ALU64, BPF_X, false),
	"BPF_ALU32_REG":     aluMacro(BPF_ALU, BPF_X, false),
	"BPF_ALU64_IMM":     aluMacro(BPF_ALU64, BPF_K, false),
	"BPF_ALU32_IMM":     aluMacro(BPF_ALU, BPF_K, false),
	"BPF_ALU64_REG_OFF": aluMacro(BPF_ALU64, BPF_X, true),
	"BPF_ALU32_REG_OFF": aluMacro(BPF_ALU, BPF_X, true),
	"BPF_ALU64_IMM_OFF": aluMacro(BPF_ALU64, BPF_K, true),
	"BPF_ALU32_IMM_OFF": aluMacro(BPF_ALU, BPF_K, true),
	"BPF_ENDIAN": {params: []string{"TYPE", "DST", "LEN"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU, BPF_END))|v[0]&mSrcBits, v[1], 0, 0, v[2]))
	}},
	"BPF_BSWAP": {params: []string{"DST", "LEN"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU64, BPF_END, BPF_TO_LE)), v[0], 0, 0, v[1]))
	}},
	"BPF_MOV64_REG": movMacro(BPF_ALU64, BPF_X),
	"BPF_MOV32_REG": movMacro(BPF_ALU, BPF_X),
	"BPF_MOV64_IMM": movMacro(BPF_ALU64, BPF_K),
	"BPF_MOV32_IMM": movMacro(BPF_ALU, BPF_K),
	"BPF_MOVSX64_REG": {params: []string{"DST", "SRC", "OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU64, BPF_MOV, BPF_X)), v[0], v[1], v[2], 0))
	}},
	"BPF_MOVSX32_REG": {params: []string{"DST", "SRC", "OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU, BPF_MOV, BPF_X)), v[0], v[1], v[2], 0))
	}},
	"BPF_MOV64_RAW": {params: []string{"TYPE", "DST", "SRC", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU64, BPF_MOV))|v[0]&mSrcBits, v[1], v[2], 0, v[3]))
	}},
	"BPF_MOV32_RAW": {params: []string{"TYPE", "DST", "SRC", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU, BPF_MOV))|v[0]&mSrcBits, v[1], v[2], 0, v[3]))
	}},
	"BPF_MOV64_PERCPU_REG": {params: []string{"DST", "SRC"}, build: func(v []uint64) ([]Insn, error) {
		// off is BPF_ADDR_PERCPU, (-1).
		return mOne(rawInsn(uint64(Op(BPF_ALU64, BPF_MOV, BPF_X)), v[0], v[1], 0xffff, 0))
	}},
	"BPF_ZEXT_REG": {params: []string{"DST"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_ALU, BPF_MOV, BPF_X)), v[0], v[0], 0, 1))
	}},
	"BPF_LD_IMM64": {params: []string{"DST", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mLdImm64(v[0], 0, v[1]), nil
	}},
	"BPF_LD_IMM64_RAW": {params: []string{"DST", "SRC", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mLdImm64(v[0], v[1], v[2]), nil
	}},
	"BPF_LD_IMM64_RAW_FULL": {params: []string{"DST", "SRC", "OFF1", "OFF2", "IMM1", "IMM2"}, build: func(v []uint64) ([]Insn, error) {
		return []Insn{
			rawInsn(uint64(Op(BPF_LD, BPF_DW, BPF_IMM)), v[0], v[1], v[2], v[4]),
			rawInsn(0, 0, 0, v[3], v[5]),
		}, nil
	}},
	"BPF_LD_MAP_FD": {params: []string{"DST", "MAP_FD"}, build: func(v []uint64) ([]Insn, error) {
		return mLdImm64(v[0], BPF_PSEUDO_MAP_FD, v[1]), nil
	}},
	"BPF_LD_MAP_VALUE": {params: []string{"DST", "MAP_FD", "VALUE_OFF"}, build: func(v []uint64) ([]Insn, error) {
		return []Insn{
			rawInsn(uint64(Op(BPF_LD, BPF_DW, BPF_IMM)), v[0], BPF_PSEUDO_MAP_VALUE, 0, v[1]),
			rawInsn(0, 0, 0, 0, v[2]),
		}, nil
	}},
	"BPF_LD_ABS": {params: []string{"SIZE", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_LD)|v[0]&mSizeBits|uint64(BPF_ABS), 0, 0, 0, v[1]))
	}},
	"BPF_LD_IND": {params: []string{"SIZE", "SRC", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_LD)|v[0]&mSizeBits|uint64(BPF_IND), 0, v[1], 0, v[2]))
	}},
	"BPF_LDX_MEM":   memMacro(BPF_LDX, BPF_MEM),
	"BPF_LDX_MEMSX": memMacro(BPF_LDX, BPF_MEMSX),
	"BPF_STX_MEM":   memMacro(BPF_STX, BPF_MEM),
	"BPF_ST_MEM": {params: []string{"SIZE", "DST", "OFF", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_ST)|v[0]&mSizeBits|uint64(BPF_MEM), v[1], 0, v[2], v[3]))
	}},
	"BPF_ATOMIC_OP": {params: []string{"SIZE", "OP", "DST", "SRC", "OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_STX)|v[0]&mSizeBits|uint64(BPF_ATOMIC), v[2], v[3], v[4], v[1]))
	}},
	"BPF_STX_XADD": {params: []string{"SIZE", "DST", "SRC", "OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_STX)|v[0]&mSizeBits|uint64(BPF_ATOMIC), v[1], v[2], v[3], uint64(BPF_ADD)))
	}},
	"BPF_JMP_REG":   jmpMacro(BPF_JMP, BPF_X),
	"BPF_JMP_IMM":   jmpMacro(BPF_JMP, BPF_K),
	"BPF_JMP32_REG": jmpMacro(BPF_JMP32, BPF_X),
	"BPF_JMP32_IMM": jmpMacro(BPF_JMP32, BPF_K),
	"BPF_JMP_A": {params: []string{"OFF"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_JMP, BPF_JA)), 0, 0, v[0], 0))
	}},
	"BPF_JMP32_A": {params: []string{"IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_JMP32, BPF_JA)), 0, 0, 0, v[0]))
	}},
	"BPF_CALL_REL": {params: []string{"TGT"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_JMP, BPF_CALL)), 0, BPF_PSEUDO_CALL, 0, v[0]))
	}},
	"BPF_CALL_KFUNC": {params: []string{"OFF", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_JMP, BPF_CALL)), 0, BPF_PSEUDO_KFUNC_CALL, v[0], v[1]))
	}},
	"BPF_EMIT_CALL": {params: []string{"FUNC"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(uint64(Op(BPF_JMP, BPF_CALL)), 0, 0, 0, v[0]))
	}},
	"BPF_RAW_INSN": {params: []string{"CODE", "DST", "SRC", "OFF", "IMM"}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(v[0], v[1], v[2], v[3], v[4]))
	}},
	"BPF_EXIT_INSN": {params: []string{}, build: func(v []uint64) ([]Insn, error) {
		return mOne(BPF_EXIT_INSN())
	}},
	"BPF_ST_NOSPEC": {params: []string{}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(mCls(BPF_ST)|0xc0, 0, 0, 0, 0))
	}},

	// test_verifier.c's helpers.

	// SKIP_INSNS() separates the sub-sequences of .expected_insns.
	"SKIP_INSNS": {params: []string{}, build: func(v []uint64) ([]Insn, error) {
		return mOne(rawInsn(0xde, 0xa, 0xd, 0xbeef, 0xdeadbeef))
	}},
	// BPF_SK_LOOKUP(func): zero a struct bpf_sock_tuple at fp-48 and call
	// bpf_<func>(ctx, &tuple, sizeof(tuple), 0, 0); 13 instructions.
	"BPF_SK_LOOKUP": {params: []string{"func"}, build: func(v []uint64) ([]Insn, error) {
		return mSeq(
			mIns(BPF_MOV64_IMM(BPF_REG_2, 0)),
			mIns(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, -8)),
			mIns(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -16)),
			mIns(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -24)),
			mIns(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -32)),
			mIns(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -40)),
			mIns(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -48)),
			mIns(BPF_MOV64_REG(BPF_REG_2, BPF_REG_10)),
			mIns(BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -48)),
			mIns(BPF_MOV64_IMM(BPF_REG_3, int32(uapiLayouts["bpf_sock_tuple"].Size))),
			mIns(BPF_MOV64_IMM(BPF_REG_4, 0)),
			mIns(BPF_MOV64_IMM(BPF_REG_5, 0)),
			mIns(BPF_EMIT_CALL(Func(v[0]))),
		), nil
	}},
	// BPF_DIRECT_PKT_R2: r0 = 0; r2 = skb->data; r3 = skb->data_end; exit
	// unless r2 + 8 <= r3; 7 instructions.
	"BPF_DIRECT_PKT_R2": {object: true, build: func([]uint64) ([]Insn, error) {
		return mSeq(
			mIns(BPF_MOV64_IMM(BPF_REG_0, 0)),
			mIns(BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 76)), // __sk_buff.data
			mIns(BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, 80)), // __sk_buff.data_end
			mIns(BPF_MOV64_REG(BPF_REG_4, BPF_REG_2)),
			mIns(BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 8)),
			mIns(BPF_JMP_REG(BPF_JLE, BPF_REG_4, BPF_REG_3, 1)),
			mIns(BPF_EXIT_INSN()),
		), nil
	}},
	// BPF_RAND_UEXT_R7: r7 = a random u32 below 2^31, zero-extended.
	"BPF_RAND_UEXT_R7": {object: true, build: func([]uint64) ([]Insn, error) {
		return mSeq(
			mIns(BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)),
			mIns(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0)),
			mIns(BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 33)),
			mIns(BPF_ALU64_IMM(BPF_RSH, BPF_REG_7, 33)),
		), nil
	}},
	// BPF_RAND_SEXT_R7: r7 = a random negative s32, sign-extended.
	"BPF_RAND_SEXT_R7": {object: true, build: func([]uint64) ([]Insn, error) {
		return mSeq(
			mIns(BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32)),
			mIns(BPF_MOV64_REG(BPF_REG_7, BPF_REG_0)),
			mIns(BPF_ALU64_IMM(BPF_OR, BPF_REG_7, -0x80000000)),
			mIns(BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 32)),
			mIns(BPF_ALU64_IMM(BPF_ARSH, BPF_REG_7, 32)),
		), nil
	}},
}
