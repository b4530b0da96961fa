package jit

import (
	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit/amd64"
	"github.com/bpflab/bpflab/vm"
)

var widths = map[asm.Size]amd64.Width{asm.BPF_B: amd64.W8, asm.BPF_H: amd64.W16, asm.BPF_W: amd64.W32, asm.BPF_DW: amd64.W64}

var sizeBytes = map[asm.Size]int32{asm.BPF_B: 1, asm.BPF_H: 2, asm.BPF_W: 4, asm.BPF_DW: 8}

// checkedAddr leaves in R11 the host address of the size bytes at eBPF
// address base+off, after the vm's region check (vm/memory.go): region
// index below the table length, off+size within the region's length, and
// for writes the writable flag. A failed check exits with exitMemFault at
// pc; Go then serves a context access or builds the vm's fault.
//
// R10 is always the current frame's stack top (vm.Prepare refuses writes
// to it), so an R10-relative access inside the frame needs no check: the
// address is state.fp+off. It returns the displacement to use with R11.
func (c *compiler) checkedAddr(pc int, base asm.Reg, off int16, size int32, write bool) int32 {
	a := &c.a
	if base == asm.BPF_REG_10 && int32(off) >= -stackSize && int32(off)+size <= 0 {
		a.Load(amd64.W64, s11, amd64.Ptr(regState, offFP))
		return int32(off)
	}
	c.regionCheck(base, off, size, write, c.stub(exitMemFault, pc))
	return 0
}

// regionCheck is checkedAddr's check, jumping to fault when it fails.
func (c *compiler) regionCheck(base asm.Reg, off int16, size int32, write bool, fault amd64.Label) {
	a := &c.a
	if base == asm.BPF_REG_10 {
		a.Load(amd64.W64, s11, amd64.Ptr(regState, offR10))
		if off != 0 {
			a.ALUImm(amd64.ADD, amd64.W64, s11, int32(off))
		}
	} else {
		a.Lea(s11, amd64.Ptr(regMap[base], int32(off)))
	}
	a.Mov(amd64.W64, s10, s11)
	a.ShiftImm(amd64.SHR, amd64.W64, s10, 32)
	a.ALUMem(amd64.CMP, amd64.W64, s10, amd64.Ptr(regState, offTableLen))
	a.Jcc(amd64.CondAE, fault)
	a.ShiftImm(amd64.SHL, amd64.W64, s10, 5) // vm.RegionSize
	a.ALUMem(amd64.ADD, amd64.W64, s10, amd64.Ptr(regState, offTable))
	a.Mov(amd64.W32, s11, s11)
	a.Lea(s9, amd64.Ptr(s11, size))
	a.ALUMem(amd64.CMP, amd64.W64, s9, amd64.Ptr(s10, vm.RegionLenOffset))
	a.Jcc(amd64.CondA, fault)
	if write {
		a.Load(amd64.W32, s9, amd64.Ptr(s10, vm.RegionFlagsOff))
		a.TestImm(amd64.W32, s9, int32(vm.RegionWritable))
		a.Jcc(amd64.CondE, fault)
	}
	a.ALUMem(amd64.ADD, amd64.W64, s11, amd64.Ptr(s10, vm.RegionDataOffset))
}

// isPlainMem reports whether in is a load or store (not an atomic) and
// returns its base register.
func isPlainMem(in asm.Insn) (asm.Reg, bool) {
	switch {
	case in.Class() == asm.BPF_LDX && (in.Mode() == asm.BPF_MEM || in.Mode() == asm.BPF_MEMSX):
		return in.Src, in.Dst != asm.BPF_REG_10
	case in.Class() == asm.BPF_ST && in.Mode() == asm.BPF_MEM, in.Class() == asm.BPF_STX && in.Mode() == asm.BPF_MEM:
		return in.Dst, true
	}
	return 0, false
}

// group returns how many loads and stores from pc on, in one segment,
// share a base register that none of them but the last changes; their
// checks can then be done once for the span they cover (lowerGroup).
func (c *compiler) group(pc int) int {
	base, ok := isPlainMem(c.p[pc])
	if !ok || base == asm.BPF_REG_10 {
		return 0
	}
	n := 0
	for q := pc; q < len(c.p) && (q == pc || !c.leader[q]); q++ {
		b, ok := isPlainMem(c.p[q])
		if !ok || b != base {
			break
		}
		n++
		if c.p[q].Class() == asm.BPF_LDX && c.p[q].Dst == base {
			break
		}
	}
	return n
}

