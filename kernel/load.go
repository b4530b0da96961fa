package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/bpflab/bpflab/asm"
	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
)

// LogLevel is the verifier log level of BPF_PROG_LOAD: a bit set.
type LogLevel uint32

// Verifier log levels (include/linux/bpf_verifier.h).
const (
	// LogLevelInsns logs each instruction as it is verified and the
	// register state at branch points (BPF_LOG_LEVEL1).
	LogLevelInsns LogLevel = 1
	// LogLevelStates adds the full register state at every instruction
	// (BPF_LOG_LEVEL2).
	LogLevelStates LogLevel = 2
	// LogLevelStats adds the verification statistics (BPF_LOG_STATS).
	LogLevelStats LogLevel = 4
)

// Program load flags (prog_flags of BPF_PROG_LOAD).
const (
	FlagStrictAlignment = 1 << 0 // BPF_F_STRICT_ALIGNMENT
	FlagAnyAlignment    = 1 << 1 // BPF_F_ANY_ALIGNMENT
	FlagTestRndHi32     = 1 << 2 // BPF_F_TEST_RND_HI32
	FlagTestStateFreq   = 1 << 3 // BPF_F_TEST_STATE_FREQ
	FlagSleepable       = 1 << 4 // BPF_F_SLEEPABLE
	FlagXDPHasFrags     = 1 << 5 // BPF_F_XDP_HAS_FRAGS
)

// LoadOptions control Load. The zero value loads with the spec's program
// type (socket_filter when it has none) at log level 1.
type LoadOptions struct {
	// Type overrides spec.Type ("xdp", "sched_cls", …; see ProgTypeByName).
	Type string
	// AttachType overrides spec.AttachType (expected_attach_type).
	AttachType string
	// LogLevel is the verifier log level; 0 means LogLevelInsns, so that
	// the log always carries the "processed N insns" line.
	LogLevel LogLevel
	// Flags are BPF_PROG_LOAD prog_flags (FlagAnyAlignment, …).
	Flags uint32
}

// Result is the kernel's verdict on a program. A rejection is a normal
// result, not an error.
type Result struct {
	Accepted bool
	// Errno is the error the kernel returned (EACCES for a safety
	// violation, EINVAL for a malformed program, E2BIG, …); 0 if accepted.
	Errno syscall.Errno
	// Log is the verifier log, one line per element, without newlines.
	Log []string
	// ErrorLine is the log line that says why the program was rejected
	// ("R0 !read_ok", "invalid shift 32"), "" when accepted or when the
	// kernel logged nothing.
	ErrorLine string
	// Insn is the instruction index the rejection refers to, -1 if the
	// kernel names none.
	Insn int
	// Processed is N of the log's "processed N insns" line, -1 if absent.
	Processed int
	// MaxStatesPerInsn, TotalStates and PeakStates come from the same
	// line (-1 if absent).
	MaxStatesPerInsn, TotalStates, PeakStates int
	// StackDepth is the stack use of each subprogram in bytes, from the
	// "stack depth" line that LogLevelStats adds (nil without it).
	StackDepth []int
	// VerificationTime is the time the kernel says it spent verifying the
	// program, from the "verification time N usec" line that LogLevelStats
	// adds (microsecond resolution; -1 without the line, since a small
	// program can legitimately take 0 usec).
	VerificationTime time.Duration
}

// Program is a program loaded into the running kernel (or refused by it),
// with the maps created for it. Close releases both.
type Program struct {
	Result
	// Maps are the kernel maps created from the spec's Maps, in order.
	Maps []*Map
	// Type is the program type the kernel was asked for.
	Type string
	prog *ebpf.Program
}

// Close releases the program and its maps.
func (p *Program) Close() error {
	var errs []error
	if p.prog != nil {
		errs = append(errs, p.prog.Close())
		p.prog = nil
	}
	for _, m := range p.Maps {
		errs = append(errs, m.Close())
	}
	p.Maps = nil
	return errors.Join(errs...)
}

// FD returns the program's file descriptor, -1 if the kernel refused it.
func (p *Program) FD() int {
	if p.prog == nil {
		return -1
	}
	return p.prog.FD()
}

