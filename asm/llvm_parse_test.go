package asm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestLLVMGolden assembles testdata/llvm/*.s and compares with *.bin, prints
// the result and compares with *.dis, and assembles *.dis back to *.bin.
// Regenerate with go test ./asm -run TestLLVMGolden -update.
func TestLLVMGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/llvm/*.s")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Assemble(src, file, SyntaxLLVM)
			if err != nil {
				t.Fatal(err)
			}
			bin := p.Marshal(binary.LittleEndian)
			dis := []byte(p.Format(SyntaxLLVM))
			base := strings.TrimSuffix(file, ".s")
			if *update {
				if err := os.WriteFile(base+".bin", bin, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".dis", dis, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantBin, err := os.ReadFile(base + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bin, wantBin) {
				want, _ := Decode(wantBin, binary.LittleEndian)
				t.Errorf("assembled (-golden +got):\n%s", cmp.Diff(want.Format(SyntaxLLVM), string(dis)))
			}
			wantDis, err := os.ReadFile(base + ".dis")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(wantDis), string(dis)); d != "" {
				t.Errorf("printed (-golden +got):\n%s", d)
			}
			back, err := Assemble(dis, base+".dis", SyntaxLLVM)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Marshal(binary.LittleEndian), bin) {
				t.Errorf("printed text assembles to other bytes")
			}
		})
	}
}

// TestLLVMGoldenOracle assembles the golden files marked "# oracle: llvm-mc"
// with llvm-mc-19 and expects the golden bytes.
func TestLLVMGoldenOracle(t *testing.T) {
	files, _ := filepath.Glob("testdata/llvm/*.s")
	n := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(src, []byte("# oracle: llvm-mc")) {
			continue
		}
		n++
		got, msg, err := llvmMC(t, string(src))
		if err != nil {
			t.Fatalf("%s: llvm-mc: %v\n%s", file, err, msg)
		}
		want, err := os.ReadFile(strings.TrimSuffix(file, ".s") + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			gp, _ := Decode(got, binary.LittleEndian)
			wp, _ := Decode(want, binary.LittleEndian)
			t.Errorf("%s: llvm-mc disagrees (-ours +llvm-mc):\n%s", file, cmp.Diff(wp.Format(SyntaxLLVM), gp.Format(SyntaxLLVM)))
		}
	}
	if n == 0 {
		t.Fatal("no golden file is marked for the llvm-mc oracle")
	}
}

// TestLLVMParse covers the spellings the assembler accepts beyond what the
// printer prints.
func TestLLVMParse(t *testing.T) {
	tests := []struct {
		name, src string
		want      Program
	}{
		{"decimal and hex", "r1 = 10\nr1 = 0xa\nexit", Prog(BPF_MOV64_IMM(BPF_REG_1, 10), BPF_MOV64_IMM(BPF_REG_1, 10), BPF_EXIT_INSN())},
		{"unsigned 32-bit wraps", "w0 = 0xffffffff\nexit", Prog(BPF_MOV32_IMM(BPF_REG_0, -1), BPF_EXIT_INSN())},
		{"kernel offsets", "r2 = *(u32 *)(r1 +0)\n*(u64 *)(r10 -8) = r2\nexit", Prog(BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 0), BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -8), BPF_EXIT_INSN())},
		{"w registers in stores", "*(u32 *)(r10 - 4) = w1\nw0 = *(u16 *)(r1 + 2)\nexit", Prog(BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -4), BPF_LDX_MEM(BPF_H, BPF_REG_0, BPF_REG_1, 2), BPF_EXIT_INSN())},
		{"labels", "l1: if r1 == 0 goto out\ngoto l1\nout:\nexit", Prog(BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1), BPF_JMP_A(-2), BPF_EXIT_INSN())},
		{"gotol label", "gotol end\nexit\nend: exit", Prog(BPF_JMP32_A(1), BPF_EXIT_INSN(), BPF_EXIT_INSN())},
		{"goto pc", "goto pc+1\nexit\nexit", Prog(BPF_JMP_A(1), BPF_EXIT_INSN(), BPF_EXIT_INSN())},
		{"call by name", "call bpf_map_lookup_elem\ncall ktime_get_ns\nexit", Prog(BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem), BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns), BPF_EXIT_INSN())},
		{"call subprogram", "call sub\nexit\nsub: r0 = 0\nexit", Prog(BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())},
		{"maps by name", "r1 = a ll\nr2 = map[b]\nr3 = a ll\nr4 = map[b][0]+4\nexit", Prog(
			BPF_LD_IMM64_RAW(BPF_REG_1, BPF_PSEUDO_MAP_FD, 0), BPF_LD_IMM64_RAW(BPF_REG_2, BPF_PSEUDO_MAP_FD, 1),
			BPF_LD_IMM64_RAW(BPF_REG_3, BPF_PSEUDO_MAP_FD, 0), BPF_LD_IMM64_RAW_FULL(BPF_REG_4, BPF_PSEUDO_MAP_VALUE, 0, 0, 1, 4), BPF_EXIT_INSN())},
		{"comments", "# hash\n// slashes\n; semicolon\nr0 = 0 // trailing\nr1 = 1 # trailing\n/* block */ exit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_1, 1), BPF_EXIT_INSN())},
		{"comment markers inside comments", "// not a /* block\nr0 = 0\n; nor /* this\n# nor /* that\n/* but // this */ exit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())},
		{"separators", "r0 = 0; r1 = 1;exit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_MOV64_IMM(BPF_REG_1, 1), BPF_EXIT_INSN())},
		{"directives", "\t.text\n\t.globl f\n\t.p2align 3\nf:\n\tr0 = 0\n\texit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())},
		{"raw", ".8byte 0x00000005000001b7\n.quad 0x95", Prog(BPF_MOV64_IMM(BPF_REG_1, 5), BPF_EXIT_INSN())},
		{"kernel atomics", "r2 = atomic64_xchg((u64 *)(r1 +0), r2)\nr0 = atomic_cmpxchg((u32 *)(r1 +8), r0, r3)\nexit", Prog(
			BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_1, BPF_REG_2, 0), BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_1, BPF_REG_3, 8), BPF_EXIT_INSN())},
		{"kernel lddw", "0: (18) r1 = 0xffff888100000000\n2: (95) exit", Prog(BPF_LD_IMM64(BPF_REG_1, 0xffff888100000000), BPF_EXIT_INSN())},
		{"numeric local labels", "1: if r1 == 0 goto 1f\ngoto 1b\n1: exit", Prog(BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1), BPF_JMP_A(-2), BPF_EXIT_INSN())},
		{"data directives", ".byte 0xe5, 0\n.short -1\n.long 0\nexit", Prog(BPF_MAY_GOTO_INSN(-1), BPF_EXIT_INSN())},
		{"C integer suffixes", "r1 = -9223372036854775808ULL ll\nr2 = 5UL\nexit", Prog(BPF_LD_IMM64(BPF_REG_1, 1<<63), BPF_MOV64_IMM(BPF_REG_2, 5), BPF_EXIT_INSN())},
		{"bpftool opcodes and state lines", "0: (b7) r0 = 0\n   b7 00 00 00 00 00 00 00\n0: R1=ctx() R10=fp0\nprocessed 1 insns\n1: (95) exit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN())},
		{"6.18 verifier log", `func#0 @0
Live regs before insn:
      0: ...345.... (18) r1 = 0xffff8881043ae600
0: R1=ctx() R10=fp0
4: (bf) r6 = r1                       ; R1=map_ptr(map=m,ks=4,vs=8) R6=map_ptr(map=m,ks=4,vs=8)
8: frame1: R1=map_ptr(map=m,ks=4,vs=8) R10=fp0
to caller at 6:
 frame1: R0=1 R10=fp0
9: (95) exit`, Prog(BPF_LD_IMM64(BPF_REG_1, 0xffff8881043ae600), BPF_MOV64_REG(BPF_REG_6, BPF_REG_1), BPF_EXIT_INSN())},
		{"negative hex jump imm", "if r1 == 0xfffffffb goto pc+0\nexit", Prog(BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, -5, 0), BPF_EXIT_INSN())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Assemble([]byte(tt.src), "t.s", SyntaxLLVM)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want.Format(SyntaxLLVM), got.Format(SyntaxLLVM)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestLLVMParseErrors checks positions and messages of syntax errors.
func TestLLVMParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"r0 = 0\nexit\nr1 = x1 + 2", `prog.s:3:9: expected "ll", found "+"`},
		{"r0 = 0\nexit\nr1 += x1", `prog.s:3:7: expected register or immediate, found "x1"`},
		{"r0 = 0\n\tif x1 > 5 goto +1\nexit", `prog.s:2:5: expected register, found "x1"`},
		{"r11 = 0\nexit", `prog.s:1:1: expected instruction, found "r11"`},
		{"movv r0, 1", `prog.s:1:1: expected instruction, found "movv"`},
		{"r0 = 0x100000000\nexit", `prog.s:1:6: immediate 4294967296 does not fit in 32 bits`},
		{"goto nowhere\nexit", `prog.s:1:6: undefined label "nowhere"`},
		{"a:\na:\nexit", `prog.s:2:1: label "a" defined twice`},
		{"r0 = *(u32 *)(r1 + 0x8000)\nexit", `prog.s:1:20: offset 32768 does not fit in 16 bits`},
		{"r0 = *(u24 *)(r1 + 0)\nexit", `prog.s:1:8: expected size u8, u16, u32 or u64, found "u24"`},
		{"if r1 >> 2 goto +1\nexit", `prog.s:1:7: expected comparison, found ">>"`},
		{"r0 = 0 r1\nexit", `prog.s:1:8: unexpected "r1" after instruction`},
		{"r0 = 0", `prog.s:1:1: insn 0: last insn is not an exit or jmp`},
		{"", `prog.s:1:1: no instructions`},
		{"goto +5\nexit", `prog.s:1:1: insn 0: jump out of range from insn 0 to 6`},
		{"r0 = $1", `prog.s:1:6: unexpected character "$"`},
		{"1: (b7) r0 = 0\n2: (95) exit\n3: (b7) r0 = r1", `prog.s:3:4: opcode (b7) does not match the instruction (bf)`},
		{"w1 = 1 ll", `prog.s:1:6: lddw needs a 64-bit register`},
		{".byte 1\nexit", `prog.s:2:1: data directives leave a partial instruction (1 bytes)`},
		{".short 70000", `prog.s:1:8: 70000 does not fit in 2 bytes`},
	}
	for _, tt := range tests {
		_, err := Assemble([]byte(tt.src), "prog.s", SyntaxLLVM)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.src, err, tt.want)
		}
	}
}
