package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/verifier"
	"github.com/bpflab/bpflab/vm"
)

func requireKernel(t testing.TB) {
	t.Helper()
	if err := kernel.Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
	}
}

// memorySafety matches the kernel's rejections that are about memory
// safety: out-of-bounds, unchecked or wrongly typed pointers, stack and
// context accesses. Accepting what the kernel refuses for one of these is
// a soundness gap; the other disagreements (messages, limits, features)
// are reported, not failed.
var memorySafety = regexp.MustCompile(`invalid (mem )?access|outside of the packet|outside of the allowed memory range|` +
	`min value is negative|unbounded min value|invalid (read|write) from stack|invalid (indirect|variable-offset) (read|access)|` +
	`invalid bpf_context access|pointer arithmetic|misaligned|out of bounds|invalid size of register spill|` +
	`invalid (zero-sized )?read|invalid access to (map value|packet)|!read_ok|_or_null`)

// verdicts compares our verifier and the kernel's on one program.
type verdicts struct {
	oursOK, kernelOK bool
	ours, kernel     string // rejection lines
	kernelErrno      syscall.Errno
}

func compareVerdicts(t testing.TB, spec *asm.ProgramSpec) verdicts {
	t.Helper()
	res, err := verifier.VerifySpec(spec, verifier.Options{})
	if res == nil {
		t.Fatalf("verifier failed without a verdict: %v", err)
	}
	kp, err := kernel.Load(spec, nil)
	if err != nil {
		t.Fatalf("kernel load: %v", err)
	}
	defer kp.Close()
	v := verdicts{oursOK: res.Accepted, kernelOK: kp.Accepted, kernelErrno: kp.Errno}
	if res.Err != nil {
		v.ours = res.Err.Error()
	}
	if !kp.Accepted {
		v.kernel = fmt.Sprintf("insn %d: %s (%v)", kp.Insn, kp.ErrorLine, kp.Errno)
	}
	return v
}

// unsound reports whether v is an acceptance the kernel refused for
// memory safety.
func (v verdicts) unsound() bool {
	return v.oursOK && !v.kernelOK && memorySafety.MatchString(v.kernel)
}

// TestVerifierVsKernelCorpus compares our verdict with the live kernel's
// on 500 generated programs. Disagreements are logged with both messages;
// the test fails only where we accept what the kernel refuses for memory
// safety.
func TestVerifierVsKernelCorpus(t *testing.T) {
	requireKernel(t)
	n := 500
	if testing.Short() {
		n = 100
	}
	agree, accepted, kernelAccepted := 0, 0, 0
	var weAcceptOnly, kernelAcceptsOnly int
	for i := range n {
		spec := NewVerifierGen(seedBytes(uint64(i))).Spec()
		v := compareVerdicts(t, spec)
		if v.oursOK {
			accepted++
		}
		if v.kernelOK {
			kernelAccepted++
		}
		switch {
		case v.oursOK == v.kernelOK:
			agree++
		case v.oursOK:
			weAcceptOnly++
			if v.unsound() {
				t.Errorf("seed %d: we accept, the kernel refuses for memory safety: %s\n%s", i, v.kernel, spec.Insns.Format(asm.SyntaxLLVM))
			} else {
				t.Logf("seed %d: we accept, the kernel refuses: %s", i, v.kernel)
			}
		default:
			kernelAcceptsOnly++
			t.Logf("seed %d: the kernel accepts, we refuse: %s", i, v.ours)
		}
	}
	t.Logf("%d programs: verdicts agree on %d (%.1f%%); accepted by us %d, by the kernel %d; we alone accept %d, the kernel alone accepts %d",
		n, agree, 100*float64(agree)/float64(n), accepted, kernelAccepted, weAcceptOnly, kernelAcceptsOnly)
}

