package asm

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMacros checks each builder against the 8 bytes the kernel's macro of
// the same name produces (little endian), with the kernel's disassembly.
func TestMacros(t *testing.T) {
	tests := []struct {
		name string
		got  Fragment
		want string
	}{
		{"mov64 imm", BPF_MOV64_IMM(BPF_REG_0, 1), "b700000001000000"},                  // r0 = 1
		{"mov32 imm", BPF_MOV32_IMM(BPF_REG_1, -1), "b4010000ffffffff"},                 // w1 = -1
		{"mov64 reg", BPF_MOV64_REG(BPF_REG_2, BPF_REG_10), "bfa2000000000000"},         // r2 = r10
		{"mov32 reg", BPF_MOV32_REG(BPF_REG_3, BPF_REG_4), "bc43000000000000"},          // w3 = w4
		{"movsx64", BPF_MOVSX64_REG(BPF_REG_1, BPF_REG_2, 8), "bf21080000000000"},       // r1 = (s8)r2
		{"movsx32", BPF_MOVSX32_REG(BPF_REG_1, BPF_REG_2, 16), "bc21100000000000"},      // w1 = (s16)w2
		{"alu64 reg", BPF_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_2), "0f21000000000000"}, // r1 += r2
		{"alu32 imm", BPF_ALU32_IMM(BPF_LSH, BPF_REG_1, 3), "6401000003000000"},         // w1 <<= 3
		{"sdiv64", BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_1, -3, 1), "370101 00fdffffff"},   // r1 s/= -3
		{"smod32 reg", BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_1, BPF_REG_2, 1), "9c21010000000000"},
		{"neg64", BPF_NEG64(BPF_REG_5), "8705000000000000"},                           // r5 = -r5
		{"be16", BPF_ENDIAN(BPF_TO_BE, BPF_REG_1, 16), "dc01000010000000"},            // r1 = be16 r1
		{"le32", BPF_ENDIAN(BPF_TO_LE, BPF_REG_1, 32), "d401000020000000"},            // r1 = le32 r1
		{"bswap64", BPF_BSWAP(BPF_REG_1, 64), "d701000040000000"},                     // r1 = bswap64 r1
		{"ldx", BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 76), "61124c0000000000"},     // r2 = *(u32 *)(r1 +76)
		{"ldxsx", BPF_LDX_MEMSX(BPF_B, BPF_REG_0, BPF_REG_1, -1), "9110ffff00000000"}, // r0 = *(s8 *)(r1 -1)
		{"stx", BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, -8), "7b1af8ff00000000"},   // *(u64 *)(r10 -8) = r1
		{"st", BPF_ST_MEM(BPF_H, BPF_REG_10, -2, 7), "6a0afeff07000000"},              // *(u16 *)(r10 -2) = 7
		{"atomic add", BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_1, BPF_REG_2, 0), "db21000000000000"},
		{"atomic fetch or", BPF_ATOMIC_OP(BPF_W, BPF_OR|BPF_FETCH, BPF_REG_1, BPF_REG_2, 4), "c321040041000000"},
		{"xchg", BPF_ATOMIC_OP(BPF_DW, BPF_XCHG, BPF_REG_1, BPF_REG_2, 0), "db210000e1000000"},
		{"cmpxchg", BPF_ATOMIC_OP(BPF_W, BPF_CMPXCHG, BPF_REG_1, BPF_REG_2, 0), "c3210000f1000000"},
		{"load acquire", BPF_ATOMIC_OP(BPF_W, BPF_LOAD_ACQ, BPF_REG_0, BPF_REG_1, 0), "c310000000010000"},
		{"jmp imm", BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 2), "1500020000000000"},          // if r0 == 0x0 goto pc+2
		{"jmp reg", BPF_JMP_REG(BPF_JGT, BPF_REG_2, BPF_REG_3, -4), "2d32fcff00000000"}, // if r2 > r3 goto pc-4
		{"jmp32 imm", BPF_JMP32_IMM(BPF_JSLT, BPF_REG_1, -1, 1), "c6010100ffffffff"},    // if w1 s< -1 goto pc+1
		{"ja", BPF_JMP_A(3), "0500030000000000"},                                        // goto pc+3
		{"gotol", BPF_JMP32_A(70000), "0600000070110100"},                               // gotol pc+70000
		{"may_goto", BPF_MAY_GOTO_INSN(2), "e500020000000000"},
		{"call helper", BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem), "8500000001000000"}, // call bpf_map_lookup_elem#1
		{"call rel", BPF_CALL_REL(5), "8510000005000000"},                            // call pc+5
		{"callx", BPF_CALLX(BPF_REG_2), "8d02000000000000"},
		{"ld abs", BPF_LD_ABS(BPF_H, 12), "280000000c000000"},
		{"ld ind", BPF_LD_IND(BPF_B, BPF_REG_7, 14), "507000000e000000"},
		{"exit", BPF_EXIT_INSN(), "9500000000000000"}, // exit
		{"raw", BPF_RAW_INSN(Op(BPF_JMP, BPF_CALL), 0, BPF_PSEUDO_CALL, 0, 1), "8510000001000000"},
		{"ld imm64", BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788), "1801000088776655" + "0000000044332211"},
		{"ld map fd", BPF_LD_MAP_FD(BPF_REG_1, 3), "1811000003000000" + "0000000000000000"},
		{"ld map value", BPF_LD_MAP_VALUE(BPF_REG_1, 3, 8), "1821000003000000" + "0000000008000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := hex.DecodeString(stripSpaces(tt.want))
			if err != nil {
				t.Fatal(err)
			}
			p := Prog(tt.got)
			if diff := cmp.Diff(want, p.Marshal(binary.LittleEndian)); diff != "" {
				t.Errorf("bytes (-want +got):\n%s", diff)
			}
			if p[0].IsJump() || p[0].IsPseudoCall() {
				// targets lie outside this one-insn program
			} else if err := append(p, BPF_EXIT_INSN()).Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			back, err := Decode(want, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, back); diff != "" {
				t.Errorf("Decode (-macro +decoded):\n%s", diff)
			}
		})
	}
}

func stripSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func TestBigEndian(t *testing.T) {
	p := Prog(BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, 76), BPF_EXIT_INSN())
	b := p.Marshal(binary.BigEndian)
	if got, want := hex.EncodeToString(b[:8]), "6121004c00000000"; got != want {
		t.Errorf("big-endian bytes = %s, want %s", got, want)
	}
	back, err := Unmarshal(b, binary.BigEndian)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeTruncated(t *testing.T) {
	_, err := Decode(make([]byte, 12), binary.LittleEndian)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
}

func TestValidate(t *testing.T) {
	exit := BPF_EXIT_INSN()
	tests := []struct {
		name string
		prog Program
		want string // "" for valid
	}{
		{"ok", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), exit), ""},
		{"empty", Program{}, "insn 0: empty program"},
		{"no exit", Prog(BPF_MOV64_IMM(BPF_REG_0, 0)), "insn 0: last insn is not an exit or jmp"},
		{"ends in ja", Prog(BPF_MOV64_IMM(BPF_REG_0, 0), exit, BPF_JMP_A(-2)), ""},
		{"jump out", Prog(BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 5), exit), "insn 0: jump out of range from insn 0 to 6"},
		{"jump back out", Prog(BPF_JMP_A(-2), exit), "insn 0: jump out of range from insn 0 to -1"},
		{"into lddw", Prog(BPF_JMP_A(1), BPF_LD_IMM64(BPF_REG_0, 1), exit), "insn 0: jump into the middle of ldimm64 insn 1"},
		{"lddw truncated", Program{BPF_LD_IMM64(BPF_REG_0, 1)[0]}, "insn 0: invalid bpf_ld_imm64 insn"},
		{"lddw bad second", Prog(BPF_LD_IMM64(BPF_REG_0, 1)[0], BPF_MOV64_IMM(BPF_REG_0, 0), exit), "insn 0: invalid bpf_ld_imm64 insn"},
		{"lddw last", Prog(BPF_LD_IMM64(BPF_REG_0, 1)), "insn 1: last insn is not an exit or jmp"},
		{"bad opcode", Prog(BPF_RAW_INSN(0xff, 0, 0, 0, 0), exit), "insn 0: unknown opcode 0xff"},
		{"bad register", Prog(BPF_MOV64_IMM(11, 0), exit), "insn 0: invalid register R11"},
		{"exit imm", Prog(BPF_RAW_INSN(0x95, 0, 0, 0, 1)), "insn 0: BPF_EXIT uses reserved fields"},
		{"ja src", Prog(BPF_RAW_INSN(0x05, 0, 1, 0, 0), exit), "insn 0: BPF_JA uses reserved fields"},
		{"mov imm with off", Prog(BPF_ALU64_IMM_OFF(BPF_MOV, BPF_REG_0, 0, 1), exit), "insn 0: BPF_ALU uses reserved fields"},
		{"movsx32 by 32", Prog(BPF_MOVSX32_REG(BPF_REG_0, BPF_REG_1, 32), exit), "insn 0: BPF_ALU uses reserved fields"},
		{"ldxdw sx", Prog(BPF_LDX_MEMSX(BPF_DW, BPF_REG_0, BPF_REG_1, 0), exit), "insn 0: unknown opcode 0x99"},
		{"bad atomic", Prog(BPF_ATOMIC_OP(BPF_DW, BPF_SUB, BPF_REG_1, BPF_REG_2, 0), exit), "insn 0: BPF_ATOMIC uses invalid atomic opcode 10"},
		{"call out", Prog(BPF_CALL_REL(4), exit), "insn 0: jump out of range from insn 0 to 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.prog.Validate()
			got := ""
			if err != nil {
				got = err.Error()
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Errorf("error %T is not a *DecodeError", err)
				}
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}
