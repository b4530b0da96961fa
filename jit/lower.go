package jit

import (
	"fmt"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit/amd64"
	"github.com/bpflab/bpflab/vm"
)

// Register assignment, as the kernel's x86-64 JIT does it: eBPF's argument
// registers land on the System V argument registers and its callee-saved
// registers on callee-saved ones. R10, the read-only frame pointer, lives
// in state (it is only ever an address base); RBP instead holds the step
// budget left. R9–R11 are scratch, R12 points at state.
var regMap = [10]amd64.Reg{
	amd64.RAX, amd64.RDI, amd64.RSI, amd64.RDX, amd64.RCX,
	amd64.R8, amd64.RBX, amd64.R13, amd64.R14, amd64.R15,
}

const (
	regBudget = amd64.RBP
	regState  = amd64.R12
	offR10    = offRegs + 10*8
)

// lowered is a program compiled to machine code, with the tables Run needs
// to map exits back to eBPF pcs.
type lowered struct {
	code      []byte
	start     []int32 // code offset of each pc (-1 for an lddw's second slot)
	resume    []int32 // code offset to continue at after Go handled pc
	within    []int32 // instructions of pc's segment up to pc, pc included
	entry     int32   // offset of pc 0's code
	retStub   int32   // offset of the shared "return from this frame" code
	stubStart int32   // where out-of-line code begins
}

// compiler lowers one program.
type compiler struct {
	a       amd64.Asm
	p       asm.Program
	labels  []amd64.Label // per pc, bound where the pc's code starts
	leader  []bool        // pc starts a segment
	within  []int32
	segLen  []int32 // per pc: instructions in its whole segment
	stubs   map[stubKey]amd64.Label
	cold    []func()
	out     lowered
	base    amd64.Label
	retStub amd64.Label
	exits   [exitCallDepth + 1]amd64.Label
	leave   amd64.Label
}

type stubKey struct {
	code int
	pc   int
}

// lower compiles p, which vm.Prepare accepted.
func lower(p asm.Program) (*lowered, error) {
	c := &compiler{p: p, stubs: map[stubKey]amd64.Label{}}
	c.analyze()
	a := &c.a
	c.base = a.NewLabel()
	c.retStub = a.NewLabel()
	c.leave = a.NewLabel()
	for i := range c.exits {
		c.exits[i] = a.NewLabel()
	}
	c.labels = make([]amd64.Label, len(p)+1)
	for i := range c.labels {
		c.labels[i] = a.NewLabel()
	}
	c.out.start = make([]int32, len(p))
	c.out.resume = make([]int32, len(p))
	c.out.within = c.within

	a.Bind(c.base)
	c.entryStub()
	c.out.entry = int32(a.Len())
	for pc := 0; pc < len(p); pc++ {
		if n := c.group(pc); n >= 2 {
			c.lowerGroup(pc, n)
			pc += n - 1
		} else {
			a.Bind(c.labels[pc])
			c.out.start[pc] = int32(a.Len())
			if err := c.lowerInsn(pc, p[pc]); err != nil {
				return nil, err
			}
			c.out.resume[pc] = int32(a.Len())
		}
		in := p[pc]
		next := pc + 1
		if in.IsLdImm64() {
			c.out.start[pc+1] = -1
			c.out.resume[pc+1] = -1
			next++
		}
		if next < len(p) && c.leader[next] && !endsSegment(in) {
			// Falling into a jump target: the segment ends here.
			a.ALUImm(amd64.SUB, amd64.W64, regBudget, c.segLen[pc])
		}
		pc = next - 1
	}
	a.Bind(c.labels[len(p)])
	a.Int3() // a validated program never runs off its end
	c.out.stubStart = int32(a.Len())
	c.commonStubs()
	for i := 0; i < len(c.cold); i++ {
		c.cold[i]()
	}
	code, err := a.Finish()
	if err != nil {
		return nil, fmt.Errorf("BUG: jit: %v", err)
	}
	c.out.code = code
	c.out.retStub = int32(a.Offset(c.retStub))
	return &c.out, nil
}

// endsSegment reports whether the instruction ends a straight-line segment
// (budget accounting happens at segment ends).
func endsSegment(in asm.Insn) bool {
	switch in.Class() {
	case asm.BPF_JMP, asm.BPF_JMP32:
		return true
	case asm.BPF_LD:
		return in.Mode() != asm.BPF_IMM || in.Src != 0
	case asm.BPF_STX:
		return in.Mode() == asm.BPF_ATOMIC
	}
	return false
}

