package verifier

import (
	"slices"
	"sort"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// addSubprogs finds the subprograms: the entry and every bpf-to-bpf call
// or BPF_PSEUDO_FUNC target (add_subprog_and_kfunc, v6.12).
func (v *verifier) addSubprogs() *Error {
	starts := map[int]bool{0: true}
	for i, ins := range v.prog {
		pseudoFunc := ins.IsLdImm64() && ins.Src == asm.BPF_PSEUDO_FUNC
		if !pseudoFunc && !ins.IsPseudoCall() && !(ins.IsCall() && ins.Src == asm.BPF_PSEUDO_KFUNC_CALL) {
			continue
		}
		if !v.bpfCapable {
			return v.rejectAt(i, syscall.EPERM, "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN")
		}
		if ins.Src == asm.BPF_PSEUDO_KFUNC_CALL && !pseudoFunc {
			continue // kfuncs are rejected when reached
		}
		t := i + int(ins.Imm) + 1
		if t < 0 || t >= len(v.prog) {
			return v.rejectAt(i, syscall.EINVAL, "call to invalid destination")
		}
		starts[t] = true
	}
	for s := range starts {
		v.subprogs = append(v.subprogs, subprog{start: s})
	}
	sort.Slice(v.subprogs, func(a, b int) bool { return v.subprogs[a].start < v.subprogs[b].start })
	if len(v.subprogs) > 256 {
		return v.rejectAt(0, syscall.E2BIG, "too many subprograms")
	}
	v.insnSubprog = make([]int, len(v.prog))
	cur := 0
	for i := range v.prog {
		if cur+1 < len(v.subprogs) && i == v.subprogs[cur+1].start {
			cur++
		}
		v.insnSubprog[i] = cur
	}
	if v.logLevel > 1 {
		for i, sp := range v.subprogs {
			v.logf("func#%d @%d", i, sp.start)
		}
	}
	return nil
}

// findSubprog returns the index of the subprogram starting at insn, or -1.
func (v *verifier) findSubprog(insn int) int {
	for i, sp := range v.subprogs {
		if sp.start == insn {
			return i
		}
	}
	return -1
}

// subprogEnd is the first insn after subprogram i.
func (v *verifier) subprogEnd(i int) int {
	if i+1 < len(v.subprogs) {
		return v.subprogs[i+1].start
	}
	return len(v.prog)
}

// checkSubprogs checks that jumps stay inside their subprogram and that no
// subprogram falls through into the next (check_subprogs, v6.12).
func (v *verifier) checkSubprogs() *Error {
	cur := 0
	start, end := v.subprogs[0].start, v.subprogEnd(0)
	for i, ins := range v.prog {
		if ins.IsHelperCall() && asm.Func(ins.Imm) == asm.BPF_FUNC_tail_call {
			v.subprogs[cur].hasTailCall = true
		}
		if ins.Class() == asm.BPF_LD && (ins.Mode() == asm.BPF_ABS || ins.Mode() == asm.BPF_IND) {
			v.subprogs[cur].hasLdAbs = true
		}
		if ins.Class().IsJump() && ins.JmpOp() != asm.BPF_EXIT && ins.JmpOp() != asm.BPF_CALL {
			var off int
			if ins.Code == uint8(asm.BPF_JMP32)|uint8(asm.BPF_JA) {
				off = i + int(ins.Imm) + 1
			} else {
				off = i + int(ins.Off) + 1
			}
			if off < start || off >= end {
				return v.rejectAt(i, syscall.EINVAL, "jump out of range from insn %d to %d", i, off)
			}
		}
		if i == end-1 {
			c := ins.Code
			if c != uint8(asm.BPF_JMP)|uint8(asm.BPF_EXIT) && c != uint8(asm.BPF_JMP32)|uint8(asm.BPF_JA) && c != uint8(asm.BPF_JMP)|uint8(asm.BPF_JA) {
				return v.rejectAt(i, syscall.EINVAL, "last insn is not an exit or jmp")
			}
			cur++
			if cur < len(v.subprogs) {
				start, end = v.subprogs[cur].start, v.subprogEnd(cur)
			}
		}
	}
	return nil
}

// rejectAt is reject for checks that run before do_check.
func (v *verifier) rejectAt(insn int, errno syscall.Errno, format string, args ...any) *Error {
	v.insnIdx = insn
	return v.reject(errno, format, args...)
}

// opcodeValid is bpf_opcode_in_insntable for the 6.18 instruction set.
func opcodeValid(code uint8) bool {
	cls := asm.Class(code & 7)
	switch cls {
	case asm.BPF_ALU, asm.BPF_ALU64:
		op := code & 0xf0
		if op > 0xd0 {
			return false
		}
		if op == uint8(asm.BPF_END) && cls == asm.BPF_ALU64 {
			return code&0x08 == 0
		}
		if op == uint8(asm.BPF_NEG) {
			return code&0x08 == 0
		}
		return true
	case asm.BPF_JMP, asm.BPF_JMP32:
		op := code & 0xf0
		switch op {
		case uint8(asm.BPF_JA):
			return code&0x08 == 0
		case uint8(asm.BPF_CALL), uint8(asm.BPF_EXIT):
			return cls == asm.BPF_JMP && code&0x08 == 0
		case uint8(asm.BPF_JCOND):
			return cls == asm.BPF_JMP && code&0x08 == 0
		case 0xf0:
			return false
		}
		return true
	case asm.BPF_LD:
		switch code {
		case 0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50:
			return true
		}
		return false
	case asm.BPF_LDX:
		switch code {
		case 0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91:
			return true
		}
		return false
	case asm.BPF_ST:
		switch code {
		case 0x62, 0x6a, 0x72, 0x7a:
			return true
		}
		return false
	case asm.BPF_STX:
		switch code {
		case 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0xd3, 0xcb:
			return true
		}
		return false
	}
	return false
}

// resolvePseudoLdimm64 checks every lddw and the reserved fields of loads,
// and resolves map references (resolve_pseudo_ldimm64, v6.12).
func (v *verifier) resolvePseudoLdimm64() *Error {
	for i := 0; i < len(v.prog); i++ {
		ins := v.prog[i]
		if ins.Class() == asm.BPF_LDX && ((ins.Mode() != asm.BPF_MEM && ins.Mode() != asm.BPF_MEMSX) || ins.Imm != 0) {
			return v.rejectAt(i, syscall.EINVAL, "BPF_LDX uses reserved fields")
		}
		if ins.IsLdImm64() {
			if i == len(v.prog)-1 || v.prog[i+1].Code != 0 || v.prog[i+1].Dst != 0 || v.prog[i+1].Src != 0 || v.prog[i+1].Off != 0 {
				return v.rejectAt(i, syscall.EINVAL, "invalid bpf_ld_imm64 insn")
			}
			next := v.prog[i+1]
			switch ins.Src {
			case 0, asm.BPF_PSEUDO_FUNC:
				i++
				continue
			case asm.BPF_PSEUDO_BTF_ID:
				return v.rejectAt(i, syscall.EINVAL, "kernel variables (BPF_PSEUDO_BTF_ID) are not supported by bpflab's verifier")
			case asm.BPF_PSEUDO_MAP_VALUE, asm.BPF_PSEUDO_MAP_IDX_VALUE:
			case asm.BPF_PSEUDO_MAP_FD, asm.BPF_PSEUDO_MAP_IDX:
				if next.Imm != 0 {
					return v.rejectAt(i, syscall.EINVAL, "unrecognized bpf_ld_imm64 insn")
				}
			default:
				return v.rejectAt(i, syscall.EINVAL, "unrecognized bpf_ld_imm64 insn")
			}
			if ins.Src == asm.BPF_PSEUDO_MAP_IDX || ins.Src == asm.BPF_PSEUDO_MAP_IDX_VALUE {
				return v.rejectAt(i, syscall.EPROTO, "fd_idx without fd_array is invalid")
			}
			if ins.Imm < 0 || int(ins.Imm) >= len(v.opts.Maps) || v.opts.Maps[ins.Imm] == nil {
				return v.rejectAt(i, syscall.EBADF, "fd %d is not pointing to valid bpf_map", ins.Imm)
			}
			m := v.opts.Maps[ins.Imm]
			if ins.Src == asm.BPF_PSEUDO_MAP_VALUE {
				off := uint32(next.Imm)
				if off >= maxVarOff {
					return v.rejectAt(i, syscall.EINVAL, "direct value offset of %d is not allowed", off)
				}
				if !hasDirectValueAddr(m.Type) {
					return v.rejectAt(i, syscall.EINVAL, "no direct value access support for this map type")
				}
				if m.MaxEntries != 1 || off >= m.ValueSize {
					return v.rejectAt(i, syscall.EINVAL, "invalid access to map value pointer, value_size=%d off=%d", m.ValueSize, off)
				}
			}
			i++
			continue
		}
		if !opcodeValid(ins.Code) {
			return v.rejectAt(i, syscall.EINVAL, "unknown opcode %02x", ins.Code)
		}
	}
	return nil
}

// hasDirectValueAddr reports whether a map type implements
// map_direct_value_addr (array maps; the kernel also requires one entry).
func hasDirectValueAddr(t asm.MapType) bool {
	return t == asm.BPF_MAP_TYPE_ARRAY
}

// Edge kinds and insn states of check_cfg's depth-first search.
const (
	cfgDiscovered  = 0x10
	cfgExplored    = 0x20
	cfgFallthrough = 1
	cfgBranch      = 2
)

// checkCfg walks the control-flow graph depth first from the entry: every
// insn must be reachable, jumps must stay in the program and not land in
// the middle of an lddw, and (without CAP_BPF) there must be no loops
// (check_cfg, v6.12). It also marks the prune points.
func (v *verifier) checkCfg() *Error {
	n := len(v.prog)
	stateOf := make([]int, n)
	v.prunePoint = make([]bool, n)
	stack := []int{0}
	stateOf[0] = cfgDiscovered
	// push is push_insn: 0 done, 1 keep exploring.
	push := func(t, w, e int) (int, *Error) {
		if e == cfgFallthrough && stateOf[t] >= cfgDiscovered|cfgFallthrough {
			return 0, nil
		}
		if e == cfgBranch && stateOf[t] >= cfgDiscovered|cfgBranch {
			return 0, nil
		}
		if w < 0 || w >= n {
			return 0, v.rejectAt(t, syscall.EINVAL, "jump out of range from insn %d to %d", t, w)
		}
		if e == cfgBranch {
			v.prunePoint[w] = true
		}
		switch {
		case stateOf[w] == 0:
			stateOf[t] = cfgDiscovered | e
			stateOf[w] = cfgDiscovered
			stack = append(stack, w)
			return 1, nil
		case stateOf[w]&0xf0 == cfgDiscovered:
			if v.bpfCapable {
				return 0, nil
			}
			return 0, v.rejectAt(t, syscall.EINVAL, "back-edge from insn %d to %d", t, w)
		case stateOf[w] == cfgExplored:
			stateOf[t] = cfgDiscovered | e
		}
		return 0, nil
	}
	visit := func(t int) (int, *Error) {
		ins := v.prog[t]
		sz := 1
		if ins.IsLdImm64() {
			sz = 2
		}
		if ins.IsLdImm64() && ins.Src == asm.BPF_PSEUDO_FUNC {
			r, e := push(t, t+sz, cfgFallthrough)
			if r != 0 || e != nil {
				return r, e
			}
			return push(t, t+int(ins.Imm)+1, cfgBranch)
		}
		if !ins.Class().IsJump() {
			return push(t, t+sz, cfgFallthrough)
		}
		switch ins.JmpOp() {
		case asm.BPF_EXIT:
			return 0, nil
		case asm.BPF_CALL:
			r, e := push(t, t+1, cfgFallthrough)
			if r != 0 || e != nil {
				return r, e
			}
			if t+1 < n {
				v.prunePoint[t+1] = true
			}
			if ins.Src == 0 && asm.Func(ins.Imm) == asm.BPF_FUNC_loop {
				// Callbacks return here: the loop ends by pruning.
				v.prunePoint[t] = true
			}
			if ins.Src == asm.BPF_PSEUDO_CALL {
				v.prunePoint[t] = true
				return push(t, t+int(ins.Imm)+1, cfgBranch)
			}
			return 0, nil
		case asm.BPF_JA:
			if ins.Source() != asm.BPF_K {
				return 0, v.rejectAt(t, syscall.EINVAL, "unknown opcode %02x", ins.Code)
			}
			off := int(ins.Off)
			if ins.Class() == asm.BPF_JMP32 {
				off = int(ins.Imm)
			}
			r, e := push(t, t+off+1, cfgFallthrough)
			if e == nil && t+off+1 >= 0 && t+off+1 < n {
				v.prunePoint[t+off+1] = true
			}
			return r, e
		default:
			v.prunePoint[t] = true
			r, e := push(t, t+1, cfgFallthrough)
			if r != 0 || e != nil {
				return r, e
			}
			return push(t, t+int(ins.Off)+1, cfgBranch)
		}
	}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		r, e := visit(t)
		if e != nil {
			return e
		}
		if r == 0 {
			stateOf[t] = cfgExplored
			stack = stack[:len(stack)-1]
		}
	}
	for i := 0; i < n; i++ {
		if stateOf[i] != cfgExplored {
			return v.rejectAt(i, syscall.EINVAL, "unreachable insn %d", i)
		}
		if v.prog[i].IsLdImm64() {
			if i+1 < n && stateOf[i+1] != 0 {
				return v.rejectAt(i, syscall.EINVAL, "jump into the middle of ldimm64 insn %d", i)
			}
			i++
		}
	}
	return nil
}

