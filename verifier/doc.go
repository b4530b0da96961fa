// Package verifier simulates the Linux eBPF verifier: it decides whether
// the kernel would load a program, and when not, stops at the same
// instruction with the same message ("R2 offset is outside of the packet")
// and errno, and writes a log in the kernel's layout.
//
// The model is kernel/bpf/verifier.c of Linux 6.12, checked against the
// running 6.18 kernel where the two differ (messages, static checks). Each
// check is a small function named after the C function it models
// (checkMemAccess, regBoundsSync, isBranchTaken, isStateVisited, …); the
// C name and version are in its doc comment. Program-type facts (context
// fields) come from package ctx.
//
// What is modelled, for a privileged loader (CAP_BPF, CAP_PERFMON):
//   - structure: subprograms, jump ranges, lddw pairs, reserved fields,
//     opcodes, unreachable instructions, fall-through, static call depth;
//   - abstract interpretation over every path (do_check): register types
//     with null tracking by id, scalars as a tnum plus signed/unsigned
//     64/32-bit bounds kept in sync as reg_bounds_sync does, refined on both
//     edges of every conditional jump, decided branches pruned;
//   - pointer arithmetic rules; stack slots (spill/fill, STACK_MISC/ZERO,
//     variable offsets); packet ranges from data_end comparisons, shared
//     by pointer id and forgotten after packet-changing helpers; context
//     accesses; map values and keys;
//   - helpers: availability per program type, argument and return types,
//     memory and size arguments, map compatibility, socket and ringbuf
//     references (acquire/release, leaks at exit), tail calls, bpf_loop
//     callbacks, array lookups with constant keys (non-null, as 6.18);
//   - bpf-to-bpf calls with frames, combined stack size, R0 return range;
//   - bounded loops, "infinite loop detected", state pruning without
//     liveness or precision (every scalar counts as precise), the
//     1,000,000 processed-instruction limit.
//
// Options.Unpriv models an unprivileged loader: no pointer leaks, no
// uninitialised stack reads, no loops or bpf-to-bpf calls, and the
// speculative paths past decided branches are verified too.
//
// Known gaps: BTF (kfuncs, kptrs, spin locks, timers, global functions,
// dynptrs, iterators, callbacks other than bpf_loop's),
// program types other than socket_filter, sched_cls, sched_act, xdp and
// cgroup_skb, the unprivileged helper restrictions and ALU sanitation
// (pointer arithmetic masking), precision tracking and stack liveness (we
// compare every scalar exactly, ignore dead registers, and ignore the
// stack only in programs that never read memory), so "processed N insns"
// and the state statistics are close to the kernel's but not equal.
//
// docs/verifier-selftests.md lists how the model agrees with the kernel on
// the kernel's own verifier test tables.
package verifier
