package vm_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/internal/enginetest"
	"github.com/bpflab/bpflab/vm"
)

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
		p := enginetest.Repair(code)
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
