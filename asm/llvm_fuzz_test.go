package asm

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode feeds random bytes to Unmarshal: it must never panic, and a
// program it accepts must encode back to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, fm := range allForms() {
		if p := fm.program(); len(p) <= 64 {
			f.Add(p.Marshal(binary.LittleEndian))
		}
	}
	f.Add([]byte{0x95, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Unmarshal(b, binary.LittleEndian)
		if err != nil {
			return
		}
		if got := p.Marshal(binary.LittleEndian); !bytes.Equal(got, b) {
			t.Fatalf("Marshal(Unmarshal(b)) = %x, want %x", got, b)
		}
		for pc := range p {
			_ = p.KernelString(pc)
			_ = p[pc].String()
		}
	})
}

// validFromBytes turns random bytes into a well-formed program: slots that
// are malformed on their own are dropped, lddw pairs completed, jump targets
// that leave the program or land inside an lddw redirected to the next
// instruction, and an exit appended.
func validFromBytes(b []byte) Program {
	raw, _ := Decode(b[:len(b)/InsnSize*InsnSize], binary.LittleEndian)
	var p Program
	for i := 0; i < len(raw); i++ {
		ins := raw[i]
		if ins.check() != "" {
			continue
		}
		p = append(p, ins)
		if ins.IsLdImm64() {
			var hi int32
			if i+1 < len(raw) {
				hi = raw[i+1].Imm
				i++
			}
			p = append(p, Insn{Imm: hi})
		}
	}
	p = append(p, BPF_EXIT_INSN())
	second := make([]bool, len(p)+1)
	for pc := 0; pc < len(p); pc++ {
		if p[pc].IsLdImm64() {
			second[pc+1] = true
			pc++
		}
	}
	bad := func(t int) bool { return t < 0 || t >= len(p) || second[t] }
	for pc := 0; pc < len(p); pc++ {
		ins := &p[pc]
		switch {
		case ins.IsLdImm64():
			if ins.Src == BPF_PSEUDO_FUNC && bad(pc+1+int(ins.Imm)) {
				ins.Imm = 1
			}
			pc++
		case ins.IsGotol() || ins.IsPseudoCall():
			if bad(ins.JumpTarget(pc)) {
				ins.Imm = 0
			}
		case ins.IsJump():
			if bad(ins.JumpTarget(pc)) {
				ins.Off = 0
			}
		}
	}
	return p
}

// FuzzRoundTrip prints random well-formed programs in every registered
// syntax and assembles them back: the bytes must not change.
func FuzzRoundTrip(f *testing.F) {
	for i, fm := range allForms() {
		if i%7 == 0 || len(fm.insns) > 1 {
			f.Add(fm.insns.Marshal(binary.LittleEndian))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64*InsnSize {
			b = b[:64*InsnSize] // short programs: more executions per second
		}
		p := validFromBytes(b)
		if err := p.Validate(); err != nil {
			t.Fatalf("validFromBytes made an invalid program: %v\n%s", err, p.Format(SyntaxLLVM))
		}
		want := p.Marshal(binary.LittleEndian)
		for _, s := range registeredSyntaxes() {
			for _, v := range printVariants {
				if s != SyntaxLLVM && (v.o.Index || v.o.HelperNames || v.o.W32) {
					continue
				}
				o := v.o
				o.Syntax = s
				var text bytes.Buffer
				if err := p.Print(&text, o); err != nil {
					t.Fatalf("%s/%s: print: %v", s, v.name, err)
				}
				got, err := Assemble(text.Bytes(), "fuzz.s", s)
				if err != nil {
					t.Fatalf("%s/%s: %v\n%s", s, v.name, err, text.String())
				}
				if !bytes.Equal(got.Marshal(binary.LittleEndian), want) {
					t.Fatalf("%s/%s: text\n%s\nassembles to\n%s", s, v.name, text.String(), got.Format(SyntaxLLVM))
				}
			}
		}
	})
}

// FuzzParseLLVM feeds random text to the LLVM assembler: it must never panic
// or hang, and whatever it accepts must print and assemble back to the same
// bytes.
func FuzzParseLLVM(f *testing.F) {
	files, _ := filepath.Glob("testdata/llvm/*.s")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(string(src))
		}
	}
	for i, fm := range allForms() {
		if p := fm.program(); i%5 == 0 && len(p) <= 64 {
			f.Add(p.Format(SyntaxLLVM))
		}
	}
	if b, err := os.ReadFile("testdata/kernel-log/insns.txt"); err == nil {
		var log strings.Builder
		for i, l := range strings.Split(string(b), "\n") {
			if _, text, ok := strings.Cut(l, "\t"); ok && i%10 == 0 {
				log.WriteString(itoa(i) + ": " + text + "\t; R0_w=0\n")
			}
		}
		f.Add(log.String() + "exit\n")
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Assemble([]byte(src), "fuzz.s", SyntaxLLVM)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %T is not a *SyntaxError: %v", err, err)
			}
			return
		}
		text := p.Format(SyntaxLLVM)
		q, err := Assemble([]byte(text), "printed.s", SyntaxLLVM)
		if err != nil {
			t.Fatalf("printed text does not assemble: %v\n%s", err, text)
		}
		if !bytes.Equal(p.Marshal(binary.LittleEndian), q.Marshal(binary.LittleEndian)) {
			t.Fatalf("printed text assembles to other bytes:\n%s", text)
		}
	})
}
