package vm

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// More packet byte helpers (net/core/filter.c, 6.12): loads relative to
// the MAC or network header, bpf_skb_pull_data, and the XDP helpers that
// reach a multi-buffer packet's fragments.

func init() {
	registerHelper(asm.BPF_FUNC_skb_load_bytes_relative, helperSkbLoadBytesRelative)
	registerHelper(asm.BPF_FUNC_skb_pull_data, helperSkbPullData)
	registerHelper(asm.BPF_FUNC_xdp_get_buff_len, helperXDPGetBuffLen)
	registerHelper(asm.BPF_FUNC_xdp_load_bytes, func(env *Env, _, off, buf, n, _ uint64) (uint64, error) {
		return xdpBytes(env, "bpf_xdp_load_bytes", off, buf, n, false)
	})
	registerHelper(asm.BPF_FUNC_xdp_store_bytes, func(env *Env, _, off, buf, n, _ uint64) (uint64, error) {
		return xdpBytes(env, "bpf_xdp_store_bytes", off, buf, n, true)
	})
}

// skbHeaders returns the offsets in the test run's buffer of the MAC and
// network headers: the Ethernet header is 14 bytes before the network
// header, and tc programs' data starts at it.
func skbHeaders(r *ctx.TestRun) (mac, network int) {
	if r.Type == ctx.SchedCLS || r.Type == ctx.SchedACT {
		return r.Data, r.Data + ctx.ETH_HLEN
	}
	return r.Data - ctx.ETH_HLEN, r.Data
}

// helperSkbLoadBytesRelative is bpf_skb_load_bytes_relative(skb, offset,
// to, len, start_header): start_header 0 counts from the MAC header, 1
// from the network header; on failure to is zeroed and the result is
// -EFAULT.
func helperSkbLoadBytesRelative(env *Env, _, off, to, n, start uint64) (uint64, error) {
	pr, err := packetRun(env, "bpf_skb_load_bytes_relative")
	if err != nil {
		return 0, err
	}
	dst, err := env.Mem.Slice(to, int(uint32(n)), true)
	if err != nil {
		return 0, err
	}
	r := pr.Run
	mac, network := skbHeaders(r)
	base := -1
	switch uint32(start) {
	case 0:
		base = mac
	case 1:
		base = network
	}
	o := uint64(uint32(off))
	if base < 0 || o > 0xffff || uint64(base)+o+uint64(len(dst)) > uint64(r.End) {
		clear(dst)
		return errno(syscall.EFAULT), nil
	}
	copy(dst, r.Buf[base+int(o):])
	return 0, nil
}

// helperSkbPullData is bpf_skb_pull_data(skb, len): the test-run skb is
// linear, so it only checks that len (0: the whole packet) bytes exist
// (-ENOMEM otherwise).
func helperSkbPullData(env *Env, _, n, _, _, _ uint64) (uint64, error) {
	pr, err := packetRun(env, "bpf_skb_pull_data")
	if err != nil {
		return 0, err
	}
	if uint64(uint32(n)) > uint64(len(pr.Run.Packet())) {
		return errno(syscall.ENOMEM), nil
	}
	return 0, nil
}

// helperXDPGetBuffLen is bpf_xdp_get_buff_len(xdp): the linear part and
// the fragments.
func helperXDPGetBuffLen(env *Env, _, _, _, _, _ uint64) (uint64, error) {
	pr, err := packetRun(env, "bpf_xdp_get_buff_len")
	if err != nil {
		return 0, err
	}
	return uint64(xdpBuffLen(pr.Run)), nil
}

func xdpBuffLen(r *ctx.TestRun) int {
	n := r.End - r.Data
	for _, f := range r.Frags {
		n += len(f)
	}
	return n
}

// xdpBytes is bpf_xdp_load_bytes and bpf_xdp_store_bytes: len bytes at
// offset of the packet seen as one run of bytes across the linear part and
// the fragments. -EFAULT for an offset or length above 0xffff, -EINVAL
// past the end; buf is left alone on failure.
func xdpBytes(env *Env, name string, off, buf, n uint64, store bool) (uint64, error) {
	pr, err := packetRun(env, name)
	if err != nil {
		return 0, err
	}
	if pr.Run.Type != ctx.XDP {
		return 0, fault(FaultHelper, "%s is an XDP helper", name)
	}
	o, l := uint64(uint32(off)), uint64(uint32(n))
	b, err := env.Mem.Slice(buf, int(l), !store)
	if err != nil {
		return 0, err
	}
	if o > 0xffff || l > 0xffff {
		return errno(syscall.EFAULT), nil
	}
	r := pr.Run
	if o+l > uint64(xdpBuffLen(r)) {
		return errno(syscall.EINVAL), nil
	}
	parts := append([][]byte{r.Packet()}, r.Frags...)
	pos := int(o)
	for _, p := range parts {
		if len(b) == 0 {
			break
		}
		if pos >= len(p) {
			pos -= len(p)
			continue
		}
		var k int
		if store {
			k = copy(p[pos:], b)
		} else {
			k = copy(b, p[pos:])
		}
		b, pos = b[k:], 0
	}
	return 0, nil
}