// lowerGroup compiles n loads and stores through one base register with a
// single region check of the span they cover. When the span fails the
// check, the accesses run one by one with their own checks (out of line),
// so a fault still happens at the right instruction with the vm's error.
func (c *compiler) lowerGroup(pc, n int) {
	a := &c.a
	p := c.p
	base, _ := isPlainMem(p[pc])
	lo, hi := int32(1<<30), int32(-1<<30)
	write := false
	for q := pc; q < pc+n; q++ {
		off, size := int32(p[q].Off), sizeBytes[p[q].Size()]
		lo, hi = min(lo, off), max(hi, off+size)
		write = write || p[q].Class() != asm.BPF_LDX
	}
	precise, done := a.NewLabel(), a.NewLabel()
	a.Bind(c.labels[pc])
	c.out.start[pc] = int32(a.Len())
	c.regionCheck(base, int16(lo), hi-lo, write, precise)
	for q := pc; q < pc+n; q++ {
		if q != pc {
			a.Bind(c.labels[q])
			c.out.start[q] = int32(a.Len())
		}
		c.access(p[q], int32(p[q].Off)-lo)
	}
	a.Bind(done)
	c.cold = append(c.cold, func() {
		a.Bind(precise)
		for q := pc; q < pc+n; q++ {
			d := c.checkedAddr(q, c.baseOf(p[q]), p[q].Off, sizeBytes[p[q].Size()], p[q].Class() != asm.BPF_LDX)
			c.access(p[q], d)
			c.out.resume[q] = int32(a.Len())
		}
		a.Jmp(done)
	})
}

func (c *compiler) baseOf(in asm.Insn) asm.Reg {
	b, _ := isPlainMem(in)
	return b
}

// access performs the load or store in at R11+d.
func (c *compiler) access(in asm.Insn, d int32) {
	a := &c.a
	w := widths[in.Size()]
	m := amd64.Ptr(s11, d)
	switch in.Class() {
	case asm.BPF_LDX:
		if in.Mode() == asm.BPF_MEMSX {
			a.LoadSX(w, regMap[in.Dst], m)
		} else {
			a.Load(w, regMap[in.Dst], m)
		}
	case asm.BPF_ST:
		a.StoreImm(w, m, in.Imm)
	default:
		a.Store(w, m, c.src(in.Src, s9))
	}
}

// lowerMem compiles LDX, ST and STX (BPF_MEM, BPF_MEMSX).
func (c *compiler) lowerMem(pc int, in asm.Insn) error {
	a := &c.a
	w := widths[in.Size()]
	size := sizeBytes[in.Size()]
	switch in.Class() {
	case asm.BPF_LDX:
		if in.Dst == asm.BPF_REG_10 {
			c.exitInline(exitSlow, pc)
			return nil
		}
		d := c.checkedAddr(pc, in.Src, in.Off, size, false)
		if in.Mode() == asm.BPF_MEMSX {
			a.LoadSX(w, regMap[in.Dst], amd64.Ptr(s11, d))
		} else {
			a.Load(w, regMap[in.Dst], amd64.Ptr(s11, d))
		}
	case asm.BPF_ST:
		d := c.checkedAddr(pc, in.Dst, in.Off, size, true)
		a.StoreImm(w, amd64.Ptr(s11, d), in.Imm)
	case asm.BPF_STX:
		if in.Mode() != asm.BPF_MEM {
			c.flush(pc)
			c.exitInline(exitSlowCheck, pc)
			return nil
		}
		d := c.checkedAddr(pc, in.Dst, in.Off, size, true)
		a.Store(w, amd64.Ptr(s11, d), c.src(in.Src, s9))
	}
	return nil
}

