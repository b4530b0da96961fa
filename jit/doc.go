// Package jit compiles eBPF programs to amd64 machine code that computes
// exactly what the interpreter (package vm) computes, many times faster. It
// is pure Go: code is mapped read+write, sealed read+execute before it runs
// (never both), and entered through a small assembly trampoline
// (entry_amd64.s) on a native stack of its own. Generated code never calls
// Go: helper calls and faults return to Go with an exit code, and Go
// re-enters after a helper, so the garbage collector never sees a foreign
// frame. Memory accesses are checked against vm's region table, so a wrong
// program stops with the interpreter's error, never a crash.
//
// Use: prog, _ := vm.Prepare(insns); code, err := jit.Compile(prog);
// res, err := code.Run(env); code.Close(). Run has vm.Program.Run's shape
// and results: the same vm.Result (r0, steps, tail calls) and the same
// *vm.RuntimeError (pc, fault kind, detail text). Compile returns
// ErrUnsupported except on linux/amd64 (Supported reports it); callers then
// run the interpreter. With Env.Trace set, Run runs the interpreter, since
// compiled code cannot stop before every instruction.
//
// Registers follow the kernel's x86-64 JIT: R0–R9 live in RAX, RDI, RSI,
// RDX, RCX, R8, RBX, R13, R14, R15. R10 (read-only: vm.Prepare refuses
// writes to it) lives in the state, RBP holds the step budget left, R12
// points at the state and R9–R11 are scratch. Division saves RAX/RDX, shifts
// by a register save RCX.
//
// What runs in machine code: ALU and ALU32 (division by zero and signed
// MIN/-1 as the ISA defines them, no trap), all jumps and gotol, movsx,
// byte swaps, loads (also sign-extending), stores, atomics with lock-prefixed
// instructions (add/and/or/xor with and without fetch, xchg, cmpxchg, 32
// and 64 bits), lddw of constants, may_goto (a counter per frame, as the
// vm keeps it), and bpf-to-bpf calls (native call/ret; the caller's R6–R9
// and may_goto counter pushed on the native stack; each frame gets the vm's
// next stack region, cleared, and R10). What exits to Go and runs there
// through vm.Program.Slow: helper calls and callx (the callbacks of
// bpf_loop and bpf_for_each_map_elem run there too, in the interpreter, in
// the frames below the JIT's current one, with their steps charged to the
// run's budget), bpf_tail_call (the target
// is compiled on first use and entered with the frame's native stack kept),
// lddw map and function forms, acquire loads and release stores, and
// LD_ABS/LD_IND whose bytes are not in the packet (in-packet loads are
// inline). A failed region check exits to vm.Program.MemFault, which serves
// the context of packet programs (whose ctx region has no bytes) or builds
// the vm's fault.
//
// Memory checks (every access: this is the checked mode): idx = addr>>32
// below the table length, off+size within the region's length, writable
// flag for stores, then the host address is the region's data pointer plus
// off. Two shortcuts keep the same results: R10-relative accesses inside
// the frame go straight to the frame's stack, and a run of loads and stores
// through one base register in one straight-line segment is checked once
// for the span it covers (when the span fails, each access is checked on
// its own, out of line, so the fault is the vm's).
//
// Cost model: straight-line and looping code runs near the kernel's JIT
// (bench/*.data). Every exit to Go costs tens of nanoseconds more than the
// interpreter pays for the same work, and the contexts of packet programs
// are served by vm's CtxHandler in Go, so each context load or store exits:
// short packet programs dominated by context accesses and helper calls can
// run slower than in the interpreter. Compiling context accesses needs the
// program type at compile time (the kernel's convert_ctx_access); that is
// not done yet.
//
// Step budget: the same count as the vm. Instructions are counted per
// straight-line segment when it ends (lddw counts one), and the budget is
// checked exactly where the vm checks it: at taken jumps, after calls,
// returns, may_goto, atomics and the instructions Go runs. Result.Steps
// and budget faults (their pc included) therefore match the interpreter's.
package jit