// analyze finds the segments: straight-line runs that start at pc 0, at a
// jump or call target, or after an instruction that ends one. The vm counts
// steps the same way, so counting whole segments at their ends keeps the
// counts identical.
func (c *compiler) analyze() {
	p := c.p
	c.leader = make([]bool, len(p)+1)
	c.leader[0] = true
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		next := pc + 1
		if in.IsLdImm64() {
			next++
		}
		if in.IsJump() || in.IsPseudoCall() || in.Class() == asm.BPF_JMP && in.JmpOp() == asm.BPF_JCOND {
			if t := in.JumpTarget(pc); t >= 0 && t <= len(p) {
				c.leader[t] = true
			}
		}
		if endsSegment(in) {
			c.leader[next] = true
		}
		pc = next - 1
	}
	c.within = make([]int32, len(p))
	c.segLen = make([]int32, len(p))
	var segStart int
	var n int32
	for pc := 0; pc < len(p); pc++ {
		if c.leader[pc] {
			segStart, n = pc, 0
		}
		n++
		c.within[pc] = n
		next := pc + 1
		if p[pc].IsLdImm64() {
			next++
		}
		if next >= len(p) || c.leader[next] {
			for q := segStart; q < next; q++ {
				c.segLen[q] = n
			}
		}
		pc = next - 1
	}
}

// stub returns the label of an out-of-line "mov r11d, pc; jmp exit" for
// exit code code at pc.
func (c *compiler) stub(code, pc int) amd64.Label {
	k := stubKey{code, pc}
	if l, ok := c.stubs[k]; ok {
		return l
	}
	l := c.a.NewLabel()
	c.stubs[k] = l
	c.cold = append(c.cold, func() {
		c.a.Bind(l)
		c.a.MovImm32(amd64.R11, uint32(pc))
		c.a.Jmp(c.exits[code])
	})
	return l
}

// exitInline leaves to Go for the instruction at pc; code continues right
// after when Go re-enters.
func (c *compiler) exitInline(code, pc int) {
	c.a.MovImm32(amd64.R11, uint32(pc))
	c.a.Jmp(c.exits[code])
}

// flush counts the current segment (pc's) against the budget; SF is set
// when the budget is exhausted.
func (c *compiler) flush(pc int) {
	c.a.ALUImm(amd64.SUB, amd64.W64, regBudget, c.segLen[pc])
}

// entryStub is where every entry lands: it records the entry RSP, switches
// to the frames of an interrupted run if there are any, loads the eBPF
// registers and jumps to state.resume.
func (c *compiler) entryStub() {
	a := &c.a
	a.Store(amd64.W64, amd64.Ptr(regState, offEntrySP), amd64.RSP)
	a.Load(amd64.W64, amd64.R11, amd64.Ptr(regState, offResumeSP))
	a.Test(amd64.W64, amd64.R11, amd64.R11)
	fresh := a.NewLabel()
	a.Jcc(amd64.CondE, fresh)
	a.Mov(amd64.W64, amd64.RSP, amd64.R11)
	a.Bind(fresh)
	for i, r := range regMap {
		a.Load(amd64.W64, r, amd64.Ptr(regState, int32(offRegs+8*i)))
	}
	a.Load(amd64.W64, regBudget, amd64.Ptr(regState, offRem))
	a.Load(amd64.W64, amd64.R11, amd64.Ptr(regState, offResume))
	a.JmpReg(amd64.R11)
}

// commonStubs emits the exits: each records its code and pc (in R11) and
// leaves through leave, which saves the registers and the native RSP and
// returns to the trampoline.
func (c *compiler) commonStubs() {
	a := &c.a
	a.Bind(c.retStub)
	a.ALUMemImm(amd64.CMP, amd64.W64, amd64.Ptr(regState, offDepth), 0)
	a.Jcc(amd64.CondE, c.exits[exitDone])
	a.Ret()
	for code := exitDone; code <= exitCallDepth; code++ {
		a.Bind(c.exits[code])
		if code != exitDone {
			a.Store(amd64.W32, amd64.Ptr(regState, offExitPC), amd64.R11)
		}
		a.StoreImm(amd64.W32, amd64.Ptr(regState, offExitCode), int32(code))
		if code != exitCallDepth {
			a.Jmp(c.leave)
		}
	}
	a.Bind(c.leave)
	for i, r := range regMap {
		a.Store(amd64.W64, amd64.Ptr(regState, int32(offRegs+8*i)), r)
	}
	a.Store(amd64.W64, amd64.Ptr(regState, offRem), regBudget)
	a.LeaRIP(amd64.R11, c.base)
	a.Store(amd64.W64, amd64.Ptr(regState, offExitBase), amd64.R11)
	a.Store(amd64.W64, amd64.Ptr(regState, offResumeSP), amd64.RSP)
	a.Load(amd64.W64, amd64.RSP, amd64.Ptr(regState, offEntrySP))
	a.Ret()
}

