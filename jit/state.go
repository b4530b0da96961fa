package jit

// state is shared between Go and generated code; generated code addresses
// its fields through R12 at the offsets of the off* constants, which
// state_test.go checks against unsafe.Offsetof. The first three fields are
// the trampoline's (entry_amd64.s).
type state struct {
	goSP     uintptr // goroutine SP, parked by the trampoline
	goBP     uintptr // goroutine BP, parked by the trampoline
	stackTop uintptr // top of the native stack generated code runs on

	regs [11]uint64 // eBPF R0–R10: R0–R9 stored at every exit and loaded at every entry; R10 lives here

	table    uintptr // &vm region table[0]; Go refreshes it before every entry
	tableLen uint64  // number of regions
	rem      int64   // step budget left (RBP while code runs); negative = exhausted
	exitCode uint32  // why the code returned (exit* constants)
	exitPC   uint32  // eBPF pc of the exit
	entrySP  uintptr // RSP at entry: exits return to the trampoline from here
	resumeSP uintptr // RSP to resume with (bpf-to-bpf frames live below entrySP); 0 at the first entry
	resume   uintptr // address to continue at on entry
	exitBase uintptr // start of the code that exited (tail calls switch code)
	depth    uint64  // current bpf-to-bpf frame, 0 for the main program
	loops    uint64  // may_goto counter of the current frame
	stack0   uintptr // address of frame 0's stack bytes (frame k's are at +k*512)
	r10base  uint64  // R10 of frame 0; frame k's is r10base + k<<32
	fp       uintptr // host address R10 stands for in the current frame
	packet   uint64  // vm.Env.Packet (LD_ABS/LD_IND base); Go refreshes it before every entry
}

const (
	offGoSP     = 0
	offGoBP     = 8
	offStackTop = 16
	offRegs     = 24
	offTable    = offRegs + 11*8
	offTableLen = offTable + 8
	offRem      = offTableLen + 8
	offExitCode = offRem + 8
	offExitPC   = offExitCode + 4
	offEntrySP  = offExitPC + 4
	offResumeSP = offEntrySP + 8
	offResume   = offResumeSP + 8
	offExitBase = offResume + 8
	offDepth    = offExitBase + 8
	offLoops    = offDepth + 8
	offStack0   = offLoops + 8
	offR10Base  = offStack0 + 8
	offFP       = offR10Base + 8
	offPacket   = offFP + 8
)

// Exit codes: why generated code returned to Go.
const (
	exitDone      = iota + 1 // exit from the main program's frame: r0 is the result
	exitMemFault             // a load or store at exitPC failed its region check
	exitSlow                 // Go runs the instruction at exitPC (vm.Program.Slow), no budget check
	exitSlowCheck            // as exitSlow, then the budget is checked (calls, LD_ABS, lddw pseudo forms)
	exitBudget               // the budget ran out before exitPC
	exitCallDepth            // the call at exitPC nests too deep
)
