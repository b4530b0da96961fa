package asm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMacroInsns reads each filter.h and selftest macro and compares with
// the Go builder of the same name (or the slots the kernel defines).
func TestMacroInsns(t *testing.T) {
	tests := []struct {
		text string
		want Program
	}{
		{"BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_2)", Prog(BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_2))},
		{"BPF_ALU32_REG(BPF_XOR, BPF_REG_3, BPF_REG_4)", Prog(BPF_ALU32_REG(BPF_XOR, BPF_REG_3, BPF_REG_4))},
		{"BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 33)", Prog(BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 33))},
		{"BPF_ALU32_IMM(BPF_ARSH, BPF_REG_0, -1)", Prog(BPF_ALU32_IMM(BPF_ARSH, BPF_REG_0, -1))},
		{"BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_1, BPF_REG_2, 1)", Prog(BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_1, BPF_REG_2, 1))},
		{"BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_1, BPF_REG_2, 1)", Prog(BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_1, BPF_REG_2, 1))},
		{"BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_1, 3, 1)", Prog(BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_1, 3, 1))},
		{"BPF_ALU32_IMM_OFF(BPF_MOD, BPF_REG_1, 3, 1)", Prog(BPF_ALU32_IMM_OFF(BPF_MOD, BPF_REG_1, 3, 1))},
		{"BPF_ENDIAN(BPF_TO_BE, BPF_REG_1, 16)", Prog(BPF_ENDIAN(BPF_TO_BE, BPF_REG_1, 16))},
		{"BPF_BSWAP(BPF_REG_1, 64)", Prog(BPF_BSWAP(BPF_REG_1, 64))},
		{"BPF_MOV64_REG(BPF_REG_6, BPF_REG_1)", Prog(BPF_MOV64_REG(BPF_REG_6, BPF_REG_1))},
		{"BPF_MOV32_REG(BPF_REG_6, BPF_REG_1)", Prog(BPF_MOV32_REG(BPF_REG_6, BPF_REG_1))},
		{"BPF_MOV64_IMM(BPF_REG_0, 0xffffffff)", Prog(BPF_MOV64_IMM(BPF_REG_0, -1))},
		{"BPF_MOV32_IMM(BPF_REG_0, 42)", Prog(BPF_MOV32_IMM(BPF_REG_0, 42))},
		{"BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, 16)", Prog(BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, 16))},
		{"BPF_MOVSX32_REG(BPF_REG_1, BPF_REG_2, 8)", Prog(BPF_MOVSX32_REG(BPF_REG_1, BPF_REG_2, 8))},
		{"BPF_MOV64_RAW(BPF_X, BPF_REG_1, BPF_REG_2, 0)", Prog(BPF_MOV64_RAW(BPF_X, BPF_REG_1, BPF_REG_2, 0))},
		{"BPF_MOV32_RAW(BPF_K, BPF_REG_1, 0, 7)", Prog(BPF_MOV32_RAW(BPF_K, BPF_REG_1, 0, 7))},
		{"BPF_MOV64_PERCPU_REG(BPF_REG_1, BPF_REG_2)", Prog(BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, -1))},
		{"BPF_ZEXT_REG(BPF_REG_3)", Prog(BPF_ZEXT_REG(BPF_REG_3))},
		{"BPF_LD_IMM64(BPF_REG_1, 0x1122334485667788ULL)", Prog(BPF_LD_IMM64(BPF_REG_1, 0x1122334485667788))},
		{"BPF_LD_IMM64(BPF_REG_1, -1)", Prog(BPF_LD_IMM64(BPF_REG_1, ^uint64(0)))},
		{"BPF_LD_IMM64(BPF_REG_1, 0xffffffff)", Prog(BPF_LD_IMM64(BPF_REG_1, 0xffffffff))},
		{"BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 5)", Prog(BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 5))},
		{"BPF_LD_IMM64_RAW_FULL(BPF_REG_1, 2, 3, 4, 5, 6)", Prog(BPF_LD_IMM64_RAW_FULL(BPF_REG_1, 2, 3, 4, 5, 6))},
		{"BPF_LD_MAP_FD(BPF_REG_1, 0)", Prog(BPF_LD_MAP_FD(BPF_REG_1, 0))},
		{"BPF_LD_MAP_VALUE(BPF_REG_1, 0, 8)", Prog(BPF_LD_MAP_VALUE(BPF_REG_1, 0, 8))},
		{"BPF_LD_ABS(BPF_H, 12)", Prog(BPF_LD_ABS(BPF_H, 12))},
		{"BPF_LD_IND(BPF_W, BPF_REG_7, -4)", Prog(BPF_LD_IND(BPF_W, BPF_REG_7, -4))},
		{"BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, data))", Prog(BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 76))},
		{"BPF_LDX_MEMSX(BPF_B, BPF_REG_2, BPF_REG_1, 3)", Prog(BPF_LDX_MEMSX(BPF_B, BPF_REG_2, BPF_REG_1, 3))},
		{"BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8)", Prog(BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8))},
		{"BPF_ST_MEM(BPF_B, BPF_REG_10, -1, 0xff)", Prog(BPF_ST_MEM(BPF_B, BPF_REG_10, -1, 255))},
		{"BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -4)", Prog(BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_10, BPF_REG_1, -4))},
		{"BPF_ATOMIC_OP(BPF_DW, BPF_XOR | BPF_FETCH, BPF_REG_10, BPF_REG_1, -8)", Prog(BPF_ATOMIC_OP(BPF_DW, BPF_XOR|BPF_FETCH, BPF_REG_10, BPF_REG_1, -8))},
		{"BPF_STX_XADD(BPF_DW, BPF_REG_10, BPF_REG_1, -8)", Prog(BPF_STX_XADD(BPF_DW, BPF_REG_10, BPF_REG_1, -8))},
		{"BPF_JMP_REG(BPF_JGT, BPF_REG_1, BPF_REG_2, 3)", Prog(BPF_JMP_REG(BPF_JGT, BPF_REG_1, BPF_REG_2, 3))},
		{"BPF_JMP_IMM(BPF_JSET, BPF_REG_1, 4, -2)", Prog(BPF_JMP_IMM(BPF_JSET, BPF_REG_1, 4, -2))},
		{"BPF_JMP32_REG(BPF_JSLT, BPF_REG_1, BPF_REG_2, 3)", Prog(BPF_JMP32_REG(BPF_JSLT, BPF_REG_1, BPF_REG_2, 3))},
		{"BPF_JMP32_IMM(BPF_JNE, BPF_REG_0, 0x34, 9)", Prog(BPF_JMP32_IMM(BPF_JNE, BPF_REG_0, 0x34, 9))},
		{"BPF_JMP_A(-1)", Prog(BPF_JMP_A(-1))},
		{"BPF_JMP32_A(100000)", Prog(BPF_JMP32_A(100000))},
		{"BPF_CALL_REL(3)", Prog(BPF_CALL_REL(3))},
		{"BPF_CALL_KFUNC(1, 1234)", Prog(BPF_CALL_KFUNC(1, 1234))},
		{"BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)", Prog(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem))},
		{"BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32)", Prog(BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32))},
		{"BPF_RAW_INSN(0xde, 0xa, 0xd, 0xbeef, 0xdeadbeef)", Prog(Insn{Code: 0xde, Dst: 10, Src: 13, Off: -0x4111, Imm: -0x21524111})},
		{"BPF_EXIT_INSN()", Prog(BPF_EXIT_INSN())},
		{"BPF_ST_NOSPEC()", Prog(Insn{Code: 0xc2})},
		{"SKIP_INSNS()", Prog(Insn{Code: 0xde, Dst: 10, Src: 13, Off: -0x4111, Imm: -0x21524111})},
		// C stores into 4-bit register fields: 0x1f becomes 15.
		{"BPF_RAW_INSN(0x07, 0x1f, 0x10, 0, 0)", Prog(Insn{Code: 7, Dst: 15})},
		// A struct initializer with designators, and a compound literal.
		{"{ .code = BPF_ALU64 | BPF_END | BPF_TO_BE, .dst_reg = BPF_REG_0, .imm = 32 }", Prog(Insn{Code: 0xdf, Imm: 32})},
		{"((struct bpf_insn) { .code = BPF_JMP | BPF_EXIT })", Prog(BPF_EXIT_INSN())},
		{"BPF_DIRECT_PKT_R2", Prog(
			BPF_MOV64_IMM(BPF_REG_0, 0),
			BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 76),
			BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, 80),
			BPF_MOV64_REG(BPF_REG_4, BPF_REG_2),
			BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 8),
			BPF_JMP_REG(BPF_JLE, BPF_REG_4, BPF_REG_3, 1),
			BPF_EXIT_INSN())},
		{"BPF_RAND_UEXT_R7", Prog(
			BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32),
			BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
			BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 33),
			BPF_ALU64_IMM(BPF_RSH, BPF_REG_7, 33))},
		{"BPF_RAND_SEXT_R7", Prog(
			BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32),
			BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),
			BPF_ALU64_IMM(BPF_OR, BPF_REG_7, -0x80000000),
			BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 32),
			BPF_ALU64_IMM(BPF_ARSH, BPF_REG_7, 32))},
	}
	for _, tt := range tests {
		got, err := ParseMacroProgram([]byte(tt.text+","), "t.c")
		if err != nil {
			t.Errorf("%s: %v", tt.text, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: diff (-want +got):\n%s", tt.text, diff)
		}
	}
	// BPF_SK_LOOKUP is 13 instructions ending in the named helper call.
	p, err := ParseMacroProgram([]byte("BPF_SK_LOOKUP(skc_lookup_tcp),"), "t.c")
	if err != nil || len(p) != 13 || p[12] != BPF_EMIT_CALL(BPF_FUNC_skc_lookup_tcp) || p[9] != BPF_MOV64_IMM(BPF_REG_3, 36) {
		t.Errorf("BPF_SK_LOOKUP: %v\n%s", err, p.Format(SyntaxMacro))
	}
}