// FuzzVerifierVsKernel: our verdict equals the live kernel's on generated
// programs; accepting what the kernel refuses for memory safety fails,
// other disagreements are logged.
func FuzzVerifierVsKernel(f *testing.F) {
	requireKernel(f)
	for i := range 32 {
		f.Add(seedBytes(uint64(i)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec := NewVerifierGen(data).Spec()
		v := compareVerdicts(t, spec)
		if v.unsound() {
			t.Fatalf("we accept, the kernel refuses for memory safety: %s\n%s", v.kernel, spec.Insns.Format(asm.SyntaxLLVM))
		}
		if v.oursOK != v.kernelOK {
			t.Logf("verdicts differ: ours %v %q, kernel %v %q", v.oursOK, v.ours, v.kernelOK, v.kernel)
		}
	})
}

// deterministic reports whether a program's outcome depends only on its
// inputs: no random numbers, clocks or CPU numbers.
func deterministic(spec *asm.ProgramSpec) bool {
	for _, ins := range spec.Insns {
		if ins.IsHelperCall() {
			switch asm.Func(ins.Imm) {
			case asm.BPF_FUNC_get_prandom_u32, asm.BPF_FUNC_ktime_get_ns, asm.BPF_FUNC_ktime_get_boot_ns,
				asm.BPF_FUNC_ktime_get_coarse_ns, asm.BPF_FUNC_ktime_get_tai_ns, asm.BPF_FUNC_jiffies64:
				return false
			}
		}
	}
	return !kernel.CPUDependent(spec)
}

// vmKernelStats counts what FuzzVMvsKernel's deterministic test did.
type vmKernelStats struct {
	programs, kernelAccepted, runs, agree int
}

// vmVsKernelSpec picks the program source from the first byte: odd for a
// plain Gen program (ALU, stack, jumps) loaded as XDP, even for a
// VerifierGen program of type xdp or sched_cls.
func vmVsKernelSpec(data []byte) *asm.ProgramSpec {
	if len(data) > 0 && data[0]%2 == 1 {
		return zeroStack(&asm.ProgramSpec{Name: "plain", Type: "xdp", License: "GPL", Insns: NewGen(data[1:]).Program(64)})
	}
	if len(data) > 1 && data[1]%3 == 2 {
		data[1]-- // socket_filter → sched_cls: both engines then share data_out
	}
	if len(data) < 2 {
		return zeroStack(NewVerifierGen(nil).Spec())
	}
	return zeroStack(NewVerifierGen(data[1:]).Spec())
}

// zeroStack prefixes a program with stores that zero its 512-byte stack:
// the kernel leaves the stack as it was (privileged programs may read
// uninitialised slots), the interpreter zeroes it, so only programs that
// zero it themselves can be compared.
func zeroStack(spec *asm.ProgramSpec) *asm.ProgramSpec {
	var p asm.Program
	for off := -8; off >= -512; off -= 8 {
		p = append(p, asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, int16(off), 0))
	}
	spec.Insns = append(p, spec.Insns...) // relative jumps and calls stay right
	return spec
}

