package kernel

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/bpflab/bpflab/asm"
)

// Test-run flags (BPF_PROG_TEST_RUN flags).
const (
	RunOnCPU       = 1 << 0 // BPF_F_TEST_RUN_ON_CPU: run on RunInput.CPU
	RunXDPLiveMode = 1 << 1 // BPF_F_TEST_XDP_LIVE_FRAMES
)

// RunInput is the input of one BPF_PROG_TEST_RUN.
type RunInput struct {
	// Data is data_in: the packet for network programs (at least 14
	// bytes for skb and XDP programs), the memory for others.
	Data []byte
	// Ctx is ctx_in: the context the program starts with, for program
	// types that accept one (a prefix of __sk_buff, xdp_md, …).
	Ctx []byte
	// Repeat runs the program this many times (0 and 1 mean once); the
	// Duration is the mean of the runs.
	Repeat uint32
	// Flags are RunOnCPU, RunXDPLiveMode.
	Flags uint32
	// CPU is the CPU to run on with RunOnCPU or Pin.
	CPU uint32
	// Pin runs the program on CPU by pinning the calling thread there for
	// the call. Unlike RunOnCPU, which the kernel accepts only for
	// raw_tracepoint programs, it works for every type, so per-CPU map
	// values land in a known slot.
	Pin bool
	// Maps, when not nil, replaces the contents of the program's maps
	// before the run: Maps[i] are the entries of map i (missing entries
	// of hash maps are deleted, array entries not listed are zeroed).
	Maps [][]asm.MapEntry
}

// RunOutput is what BPF_PROG_TEST_RUN returned.
type RunOutput struct {
	Retval uint32
	// Data is data_out: the packet as the program left it.
	Data []byte
	// Ctx is ctx_out (nil when no ctx_in was given).
	Ctx []byte
	// Duration is the kernel's mean time per run.
	Duration time.Duration
	// Maps holds the entries of every map after the run, by map index.
	Maps [][]asm.MapEntry
}

// TestRun runs an accepted program once (or Repeat times) with
// BPF_PROG_TEST_RUN and reads back its outputs and maps. A kernel refusal
// of the run itself (EINVAL for a short packet or a ctx field it does not
// accept, ENOTSUPP for program types without a test runner) is returned as
// an error wrapping the errno.
func (p *Program) TestRun(in RunInput) (*RunOutput, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if p.prog == nil {
		return nil, errors.New("kernel test run: the program was not loaded")
	}
	if in.Maps != nil {
		if len(in.Maps) > len(p.Maps) {
			return nil, fmt.Errorf("kernel test run: %d map contents for %d maps", len(in.Maps), len(p.Maps))
		}
		for i, entries := range in.Maps {
			if err := p.Maps[i].Replace(entries); err != nil {
				return nil, fmt.Errorf("kernel test run: map %d: %w", i, err)
			}
		}
	}
	// Programs may grow the packet (bpf_xdp_adjust_head/tail,
	// bpf_skb_change_tail); offer room, and retry with what the kernel
	// asks for if that was not enough.
	dataOut := make([]byte, len(in.Data)+4096)
	if len(in.Data) == 0 {
		dataOut = nil
	}
	// The kernel copies back its whole context structure, however short
	// ctx_in was; offer more than any context takes.
	var ctxOut []byte
	if len(in.Ctx) > 0 {
		ctxOut = make([]byte, max(len(in.Ctx), 512))
	}
	if in.Pin {
		restore, err := pinThread(int(in.CPU))
		if err != nil {
			return nil, fmt.Errorf("kernel test run: pinning to CPU %d: %w", in.CPU, err)
		}
		defer restore()
	}
	attr, err := rawTestRun(p.prog.FD(), &in, dataOut, ctxOut)
	if errors.Is(err, syscall.ENOSPC) && (int(attr.dataSizeOut) > len(dataOut) || int(attr.ctxSizeOut) > len(ctxOut)) {
		dataOut = make([]byte, max(int(attr.dataSizeOut), len(dataOut)))
		if ctxOut != nil {
			ctxOut = make([]byte, max(int(attr.ctxSizeOut), len(ctxOut)))
		}
		attr, err = rawTestRun(p.prog.FD(), &in, dataOut, ctxOut)
	}
	if err != nil {
		return nil, fmt.Errorf("kernel test run: %w", err)
	}
	out := &RunOutput{Retval: attr.retval, Duration: time.Duration(attr.duration)}
	if dataOut != nil {
		out.Data = dataOut[:min(int(attr.dataSizeOut), len(dataOut))]
	}
	if ctxOut != nil {
		out.Ctx = ctxOut[:min(int(attr.ctxSizeOut), len(ctxOut))]
	}
	for i, m := range p.Maps {
		entries, err := m.Entries()
		if err != nil {
			return nil, fmt.Errorf("kernel test run: reading map %d (%s): %w", i, m.Spec.Name, err)
		}
		out.Maps = append(out.Maps, entries)
	}
	return out, nil
}

// CPUDependent reports whether what a program leaves behind depends on the
// CPU it runs on: it has per-CPU maps or asks for the CPU's number. Such
// runs are worth pinning (RunInput.Pin); others need not wait for a CPU.
func CPUDependent(spec *asm.ProgramSpec) bool {
	for _, m := range spec.Maps {
		if (&Map{Spec: m}).perCPU() {
			return true
		}
	}
	for _, ins := range spec.Insns {
		if ins.IsHelperCall() && (ins.Imm == int32(asm.BPF_FUNC_get_smp_processor_id) || ins.Imm == int32(asm.BPF_FUNC_get_numa_node_id)) {
			return true
		}
	}
	return false
}
