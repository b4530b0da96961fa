package asm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// rawSource spells the program as ".8byte" lines under a global symbol f,
// for llvm-mc to turn into an object.
func rawSource(p Program) string {
	var b strings.Builder
	b.WriteString("\t.text\n\t.globl f\nf:\n")
	for _, ins := range p {
		b.WriteString("\t" + raw(ins) + "\n")
	}
	return b.String()
}

// llvmMC assembles LLVM syntax with llvm-mc-19 for ISA v4 and returns the
// .text bytes, or the tool's complaint.
func llvmMC(t *testing.T, src string) ([]byte, string, error) {
	t.Helper()
	mc := testenv.Tool(t, "llvm-mc")
	dir := t.TempDir()
	in, obj := filepath.Join(dir, "in.s"), filepath.Join(dir, "in.o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(mc, "-triple", "bpfel", "-mcpu=v4", "-filetype=obj", in, "-o", obj).CombinedOutput()
	if err != nil {
		return nil, string(out), err
	}
	f, err := elf.Open(obj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text := f.Section(".text")
	if text == nil {
		return nil, "", nil
	}
	data, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	return data, "", nil
}

// objdumpLines disassembles the program with llvm-objdump-19 and returns the
// instruction text by index.
func objdumpLines(t *testing.T, p Program, args ...string) map[int]string {
	t.Helper()
	od := testenv.Tool(t, "llvm-objdump")
	mc := testenv.Tool(t, "llvm-mc")
	dir := t.TempDir()
	in, obj := filepath.Join(dir, "in.s"), filepath.Join(dir, "in.o")
	if err := os.WriteFile(in, []byte(rawSource(p)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(mc, "-triple", "bpfel", "-filetype=obj", in, "-o", obj).CombinedOutput(); err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, out)
	}
	out, err := exec.Command(od, append(append([]string{"-d", "--no-show-raw-insn"}, args...), obj)...).Output()
	if err != nil {
		t.Fatalf("llvm-objdump: %v", err)
	}
	return indexedLines(string(out))
}

var indexedLine = regexp.MustCompile(`^\s*(\d+):\t(.*)$`)

// indexedLines maps "  12:\ttext" lines to their whitespace-normalized text.
func indexedLines(s string) map[int]string {
	m := map[int]string{}
	for _, l := range strings.Split(s, "\n") {
		if g := indexedLine.FindStringSubmatch(l); g != nil {
			n, _ := strconv.Atoi(g[1])
			m[n] = strings.Join(strings.Fields(g[2]), " ")
		}
	}
	return m
}

// TestLLVMObjdumpOracle prints every instruction form as llvm-objdump-19
// would and compares with what llvm-objdump-19 prints for the same bytes,
// with its default CPU and with --mcpu=v4 (our W32 option).
func TestLLVMObjdumpOracle(t *testing.T) {
	var all Program
	for _, f := range allForms() {
		all = append(all, f.insns...)
	}
	for _, v4 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v4=%v", v4), func(t *testing.T) {
			var args []string
			if v4 {
				args = []string{"--mcpu=v4"}
			}
			want := objdumpLines(t, all, args...)
			var b bytes.Buffer
			if err := all.Print(&b, PrintOptions{Index: true, Objdump: true, W32: v4, Symbols: map[int]string{0: "f"}}); err != nil {
				t.Fatal(err)
			}
			got := indexedLines(b.String())
			compared := 0
			for pc := 0; pc < len(all); pc++ {
				wide := all[pc].IsLdImm64()
				if want[pc] != got[pc] {
					t.Errorf("insn %d %v: objdump %q, we print %q", pc, all[pc], want[pc], got[pc])
				} else {
					compared++
				}
				if wide {
					pc++
				}
			}
			t.Logf("%d instructions print as llvm-objdump-19 prints them", compared)
		})
	}
}