// randEntries returns map contents for the generated maps.
func randEntries(rng *rand.Rand, specs []*asm.MapSpec) [][]asm.MapEntry {
	var all [][]asm.MapEntry
	for _, s := range specs {
		var es []asm.MapEntry
		seen := map[uint32]bool{}
		for range rng.IntN(int(s.MaxEntries) + 1) {
			k := uint32(rng.IntN(10))
			if s.Type == asm.BPF_MAP_TYPE_ARRAY {
				k %= s.MaxEntries
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			e := asm.MapEntry{Key: binary.LittleEndian.AppendUint32(nil, k), Value: make([]byte, s.ValueSize)}
			for i := range e.Value {
				e.Value[i] = byte(rng.Uint32())
			}
			es = append(es, e)
		}
		all = append(all, es)
	}
	return all
}

// vmVsKernel loads spec in the kernel and, if accepted, runs it runs times
// in both engines on the same random packets, contexts and maps; it
// returns the number of runs compared and a description of each
// difference in retval or data_out.
func vmVsKernel(t testing.TB, spec *asm.ProgramSpec, seed uint64, runs int, st *vmKernelStats) []string {
	t.Helper()
	st.programs++
	if !deterministic(spec) {
		return nil
	}
	kp, err := kernel.Load(spec, nil)
	if err != nil {
		t.Fatalf("kernel load: %v", err)
	}
	defer kp.Close()
	if !kp.Accepted {
		return nil
	}
	st.kernelAccepted++
	prog, err := vm.Prepare(spec.Insns)
	if err != nil {
		t.Fatalf("the kernel accepts, vm.Prepare refuses: %v", err)
	}
	typ, err := ctx.ForType(spec.Type)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x7e57))
	var diffs []string
	for range runs {
		pkt := randPacket(rng)
		ctxIn := randCtxIn(rng, typ, len(pkt))
		if len(ctxIn) == 0 {
			ctxIn = nil
		}
		entries := randEntries(rng, spec.Maps)
		env, pr, err := vm.NewPacketEnv(typ, pkt, ctxIn)
		kout, kerr := kp.TestRun(kernel.RunInput{Data: pkt, Ctx: ctxIn, Maps: entries})
		if (err == nil) != (kerr == nil) {
			diffs = append(diffs, fmt.Sprintf("test run set-up: vm %v, kernel %v (packet %d bytes, ctx_in %x)", err, kerr, len(pkt), ctxIn))
			continue
		}
		if err != nil {
			continue // both refuse the input
		}
		for i, es := range entries {
			m, err := vm.NewMap(spec.Maps[i], vm.MapOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if err := m.Update(e.Key, e.Value, 0); err != nil {
					t.Fatal(err)
				}
			}
			env.Maps = append(env.Maps, m)
		}
		st.runs++
		res, err := prog.Run(env)
		var re *vm.RuntimeError
		if errors.As(err, &re) && re.Fault == vm.FaultBudget {
			continue
		}
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("vm traps where the kernel ran: %v", err))
			continue
		}
		dataOut, _ := pr.Run.Finish()
		if uint32(res.R0) != kout.Retval || !bytes.Equal(dataOut, kout.Data) {
			diffs = append(diffs, fmt.Sprintf("packet %d bytes %x, ctx_in %x: retval vm %d kernel %d; data_out equal %v (vm %d bytes, kernel %d)",
				len(pkt), pkt[:min(len(pkt), 64)], ctxIn, uint32(res.R0), kout.Retval, bytes.Equal(dataOut, kout.Data), len(dataOut), len(kout.Data)))
			continue
		}
		st.agree++
	}
	return diffs
}

// TestVMvsKernelCorpus runs generated programs the kernel accepts in the
// interpreter and with BPF_PROG_TEST_RUN on the same inputs: retval and
// data_out must be equal.
func TestVMvsKernelCorpus(t *testing.T) {
	requireKernel(t)
	n, runs := 500, 6
	if testing.Short() {
		n = 60
	}
	var st vmKernelStats
	for i := range n {
		data := seedBytes(uint64(1000 + i))
		spec := vmVsKernelSpec(data)
		for _, d := range vmVsKernel(t, spec, uint64(i), runs, &st) {
			t.Errorf("seed %d: %s\n%s", i, d, spec.Insns.Format(asm.SyntaxLLVM))
		}
	}
	t.Logf("%d programs, %d accepted by the kernel (and deterministic), %d runs compared, %d agree on retval and data_out",
		st.programs, st.kernelAccepted, st.runs, st.agree)
}

// FuzzVMvsKernel: on programs the kernel accepts, the interpreter and
// BPF_PROG_TEST_RUN give the same retval and data_out.
func FuzzVMvsKernel(f *testing.F) {
	requireKernel(f)
	for i := range 32 {
		f.Add(seedBytes(uint64(1000 + i)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec := vmVsKernelSpec(bytes.Clone(data))
		h := fnv.New64a()
		h.Write(data)
		var st vmKernelStats
		for _, d := range vmVsKernel(t, spec, h.Sum64(), 4, &st) {
			t.Errorf("%s\n%s", d, spec.Insns.Format(asm.SyntaxLLVM))
		}
	})
}
