package vm

import (
	"errors"
	"testing"
	"unsafe"
)

// TestRegionLayout pins the region table layout that the JIT's inline
// checks rely on.
func TestRegionLayout(t *testing.T) {
	var r Region
	got := []uintptr{unsafe.Sizeof(r), unsafe.Offsetof(r.Data), unsafe.Offsetof(r.Flags), unsafe.Offsetof(r.Kind)}
	want := []uintptr{RegionSize, RegionDataOffset, RegionFlagsOff, RegionKindOffset}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("layout field %d: got %d, want %d", i, got[i], want[i])
		}
	}
	// The slice header's length follows its pointer.
	s := []byte{1, 2, 3}
	if l := *(*int)(unsafe.Add(unsafe.Pointer(&s), RegionLenOffset)); l != 3 {
		t.Errorf("slice length at offset %d is %d, want 3", RegionLenOffset, l)
	}
}

func TestMemoryChecks(t *testing.T) {
	m := NewMemory()
	ctx := m.Add(RegionCtx, make([]byte, 24), false, "ctx")
	pkt := m.Add(RegionPacket, make([]byte, 64), true, "pkt")
	tests := []struct {
		name  string
		addr  uint64
		n     int
		write bool
		fault Fault
		msg   string
	}{
		{"ctx in bounds", ctx + 20, 4, false, FaultNone, ""},
		{"ctx past end", ctx + 80, 4, false, FaultOutOfBounds, "pc -1: out of bounds: read 4 bytes at ctx+80 (ctx is 24 bytes)"},
		{"ctx straddles end", ctx + 22, 4, false, FaultOutOfBounds, "pc -1: out of bounds: read 4 bytes at ctx+22 (ctx is 24 bytes)"},
		{"ctx read-only", ctx, 4, true, FaultOutOfBounds, "pc -1: out of bounds: write 4 bytes at ctx+0 (ctx is read-only)"},
		{"null", 16, 1, false, FaultNullDeref, "pc -1: null pointer dereference: read 1 bytes at 0x10"},
		{"no region", 99 << 32, 1, false, FaultBadAddress, "pc -1: invalid address: read 1 bytes at 0x6300000000 (no such region)"},
		{"below pkt", pkt - 4, 4, false, FaultOutOfBounds, "pc -1: out of bounds: read 4 bytes at pkt-4 (pkt is 64 bytes)"},
		{"pkt end", pkt + 64, 0, false, FaultNone, ""},
		{"pkt write", pkt + 60, 4, true, FaultNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := m.Slice(tt.addr, tt.n, tt.write)
			if tt.fault == FaultNone {
				if err != nil || len(b) != tt.n {
					t.Fatalf("Slice = %d bytes, %v; want %d bytes", len(b), err, tt.n)
				}
				return
			}
			var re *RuntimeError
			if !errors.As(err, &re) || re.Fault != tt.fault || re.Error() != tt.msg {
				t.Errorf("Slice error = %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestAddTempReuse(t *testing.T) {
	m := NewMemory()
	v := make([]byte, 8)
	a := m.AddTemp(RegionMapValue, v, true, "map_value")
	if b := m.AddTemp(RegionMapValue, v, true, "map_value"); a != b {
		t.Errorf("same value got two regions: %#x, %#x", a, b)
	}
	m.ResetTemp()
	if m.Len() != 1 {
		t.Errorf("after ResetTemp, %d regions, want 1", m.Len())
	}
}