// src returns the x86 register holding eBPF register r, loading R10 from
// state into scratch first.
func (c *compiler) src(r asm.Reg, scratch amd64.Reg) amd64.Reg {
	if r == asm.BPF_REG_10 {
		c.a.Load(amd64.W64, scratch, amd64.Ptr(regState, offR10))
		return scratch
	}
	return regMap[r]
}

func (c *compiler) lowerInsn(pc int, in asm.Insn) error {
	switch in.Class() {
	case asm.BPF_ALU, asm.BPF_ALU64:
		if in.Dst == asm.BPF_REG_10 {
			c.exitInline(exitSlow, pc)
			return nil
		}
		return c.lowerALU(pc, in)
	case asm.BPF_JMP, asm.BPF_JMP32:
		return c.lowerJmp(pc, in)
	case asm.BPF_LD:
		if in.Mode() == asm.BPF_IMM && in.Src == 0 {
			if in.Dst == asm.BPF_REG_10 {
				c.exitInline(exitSlow, pc)
				return nil
			}
			c.a.MovImm64(regMap[in.Dst], int64(asm.Imm64(in, c.p[pc+1])))
			return nil
		}
		if in.Mode() == asm.BPF_ABS || in.Mode() == asm.BPF_IND {
			c.lowerLdPacket(pc, in)
			return nil
		}
		// lddw pseudo forms run in Go, as in the vm's slow path, budget
		// checked after.
		c.flush(pc)
		c.exitInline(exitSlowCheck, pc)
		return nil
	case asm.BPF_LDX, asm.BPF_ST:
		return c.lowerMem(pc, in)
	case asm.BPF_STX:
		if in.Mode() == asm.BPF_ATOMIC {
			return c.lowerAtomic(pc, in)
		}
		return c.lowerMem(pc, in)
	}
	return &CompileError{Insn: pc, Msg: fmt.Sprintf("unsupported opcode %#02x", in.Code)}
}

// The budget and frame constants the code embeds.
const (
	stackSize = vm.StackSize
	maxFrames = vm.MaxCallFrames
)

// Listing is generated machine code, split by the eBPF instruction each
// part came from, for inspection (bpflab jit --disasm).
type Listing struct {
	Code   []byte
	Blocks []Block
}

// Block is the machine code of one eBPF instruction, Code[Start:End].
// PC is the instruction's index; BlockEntry and BlockExits mark the entry
// code and the out-of-line exits.
type Block struct {
	PC         int
	Start, End int
}

// Pseudo pcs of Block.
const (
	BlockEntry = -1 // loads registers and jumps to the resume address
	BlockExits = -2 // budget and fault exits, shared return and exit code
)

// Generate compiles p to machine code without mapping it, on any platform;
// Compile does the same and makes it runnable.
func Generate(p asm.Program) (*Listing, error) {
	prog, err := vm.Prepare(p)
	if err != nil {
		return nil, err
	}
	low, err := lower(prog.Insns())
	if err != nil {
		return nil, err
	}
	return low.listing(), nil
}

func (l *lowered) listing() *Listing {
	out := &Listing{Code: l.code}
	out.Blocks = append(out.Blocks, Block{PC: BlockEntry, Start: 0, End: int(l.entry)})
	var pcs []int
	for pc, s := range l.start {
		if s >= 0 {
			pcs = append(pcs, pc)
		}
	}
	for i, pc := range pcs {
		end := int(l.stubStart)
		if i+1 < len(pcs) {
			end = int(l.start[pcs[i+1]])
		}
		out.Blocks = append(out.Blocks, Block{PC: pc, Start: int(l.start[pc]), End: end})
	}
	out.Blocks = append(out.Blocks, Block{PC: BlockExits, Start: int(l.stubStart), End: len(l.code)})
	return out
}
