// Package vm is bpflab's reference interpreter: the executable statement of
// what an eBPF program means, against which the JIT, the verifier's claims
// and the kernel are compared.
//
// # Running a program
//
// Prepare validates an asm.Program once (asm.Program.Validate plus the
// kernel's function-boundary checks) and decodes it into a compact form;
// (*Program).Run executes it in an Env:
//
//	p, err := vm.Prepare(insns)
//	env := vm.NewPlainEnv(mem)       // r1 = copy of mem, r2 = len(mem)
//	res, err := p.Run(env)           // res.R0, res.Steps
//
// For a program type with a context, build the Env yourself: NewEnv, then
// Mem.Add the ctx (and packet) regions, set R1 to the ctx address, Packet
// for LD_ABS/LD_IND, Maps for lddw map references (an lddw imm is an index
// into asm.ProgramSpec.Maps, and so into Env.Maps), Programs for tail calls.
//
// # Semantics
//
// The whole ISA of RFC 9669 plus the kernel's extensions: ALU and ALU64
// (32-bit results zero-extended; shift amounts masked to the operand width;
// division by zero gives 0 and modulo by zero keeps the dividend — not a
// fault), sdiv/smod, movsx, sign-extending loads, byte swaps, JMP and JMP32,
// gotol, every atomic (add/and/or/xor with and without fetch, xchg,
// cmpxchg; load-acquire and store-release), lddw and its pseudo forms,
// helper calls, callx (the helper whose id is in dst, as bpf_conformance
// defines it), bpf-to-bpf calls (a fresh 512-byte stack per frame, at most
// MaxCallFrames frames; r6–r9 and r10 restored on return), tail calls
// through a prog array (at most MaxTailCalls per run, counted as the
// kernel's x86-64 JIT counts them: only calls that happen), LD_ABS/LD_IND (big-endian loads from
// the packet; out of the packet the program returns 0, as the kernel's
// rewrite makes it), may_goto (falls through MayGotoLoops times per frame,
// then jumps) and exit. Kfunc calls and lddw of BTF ids are refused by
// Prepare.
//
// # Memory
//
// Pointers are virtual addresses region<<32|offset into a flat region
// table (see memory.go for the layout the JIT shares). Every load and store
// is checked against its region's length and write flag; a failed check is
// a *RuntimeError:
//
//	pc 12: out of bounds: load 4 bytes at ctx+80 (ctx is 24 bytes)
//
// Programs can reach no Go memory besides the regions they are given.
// Frame k's stack is its own region and r10 is its end; frame 0's stack is
// zeroed at the start of every run and each callee's at its call, so runs
// are deterministic.
//
// # Helpers
//
// A Helper is a Go function of (env, r1…r5) returning r0. Env.Helpers
// overrides the builtins (helpers.go, helpers_map*.go, helpers_pkt*.go);
// UBPFHelpers returns uBPF's test helpers for conformance runs. Helpers
// touch program memory only through env.Mem.Slice, so their accesses are
// checked too; they leave r1–r5 unchanged, as the kernel's interpreter
// does. ktime and prandom are deterministic unless Env.Now/Env.Rand are
// set.
//
// # Errors and limits
//
// A run ends with a *RuntimeError{PC, Fault, Detail} for out-of-bounds,
// NULL and invalid addresses, unknown helpers, helper failures, call depth,
// and the step budget (Env.Budget, checked after every taken jump, call,
// return and may_goto, so runaway loops stop with FaultBudget at the pc
// that would run next). Result.Steps counts executed instructions, lddw
// as one. The JIT returns the same type with the same PC and Fault;
// engine.go lists the rest of the contract between the engines.
//
// # Speed
//
// Prepare resolves every opcode to one dense number and every jump to an
// absolute target; exec.go is one switch over them that makes no calls, so
// the compiler keeps its state in registers, and counts steps per
// straight-line run instead of per instruction. Calls, exits, atomics and
// the other rare instructions return to a slower loop (vm.go; call.go,
// atomic.go, ld.go). Memory checks are inline: one comparison of the
// region index, one of the end offset.
package vm