// roundUpStackDepth is round_up_stack_depth with the JIT on: 16 bytes.
func roundUpStackDepth(d int) int { return (d + 15) &^ 15 }

// checkMaxStackDepth checks the combined stack of every call chain
// (check_max_stack_depth, v6.12): at most 512 bytes.
func (v *verifier) checkMaxStackDepth() *Error {
	// Call graph edges from the bpf-to-bpf calls in each subprogram.
	calls := make([][]int, len(v.subprogs))
	for i, ins := range v.prog {
		if ins.IsPseudoCall() || (ins.IsLdImm64() && ins.Src == asm.BPF_PSEUDO_FUNC) {
			// Only the first call of each callee matters for the depth:
			// later ones repeat the same walk.
			if c := v.findSubprog(i + int(ins.Imm) + 1); c >= 0 && !slices.Contains(calls[v.insnSubprog[i]], c) {
				calls[v.insnSubprog[i]] = append(calls[v.insnSubprog[i]], c)
			}
		}
	}
	var walk func(sp, depth, frame int) *Error
	walk = func(sp, depth, frame int) *Error {
		if sp != 0 && v.subprogs[sp].hasTailCall && depth >= 256 {
			return v.rejectAt(v.subprogs[sp].start, syscall.EACCES, "tail_calls are not allowed when call stack of previous frames is %d bytes. Too large", depth)
		}
		depth += roundUpStackDepth(v.subprogs[sp].stackDepth)
		if depth > maxBPFStack {
			return v.rejectAt(v.subprogs[sp].start, syscall.EACCES, "combined stack size of %d calls is %d. Too large", frame+1, depth)
		}
		for _, c := range calls[sp] {
			if frame+1 >= maxCallFrames {
				return v.rejectAt(v.subprogs[sp].start, syscall.E2BIG, "the call stack of %d frames is too deep !", frame+1)
			}
			if e := walk(c, depth, frame+1); e != nil {
				return e
			}
		}
		return nil
	}
	return walk(0, 0, 0)
}
