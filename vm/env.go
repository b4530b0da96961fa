package vm

import (
	"encoding/binary"
	"io"

	"github.com/bpflab/bpflab/asm"
)

// Limits of the execution model, the kernel's where it has one.
const (
	// StackSize is the stack of one frame (MAX_BPF_STACK).
	StackSize = 512
	// MaxCallFrames is the deepest bpf-to-bpf call nesting, the main
	// program's frame included (MAX_CALL_FRAMES).
	MaxCallFrames = 8
	// MaxTailCalls is how many tail calls one run may make
	// (MAX_TAIL_CALL_CNT).
	MaxTailCalls = 33
	// MayGotoLoops is the number of times may_goto falls through in one
	// frame before it jumps (BPF_MAX_LOOPS).
	MayGotoLoops = 8 * 1024 * 1024
	// DefaultBudget is the step budget when Env.Budget is 0.
	DefaultBudget = 1 << 25
)

// Map is a map instance an engine runs against; package vm's maps*.go
// implement it for the kernel's map types. Keys and values are the raw
// bytes of the kernel's ABI.
type Map interface {
	// Spec describes the map (type, key and value size, max entries).
	Spec() *asm.MapSpec
	// Lookup returns the stored value for key, or nil. The slice is the
	// map's own storage: program stores through the region made of it
	// update the map, as in the kernel.
	Lookup(key []byte) []byte
	// Update stores value for key; flags are BPF_ANY, BPF_NOEXIST,
	// BPF_EXIST. Errors are syscall.Errno values the kernel would return.
	Update(key, value []byte, flags uint64) error
	// Delete removes key; errors as for Update.
	Delete(key []byte) error
}

// Helper is a kernel helper implemented in Go. It receives the environment
// and r1–r5 and returns r0. It reaches program memory only through
// env.Mem.Slice (or AddTemp to hand out new memory), so every access it
// makes is checked like the program's own. A *RuntimeError it returns
// becomes the run's error at the call's pc; any other error becomes
// FaultHelper; ErrExit ends the program with r0 = the returned value.
// Helpers leave r1–r5 alone, as the kernel's interpreter does.
type Helper func(env *Env, r1, r2, r3, r4, r5 uint64) (uint64, error)

// TraceFunc is called before each instruction with the frame depth (0 for
// the main program), the pc and the registers r0–r10.
type TraceFunc func(depth, pc int, regs *[11]uint64)

// Env is everything a run sees besides the program: memory, registers at
// entry, helpers, maps and limits. An Env may be run many times, by one
// goroutine at a time; package jit runs against the same type.
type Env struct {
	// Mem is the region table. NewEnv creates it; callers add the ctx,
	// packet or plain memory regions and set R1 (and R2) to their
	// addresses.
	Mem *Memory
	// R1 and R2 are the registers at entry: the ctx pointer, or for plain
	// programs a pointer to the memory and its length.
	R1, R2 uint64
	// Packet is the address of the first packet byte for LD_ABS/LD_IND (the
	// bound is the end of its region); 0 when the program type has none.
	Packet uint64
	// Helpers are looked up by id first; ids missing here fall back to the
	// helpers package vm registers itself (see Builtin). Set an entry to nil
	// to hide a builtin.
	Helpers map[asm.Func]Helper
	// Ctx, when set, serves accesses to a RegionCtx region without bytes
	// (packet programs' contexts; see CtxHandler and NewPacketEnv).
	Ctx CtxHandler
	// Maps are the program's maps: an lddw with a map pseudo source holds an
	// index into this slice (the index into asm.ProgramSpec.Maps).
	Maps []Map
	// Programs are the tail-call targets: a BPF_MAP_TYPE_PROG_ARRAY map
	// stores, as a 4-byte little-endian value, an index into Programs.
	Programs []*Program
	// Budget caps the instructions one run executes (DefaultBudget when 0).
	// It is checked at taken jumps, calls and may_goto, so a run stops
	// within one straight-line block of the budget.
	Budget int
	// Trace, when set, sees every instruction before it runs.
	Trace TraceFunc
	// Printk receives bpf_trace_printk output (discarded when nil).
	Printk io.Writer
	// Now returns the time for bpf_ktime_get_ns and friends; when nil a
	// deterministic clock starts at 1e9 ns and advances 1000 ns per call.
	Now func() uint64
	// Rand returns bpf_get_prandom_u32 values; when nil a fixed-seed
	// xorshift generator is used, so runs are repeatable.
	Rand func() uint32

	m *machine // reused by Run
	// stackClean says frame 0's stack holds only zeros: Run cleared it and
	// then ran a program that cannot write memory (Program.pure).
	stackClean bool
	stacks     uint32 // region of frame 0's stack; frame k uses stacks+k
	mapsIdx    uint32 // region of map handles: Addr(mapsIdx, i) is Maps[i]
	clock      uint64
	rng        uint32
}