// llvmCannotAssemble names the forms llvm-mc-19 cannot read: those whose
// default spelling deliberately differs from llvm-objdump's lossy text, and
// gotol beyond a 16-bit offset, which LLVM 19's parser refuses.
func llvmCannotAssemble(ins Insn, next Insn) bool {
	switch {
	case ins.IsGotol():
		return ins.Imm < -1<<15 || ins.Imm >= 1<<15
	case ins.IsPseudoCall(), ins.IsCall() && ins.Src == BPF_PSEUDO_KFUNC_CALL:
		return true
	case ins.IsLdImm64() && ins.Src != 0 && next.Imm != 0:
		return true
	case ins.Code == Op(BPF_LD, BPF_IND, BPF_W) || ins.Code == Op(BPF_LD, BPF_IND, BPF_H) || ins.Code == Op(BPF_LD, BPF_IND, BPF_B):
		return ins.Imm != 0
	case ins.Class() == BPF_STX && ins.Mode() == BPF_ATOMIC:
		return ALUOp(ins.Imm) == BPF_LOAD_ACQ || ALUOp(ins.Imm) == BPF_STORE_REL
	}
	return false
}

// TestLLVMMCOracle assembles our default text of every form with
// llvm-mc-19 and expects our bytes; forms whose spelling LLVM 19 lacks must
// be refused by it (so that the list of exceptions stays honest).
func TestLLVMMCOracle(t *testing.T) {
	for _, variant := range []PrintOptions{{}, {W32: true}} {
		var text strings.Builder
		var want []byte
		var odd []string
		oddForms := map[string]Program{}
		for _, f := range allForms() {
			var next Insn
			if len(f.insns) > 1 {
				next = f.insns[1]
			}
			line := f.insns.InsnString(0, SyntaxLLVM)
			if variant.W32 {
				var b bytes.Buffer
				if err := f.insns.Print(&b, PrintOptions{W32: true}); err != nil {
					t.Fatal(err)
				}
				line = strings.TrimSpace(b.String())
			}
			if llvmCannotAssemble(f.insns[0], next) {
				odd = append(odd, line)
				if !variant.W32 && len(oddForms) < 8 {
					oddForms[line] = f.insns
				}
				continue
			}
			text.WriteString(line + "\n")
			want = append(want, f.insns.Marshal(binary.LittleEndian)...)
		}
		got, msg, err := llvmMC(t, text.String())
		if err != nil {
			t.Fatalf("llvm-mc refused our text: %v\n%s", err, msg)
		}
		if !bytes.Equal(want, got) {
			wp, _ := Decode(want, binary.LittleEndian)
			gp, _ := Decode(got, binary.LittleEndian)
			t.Errorf("llvm-mc assembles our text differently (-ours +llvm-mc):\n%s", cmp.Diff(wp.Format(SyntaxLLVM), gp.Format(SyntaxLLVM)))
		}
		// Each exception must really be one: llvm-mc either refuses it or
		// reads something else (it takes "pc+3" for a symbol pc).
		for _, l := range odd {
			f, ok := oddForms[l]
			if !ok {
				continue
			}
			if got, _, err := llvmMC(t, l+"\n"); err == nil && bytes.Equal(got, f.Marshal(binary.LittleEndian)) {
				t.Errorf("llvm-mc assembles %q as we do: it need not be an exception", l)
			}
		}
		t.Logf("W32=%v: llvm-mc agrees on %d bytes of text; %d spellings it cannot read", variant.W32, len(want), len(odd))
	}
}

