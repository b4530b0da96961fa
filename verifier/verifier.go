package verifier

import (
	"fmt"
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// Options select what the simulated kernel knows about the program.
type Options struct {
	// ProgType is the program type by bpftool name ("socket_filter" when
	// empty, "sched_cls", "xdp", "cgroup_skb", …).
	ProgType string
	// Maps are the maps lddw BPF_PSEUDO_MAP_FD/MAP_VALUE immediates index.
	Maps []*asm.MapSpec
	// LogLevel is the kernel's log_level: 0 none, 1 the failing path,
	// 2 every instruction with the register state.
	LogLevel int
	// Unpriv verifies as a user without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN:
	// no pointer leaks, no uninitialised stack reads, no back-edges.
	Unpriv bool
	// StrictAlignment is BPF_F_STRICT_ALIGNMENT.
	StrictAlignment bool
	// License is the program's license; "" counts as GPL-compatible.
	License string
	// InsnLimit lowers the processed-instruction limit (the kernel's is
	// 1,000,000, BPF_COMPLEXITY_LIMIT_INSNS) to bound the work, as fuzzers
	// need; a program that reaches it is rejected with the kernel's
	// "BPF program is too large" message. 0 means the kernel's limit.
	InsnLimit int
}

// Result is the verdict with the log and the statistics the kernel prints.
type Result struct {
	Accepted bool
	// Log is the verifier log, one line per element, as the kernel would
	// write it at Options.LogLevel (the summary line included).
	Log []string
	// Processed is the number of instructions simulated (insn_processed).
	Processed        int
	MaxStatesPerInsn int
	TotalStates      int
	PeakStates       int
	// StackDepth is the stack use of each subprogram in bytes.
	StackDepth []int
	// Err is the rejection, nil when accepted.
	Err *Error
}

// complexityLimitInsns is BPF_COMPLEXITY_LIMIT_INSNS.
const complexityLimitInsns = 1000000

// complexityLimitJmpSeq is BPF_COMPLEXITY_LIMIT_JMP_SEQ: pending branches.
const complexityLimitJmpSeq = 8192

// maxBPFStack is MAX_BPF_STACK.
const maxBPFStack = 512

// maxCallFrames is MAX_CALL_FRAMES.
const maxCallFrames = 8

// VerifySpec verifies a program spec: its instructions, program type and maps.
func VerifySpec(spec *asm.ProgramSpec, opts Options) (*Result, error) {
	if opts.ProgType == "" {
		opts.ProgType = spec.Type
	}
	if opts.Maps == nil {
		opts.Maps = spec.Maps
	}
	if opts.License == "" {
		opts.License = spec.License
	}
	return Verify(spec.Insns, opts)
}

// Verify runs the simulated kernel verifier (bpf_check, v6.12, checked
// against 6.18) over prog. A rejection returns the Result (with its log)
// and a *Error; other errors (an unknown program type) return a nil Result.
func Verify(prog asm.Program, opts Options) (*Result, error) {
	pt := opts.ProgType
	if pt == "" {
		pt = "socket_filter"
	}
	t, err := ctx.ForType(pt)
	if err != nil {
		return nil, err
	}
	v := &verifier{
		prog:             prog,
		opts:             opts,
		pt:               t,
		allowPtrLeaks:    !opts.Unpriv,
		allowUninitStack: !opts.Unpriv,
		bpfCapable:       !opts.Unpriv,
		explored:         map[int][]*explored{},
		logLevel:         opts.LogLevel,
		strictAlignment:  opts.StrictAlignment,
		gpl:              opts.License == "" || isGPLCompatible(opts.License),
	}
	v.insnLimit = complexityLimitInsns
	if opts.InsnLimit > 0 && opts.InsnLimit < complexityLimitInsns {
		v.insnLimit = opts.InsnLimit
	}
	res := &Result{}
	if e := v.run(); e != nil {
		res.Err = e
	} else {
		res.Accepted = true
	}
	res.Processed = v.processed
	res.MaxStatesPerInsn = v.maxStatesPerInsn
	res.TotalStates = v.totalStates
	res.PeakStates = v.peakStates
	for _, sp := range v.subprogs {
		res.StackDepth = append(res.StackDepth, sp.stackDepth)
	}
	if v.logLevel > 0 {
		v.log = append(v.log, fmt.Sprintf("processed %d insns (limit %d) max_states_per_insn %d total_states %d peak_states %d mark_read %d",
			v.processed, complexityLimitInsns, v.maxStatesPerInsn, v.totalStates, v.peakStates, 0))
	}
	if res.Accepted && v.logLevel == 1 {
		// Level 1 keeps only a failing path; an accepted program's log is
		// the summary alone.
		v.log = v.log[len(v.log)-1:]
	}
	res.Log = v.log
	if res.Err != nil {
		return res, res.Err
	}
	return res, nil
}

func isGPLCompatible(l string) bool {
	switch l {
	case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL":
		return true
	}
	return false
}

// subprog is struct bpf_subprog_info.
type subprog struct {
	start       int
	stackDepth  int
	hasTailCall bool
	hasLdAbs    bool
}

// stackElem is a pending branch (struct bpf_verifier_stack_elem).
type stackElem struct {
	st       *state
	insn     int
	prevInsn int
	logLen   int
	lastLine string // the log's last line when the branch was queued
}

// verifier is struct bpf_verifier_env.
type verifier struct {
	prog asm.Program
	opts Options
	pt   *ctx.ProgType

	allowPtrLeaks    bool
	allowUninitStack bool
	bpfCapable       bool
	strictAlignment  bool
	gpl              bool

	subprogs    []subprog
	prunePoint  []bool
	insnSubprog []int // subprogram index of each insn

	st          *state
	insnIdx     int
	prevInsnIdx int
	stack       []stackElem
	explored    map[int][]*explored
	idGen       uint32

	processed         int
	jmpsProcessed     int
	prevJmpsProcessed int
	prevInsnProcessed int
	totalStates       int
	curStates         int
	peakStates        int
	maxStatesPerInsn  int

	// auxPtrType remembers the pointer type each load/store used, for
	// "same insn cannot be used with different pointers".
	auxPtrType map[int]regType
	// auxMap remembers the map each tail call / lookup site used.
	auxMap map[int]int

	log       []string
	logLevel  int
	insnLimit int

	// What the current instruction touched, for the log (the kernel's
	// scratched_regs and scratched_stack_slots).
	scratchRegs  uint16
	scratchStack uint64
	allScratched bool
	lastInsnLine int  // index in log of the last instruction line, -1 if not last
	joinNext     bool // the next log message continues the last line

	liveIn         []regSet // live registers before each insn
	stackNeverRead bool     // no instruction reads memory
}

func (v *verifier) logf(format string, args ...any) {
	if v.logLevel == 0 {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if v.joinNext && len(v.log) > 0 {
		v.joinNext = false
		v.log[len(v.log)-1] += msg
		return
	}
	v.log = append(v.log, msg)
}

// run is bpf_check: the structural passes, then do_check from the entry.
func (v *verifier) run() *Error {
	if len(v.prog) == 0 {
		return &Error{Insn: 0, Errno: syscall.EINVAL, Msg: "empty program"}
	}
	if len(v.prog) > complexityLimitInsns || (v.opts.Unpriv && len(v.prog) > 4096) {
		return &Error{Insn: 0, Errno: syscall.E2BIG, Msg: fmt.Sprintf("program of %d insns is too large", len(v.prog))}
	}
	if v.opts.Unpriv && v.pt.Name != "socket_filter" && v.pt.Name != "cgroup_skb" {
		// bpf_prog_load refuses before the verifier runs, without a log.
		return &Error{Insn: 0, Errno: syscall.EPERM, Msg: fmt.Sprintf("program type %s needs CAP_BPF", v.pt.Name)}
	}
	if e := v.addSubprogs(); e != nil {
		return e
	}
	if e := v.checkSubprogs(); e != nil {
		return e
	}
	if e := v.checkAbnormalReturn(); e != nil {
		return e
	}
	if e := v.resolvePseudoLdimm64(); e != nil {
		return e
	}
	if e := v.checkCfg(); e != nil {
		return e
	}
	v.computeLiveRegisters()
	v.computeStackNeverRead()
	v.auxPtrType = map[int]regType{}
	v.auxMap = map[int]int{}
	if e := v.doCheckMain(); e != nil {
		return e
	}
	// 6.18 checks the call chains' stack before simulating, so its log
	// holds only this message.
	n := len(v.log)
	e := v.checkMaxStackDepth()
	if e != nil && v.logLevel > 0 {
		v.log = append(v.log[:0], v.log[n:]...)
	}
	return e
}

// initState builds the entry state (init_func_state): R1 the context, R10
// the frame pointer, everything else not initialised.
func (v *verifier) initState() *state {
	f := &funcState{frameno: 0, callsite: -1}
	for i := range f.regs {
		f.regs[i] = regState{typ: NotInit}
	}
	f.regs[asm.BPF_REG_10] = regState{typ: PtrToStack}
	f.regs[asm.BPF_REG_10].markKnownZero()
	f.regs[asm.BPF_REG_10].typ = PtrToStack
	if v.pt.Ctx != nil {
		f.regs[asm.BPF_REG_1] = regState{typ: PtrToCtx}
		f.regs[asm.BPF_REG_1].markKnownZero()
		f.regs[asm.BPF_REG_1].typ = PtrToCtx
	} else {
		f.regs[asm.BPF_REG_1] = unknownScalar()
	}
	return &state{frames: []*funcState{f}}
}

func (v *verifier) doCheckMain() *Error {
	v.st = v.initState()
	v.insnIdx = 0
	v.prevInsnIdx = -1
	return v.doCheck()
}

// pushStack queues the other side of a branch, to be verified after the
// current path (push_stack). It returns the copy, or nil when there are
// too many pending branches (the error is reported by the caller).
func (v *verifier) pushStack(insn, prevInsn int) *state {
	c := v.st.clone()
	if c.parent != nil {
		c.parent.branches++
	}
	e := stackElem{st: c, insn: insn, prevInsn: prevInsn, logLen: len(v.log)}
	if len(v.log) > 0 {
		e.lastLine = v.log[len(v.log)-1]
	}
	v.stack = append(v.stack, e)
	if len(v.stack) > complexityLimitJmpSeq {
		return nil
	}
	return c
}

// popStack resumes the most recent pending branch (pop_stack); false when
// none is left.
func (v *verifier) popStack() bool {
	if len(v.stack) == 0 {
		return false
	}
	e := v.stack[len(v.stack)-1]
	v.stack = v.stack[:len(v.stack)-1]
	v.st = e.st
	v.insnIdx = e.insn
	v.prevInsnIdx = e.prevInsn
	if v.logLevel == 1 {
		// Level 1 keeps only the path that fails. Like the kernel, which
		// rewinds its log to a byte position, a line that was extended
		// after the branch was queued (the jump's "; state") is cut back
		// to its text at that time; the newline is gone too, so the next
		// message continues that line after a space.
		v.log = v.log[:e.logLen]
		if n := len(v.log); n > 0 && v.log[n-1] != e.lastLine {
			v.log[n-1] = e.lastLine + " "
			v.joinNext = true
		}
	}
	v.allScratched = true
	v.lastInsnLine = -1
	return true
}

// doCheck is the main loop (do_check, v6.12): simulate one instruction at a
// time along the current path, queueing the other side of every undecided
// branch, until every path has reached an exit or a pruned state.
func (v *verifier) doCheck() *Error {
	printState := false
	v.allScratched = true
	v.lastInsnLine = -1
	for {
		if v.insnIdx < 0 || v.insnIdx >= len(v.prog) {
			return v.reject(syscall.EFAULT, "invalid insn idx %d insn_cnt %d", v.insnIdx, len(v.prog))
		}
		ins := v.prog[v.insnIdx]
		v.processed++
		if v.processed > v.insnLimit {
			return v.reject(syscall.E2BIG, "BPF program is too large. Processed %d insn", v.processed)
		}
		if v.prunePoint[v.insnIdx] {
			visited, err := v.isStateVisited(v.insnIdx)
			if err != nil {
				return err
			}
			if visited {
				if v.logLevel > 0 {
					if printState {
						v.logf("")
						v.logf("from %d to %d: safe", v.prevInsnIdx, v.insnIdx)
					} else {
						v.logf("%d: safe", v.insnIdx)
					}
				}
				v.updateBranchCounts(v.st.parent)
				if !v.popStack() {
					return nil
				}
				printState = true
				continue
			}
		}
		if v.logLevel > 1 && printState {
			v.logf("")
			v.logf("from %d to %d:%s", v.prevInsnIdx, v.insnIdx, v.frameString(v.st.cur(), true))
		}
		printState = false
		if v.logLevel > 0 {
			v.printInsnState()
			v.logf("%d: %s", v.insnIdx, v.insnText(v.insnIdx))
			v.lastInsnLine = len(v.log) - 1
		}
		v.prevInsnIdx = v.insnIdx
		next, exit, err := v.step(ins)
		if err != nil {
			return err
		}
		if !exit {
			v.insnIdx = next
			continue
		}
		v.updateBranchCounts(v.st.parent)
		if !v.popStack() {
			return nil
		}
		printState = true
	}
}

// step simulates one instruction and returns the next instruction index,
// or exit when the path ended.
func (v *verifier) step(ins asm.Insn) (next int, exit bool, err *Error) {
	idx := v.insnIdx
	next = idx + 1
	switch cls := ins.Class(); cls {
	case asm.BPF_ALU, asm.BPF_ALU64:
		err = v.asErr(v.checkALUOp(ins))
	case asm.BPF_LDX:
		err = v.checkLoadMem(ins)
	case asm.BPF_STX:
		if ins.Mode() == asm.BPF_ATOMIC {
			err = v.checkAtomic(ins)
			break
		}
		if ins.Mode() != asm.BPF_MEM || ins.Imm != 0 {
			return 0, false, v.reject(syscall.EINVAL, "BPF_STX uses reserved fields")
		}
		err = v.checkStoreReg(ins)
	case asm.BPF_ST:
		if ins.Mode() != asm.BPF_MEM || ins.Src != 0 {
			return 0, false, v.reject(syscall.EINVAL, "BPF_ST uses reserved fields")
		}
		if e := v.checkRegArg(ins.Dst, srcOp); e != nil {
			return 0, false, v.asErr(e)
		}
		dt := v.st.cur().regs[ins.Dst].typ
		if e := v.checkMemAccess(ins.Dst, int(ins.Off), ins.Size().Bytes(), true, -1, false); e != nil {
			return 0, false, e
		}
		err = v.saveAuxPtrType(dt)
	case asm.BPF_JMP, asm.BPF_JMP32:
		v.jmpsProcessed++
		switch op := ins.JmpOp(); op {
		case asm.BPF_CALL:
			if ins.Source() != asm.BPF_K || (ins.Src != asm.BPF_PSEUDO_KFUNC_CALL && ins.Off != 0) ||
				(ins.Src != 0 && ins.Src != asm.BPF_PSEUDO_CALL && ins.Src != asm.BPF_PSEUDO_KFUNC_CALL) ||
				ins.Dst != 0 || cls == asm.BPF_JMP32 {
				return 0, false, v.reject(syscall.EINVAL, "BPF_CALL uses reserved fields")
			}
			switch ins.Src {
			case asm.BPF_PSEUDO_CALL:
				return v.checkFuncCall(ins)
			case asm.BPF_PSEUDO_KFUNC_CALL:
				return 0, false, v.reject(syscall.EINVAL, "calling kernel functions is not supported by bpflab's verifier")
			}
			err = v.checkHelperCall(ins)
		case asm.BPF_JA:
			if ins.Source() != asm.BPF_K || ins.Src != 0 || ins.Dst != 0 ||
				(cls == asm.BPF_JMP && ins.Imm != 0) || (cls == asm.BPF_JMP32 && ins.Off != 0) {
				return 0, false, v.reject(syscall.EINVAL, "BPF_JA uses reserved fields")
			}
			if cls == asm.BPF_JMP {
				return idx + int(ins.Off) + 1, false, nil
			}
			return idx + int(ins.Imm) + 1, false, nil
		case asm.BPF_EXIT:
			if ins.Source() != asm.BPF_K || ins.Imm != 0 || ins.Src != 0 || ins.Dst != 0 || cls == asm.BPF_JMP32 {
				return 0, false, v.reject(syscall.EINVAL, "BPF_EXIT uses reserved fields")
			}
			if e := v.checkReferenceLeak(); e != nil {
				return 0, false, e
			}
			if len(v.st.frames) > 1 {
				n, e := v.prepareFuncExit()
				return n, false, e
			}
			if e := v.checkReturnCode(); e != nil {
				return 0, false, e
			}
			return 0, true, nil
		default:
			n, e := v.checkCondJmpOp(ins)
			return n, false, e
		}
	case asm.BPF_LD:
		switch ins.Mode() {
		case asm.BPF_ABS, asm.BPF_IND:
			err = v.checkLdAbs(ins)
		case asm.BPF_IMM:
			err = v.checkLdImm(ins)
			next = idx + 2
		default:
			return 0, false, v.reject(syscall.EINVAL, "invalid BPF_LD mode")
		}
	default:
		return 0, false, v.reject(syscall.EINVAL, "unknown insn class %d", cls)
	}
	return next, false, err
}

// asErr converts the error of a check into *Error (nil stays nil).
func (v *verifier) asErr(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	panic("BUG: check returned a non-verifier error: " + err.Error())
}

// Register argument kinds of check_reg_arg.
type regArgKind uint8

const (
	srcOp       regArgKind = iota // the register is read
	dstOp                         // the register is written: becomes unknown
	dstOpNoMark                   // written by the caller itself
)

// checkRegArg is check_reg_arg / __check_reg_arg.
func (v *verifier) checkRegArg(r asm.Reg, k regArgKind) error {
	if r >= asm.MaxReg {
		return v.reject(syscall.EINVAL, "R%d is invalid", r)
	}
	v.scratchRegs |= 1 << r
	regs := &v.st.cur().regs
	if k == srcOp {
		if regs[r].typ == NotInit {
			return v.reject(syscall.EACCES, "R%d !read_ok", r)
		}
		return nil
	}
	if r == asm.BPF_REG_10 {
		return v.reject(syscall.EACCES, "frame pointer is read only")
	}
	if k == dstOp {
		regs[r].markUnknown()
	}
	return nil
}

// checkRegArgE is checkRegArg returning *Error.
func (v *verifier) checkRegArgE(r asm.Reg, k regArgKind) *Error {
	return v.asErr(v.checkRegArg(r, k))
}

// saveAuxPtrType remembers the pointer type an instruction used; the kernel
// rewrites context accesses per instruction, so one instruction may not see
// a context pointer on one path and another pointer on another
// (save_aux_ptr_type).
func (v *verifier) saveAuxPtrType(t regType) *Error {
	prev, ok := v.auxPtrType[v.insnIdx]
	if !ok {
		v.auxPtrType[v.insnIdx] = t
		return nil
	}
	if prev != t && (prev == PtrToCtx || t == PtrToCtx) {
		return v.reject(syscall.EINVAL, "same insn cannot be used with different pointers")
	}
	return nil
}
