//go:build linux

#include "textflag.h"

// Offsets into jit.state; state_test.go checks them against unsafe.Offsetof.
#define state_goSP     0
#define state_goBP     8
#define state_stackTop 16

// func enter(code uintptr, st *state)
//
// Runs generated code on the native stack st.stackTop with R12 = st, and
// returns when the code executes RET (with R12 preserved and RSP back where
// the CALL left it). The goroutine's SP and BP are parked in st meanwhile.
// Generated code never calls into Go: helper calls return here with an exit
// code and Go re-enters afterwards, so the garbage collector and goroutine
// stack growth never see a foreign frame.
TEXT ·enter(SB), NOSPLIT, $0-16
	MOVQ code+0(FP), AX
	MOVQ st+8(FP), R12
	MOVQ SP, state_goSP(R12)
	MOVQ BP, state_goBP(R12)
	MOVQ state_stackTop(R12), SP
	CALL AX
	MOVQ state_goSP(R12), SP
	MOVQ state_goBP(R12), BP
	RET