// TestLLVMPrintOptions shows each PrintOptions field on one program.
func TestLLVMPrintOptions(t *testing.T) {
	p := Prog(
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_LD_MAP_VALUE(BPF_REG_2, 1, 8),
		BPF_MOV64_REG(BPF_REG_3, BPF_REG_10),
		BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -4),
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),
		BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
		BPF_CALL_REL(1),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 2),
		BPF_EXIT_INSN(),
	)
	tests := []struct {
		name string
		o    PrintOptions
		want string
	}{
		{"plain", PrintOptions{}, `ld_pseudo	r1, 0x1, 0x0
ld_pseudo	r2, 0x2, 0x1, 0x8
r3 = r10
*(u32 *)(r10 - 0x4) = r1
call 0x1
if r0 == 0x0 goto +0x1
call pc+1
exit
r0 = 0x2
exit
`},
		{"labels, names, w32", PrintOptions{Labels: true, HelperNames: true, W32: true, Symbols: map[int]string{0: "prog", 10: "sub"},
			MapNames: map[int]string{0: "counts", 2: "data"}}, `prog:
	r1 = map[counts]
	r2 = map[data][0]+8
	r3 = r10
	*(u32 *)(r10 - 0x4) = w1
	call bpf_map_lookup_elem
	if r0 == 0x0 goto LBB0_1
	call sub
LBB0_1:
	exit
sub:
	r0 = 0x2
	exit
`},
		{"objdump listing", PrintOptions{Index: true, Objdump: true, Symbols: map[int]string{0: "prog", 10: "sub"}}, `0000000000000000 <prog>:
       0:	ld_pseudo	r1, 0x1, 0x0
       2:	ld_pseudo	r2, 0x2, 0x1
       4:	r3 = r10
       5:	*(u32 *)(r10 - 0x4) = r1
       6:	call 0x1
       7:	if r0 == 0x0 goto +0x1 <prog+0x48>
       8:	call 0x1
       9:	exit

0000000000000050 <sub>:
      10:	r0 = 0x2
      11:	exit
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := p.Print(&b, tt.o); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, b.String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestDetectLLVM(t *testing.T) {
	files, _ := filepath.Glob("testdata/llvm/*.s")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if s := DetectSyntax(src); s != SyntaxLLVM {
			t.Errorf("%s: detected %s", file, s)
		}
	}
}

// TestInsnStringTotal prints slots that are not instructions: the printer
// spells them as raw ".8byte" data, never panics, and llvm-mc agrees.
func TestInsnStringTotal(t *testing.T) {
	for _, f := range invalidForms() {
		s := f.insns[0].String()
		if !strings.HasPrefix(s, ".8byte 0x") && f.insns[0].check() != "" {
			t.Errorf("%s: %q", f.name, s)
		}
	}
}

func ExampleProgram_Print() {
	p := Prog(
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_JMP_IMM(BPF_JGT, BPF_REG_1, 5, 1),
		BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns),
		BPF_EXIT_INSN(),
	)
	_ = p.Print(os.Stdout, PrintOptions{Index: true, Symbols: map[int]string{0: "prog"}})
	_ = p.Print(os.Stdout, PrintOptions{Labels: true, HelperNames: true})
	// Output:
	// 0000000000000000 <prog>:
	//        0:	r0 = 0x0
	//        1:	if r1 > 0x5 goto +0x1 <prog+0x18>
	//        2:	call 0x5
	//        3:	exit
	// 	r0 = 0x0
	// 	if r1 > 0x5 goto LBB0_1
	// 	call bpf_ktime_get_ns
	// LBB0_1:
	// 	exit
}

func ExampleProgram_KernelString() {
	p, err := Assemble([]byte(`
		r1 = *(u32 *)(r1 + 0)
		if r1 != 0 goto +2
		r0 = 1 ll
		exit`), "example.s", SyntaxLLVM)
	if err != nil {
		panic(err)
	}
	for pc := 0; pc < len(p); pc++ {
		fmt.Printf("%d: %s\n", pc, p.KernelString(pc))
		if p[pc].IsLdImm64() {
			pc++
		}
	}
	// Output:
	// 0: (61) r1 = *(u32 *)(r1 +0)
	// 1: (55) if r1 != 0x0 goto pc+2
	// 2: (18) r0 = 0x1
	// 4: (95) exit
}

// TestLLVMLabelsObjdumpOracle assembles our labelled text of the golden
// programs with llvm-mc (labels become symbols of the object) and expects
// llvm-objdump's listing of that object, block headers and "<LBB0_2>"
// annotations included, to equal our Index+Labels listing.
func TestLLVMLabelsObjdumpOracle(t *testing.T) {
	od := testenv.Tool(t, "llvm-objdump")
	mc := testenv.Tool(t, "llvm-mc")
	for _, name := range []string{"clang", "objdump", "objdump-plain"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/llvm/" + name + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(b, binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			syms := map[int]string{0: "prog"}
			var src, want bytes.Buffer
			if err := p.Print(&src, PrintOptions{Labels: true, Symbols: syms, W32: true}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			in, obj := filepath.Join(dir, "in.s"), filepath.Join(dir, "in.o")
			if err := os.WriteFile(in, src.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(mc, "-triple", "bpfel", "-mcpu=v4", "-filetype=obj", in, "-o", obj).CombinedOutput(); err != nil {
				t.Fatalf("llvm-mc: %v\n%s\n%s", err, out, src.String())
			}
			out, err := exec.Command(od, "-d", "--no-show-raw-insn", "--mcpu=v4", obj).Output()
			if err != nil {
				t.Fatal(err)
			}
			_, listing, ok := strings.Cut(string(out), "Disassembly of section .text:\n\n")
			if !ok {
				t.Fatalf("unexpected objdump output:\n%s", out)
			}
			if err := p.Print(&want, PrintOptions{Index: true, Labels: true, Objdump: true, W32: true, Symbols: syms}); err != nil {
				t.Fatal(err)
			}
			norm := func(s string) string {
				var lines []string
				for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
					lines = append(lines, strings.Join(strings.Fields(l), " "))
				}
				return strings.Join(lines, "\n")
			}
			if d := cmp.Diff(norm(listing), norm(want.String())); d != "" {
				t.Errorf("(-llvm-objdump +ours):\n%s", d)
			}
		})
	}
}

// TestLLVMRandomOracle checks the printer against llvm-objdump and llvm-mc on
// a few thousand random well-formed instructions (random registers, offsets
// and immediates), beyond the hand-picked forms.
func TestLLVMRandomOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forms := allForms()
	var p Program
	for range 5000 {
		f := forms[rng.IntN(len(forms))]
		ins := f.insns[0]
		// Change one field at a time, keeping only changes that leave
		// the instruction well formed.
		for _, mutate := range []func(*Insn){
			func(i *Insn) { i.Dst = Reg(rng.IntN(11)) },
			func(i *Insn) { i.Src = Reg(rng.IntN(11)) },
			func(i *Insn) { i.Off = int16(rng.Uint32()) },
			func(i *Insn) { i.Off = int16(rng.IntN(64) - 32) },
			func(i *Insn) { i.Imm = int32(rng.Uint32()) },
			func(i *Insn) { i.Imm = int32(rng.IntN(512) - 256) },
		} {
			try := ins
			mutate(&try)
			if try.check() == "" {
				ins = try
			}
		}
		p = append(p, ins)
		if ins.IsLdImm64() {
			p = append(p, Insn{Imm: int32(rng.Uint32())})
		}
	}
	var keep Program
	for pc := 0; pc < len(p); pc++ {
		var next Insn
		if pc+1 < len(p) {
			next = p[pc+1]
		}
		wide := p[pc].IsLdImm64()
		if !llvmCannotAssemble(p[pc], next) {
			keep = append(keep, p[pc])
			if wide {
				keep = append(keep, next)
			}
		}
		if wide {
			pc++
		}
	}
	// Jumps may now point anywhere; the oracles do not mind.
	var text strings.Builder
	for pc := 0; pc < len(keep); pc++ {
		text.WriteString(keep.InsnString(pc, SyntaxLLVM) + "\n")
		if keep[pc].IsLdImm64() {
			pc++
		}
	}
	got, msg, err := llvmMC(t, text.String())
	if err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, msg)
	}
	if want := keep.Marshal(binary.LittleEndian); !bytes.Equal(got, want) {
		gp, _ := Decode(got, binary.LittleEndian)
		t.Errorf("llvm-mc reads our text differently (-ours +llvm-mc):\n%s", cmp.Diff(keep.Format(SyntaxLLVM), gp.Format(SyntaxLLVM)))
	}
	for _, v4 := range []bool{false, true} {
		var args []string
		if v4 {
			args = []string{"--mcpu=v4"}
		}
		want := objdumpLines(t, keep, args...)
		var out bytes.Buffer
		if err := keep.Print(&out, PrintOptions{Index: true, Objdump: true, W32: v4, Symbols: map[int]string{0: "f"}}); err != nil {
			t.Fatal(err)
		}
		mismatches := 0
		for pc, line := range indexedLines(out.String()) {
			if want[pc] != line {
				if mismatches++; mismatches <= 10 {
					t.Errorf("v4=%v insn %d: objdump %q, we print %q", v4, pc, want[pc], line)
				}
			}
		}
	}
	t.Logf("%d random instructions agree with llvm-mc and llvm-objdump", keep.Len())
}
