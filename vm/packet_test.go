package vm

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

var ipv4Packet = []byte{
	0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	0, 53, 0, 53, 0, 8, 0, 0,
}

func runPacket(t *testing.T, typ *ctx.ProgType, p asm.Program, ctxIn []byte) (uint64, *PacketRun, error) {
	t.Helper()
	prog, err := Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	env, pr, err := NewPacketEnv(typ, ipv4Packet, ctxIn)
	if err != nil {
		t.Fatal(err)
	}
	res, err := prog.Run(env)
	return res.R0, pr, err
}

// TestPacketContext checks the context slow path: pointer fields become
// packet addresses, scalar fields read the test-run image, stores land in
// it, and accesses the verifier would refuse fault.
func TestPacketContext(t *testing.T) {
	tests := []struct {
		name    string
		typ     *ctx.ProgType
		prog    asm.Program
		want    uint64
		wantErr string
	}{
		{"tc data_end - data", ctx.SchedCLS, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 76),
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 80),
			asm.BPF_ALU64_REG(asm.BPF_SUB, asm.BPF_REG_0, asm.BPF_REG_2),
			asm.BPF_EXIT_INSN(),
		}, 42, ""},
		{"tc first packet byte through data", ctx.SchedCLS, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 76),
			asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_2, 14),
			asm.BPF_EXIT_INSN(),
		}, 0x45, ""},
		{"xdp ingress_ifindex", ctx.XDP, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 12),
			asm.BPF_EXIT_INSN(),
		}, 1, ""},
		{"socket filter len (network header on)", ctx.SocketFilter, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 0),
			asm.BPF_EXIT_INSN(),
		}, 28, ""},
		{"narrow protocol load", ctx.SchedCLS, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_1, 16),
			asm.BPF_EXIT_INSN(),
		}, 0x08, ""},
		{"mark store then load", ctx.SchedCLS, asm.Program{
			asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_1, 8, 77),
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 8),
			asm.BPF_EXIT_INSN(),
		}, 77, ""},
		{"store to a read-only field", ctx.SocketFilter, asm.Program{
			asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_1, 8, 77),
			asm.BPF_EXIT_INSN(),
		}, 0, "pc 0: out of bounds: store 4 bytes at __sk_buff+8: invalid bpf_context access off=8 size=4"},
		{"load past the context", ctx.XDP, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 24),
			asm.BPF_EXIT_INSN(),
		}, 0, "invalid bpf_context access off=24 size=4"},
		{"packet read past data_end", ctx.XDP, asm.Program{
			asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 0),
			asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_2, 42),
			asm.BPF_EXIT_INSN(),
		}, 0, "out of bounds: load 1 bytes at pkt+42"},
	}
	for _, tt := range tests {
		got, _, err := runPacket(t, tt.typ, tt.prog, nil)
		switch {
		case tt.wantErr != "":
			var re *RuntimeError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.wantErr)
			}
		case err != nil || got != tt.want:
			t.Errorf("%s: got %#x, %v; want %#x", tt.name, got, err, tt.want)
		}
	}
}

// TestCsumArithmetic checks the one's-complement helpers against a plain
// 16-bit sum: folding csumPartial of a buffer equals the RFC 1071 sum.
func TestCsumArithmetic(t *testing.T) {
	for n := 0; n < 40; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		var ref uint32
		for i := 0; i < n; i += 2 {
			w := uint32(b[i])
			if i+1 < n {
				w |= uint32(b[i+1]) << 8
			}
			ref += w
		}
		for ref > 0xffff {
			ref = ref&0xffff + ref>>16
		}
		if got := ^csumFold(csumPartial(b, 0)); uint32(got) != ref && !(ref == 0xffff && got == 0) && !(ref == 0 && got == 0xffff) {
			t.Errorf("%d bytes: folded csum_partial %#x, plain sum %#x", n, got, ref)
		}
	}
}
