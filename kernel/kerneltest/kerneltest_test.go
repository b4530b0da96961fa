package kerneltest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
)

// fakeTB records what Require does to a test; Skip and Fatal end the
// goroutine as the real ones do.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// runFake runs body against a fakeTB in its own goroutine, so that Skip
// and Fatal can end it.
func runFake(body func(testing.TB)) *fakeTB {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	return f
}

// TestRequirePolicy simulates a machine without bpf() and checks that each
// kernel-backed entry point skips with the reason, and fails instead when
// BPFLAB_REQUIRE_KERNEL=1.
func TestRequirePolicy(t *testing.T) {
	const reason = "simulated: no CAP_BPF"
	restore := kernel.Disable(reason)
	defer restore()
	spec := &asm.ProgramSpec{Insns: asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())}
	paths := []struct {
		name string
		body func(testing.TB)
	}{
		{"Require", func(tb testing.TB) { Require(tb) }},
		{"Run", func(tb testing.TB) {
			Run(tb, spec, nil, []Case{{Name: "x", Input: kernel.RunInput{Data: make([]byte, 14)}}})
		}},
	}
	for _, required := range []bool{false, true} {
		if required {
			t.Setenv(testenv.RequireKernel, "1")
		} else {
			t.Setenv(testenv.RequireKernel, "")
		}
		for _, p := range paths {
			f := runFake(p.body)
			if f.skipped == required || f.failed != required {
				t.Errorf("%s with %s=%v: skipped=%v failed=%v, want skipped=%v failed=%v",
					p.name, testenv.RequireKernel, required, f.skipped, f.failed, !required, required)
			}
			if !strings.Contains(f.msg, reason) || !strings.Contains(f.msg, "bpf() is not available") {
				t.Errorf("%s: message %q does not give the reason", p.name, f.msg)
			}
		}
	}
}

func TestRunAgainstKernel(t *testing.T) {
	Require(t)
	// XDP: r0 = packet length (data_end - data).
	prog := asm.Prog(
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 0),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 4),
		asm.BPF_ALU64_REG(asm.BPF_SUB, asm.BPF_REG_0, asm.BPF_REG_2),
		asm.BPF_EXIT_INSN())
	res := Run(t, &asm.ProgramSpec{Type: "xdp", Insns: prog}, nil, []Case{
		{Name: "14 bytes", Input: kernel.RunInput{Data: make([]byte, 14)}},
		{Name: "60 bytes", Input: kernel.RunInput{Data: make([]byte, 60)}},
		{Name: "too short", Input: kernel.RunInput{Data: make([]byte, 2)}},
	})
	if !res.Verdict.Accepted {
		t.Fatalf("rejected: %s", res.Verdict.ErrorLine)
	}
	Check(t, "14 bytes", res.Runs[0], Outcome{Retval: 14, Data: make([]byte, 14)})
	Check(t, "60 bytes", res.Runs[1], Outcome{Retval: 60, Data: make([]byte, 60)})
	if res.Runs[2].Err == "" {
		t.Errorf("a 2-byte XDP packet ran: %+v", res.Runs[2])
	}
	// A deliberate difference is reported.
	if d := Diff(res.Runs[0], Outcome{Retval: 15, Data: make([]byte, 14)}); !strings.Contains(d, "Retval") {
		t.Errorf("Diff does not report a different retval:\n%s", d)
	}
}

func TestRequireFeatures(t *testing.T) {
	RequireISA(t, "gotol (v4)")
	RequireProgType(t, "sched_cls")
	RequireHelper(t, "sched_cls", asm.BPF_FUNC_skb_load_bytes)
	// callx is not in the kernel's ISA: the test must skip, not fail.
	f := runFake(func(tb testing.TB) { RequireISA(tb, "callx") })
	if !f.skipped || !strings.Contains(f.msg, "does not support callx") {
		t.Errorf("RequireISA(callx): skipped=%v failed=%v %q", f.skipped, f.failed, f.msg)
	}
}

func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRunMemory(t *testing.T) {
	// r0 = *(u32 *)(r1 + 0) + r2
	prog := asm.Prog(asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 0),
		asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_2), asm.BPF_EXIT_INSN())
	r := RunMemory(t, prog, []byte{1, 0, 0, 0, 9})
	if !r.Accepted || r.R0 != 6 {
		t.Errorf("accepted=%v r0=%d (%s), want r0 = 6", r.Accepted, r.R0, r.ErrorLine)
	}
}