// TestCExpr evaluates constant expressions as a C compiler types them.
func TestCExpr(t *testing.T) {
	tests := []struct {
		expr string
		want uint64 // the value converted to 64 bits as C converts it
	}{
		{"1 + 2 * 3", 7},
		{"(1 + 2) * 3", 9},
		{"-1", ^uint64(0)},
		{"0xffffffff", 0xffffffff},          // unsigned int
		{"-0x80000000", 0x80000000},         // negating an unsigned int
		{"-2147483648", 0xffffffff80000000}, // decimal: long
		{"~0", ^uint64(0)},
		{"~0U", 0xffffffff},
		{"1ULL << 63", 1 << 63},
		{"(__u32)-1", 0xffffffff},
		{"(__s16)0xFFFF", ^uint64(0)},
		{"(u8)0x1ff", 0xff},
		{"(int)0x80000000", 0xffffffff80000000},
		{"(u64)1 << 40", 1 << 40},
		{"(void *)0", 0},
		{"-1 >> 1", ^uint64(0)},
		{"0xffffffffu >> 4", 0x0fffffff},
		{"-7 / 2", ^uint64(2)}, // truncation toward zero: -3
		{"-7 % 2", ^uint64(0)}, // -1
		{"7 % -2", 1},
		{"1 < 2 && 3 >= 3 || 0", 1},
		{"-1 < 0U", 0}, // -1 becomes UINT_MAX
		{"-1 < 0L", 1},
		{"1 ? 5 : 6", 5},
		{"!5", 0},
		{"0x10 | 0x01 ^ 0x11 & 0xf", 0x10 | (0x01 ^ (0x11 & 0xf))},
		{"017", 15},
		{"0b101", 5},
		{"'A'", 65},
		{"'\\n'", 10},
		{"0xcafe4all", 0xcafe4a},
		{"sizeof(int)", 4},
		{"sizeof(long long)", 8},
		{"sizeof(__u32)", 4},
		{"sizeof(struct bpf_sock)", 80},
		{"sizeof(struct __sk_buff)", 192},
		{"sizeof(struct test_val)", 48},
		{"sizeof(void *)", 8},
		{"sizeof(1)", 4},
		{"sizeof 1ULL", 8},
		{"offsetof(struct __sk_buff, mark)", 8},
		{"offsetof(struct __sk_buff, cb[1])", 52},
		{"offsetof(struct __sk_buff, cb[5])", 68}, // one past the end, as C allows
		{"offsetofend(struct __sk_buff, gso_size)", 180},
		{"offsetof(struct __sk_buff, remote_ip6[3])", 112},
		{"offsetof(struct bpf_sock_tuple, ipv6.dport)", 34},
		{"offsetof(struct bpf_sk_lookup, local_ip6[2]) + 2", 54},
		{"__builtin_offsetof(struct xdp_md, data_end)", 4},
		{"BPF_FUNC_map_lookup_elem", 1},
		{"BPF_REG_10", 10},
		{"BPF_JMP | BPF_CALL", 0x85},
		{"BPF_ADD | BPF_FETCH", 1},
		{"BPF_PSEUDO_MAP_VALUE", 2},
		{"BPF_MAP_TYPE_ARRAY_OF_MAPS", 12},
		{"BPF_PROG_TYPE_SCHED_CLS", 3},
		{"BPF_CGROUP_UDP6_SENDMSG", 15},
		{"INT_MAX", 0x7fffffff},
		{"-MAX_ERRNO", ^uint64(4094)},
		{"SKF_AD_OFF + SKF_AD_PROTOCOL", ^uint64(0x1000 - 1)},
		{"SKF_LL_OFF", ^uint64(0x200000 - 1)},
		{"XDP_PASS", 2},
		{"TC_ACT_SHOT", 2},
		{"ETH_HLEN + 4", 18},
		{"ETH_P_IP", 0x800},
		{"-ENOENT", ^uint64(1)},
		{"BPF_F_ANY_ALIGNMENT | F_X", 2 | 4},
	}
	env := &cenv{consts: map[string]cval{"F_X": {4, ctInt}}, structs: uapiLayouts}
	for k, v := range cDefaultEnv.consts {
		env.consts[k] = v
	}
	for _, tt := range tests {
		toks, err := lexC([]byte(tt.expr), "e.c")
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		v, err := evalTokens(toks, env, "e.c", ctoken{line: 1, col: len(tt.expr) + 1})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if v.v != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.expr, v.v, tt.want)
		}
	}
}

