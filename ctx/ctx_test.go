package ctx

import (
	"errors"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The rows were checked against Linux 6.18 (loading a one-instruction
// access and reading the verifier's verdict).
func TestAccess(t *testing.T) {
	tests := []struct {
		typ       *ProgType
		off, size int
		write     bool
		want      string // field name, "" for rejected
	}{
		{SocketFilter, 0, 4, false, "len"},
		{SocketFilter, 1, 1, false, "len"},  // narrow read
		{SocketFilter, 2, 2, false, "len"},  // narrow read
		{SocketFilter, 2, 4, false, ""},     // misaligned
		{SocketFilter, 0, 8, false, ""},     // wider than the field
		{SocketFilter, 8, 4, true, ""},      // mark is read-only here
		{SocketFilter, 48, 8, true, "cb"},   // cb may be written at any size
		{SocketFilter, 76, 4, false, ""},    // no direct packet access
		{SocketFilter, 168, 8, false, "sk"}, // sk pointer
		{SchedCLS, 76, 4, false, "data"},
		{SchedCLS, 76, 2, false, ""}, // pointers only whole
		{SchedCLS, 8, 4, true, "mark"},
		{SchedCLS, 8, 2, true, ""}, // no narrow writes
		{SchedCLS, 88, 4, false, ""},
		{SchedCLS, 180, 1, false, "tstamp_type"},
		{SchedCLS, 181, 1, false, ""}, // padding
		{SchedCLS, 152, 8, true, "tstamp"},
		{SchedCLS, 192, 4, false, ""},
		{CgroupSKB, 88, 4, false, "family"},
		{CgroupSKB, 140, 4, false, ""}, // no data_meta
		{CgroupSKB, 32, 4, true, "priority"},
		{CgroupSKB, 180, 1, false, ""},
		{XDP, 0, 4, false, "data"},
		{XDP, 12, 4, false, "ingress_ifindex"},
		{XDP, 12, 2, false, ""},
		{XDP, 20, 4, false, ""}, // egress_ifindex outside devmap programs
		{XDP, 16, 4, true, ""},
		{None, 0, 4, false, ""},
	}
	for _, tt := range tests {
		f, err := tt.typ.Access(tt.off, tt.size, tt.write)
		if tt.want == "" {
			var ae *AccessError
			if !errors.As(err, &ae) || !errors.Is(err, syscall.EACCES) {
				t.Errorf("%s off=%d size=%d write=%v: got %v, %v; want rejection", tt.typ, tt.off, tt.size, tt.write, f.Name, err)
			}
			continue
		}
		if err != nil || f.Name != tt.want {
			t.Errorf("%s off=%d size=%d write=%v: got %q, %v; want %q", tt.typ, tt.off, tt.size, tt.write, f.Name, err, tt.want)
		}
	}
	if _, err := SchedCLS.AccessSX(76, 4); err == nil {
		t.Errorf("sign-extending load of data accepted")
	}
	if got := (&AccessError{Off: 80, Size: 2}).Error(); got != "invalid bpf_context access off=80 size=2" {
		t.Errorf("message %q", got)
	}
}

func TestForType(t *testing.T) {
	for name, want := range map[string]*ProgType{"xdp": XDP, "tc": SchedCLS, "sched_act": SchedACT, "socket": SocketFilter, "cgroup_skb": CgroupSKB, "none": None} {
		if got, err := ForType(name); err != nil || got != want {
			t.Errorf("ForType(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := ForType("kprobe"); err == nil {
		t.Errorf("ForType(kprobe) succeeded")
	}
	if got := XDP.RetvalName(1); got != "XDP_DROP" {
		t.Errorf("XDP.RetvalName(1) = %q", got)
	}
	if got := SchedCLS.RetvalName(0xffffffff); got != "TC_ACT_UNSPEC" {
		t.Errorf("SchedCLS.RetvalName(-1) = %q", got)
	}
}

func TestLayouts(t *testing.T) {
	for _, l := range []*Layout{SkBuff, XDPMd} {
		end := 0
		for _, f := range l.Fields {
			if f.Off < end || f.Size%f.Elem != 0 {
				t.Errorf("%s.%s overlaps or has bad element size", l.Name, f.Name)
			}
			end = f.End()
		}
		if end != l.Size {
			t.Errorf("%s ends at %d, size %d", l.Name, end, l.Size)
		}
	}
}

var ipv4 = []byte{
	0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	0, 53, 0, 53, 0, 8, 0, 0,
}

func TestNewTestRun(t *testing.T) {
	tests := []struct {
		name  string
		typ   *ProgType
		data  []byte
		ctxIn []byte
		errno syscall.Errno
	}{
		{"runt", SchedCLS, ipv4[:13], nil, syscall.EINVAL},
		{"short ipv4", SocketFilter, ipv4[:30], nil, syscall.EINVAL},
		{"ok", SocketFilter, ipv4, nil, 0},
		{"len in ctx_in", SchedCLS, ipv4, []byte{1}, syscall.EINVAL},
		{"mark in ctx_in", SchedCLS, ipv4, []byte{0, 0, 0, 0, 0, 0, 0, 0, 7}, 0},
		{"long ctx_in", SchedCLS, ipv4, append(make([]byte, 192), 1), syscall.E2BIG},
		{"xdp runt", XDP, ipv4[:13], nil, syscall.EINVAL},
		{"xdp meta", XDP, ipv4, []byte{8, 0, 0, 0, 42, 0, 0, 0}, 0},
		{"xdp odd meta", XDP, ipv4, []byte{6, 0, 0, 0, 42, 0, 0, 0}, syscall.EINVAL},
		{"xdp data_end past packet", XDP, ipv4, []byte{0, 0, 0, 0, 43, 0, 0, 0}, syscall.EINVAL},
		{"xdp rxq without ifindex", XDP, ipv4, []byte{0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, syscall.EINVAL},
		{"none", None, ipv4, nil, syscall.ENOTSUP},
	}
	for _, tt := range tests {
		_, err := NewTestRun(tt.typ, tt.data, tt.ctxIn)
		if tt.errno == 0 && err != nil || tt.errno != 0 && !errors.Is(err, tt.errno) {
			t.Errorf("%s: got %v, want errno %v", tt.name, err, tt.errno)
		}
	}
}

func TestFinish(t *testing.T) {
	r, err := NewTestRun(SocketFilter, ipv4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.Packet()); got != len(ipv4)-ETH_HLEN {
		t.Errorf("socket filter sees %d bytes", got)
	}
	out, ctxOut := r.Finish()
	want := append(make([]byte, 14), ipv4[14:]...)
	if diff := cmp.Diff(want, out); diff != "" || ctxOut != nil {
		t.Errorf("socket filter data_out (-want +got):\n%s (ctx_out %v)", diff, ctxOut)
	}

	r, err = NewTestRun(XDP, ipv4, []byte{8, 0, 0, 0, 42, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if r.AdjustHead(4) != 0 || r.AdjustTail(-2) != 0 {
		t.Fatalf("adjust failed")
	}
	out, ctxOut = r.Finish()
	wantCtx := []byte{8, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if diff := cmp.Diff(wantCtx, ctxOut); diff != "" {
		t.Errorf("xdp ctx_out (-want +got):\n%s", diff)
	}
	wantOut := append(append([]byte(nil), ipv4[:8]...), ipv4[12:40]...)
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("xdp data_out (-want +got):\n%s", diff)
	}
	if r.AdjustHead(-300) == 0 || r.AdjustTail(4000) == 0 || r.AdjustMeta(2) == 0 {
		t.Errorf("out-of-range adjustments succeeded")
	}
}

// TestXDPFrags checks multi-buffer XDP packets: the program sees the
// linear 3520 bytes, data_out has them all, and shrinking the tail frees
// fragments before it cuts into the linear area.
func TestXDPFrags(t *testing.T) {
	data := make([]byte, 5000)
	copy(data, ipv4)
	r, err := NewTestRun(XDP, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.Packet()); got != 3520 {
		t.Errorf("linear part %d bytes, want 3520", got)
	}
	if out, _ := r.Finish(); len(out) != 5000 {
		t.Errorf("data_out %d bytes, want 5000", len(out))
	}
	if r.AdjustTail(3000) == 0 { // the last page has 4096-1480 bytes of room
		t.Errorf("growing past the last fragment's page succeeded")
	}
	if r.AdjustTail(-1500) != 0 || len(r.Frags) != 0 || len(r.Packet()) != 3500 {
		t.Errorf("after shrinking by 1500: %d fragments, %d linear bytes", len(r.Frags), len(r.Packet()))
	}
	// On another device's rx queue (ingress_ifindex 2) fragments have no
	// room to grow; shrinking works as on the loopback's.
	r, err = NewTestRun(XDP, data, []byte{0, 0, 0, 0, 0x88, 0x13, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.AdjustTail(30); got != -int64(syscall.EOPNOTSUPP) {
		t.Errorf("growing fragments on ifindex 2: got %d, want -EOPNOTSUPP", got)
	}
	if out, _ := r.Finish(); len(out) != 5000 {
		t.Errorf("after the failed growth data_out is %d bytes, want 5000", len(out))
	}
	if r.AdjustTail(-1500) != 0 || len(r.Frags) != 0 || len(r.Packet()) != 3500 {
		t.Errorf("ifindex 2, after shrinking by 1500: %d fragments, %d linear bytes", len(r.Frags), len(r.Packet()))
	}
	if _, err := NewTestRun(XDP, make([]byte, 3520+18*4096), nil); !errors.Is(err, syscall.ENOMEM) {
		t.Errorf("18 fragments: got %v, want ENOMEM", err)
	}
}
