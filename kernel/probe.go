package kernel

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/bpflab/bpflab/asm"
	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
)

// Feature is one probed capability of the running kernel.
type Feature struct {
	Name      string
	Supported bool
	// Detail says why a feature is missing (the kernel's error line), or
	// that it could not be probed.
	Detail string
}

// Support is what the running kernel supports, as `bpftool feature probe`
// reports it.
type Support struct {
	// Release is the kernel release (uname -r).
	Release   string
	ProgTypes []Feature
	MapTypes  []Feature
	// ISA lists instruction set extensions, each probed by loading a tiny
	// socket filter that uses it (see isaProbes).
	ISA []Feature
}

var (
	probeOnce sync.Once
	probed    *Support
	probeErr  error

	helperMu    sync.Mutex
	helperCache = map[string]*HelperSupport{}
)

// Probe reports what the running kernel supports: program types, map types
// and ISA extensions. The result is computed once per process.
func Probe() (*Support, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	probeOnce.Do(func() { probed, probeErr = probe() })
	return probed, probeErr
}

func probe() (*Support, error) {
	s := &Support{Release: release()}
	for i, name := range progTypeNames[1:] {
		err := features.HaveProgramType(ebpf.ProgramType(i + 1))
		s.ProgTypes = append(s.ProgTypes, feature(name, err))
	}
	for i, name := range mapTypeNames[1:] {
		err := features.HaveMapType(ebpf.MapType(i + 1))
		s.MapTypes = append(s.MapTypes, feature(name, err))
	}
	for _, p := range isaProbes {
		f := Feature{Name: p.Name}
		prog, err := Load(&asm.ProgramSpec{Name: "isa_probe", Type: "socket_filter", Insns: p.Prog}, nil)
		if err != nil {
			return nil, fmt.Errorf("probing %s: %w", p.Name, err)
		}
		f.Supported, f.Detail = prog.Accepted, prog.ErrorLine
		prog.Close()
		s.ISA = append(s.ISA, f)
	}
	return s, nil
}

func feature(name string, err error) Feature {
	switch {
	case err == nil:
		return Feature{Name: name, Supported: true}
	case errors.Is(err, ebpf.ErrNotSupported):
		return Feature{Name: name, Detail: "not supported"}
	default:
		return Feature{Name: name, Detail: "not probed: " + err.Error()}
	}
}

// HasProgType reports whether the kernel supports a program type.
func (s *Support) HasProgType(name string) bool { return has(s.ProgTypes, name) }

// HasMapType reports whether the kernel supports a map type.
func (s *Support) HasMapType(name string) bool { return has(s.MapTypes, name) }

// HasISA reports whether the kernel loads an ISA extension (a name of
// ISAProbes, e.g. "sdiv/smod (v4)").
func (s *Support) HasISA(name string) bool { return has(s.ISA, name) }

func has(fs []Feature, name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return f.Supported
		}
	}
	return false
}

// HelperSupport lists the helpers one program type may call.
type HelperSupport struct {
	ProgType string
	// Probed is false for program types cilium/ebpf cannot probe helpers
	// for (tracing, ext, lsm, struct_ops: they need an attach target).
	Probed    bool
	Supported []asm.Func
	// Unclear holds helpers whose probe was inconclusive, with the
	// kernel's reason (e.g. sleepable-only helpers: "helper call might
	// sleep in a non-sleepable prog").
	Unclear map[asm.Func]string
	Detail  string
}

// Has reports whether fn is among the supported helpers.
func (h *HelperSupport) Has(fn asm.Func) bool {
	for _, f := range h.Supported {
		if f == fn {
			return true
		}
	}
	return false
}

// Helpers probes which helpers (of the v6.12 list, asm.Func) a program
// type may call, by loading a program that calls each. Results are cached.
func Helpers(progType string) (*HelperSupport, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	t, err := ProgTypeByName(progType)
	if err != nil {
		return nil, err
	}
	name := ProgTypeName(t)
	helperMu.Lock()
	defer helperMu.Unlock()
	if h, ok := helperCache[name]; ok {
		return h, nil
	}
	h := &HelperSupport{ProgType: name, Probed: true}
	if err := features.HaveProgramType(ebpf.ProgramType(t)); err != nil {
		h.Probed, h.Detail = false, "program type: "+feature(name, err).Detail
	}
	for fn := asm.Func(1); h.Probed && fn.Known(); fn++ {
		err := features.HaveProgramHelper(ebpf.ProgramType(t), casm.BuiltinFunc(fn))
		switch {
		case err == nil:
			h.Supported = append(h.Supported, fn)
		case errors.Is(err, ebpf.ErrNotSupported):
		default:
			if h.Unclear == nil {
				h.Unclear = map[asm.Func]string{}
			}
			h.Unclear[fn] = lastLine(err.Error())
		}
	}
	helperCache[name] = h
	return h, nil
}

// ISAProbe is a socket filter that the kernel loads only if it knows an
// ISA extension. Other engines can run the same programs to report their
// own support.
type ISAProbe struct {
	Name string
	Prog asm.Program
}

const (
	r0, r1, r10 = asm.BPF_REG_0, asm.BPF_REG_1, asm.BPF_REG_10
)