// TestMacroErrors checks the messages and positions of bad input.
func TestMacroErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"BPF_FOO(1),", "e.c:1:1: unknown macro BPF_FOO"},
		{"BPF_MOV64_IMM(BPF_REG_0, 0,\n", "e.c:1:28: expected ')' after macro arguments at end of input"},
		{"{ BPF_MOV64_IMM(BPF_REG_0, 0 }", "e.c:1:30: expected ')' after macro arguments before '}'"},
		{"BPF_MOV64_IMM(BPF_REG_0),", "e.c:1:1: BPF_MOV64_IMM takes 2 arguments (DST, IMM), got 1"},
		{"BPF_EXIT_INSN(1),", "e.c:1:1: BPF_EXIT_INSN takes 0 arguments (), got 1"},
		{"BPF_MOV64_IMM(BPF_REG_0, BPF_REG_99),", "e.c:1:26: unknown identifier BPF_REG_99"},
		{"BPF_MOV64_IMM(BPF_REG_0, 1 / 0),", "e.c:1:28: division by zero in constant expression"},
		{"BPF_MOV64_IMM(BPF_REG_0, 1 << 32),", "e.c:1:28: shift count 32 out of range for a 32-bit operand"},
		{"BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, nope)),", "e.c:1:69: struct __sk_buff has no member nope"},
		{"BPF_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_1, offsetof(struct nope, a)),", "e.c:1:58: unknown struct nope"},
		{"BPF_MOV64_IMM(BPF_REG_0, 1 +),", "e.c:1:29: expected an expression before ')'"},
		{"  42,", "e.c:1:3: expected an instruction macro, found '42'"},
		{".insns = {\n\tBPF_EXIT_INSN(),\n\tBPF_NOPE(),\n},", "e.c:3:2: unknown macro BPF_NOPE"},
		{"BPF_EXIT_INSN() BPF_EXIT_INSN(),", "e.c:1:17: unexpected 'BPF_EXIT_INSN' after BPF_EXIT_INSN(…)"},
		{"#if 1\nBPF_EXIT_INSN(),", "e.c:1:2: unterminated #if"},
		{"#define F(a, b) a\nF(1),", "e.c:2:1: macro F passed 1 arguments, but takes 2"},
		{"BPF_EXIT_INSN(), \"unterminated", "e.c:1:18: missing terminating \" character"},
		{"/* open comment", "e.c:1:1: unterminated comment"},
		{"BPF_EXIT_INSN() @", "e.c:1:17: unexpected character '@'"},
		{".insns = { BPF_EXIT_INSN(), ", "e.c:1:28: expected '}' at end of input"},
		// Assemble validates: the error names the macro that wrote the slot.
		{"BPF_MOV64_IMM(BPF_REG_0, 0),\n  BPF_JMP_A(5),\nBPF_EXIT_INSN(),", "e.c:2:3: insn 1: jump out of range from insn 1 to 7"},
		{"BPF_MOV64_IMM(BPF_REG_0, 0),", "e.c:1:1: insn 0: last insn is not an exit or jmp"},
		{"", "e.c:1:1: insn 0: empty program"},
		{"#define A A A\n#define B A A A A\nB,", "e.c:3:1: expected '(' after A"},
		{expBomb(40), "e.c:41:1: macro expansion too large"},
	}
	for _, tt := range tests {
		_, err := Assemble([]byte(tt.src), "e.c", SyntaxMacro)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v is not a *SyntaxError", tt.src, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, err, tt.want)
		}
	}
}