// Load creates spec's maps in the kernel (with their Contents as initial
// entries), patches their fds into the lddw instructions that refer to
// them and loads the program. The error is non-nil only when the kernel
// could not be asked (bpf() unavailable, a map could not be created, the
// spec is malformed); the verifier's rejection is reported in the Result.
func Load(spec *asm.ProgramSpec, opts *LoadOptions) (*Program, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &LoadOptions{}
	}
	typeName := firstNonEmpty(opts.Type, spec.Type, "socket_filter")
	progType, err := ProgTypeByName(typeName)
	if err != nil {
		return nil, fmt.Errorf("kernel load: %w", err)
	}
	var attach uint32
	if a := firstNonEmpty(opts.AttachType, spec.AttachType); a != "" {
		if attach, err = AttachTypeByName(a); err != nil {
			return nil, fmt.Errorf("kernel load: %w", err)
		}
	}
	if len(spec.Insns) == 0 {
		return nil, errors.New("kernel load: program has no instructions")
	}
	level := opts.LogLevel
	if level == 0 {
		level = LogLevelInsns
	}

	p := &Program{Type: ProgTypeName(progType)}
	for i, ms := range spec.Maps {
		m, err := newMap(ms)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("kernel load: map %d (%s): %w", i, ms.Name, err)
		}
		p.Maps = append(p.Maps, m)
	}

	req := loadRequest{
		progType: progType,
		attach:   attach,
		flags:    opts.Flags,
		level:    level,
		name:     objName(spec.Name),
		license:  firstNonEmpty(spec.License, "GPL"),
	}
	// cilium/ebpf's instruction model cannot express every encoding
	// (non-zero offsets of plain ALU ops, malformed lddw second halves); an
	// oracle must judge the exact bytes it was given, so such programs go
	// through the raw loader.
	var logText string
	var errno syscall.Errno
	if insns, ok := toCilium(spec.Insns, p.Maps); ok && !forceRawLoad {
		p.prog, logText, errno, err = loadCilium(insns, req)
	} else {
		p.prog, logText, errno, err = loadRaw(patchMapFDs(spec.Insns, p.Maps), req)
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("kernel load: %w", err)
	}
	p.Result = parseLog(logText, errno)
	return p, nil
}

// forceRawLoad makes Load use its own BPF_PROG_LOAD for every program;
// tests set it to check that both loaders give the same Result.
var forceRawLoad bool

// loadRequest is what both loaders need besides the instructions.
type loadRequest struct {
	progType, attach, flags uint32
	level                   LogLevel
	name, license           string
}

func loadCilium(insns casm.Instructions, req loadRequest) (*ebpf.Program, string, syscall.Errno, error) {
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{
		Name:         req.name,
		Type:         ebpf.ProgramType(req.progType),
		AttachType:   ebpf.AttachType(req.attach),
		Flags:        req.flags,
		License:      req.license,
		Instructions: insns,
	}, ebpf.ProgramOptions{LogLevel: ebpf.LogLevel(req.level), LogSizeStart: 1 << 16})
	if err == nil {
		return prog, prog.VerifierLog, 0, nil
	}
	var verr *ebpf.VerifierError
	var errno syscall.Errno
	if errors.As(err, &verr) && errors.As(err, &errno) {
		return nil, joinLines(verr.Log), errno, nil
	}
	if errors.As(err, &errno) {
		// Refused before the verifier ran (bad attach type, bad flags).
		return nil, "", errno, nil
	}
	return nil, "", 0, err
}

// toCilium converts our slots to cilium/ebpf instructions and associates
// each map-referring lddw with its kernel map. It reports false when
// cilium would not encode the program back to the same bytes.
func toCilium(p asm.Program, maps []*Map) (casm.Instructions, bool) {
	insns, err := asm.CiliumInstructions(p, nil)
	if err != nil {
		return nil, false
	}
	raw := p.Marshal(binary.LittleEndian)
	var back bytes.Buffer
	if err := insns.Marshal(&back, binary.LittleEndian); err != nil || !bytes.Equal(back.Bytes(), raw) {
		return nil, false
	}
	slot := 0
	for i := range insns {
		ins := &insns[i]
		if ins.IsLoadFromMap() && isMapRef(p[slot]) {
			idx := int(p[slot].Imm)
			if idx < 0 || idx >= len(maps) {
				// Leave it for the kernel to refuse as a bad fd.
				slot += int(ins.Size() / casm.InstructionSize)
				continue
			}
			if err := ins.AssociateMap(maps[idx].m); err != nil {
				return nil, false
			}
		}
		slot += int(ins.Size() / casm.InstructionSize)
	}
	return insns, true
}

func isMapRef(ins asm.Insn) bool {
	return ins.IsLdImm64() && (ins.Src == asm.BPF_PSEUDO_MAP_FD || ins.Src == asm.BPF_PSEUDO_MAP_VALUE)
}

// patchMapFDs returns a copy of p whose map-referring lddw carry the maps'
// file descriptors instead of indexes into ProgramSpec.Maps.
func patchMapFDs(p asm.Program, maps []*Map) asm.Program {
	out := append(asm.Program(nil), p...)
	for pc, ins := range out {
		if isMapRef(ins) {
			if idx := int(ins.Imm); idx >= 0 && idx < len(maps) {
				out[pc].Imm = int32(maps[idx].m.FD())
			}
		}
	}
	return out
}

// objName makes a kernel object name: at most 15 characters of
// [A-Za-z0-9_.].
func objName(s string) string {
	b := make([]byte, 0, 15)
	for i := 0; i < len(s) && len(b) < 15; i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func joinLines(lines []string) string {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
