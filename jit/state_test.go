package jit

import (
	"testing"
	"unsafe"
)

func TestStateOffsets(t *testing.T) {
	var s state
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"goSP", unsafe.Offsetof(s.goSP), offGoSP},
		{"goBP", unsafe.Offsetof(s.goBP), offGoBP},
		{"stackTop", unsafe.Offsetof(s.stackTop), offStackTop},
		{"regs", unsafe.Offsetof(s.regs), offRegs},
		{"table", unsafe.Offsetof(s.table), offTable},
		{"tableLen", unsafe.Offsetof(s.tableLen), offTableLen},
		{"rem", unsafe.Offsetof(s.rem), offRem},
		{"exitCode", unsafe.Offsetof(s.exitCode), offExitCode},
		{"exitPC", unsafe.Offsetof(s.exitPC), offExitPC},
		{"entrySP", unsafe.Offsetof(s.entrySP), offEntrySP},
		{"resumeSP", unsafe.Offsetof(s.resumeSP), offResumeSP},
		{"resume", unsafe.Offsetof(s.resume), offResume},
		{"exitBase", unsafe.Offsetof(s.exitBase), offExitBase},
		{"depth", unsafe.Offsetof(s.depth), offDepth},
		{"loops", unsafe.Offsetof(s.loops), offLoops},
		{"stack0", unsafe.Offsetof(s.stack0), offStack0},
		{"r10base", unsafe.Offsetof(s.r10base), offR10Base},
		{"fp", unsafe.Offsetof(s.fp), offFP},
		{"packet", unsafe.Offsetof(s.packet), offPacket},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("offset of %s = %d, want %d (update the constant and entry_amd64.s)", tt.name, tt.got, tt.want)
		}
	}
}