// expBomb defines n macros that each double the previous one.
func expBomb(n int) string {
	var b strings.Builder
	b.WriteString("#define A0 x x\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "#define A%d A%d A%d\n", i, i-1, i-1)
	}
	fmt.Fprintf(&b, "A%d,", n-1)
	return b.String()
}

// TestMacroPreprocessor checks the C preprocessor features the tables use.
func TestMacroPreprocessor(t *testing.T) {
	src := `
#define R0 BPF_REG_0
#define SET(reg, v) BPF_MOV64_IMM(reg, v)
#define CALL(name) BPF_EMIT_CALL(BPF_FUNC_ ## name)
#define LIST(...) __VA_ARGS__
#define TWICE(x) x, x
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ORDER 1
#elif 1
#define ORDER 2
#else
#error not reached
#endif
#ifdef ORDER
#ifndef MISSING
.insns = {
	SET(R0, ORDER),
	CALL(ktime_get_ns),
	LIST(BPF_MOV64_IMM(BPF_REG_1, 1), BPF_MOV64_IMM(BPF_REG_2, 2)),
	TWICE(BPF_MOV64_REG(BPF_REG_3, BPF_REG_1)),
#if defined(MISSING) || !defined ORDER
	BPF_MOV64_IMM(BPF_REG_0, 99),
#endif
	BPF_EXIT_INSN(),
},
#endif
#endif
`
	got, err := Assemble([]byte(src), "pp.c", SyntaxMacro)
	if err != nil {
		t.Fatal(err)
	}
	want := Prog(
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns),
		BPF_MOV64_IMM(BPF_REG_1, 1), BPF_MOV64_IMM(BPF_REG_2, 2),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_1), BPF_MOV64_REG(BPF_REG_3, BPF_REG_1),
		BPF_EXIT_INSN(),
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	// # stringifies, and strings concatenate.
	els, err := ParseCInit([]byte("#define S(x) #x\n{ S(a + \"b\") \" tail\" }"), "s.c", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, ok, err := els[0].List[0].Str()
	if err != nil || !ok || s != `a + "b" tail` {
		t.Errorf("stringify: %q %v %v", s, ok, err)
	}
}