// stackSlot initialises fp-8 so that the probes can use it.
var stackSlot = asm.BPF_ST_MEM(asm.BPF_DW, r10, -8, 0)

// isaProbes follow the groups of the ISA document (RFC 9669) and the
// -mcpu versions of LLVM.
var isaProbes = []ISAProbe{
	{"base64 (v1)", asm.Prog(asm.BPF_LD_IMM64(r0, 1<<40), asm.BPF_ALU64_IMM(asm.BPF_ADD, r0, 1), asm.BPF_EXIT_INSN())},
	{"divmul64 (v1)", asm.Prog(asm.BPF_MOV64_IMM(r0, 6), asm.BPF_ALU64_IMM(asm.BPF_DIV, r0, 2),
		asm.BPF_ALU64_IMM(asm.BPF_MUL, r0, 3), asm.BPF_ALU64_IMM(asm.BPF_MOD, r0, 5), asm.BPF_EXIT_INSN())},
	{"atomic add (v1 xadd)", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_ADD, r10, r1, -8), asm.BPF_MOV64_IMM(r0, 0), asm.BPF_EXIT_INSN())},
	{"legacy packet access (ld_abs)", asm.Prog(asm.BPF_MOV64_REG(asm.BPF_REG_6, r1), asm.BPF_LD_ABS(asm.BPF_B, 0), asm.BPF_EXIT_INSN())},
	{"jump extensions jlt/jle/jslt/jsle (v2)", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_JMP_IMM(asm.BPF_JLT, r0, 1, 0), asm.BPF_EXIT_INSN())},
	{"jmp32 (v3)", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_JMP32_IMM(asm.BPF_JLT, r0, 1, 0), asm.BPF_EXIT_INSN())},
	{"atomic fetch/and/or/xor (v3)", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_OR|asm.BPF_FETCH, r10, r1, -8), asm.BPF_MOV64_IMM(r0, 0), asm.BPF_EXIT_INSN())},
	{"atomic xchg (v3)", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_XCHG, r10, r1, -8), asm.BPF_MOV64_IMM(r0, 0), asm.BPF_EXIT_INSN())},
	{"atomic cmpxchg (v3)", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1), asm.BPF_MOV64_IMM(r0, 0),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_CMPXCHG, r10, r1, -8), asm.BPF_EXIT_INSN())},
	{"atomic32 (v3)", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_W, asm.BPF_ADD|asm.BPF_FETCH, r10, r1, -8), asm.BPF_MOV64_IMM(r0, 0), asm.BPF_EXIT_INSN())},
	{"sdiv/smod (v4)", asm.Prog(asm.BPF_MOV64_IMM(r0, -6), asm.BPF_ALU64_IMM_OFF(asm.BPF_DIV, r0, 2, 1),
		asm.BPF_ALU32_IMM_OFF(asm.BPF_MOD, r0, 2, 1), asm.BPF_EXIT_INSN())},
	{"movsx (v4)", asm.Prog(asm.BPF_MOV64_IMM(r0, 0xff), asm.BPF_MOVSX64_REG(r0, r0, 8), asm.BPF_EXIT_INSN())},
	{"ldsx (v4)", asm.Prog(stackSlot, asm.BPF_LDX_MEMSX(asm.BPF_B, r0, r10, -8), asm.BPF_EXIT_INSN())},
	{"bswap (v4)", asm.Prog(asm.BPF_MOV64_IMM(r0, 1), asm.BPF_BSWAP(r0, 16), asm.BPF_EXIT_INSN())},
	{"gotol (v4)", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_JMP32_A(0), asm.BPF_EXIT_INSN())},
	{"bpf-to-bpf calls", asm.Prog(asm.BPF_CALL_REL(1), asm.BPF_EXIT_INSN(), asm.BPF_MOV64_IMM(r0, 0), asm.BPF_EXIT_INSN())},
	{"bounded loops", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_ALU64_IMM(asm.BPF_ADD, r0, 1),
		asm.BPF_JMP_IMM(asm.BPF_JLT, r0, 4, -2), asm.BPF_EXIT_INSN())},
	{"may_goto", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_MAY_GOTO_INSN(0), asm.BPF_EXIT_INSN())},
	{"load-acquire/store-release", asm.Prog(stackSlot, asm.BPF_MOV64_IMM(r1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_STORE_REL, r10, r1, -8),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_LOAD_ACQ, r0, r10, -8), asm.BPF_EXIT_INSN())},
	{"callx", asm.Prog(asm.BPF_MOV64_IMM(r0, 0), asm.BPF_MOV64_IMM(r1, 0), asm.BPF_CALLX(r1), asm.BPF_EXIT_INSN())},
}

// ISAProbes returns the programs Probe loads to find the ISA extensions,
// in the order of Support.ISA.
func ISAProbes() []ISAProbe { return append([]ISAProbe(nil), isaProbes...) }

// lastLine shortens cilium/ebpf's "detect support for …: load program: …"
// to the kernel's reason.
func lastLine(s string) string {
	if i := strings.LastIndex(s, "load program: "); i >= 0 {
		s = s[i+len("load program: "):]
	}
	if i := strings.Index(s, " ("); i >= 0 {
		s = s[:i]
	}
	return s
}
