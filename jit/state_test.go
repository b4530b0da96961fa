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
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("offset of %s = %d, want %d (update the constant and entry_amd64.s)", tt.name, tt.got, tt.want)
		}
	}
}