// TestMacroShapes reads the forms a program is written in.
func TestMacroShapes(t *testing.T) {
	want := Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())
	for _, src := range []string{
		"BPF_MOV64_IMM(BPF_REG_0, 0),\nBPF_EXIT_INSN(),\n",
		"BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()",
		".insns = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN(), },",
		"{ BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() }",
		"{\n\t\"a test\",\n\t.insns = {\n\tBPF_MOV64_IMM(BPF_REG_0, 0),\n\tBPF_EXIT_INSN(),\n\t},\n\t.result = ACCEPT,\n},",
		"struct bpf_insn prog[] = {\n\tBPF_MOV64_IMM(BPF_REG_0, 0),\n\tBPF_EXIT_INSN(),\n};\n",
		"// comment\n/* block */ BPF_MOV64_IMM(BPF_REG_0, /* zero */ 0), BPF_EXIT_INSN(),",
		"BPF_MOV64_IMM(BPF_REG_0, 0), \\\n BPF_EXIT_INSN(),",
	} {
		got, err := Assemble([]byte(src), "s.c", SyntaxMacro)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: diff (-want +got):\n%s", src, diff)
		}
	}
	if s := DetectSyntax([]byte("BPF_MOV64_IMM(BPF_REG_0, 0),\nBPF_EXIT_INSN(),")); s != SyntaxMacro {
		t.Errorf("DetectSyntax = %v, want macro", s)
	}
}

