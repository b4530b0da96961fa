package ctx

import (
	"testing"
)

// FuzzNewTestRun feeds arbitrary packets and contexts to every packet
// type: building the run never panics, a built run's offsets stay inside
// its buffer, and Finish returns at least the packet.
func FuzzNewTestRun(f *testing.F) {
	f.Add(uint8(2), ipv4, []byte(nil))
	f.Add(uint8(4), ipv4, []byte{8, 0, 0, 0, 42, 0, 0, 0})
	f.Add(uint8(1), ipv4[:20], make([]byte, 192))
	types := []*ProgType{SocketFilter, SchedCLS, SchedACT, XDP, CgroupSKB}
	f.Fuzz(func(t *testing.T, typ uint8, data, ctxIn []byte) {
		pt := types[int(typ)%len(types)]
		r, err := NewTestRun(pt, data, ctxIn)
		if err != nil {
			return
		}
		if !(0 <= r.Meta && r.Meta <= r.Data && r.Data <= r.End && r.End <= len(r.Buf)) {
			t.Fatalf("offsets meta %d data %d end %d outside a %d-byte buffer", r.Meta, r.Data, r.End, len(r.Buf))
		}
		for _, d := range []int{-300, -4, 4, 300} {
			r.AdjustHead(d)
			r.AdjustTail(d)
			r.AdjustMeta(d)
		}
		out, _ := r.Finish()
		if len(out) < r.End-r.Data {
			t.Fatalf("data_out of %d bytes is shorter than the packet (%d)", len(out), r.End-r.Data)
		}
	})
}

// FuzzAccess checks that an accepted context access lies inside the field
// Access returns, for every type.
func FuzzAccess(f *testing.F) {
	f.Add(76, 4, false)
	f.Add(180, 1, true)
	f.Fuzz(func(t *testing.T, off, size int, write bool) {
		for _, pt := range Types {
			fld, err := pt.Access(off, size, write)
			if err != nil {
				continue
			}
			if off < fld.Off || off+size > fld.End() {
				t.Fatalf("%s: access off=%d size=%d accepted but outside field %s [%d,%d)", pt, off, size, fld.Name, fld.Off, fld.End())
			}
		}
	})
}
