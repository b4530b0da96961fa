package vm_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/vm"
)

// repair turns arbitrary bytes into a program Prepare accepts: it wraps
// jump and call targets into the program (so loops and recursion occur),
// ends it with exit, and replaces every instruction Prepare still refuses
// with a harmless move. The fuzzer thus explores semantics, not the
// decoder.
func repair(b []byte) *vm.Program {
	n := len(b) / asm.InsnSize
	if n > 64 {
		n = 64
	}
	p, _ := asm.Decode(b[:n*asm.InsnSize], binary.LittleEndian)
	p = append(p, asm.BPF_EXIT_INSN())
	for pc := range p {
		in := &p[pc]
		in.Dst %= 11
		if in.Class() != asm.BPF_LD || in.Src > asm.BPF_REG_10 {
			in.Src %= 11
		}
		switch {
		case in.IsGotol() || in.IsPseudoCall():
			in.Imm = int32(int(uint32(in.Imm))%len(p) - pc - 1)
		case in.IsJump():
			in.Off = int16(int(uint16(in.Off))%len(p) - pc - 1)
		}
	}
	for range len(p) + 1 {
		prog, err := vm.Prepare(p)
		if err == nil {
			return prog
		}
		var de *asm.DecodeError
		if !errors.As(err, &de) || de.Insn >= len(p) {
			return nil
		}
		if p[de.Insn].IsLdImm64() && de.Insn+1 < len(p) {
			p[de.Insn+1] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0)
		}
		if de.Insn == len(p)-1 {
			p[de.Insn] = asm.BPF_EXIT_INSN()
		} else {
			p[de.Insn] = asm.BPF_MOV64_IMM(asm.BPF_REG_0, p[de.Insn].Imm)
		}
	}
	return nil
}

// FuzzVM runs repaired random programs on random memory. Properties: no
// panic; the run ends (the budget bounds it); any failure is a
// *RuntimeError with a fault kind, a pc inside the program and a message;
// steps stay within the budget plus one straight-line run; and a run with
// the trace hook on gives the same result, error and memory as one
// without.
func FuzzVM(f *testing.F) {
	xdpType, err := ctx.ForType("xdp")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range []string{"conformance.jsonl", "ubpf.jsonl"} {
		for _, v := range loadVectors(f, file) {
			code, _ := hex.DecodeString(v.ProgramHex)
			mem, _ := hex.DecodeString(v.MemHex)
			f.Add(code, mem)
		}
	}
	f.Fuzz(func(t *testing.T, code, mem []byte) {
		p := repair(code)
		if p == nil {
			return
		}
		const budget = 5000
		// An odd first byte runs the program as XDP over mem as the packet,
		// so that context accesses (served outside the hot loop) are
		// fuzzed too.
		xdp := len(mem) >= 14 && mem[0]&1 == 1
		runOnce := func(trace bool) (vm.Result, []byte, error) {
			var env *vm.Env
			var pr *vm.PacketRun
			if xdp {
				var err error
				if env, pr, err = vm.NewPacketEnv(xdpType, mem, nil); err != nil {
					t.Fatalf("NewPacketEnv: %v", err)
				}
			} else {
				env = vm.NewPlainEnv(mem)
				env.Helpers = vm.UBPFHelpers()
			}
			env.Budget = budget
			if trace {
				env.Trace = func(int, int, *[11]uint64) {}
			}
			res, err := p.Run(env)
			if xdp {
				return res, bytes.Clone(pr.Run.Buf), err
			}
			out, serr := env.Mem.Slice(env.R1, len(mem), false)
			if serr != nil {
				t.Fatalf("memory region lost: %v", serr)
			}
			return res, bytes.Clone(out), err
		}
		res, out, err := runOnce(false)
		if err != nil {
			var re *vm.RuntimeError
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is not a RuntimeError", err, err)
			}
			if re.Fault == vm.FaultNone || re.Detail == "" || re.PC < 0 || re.PC >= len(p.Insns()) {
				t.Fatalf("malformed fault %#v", re)
			}
		}
		if res.Steps > budget+len(p.Insns()) {
			t.Fatalf("%d steps with a budget of %d", res.Steps, budget)
		}
		tres, tout, terr := runOnce(true)
		if tres != res || !sameError(err, terr) || !bytes.Equal(out, tout) {
			t.Fatalf("traced run differs:\n untraced %+v %v\n traced   %+v %v\n%s", res, err, tres, terr, p.Insns().Format(asm.SyntaxLLVM))
		}
	})
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// TestRepair checks that the fuzz target's repair turns most random inputs
// into programs, so the fuzzer is not wasting its time.
func TestRepair(t *testing.T) {
	seed := uint64(1)
	ok, faults := 0, 0
	for range 1000 {
		b := make([]byte, 8*32)
		for i := range b {
			seed = seed*6364136223846793005 + 1442695040888963407
			b[i] = byte(seed >> 56)
		}
		p := repair(b)
		if p == nil {
			continue
		}
		ok++
		env := vm.NewPlainEnv(make([]byte, 32))
		env.Budget = 1000
		if _, err := p.Run(env); err != nil {
			faults++
		}
	}
	if ok < 900 {
		t.Errorf("repair made %d programs of 1000 inputs, want ≥ 900", ok)
	}
	t.Logf("%d programs, %d faulted", ok, faults)
}