// TestMacroPrint checks which macro the printer picks.
func TestMacroPrint(t *testing.T) {
	tests := []struct {
		p    Program
		want string
	}{
		{Prog(BPF_MOV64_IMM(BPF_REG_0, 0)), "BPF_MOV64_IMM(BPF_REG_0, 0)"},
		{Prog(BPF_MOV32_IMM(BPF_REG_1, -0x80000000)), "BPF_MOV32_IMM(BPF_REG_1, -0x80000000)"},
		{Prog(BPF_LD_MAP_FD(BPF_REG_1, 0)), "BPF_LD_MAP_FD(BPF_REG_1, 0)"},
		{Prog(BPF_LD_MAP_VALUE(BPF_REG_1, 0, 8)), "BPF_LD_MAP_VALUE(BPF_REG_1, 0, 8)"},
		{Prog(BPF_LD_IMM64(BPF_REG_1, 1<<40)), "BPF_LD_IMM64(BPF_REG_1, 0x10000000000ULL)"},
		{Prog(BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 3)), "BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 3)"},
		{Prog(BPF_JMP_A(-3)), "BPF_JMP_A(-3)"},
		{Prog(BPF_JMP32_A(7)), "BPF_JMP32_A(7)"},
		{Prog(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)), "BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem)"},
		{Prog(BPF_EMIT_CALL(9999)), "BPF_EMIT_CALL(9999)"},
		{Prog(BPF_CALL_REL(2)), "BPF_CALL_REL(2)"},
		{Prog(BPF_ATOMIC_OP(BPF_DW, BPF_ADD|BPF_FETCH, BPF_REG_10, BPF_REG_1, -8)), "BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, BPF_REG_10, BPF_REG_1, -8)"},
		{Prog(BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_10, BPF_REG_1, -4)), "BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_10, BPF_REG_1, -4)"},
		{Prog(BPF_ENDIAN(BPF_TO_BE, BPF_REG_1, 32)), "BPF_ENDIAN(BPF_TO_BE, BPF_REG_1, 32)"},
		{Prog(BPF_BSWAP(BPF_REG_1, 16)), "BPF_BSWAP(BPF_REG_1, 16)"},
		{Prog(BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, 8)), "BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, 8)"},
		{Prog(BPF_ZEXT_REG(BPF_REG_5)), "BPF_ZEXT_REG(BPF_REG_5)"},
		{Prog(BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_1, BPF_REG_2, 1)), "BPF_ALU64_REG_OFF(BPF_DIV, BPF_REG_1, BPF_REG_2, 1)"},
		{Prog(BPF_LD_ABS(BPF_B, 0)), "BPF_LD_ABS(BPF_B, 0)"},
		{Prog(BPF_LDX_MEMSX(BPF_H, BPF_REG_0, BPF_REG_1, 2)), "BPF_LDX_MEMSX(BPF_H, BPF_REG_0, BPF_REG_1, 2)"},
		{Prog(BPF_MAY_GOTO_INSN(2)), "BPF_RAW_INSN(BPF_JMP | BPF_JCOND | BPF_K, BPF_REG_0, BPF_REG_0, 2, 0)"},
		{Prog(BPF_CALL_KFUNC(0, 77)), "BPF_RAW_INSN(BPF_JMP | BPF_CALL | BPF_K, BPF_REG_0, BPF_REG_2, 0, 77)"},
		// Reserved fields set: only the raw form keeps them.
		{Prog(Insn{Code: Op(BPF_ALU64, BPF_ADD, BPF_K), Dst: 1, Src: 2, Imm: 3}), "BPF_RAW_INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, BPF_REG_2, 0, 3)"},
		{Prog(Insn{Code: 0xff, Dst: 12}), "BPF_RAW_INSN(0xff, 12, BPF_REG_0, 0, 0)"},
		// An lddw cut short is two raw slots.
		{Program{{Code: 0x18, Dst: 1, Imm: 1}}, "BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_REG_0, 0, 1)"},
	}
	for _, tt := range tests {
		if got := tt.p.InsnString(0, SyntaxMacro); got != tt.want {
			t.Errorf("%v:\n got %s\nwant %s", tt.p, got, tt.want)
		}
		back, err := ParseMacroProgram([]byte(tt.p.Format(SyntaxMacro)), "p.c")
		if err != nil || !cmp.Equal(back, tt.p) {
			t.Errorf("%s does not read back: %v %v", tt.want, back, err)
		}
	}
}

// TestMacroGolden reads testdata/macro/*.c and compares the printed program
// with *.out. Regenerate with go test ./asm -run TestMacroGolden -update.
func TestMacroGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/macro/*.c")
	if len(files) == 0 {
		t.Fatal("no testdata/macro/*.c")
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Assemble(src, file, SyntaxMacro)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		var b bytes.Buffer
		if err := p.Print(&b, PrintOptions{Syntax: SyntaxMacro, Index: true}); err != nil {
			t.Fatal(err)
		}
		golden := strings.TrimSuffix(file, ".c") + ".out"
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Errorf("%s: diff (-want +got):\n%s", golden, diff)
		}
		back, err := Assemble(b.Bytes(), golden, SyntaxMacro)
		if err != nil || !cmp.Equal(back, p) {
			t.Errorf("%s does not read back: %v", golden, err)
		}
	}
}