// NewEnv returns an environment with an empty region table besides the
// stacks and the map handle region.
func NewEnv() *Env {
	env := &Env{Mem: NewMemory()}
	env.setup()
	return env
}

// NewPlainEnv returns an environment for a program without a context, as
// bpf_conformance and uBPF run them: r1 points to a writable copy of mem
// and r2 holds its length.
func NewPlainEnv(mem []byte) *Env {
	env := NewEnv()
	buf := append([]byte(nil), mem...)
	env.R1 = env.Mem.Add(RegionMem, buf, true, "mem")
	env.R2 = uint64(len(buf))
	return env
}

// setup adds the stack and map handle regions once.
func (env *Env) setup() {
	if env.Mem == nil {
		env.Mem = NewMemory()
	}
	if env.stacks != 0 {
		return
	}
	slab := make([]byte, StackSize*MaxCallFrames)
	for k := range MaxCallFrames {
		a := env.Mem.Add(RegionStack, slab[k*StackSize:(k+1)*StackSize:(k+1)*StackSize], true, "stack")
		if k == 0 {
			env.stacks = uint32(a >> 32)
		}
	}
	env.mapsIdx = uint32(env.Mem.Add(RegionMap, nil, false, "map_ptr") >> 32)
}

// StackTop returns R10 for the frame at depth k (0 is the main program).
func (env *Env) StackTop(k int) uint64 { return Addr(env.stacks+uint32(k), StackSize) }

// MapAddr returns the value an lddw of map i puts in its register.
func (env *Env) MapAddr(i int) uint64 { return Addr(env.mapsIdx, uint32(i)) }

// Map returns the map a helper argument refers to (a value made by lddw).
func (env *Env) Map(addr uint64) (Map, error) {
	if addr>>32 == uint64(env.mapsIdx) && env.mapsIdx != 0 {
		if i := uint32(addr); uint64(i) < uint64(len(env.Maps)) && env.Maps[i] != nil {
			return env.Maps[i], nil
		}
	}
	return nil, fault(FaultHelper, "%#x is not a map pointer", addr)
}

// Helper returns the helper the program reaches with id: Env.Helpers
// first, then the builtins.
func (env *Env) Helper(id asm.Func) (Helper, bool) {
	if h, ok := env.Helpers[id]; ok {
		return h, h != nil
	}
	h, ok := builtins[id]
	return h, ok
}

// TailCall resolves bpf_tail_call(ctx, map, index) for both engines. An
// index past max_entries, a counter (*count, per run) at MaxTailCalls or an
// empty slot falls through; otherwise the counter goes up and the index
// into Programs of the target is returned. The counter counts only tail
// calls that happen: that is what the kernel's x86-64 JIT does, which the
// live kernel runs (its interpreter, kernel/bpf/core.c, also counts
// attempts on empty slots). On a fall-through r0 is left alone. The target
// replaces the current frame's program, keeping registers and stack.
func (env *Env) TailCall(count *int, mapAddr, index uint64) (int, bool) {
	m, err := env.Map(mapAddr)
	if err != nil || m.Spec().Type != asm.BPF_MAP_TYPE_PROG_ARRAY {
		return 0, false
	}
	idx := uint32(index)
	if idx >= m.Spec().MaxEntries || *count >= MaxTailCalls {
		return 0, false
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], idx)
	v := m.Lookup(key[:])
	if len(v) < 4 {
		return 0, false
	}
	i := binary.LittleEndian.Uint32(v)
	if uint64(i) >= uint64(len(env.Programs)) || env.Programs[i] == nil {
		return 0, false
	}
	*count++
	return int(i), true
}

// ResetTemp prepares the environment for a run: it drops the regions of the
// previous run's helpers and clears frame 0's stack, so runs are
// repeatable. Engines call it at the start of every run.
func (env *Env) ResetTemp() {
	env.startRun(false)
}

// startRun is ResetTemp for a run of a program that may (pure false) or
// cannot (pure true) write memory. Clearing the stack is most of a short
// run's fixed cost, so it is skipped when the stack is known to be clean
// still: the previous run cleared it, could not write it, and no region
// bytes were handed out since (Memory.exposed).
func (env *Env) startRun(pure bool) {
	if env.stacks == 0 {
		env.setup()
	}
	env.Mem.ResetTemp()
	if !env.stackClean || env.Mem.exposed {
		clear(env.Mem.regions[env.stacks].Data)
	}
	env.stackClean, env.Mem.exposed = pure, false
}

// Result is the outcome of a run that reached exit.
type Result struct {
	R0        uint64
	Steps     int // instructions executed, exit included
	TailCalls int
}