// lowerAtomic compiles BPF_ATOMIC read-modify-writes with lock-prefixed
// instructions; acquire loads and release stores, and forms with R10 as
// the value register, run in Go. Like the vm, the budget is checked after.
func (c *compiler) lowerAtomic(pc int, in asm.Insn) error {
	a := &c.a
	op := asm.ALUOp(in.Imm)
	if in.Src == asm.BPF_REG_10 || op == asm.BPF_LOAD_ACQ || op == asm.BPF_STORE_REL {
		c.flush(pc)
		c.exitInline(exitSlowCheck, pc)
		return nil
	}
	w := widths[in.Size()]
	m := amd64.Ptr(s11, c.checkedAddr(pc, in.Dst, in.Off, sizeBytes[in.Size()], true))
	src := regMap[in.Src]
	switch op {
	case asm.BPF_ADD, asm.BPF_OR, asm.BPF_AND, asm.BPF_XOR:
		a.LockALU(simpleALU[op], w, m, src)
	case asm.BPF_ADD | asm.BPF_FETCH:
		a.LockXadd(w, m, src)
	case asm.BPF_OR | asm.BPF_FETCH, asm.BPF_AND | asm.BPF_FETCH, asm.BPF_XOR | asm.BPF_FETCH:
		// A compare-and-exchange loop; RAX (R0) is saved in R10.
		a.Mov(amd64.W64, s10, amd64.RAX)
		loop := a.NewLabel()
		a.Bind(loop)
		a.Load(w, amd64.RAX, m)
		a.Mov(amd64.W64, s9, amd64.RAX)
		if src == amd64.RAX {
			a.ALU(simpleALU[op&^asm.BPF_FETCH], w, s9, s10)
		} else {
			a.ALU(simpleALU[op&^asm.BPF_FETCH], w, s9, src)
		}
		a.LockCmpxchg(w, m, s9)
		a.Jcc(amd64.CondNE, loop)
		if src != amd64.RAX {
			a.Mov(amd64.W64, src, amd64.RAX)
			a.Mov(amd64.W64, amd64.RAX, s10)
		}
	case asm.BPF_XCHG:
		a.Xchg(w, m, src)
	case asm.BPF_CMPXCHG:
		a.LockCmpxchg(w, m, src)
		if w == amd64.W32 {
			a.Mov(amd64.W32, amd64.RAX, amd64.RAX)
		}
	default:
		return &CompileError{Insn: pc, Msg: "unsupported atomic operation"}
	}
	c.flush(pc)
	a.Jcc(amd64.CondS, c.stub(exitBudget, pc+1))
	return nil
}

// lowerLdPacket compiles LD_ABS/LD_IND: r0 = the size bytes at packet
// offset off (imm, or src+imm as a signed 32-bit number for LD_IND), in
// network byte order. When the bytes are not in the packet (or there is
// none) the instruction runs in Go (vm.Program.Slow), which makes the
// frame return 0 or faults as the vm does. The budget is checked after, as
// for every instruction the vm runs outside its hot loop.
func (c *compiler) lowerLdPacket(pc int, in asm.Insn) {
	a := &c.a
	size := sizeBytes[in.Size()]
	slow, done := a.NewLabel(), a.NewLabel()
	if in.Mode() == asm.BPF_ABS && in.Imm < 0 {
		a.Jmp(slow)
	} else {
		a.Load(amd64.W64, s11, amd64.Ptr(regState, offPacket))
		a.Test(amd64.W64, s11, s11)
		a.Jcc(amd64.CondE, slow)
		if in.Mode() == asm.BPF_ABS {
			a.MovImm64(s10, int64(in.Imm))
		} else {
			if src := c.src(in.Src, s10); src != s10 {
				a.Mov(amd64.W64, s10, src)
			}
			a.ALUImm(amd64.ADD, amd64.W64, s10, in.Imm)
			a.Movsx(amd64.W32, amd64.W64, s10, s10)
			a.Test(amd64.W64, s10, s10)
			a.Jcc(amd64.CondS, slow)
		}
		a.Mov(amd64.W32, s9, s11)
		a.ALU(amd64.ADD, amd64.W64, s9, s10)
		a.ShiftImm(amd64.SHR, amd64.W64, s11, 32)
		a.ALUMem(amd64.CMP, amd64.W64, s11, amd64.Ptr(regState, offTableLen))
		a.Jcc(amd64.CondAE, slow)
		a.ShiftImm(amd64.SHL, amd64.W64, s11, 5)
		a.ALUMem(amd64.ADD, amd64.W64, s11, amd64.Ptr(regState, offTable))
		a.Lea(s10, amd64.Ptr(s9, size))
		a.ALUMem(amd64.CMP, amd64.W64, s10, amd64.Ptr(s11, vm.RegionLenOffset))
		a.Jcc(amd64.CondA, slow)
		a.ALUMem(amd64.ADD, amd64.W64, s9, amd64.Ptr(s11, vm.RegionDataOffset))
		m := amd64.Ptr(s9, 0)
		switch size {
		case 1:
			a.Load(amd64.W8, amd64.RAX, m)
		case 2:
			a.Load(amd64.W16, amd64.RAX, m)
			a.Bswap(amd64.W32, amd64.RAX)
			a.ShiftImm(amd64.SHR, amd64.W32, amd64.RAX, 16)
		default:
			a.Load(amd64.W32, amd64.RAX, m)
			a.Bswap(amd64.W32, amd64.RAX)
		}
		c.flush(pc)
		a.Jcc(amd64.CondS, c.stub(exitBudget, pc+1))
		a.Jmp(done)
	}
	a.Bind(slow)
	c.flush(pc)
	c.exitInline(exitSlowCheck, pc)
	a.Bind(done)
}
