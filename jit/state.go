package jit

// state is shared between Go and generated code; generated code addresses
// its fields through R12 at the offsets of the off* constants, which
// state_test.go checks against unsafe.Offsetof. The first three fields are
// the trampoline's (entry_amd64.s).
type state struct {
	goSP     uintptr // goroutine SP, parked by the trampoline
	goBP     uintptr // goroutine BP, parked by the trampoline
	stackTop uintptr // top of the native stack generated code runs on

	regs [11]uint64 // eBPF R0–R10, stored at every exit, loaded at every entry
}

const (
	offGoSP     = 0
	offGoBP     = 8
	offStackTop = 16
	offRegs     = 24
)
