package ctx

import (
	"encoding/binary"
	"fmt"
	"syscall"
)

// packetKind is how BPF_PROG_TEST_RUN hands the packet to a program type.
type packetKind uint8

const (
	packetNone  packetKind = iota // no packet (plain programs)
	packetSkbL3                   // sk_buff, data at the network header (socket_filter, cgroup_skb)
	packetSkbL2                   // sk_buff, data at the Ethernet header (sched_cls, sched_act)
	packetXDP                     // xdp_buff
)

// Geometry of the kernel's test buffers on x86-64 (4 KiB pages, 64-byte
// cache lines), net/bpf/test_run.c and include/net/xdp.h of 6.12.
const (
	ETH_HLEN            = 14
	pageSize            = 4096
	skbHeadroom         = 64  // NET_SKB_PAD + NET_IP_ALIGN
	sharedInfoTailroom  = 320 // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
	XDP_PACKET_HEADROOM = 256
	xdpFrameSize        = 40  // sizeof(struct xdp_frame): adjust_head/meta may not reach into it
	xdpMetaMax          = 252 // xdp_metalen_invalid: a multiple of 4 below 256 (6.18; 6.12 allowed only 32)
	loopbackIfindex     = 1
	gsoMaxSegs          = 65535
	gsoLegacyMaxSize    = 65536
	maxSkbFrags         = 17 // MAX_SKB_FRAGS
)

// Values of sk_buff fields the kernel derives from the packet.
const (
	PACKET_HOST      = 0
	PACKET_BROADCAST = 1
	PACKET_MULTICAST = 2
	PACKET_OTHERHOST = 3
	AF_INET          = 2
	AF_INET6         = 10
	ETH_P_IP         = 0x0800
	ETH_P_IPV6       = 0x86DD
	ETH_P_802_3      = 0x0001
	ETH_P_802_2      = 0x0004
)

// TestRunError is a BPF_PROG_TEST_RUN failure before the program runs:
// the errno the kernel returns and why.
type TestRunError struct {
	Errno syscall.Errno
	Msg   string
}

func (e *TestRunError) Error() string { return "test run: " + e.Msg }

// Unwrap returns the errno, so errors.Is(err, syscall.EINVAL) works.
func (e *TestRunError) Unwrap() error { return e.Errno }

func runErr(errno syscall.Errno, format string, args ...any) error {
	return &TestRunError{Errno: errno, Msg: fmt.Sprintf(format, args...)}
}

// TestRun is the state BPF_PROG_TEST_RUN sets up for one run of a packet
// program: the kernel's linear buffer with the packet in it, and the
// context as the program reads it. An engine (vm, jit) maps Buf[Meta:End]
// as the packet (data_meta, data and data_end pointing at Meta, Data and
// End) and Ctx as the context, runs the program, and calls Finish.
//
// Ctx is an image of the context structure in which every field the program
// may read holds the value the kernel's convert_ctx_access would produce;
// pointer fields (data, data_end, data_meta, sk) are zero and must be
// supplied by the engine. The program's writes to writable fields go into
// the image, and Finish copies back the ones the kernel copies.
type TestRun struct {
	Type *ProgType
	Buf  []byte
	// Meta, Data and End are offsets into Buf: data_meta, data and
	// data_end. Meta == Data when there is no metadata.
	Meta, Data, End int
	Ctx             []byte
	// Sock is struct bpf_sock as __sk_buff.sk shows the socket a test
	// run attaches to skb programs' packets (nil for XDP): its family and
	// addresses come from the packet's IP header, its state is TCP_CLOSE.
	Sock []byte
	// Frags are the page fragments of a multi-buffer XDP packet: the
	// bytes past the linear area (3520 bytes without metadata), which the
	// program reaches only through helpers.
	Frags [][]byte
	// fragSize is the frag_size of the rx queue the run uses: a page on
	// the loopback device's queue, which the test run sets up for
	// fragments, and 0 on any other device's queue (ctx_in names it with
	// ingress_ifindex), where fragments cannot grow.
	fragSize int
	// ctxOut is the context the kernel copies back, before Finish fills it.
	ctxOut []byte
}

// Packet returns the bytes between data and data_end.
func (r *TestRun) Packet() []byte { return r.Buf[r.Data:r.End] }

// NewTestRun builds what BPF_PROG_TEST_RUN builds for a program of type t
// from data_in and ctx_in, with the
// kernel's checks and errnos (net/bpf/test_run.c, 6.12):
//
//   - skb types: the packet must hold an Ethernet header (≥ 14 bytes, else
//     EINVAL), and a full IPv4 (20) or IPv6 (40) header after it when the
//     Ethernet type says so; skb->protocol comes from the Ethernet type
//     (eth_type_trans), pkt_type from the destination address compared with
//     the loopback device's; socket filters and cgroup_skb programs see the
//     packet from the network header on, tc programs from the Ethernet
//     header. ctx_in may set only mark, priority, ingress_ifindex, ifindex,
//     cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp (other non-zero
//     bytes: EINVAL).
//   - xdp: ctx_in may set data (the metadata length: a multiple of 4 that
//     fits the headroom above struct xdp_frame, at most 216), data_end
//     (≤ len(data_in); what lies past it goes to page fragments, as does
//     what does not fit the linear area), ingress_ifindex and
//     rx_queue_index; data_meta and egress_ifindex must be zero.
//
// A nil ctxIn means the caller passes neither ctx_in nor ctx_out; a
// non-nil empty ctxIn means ctx_out only, which the kernel treats as an
// all-zero ctx_in (for skb types this makes wire_len the packet length; for
// xdp it makes data_end 0, so the packet ends up in fragments).
//
// Interface indexes other than the loopback's (1) are assumed to exist, and
// pkt_type is computed against the loopback's all-zero address even then.
// An XDP run on another device uses that device's rx queue, which has no
// room for fragments to grow (see AdjustTail).
func NewTestRun(t *ProgType, data, ctxIn []byte) (*TestRun, error) {
	switch t.packet {
	case packetSkbL2, packetSkbL3:
		return newSkbRun(t, data, ctxIn)
	case packetXDP:
		return newXDPRun(t, data, ctxIn)
	}
	return nil, runErr(syscall.ENOTSUP, "program type %s has no packet test run", t.Name)
}

// ctxInit models bpf_ctx_init: a ctx_in longer than the structure must be
// zero past its end (E2BIG otherwise); a shorter one is zero-extended.
func ctxInit(ctxIn []byte, size int) ([]byte, error) {
	img := make([]byte, size)
	if ctxIn == nil {
		return img, nil
	}
	for i := size; i < len(ctxIn); i++ {
		if ctxIn[i] != 0 {
			return nil, runErr(syscall.E2BIG, "ctx_in is %d bytes and byte %d past the %d-byte context is not zero", len(ctxIn), i, size)
		}
	}
	copy(img, ctxIn)
	return img, nil
}

// skbCtxAllowed lists the __sk_buff byte ranges ctx_in may set
// (convert___skb_to_skb); every other byte must be zero.
var skbCtxAllowed = [][2]int{{8, 12}, {32, 44}, {48, 68}, {152, 168}, {176, 180}, {184, 192}}

func newSkbRun(t *ProgType, data, ctxIn []byte) (*TestRun, error) {
	if len(data) < ETH_HLEN {
		return nil, runErr(syscall.EINVAL, "packet of %d bytes is shorter than an Ethernet header (%d)", len(data), ETH_HLEN)
	}
	if len(data) > pageSize-skbHeadroom-sharedInfoTailroom {
		return nil, runErr(syscall.EINVAL, "packet of %d bytes is longer than %d", len(data), pageSize-skbHeadroom-sharedInfoTailroom)
	}
	in, err := ctxInit(ctxIn, SkBuff.Size)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	ifindex := le.Uint32(in[40:])
	if ifindex <= 1 {
		ifindex = loopbackIfindex
	}
	r := &TestRun{Type: t, Buf: make([]byte, pageSize-sharedInfoTailroom), Ctx: make([]byte, SkBuff.Size)}
	copy(r.Buf[skbHeadroom:], data)
	r.Data, r.End = skbHeadroom+ETH_HLEN, skbHeadroom+len(data)
	img := r.Ctx
	put := func(name string, v uint32) {
		f, _ := SkBuff.Field(name)
		le.PutUint32(img[f.Off:], v)
	}

	// eth_type_trans: pkt_type from the destination address, protocol from
	// the Ethernet type (raw 802.3 and 802.2 below 0x600).
	// The loopback device's address and broadcast address are both zero,
	// so ff:ff:ff:ff:ff:ff counts as multicast.
	dst := data[0:6]
	switch {
	case allBytes(dst, 0):
		put("pkt_type", PACKET_HOST)
	case dst[0]&1 == 0:
		put("pkt_type", PACKET_OTHERHOST)
	default:
		put("pkt_type", PACKET_MULTICAST)
	}
	proto := binary.BigEndian.Uint16(data[12:])
	if proto < 0x600 {
		if len(data) >= ETH_HLEN+2 && data[14] == 0xff && data[15] == 0xff {
			proto = ETH_P_802_3
		} else {
			proto = ETH_P_802_2
		}
	}
	// skb->protocol is big-endian in a 16-bit field; the program reads it
	// as a number, so the bytes appear swapped.
	put("protocol", uint32(proto>>8|proto<<8))
	l3 := data[ETH_HLEN:]
	switch proto {
	case ETH_P_IP:
		if len(l3) < 20 {
			return nil, runErr(syscall.EINVAL, "IPv4 packet has %d bytes after the Ethernet header, less than an IPv4 header (20)", len(l3))
		}
		put("family", AF_INET)
		put("local_ip4", le.Uint32(l3[12:]))
		put("remote_ip4", le.Uint32(l3[16:]))
	case ETH_P_IPV6:
		if len(l3) < 40 {
			return nil, runErr(syscall.EINVAL, "IPv6 packet has %d bytes after the Ethernet header, less than an IPv6 header (40)", len(l3))
		}
		put("family", AF_INET6)
		copy(img[116:132], l3[8:24])  // local_ip6 = source
		copy(img[100:116], l3[24:40]) // remote_ip6 = destination
	}
	if t.packet == packetSkbL2 {
		r.Data -= ETH_HLEN
	}
	r.Meta = r.Data

	// convert___skb_to_skb
	if ctxIn != nil {
		if off, ok := nonZeroOutside(in, skbCtxAllowed); ok {
			f, _ := SkBuff.At(off)
			return nil, runErr(syscall.EINVAL, "ctx_in sets __sk_buff.%s (byte %d), which test runs do not accept", f.Name, off)
		}
	}
	skbLen := uint32(r.End - r.Data)
	put("len", skbLen)
	copy(img[8:12], in[8:12])       // mark
	copy(img[32:40], in[32:40])     // priority, ingress_ifindex
	put("ifindex", ifindex)         // skb->dev->ifindex
	copy(img[48:68], in[48:68])     // cb
	copy(img[152:160], in[152:160]) // tstamp
	// Without a ctx_in the kernel skips convert___skb_to_skb altogether,
	// leaving wire_len (qdisc_skb_cb.pkt_len) zero.
	wire := le.Uint32(in[160:])
	if ctxIn == nil {
		wire = 0
	} else if wire == 0 {
		wire = skbLen
	} else if wire < skbLen || wire > gsoLegacyMaxSize {
		return nil, runErr(syscall.EINVAL, "ctx_in wire_len %d is outside [%d, %d]", wire, skbLen, gsoLegacyMaxSize)
	}
	put("wire_len", wire)
	if g := le.Uint32(in[164:]); g > gsoMaxSegs {
		return nil, runErr(syscall.EINVAL, "ctx_in gso_segs %d is above %d", g, gsoMaxSegs)
	}
	copy(img[164:168], in[164:168]) // gso_segs
	copy(img[176:180], in[176:180]) // gso_size
	copy(img[184:192], in[184:192]) // hwtstamp
	if ctxIn != nil {
		r.ctxOut = in
	}
	r.Sock = dummySock(img)
	return r, nil
}

// BPFSock is the size of struct bpf_sock (include/uapi/linux/bpf.h).
const BPFSock = 80

// dummySock builds the bpf_sock of the socket BPF_PROG_TEST_RUN allocates
// for skb programs (net/bpf/test_run.c sets its family and addresses from
// the packet), from the matching __sk_buff fields. Checked against 6.18.
func dummySock(skb []byte) []byte {
	sk := make([]byte, BPFSock)
	copy(sk[4:8], skb[88:92])                          // family
	copy(sk[24:28], skb[96:100])                       // src_ip4 = local_ip4
	copy(sk[28:44], skb[116:132])                      // src_ip6 = local_ip6
	copy(sk[52:56], skb[92:96])                        // dst_ip4 = remote_ip4
	copy(sk[56:72], skb[100:116])                      // dst_ip6 = remote_ip6
	binary.LittleEndian.PutUint32(sk[72:], 7)          // state: TCP_CLOSE
	binary.LittleEndian.PutUint32(sk[76:], 0xffffffff) // rx_queue_mapping: none
	return sk
}

func newXDPRun(t *ProgType, data, ctxIn []byte) (*TestRun, error) {
	le := binary.LittleEndian
	headroom := XDP_PACKET_HEADROOM
	linear := len(data)
	metaSz := 0
	in, err := ctxInit(ctxIn, XDPMd.Size)
	if err != nil {
		return nil, err
	}
	if ctxIn != nil {
		cData, cEnd, cMeta := int(le.Uint32(in[0:])), int(le.Uint32(in[4:])), le.Uint32(in[8:])
		switch {
		case cMeta != 0:
			return nil, runErr(syscall.EINVAL, "ctx_in data_meta must be 0")
		case cEnd > len(data):
			return nil, runErr(syscall.EINVAL, "ctx_in data_end %d is past the %d-byte packet", cEnd, len(data))
		case cData > cEnd:
			return nil, runErr(syscall.EINVAL, "ctx_in data %d is past data_end %d", cData, cEnd)
		case cData%4 != 0 || cData > xdpMetaMax || cData > headroom-xdpFrameSize:
			return nil, runErr(syscall.EINVAL, "ctx_in data %d is not a valid metadata length (a multiple of 4, at most %d)", cData, min(xdpMetaMax, headroom-xdpFrameSize))
		}
		metaSz = cData
		headroom -= metaSz
		linear = cEnd
	}
	maxLinear := pageSize - headroom - sharedInfoTailroom
	if linear > maxLinear {
		linear = maxLinear
	}
	if len(data)-metaSz < ETH_HLEN {
		return nil, runErr(syscall.EINVAL, "packet of %d bytes after %d bytes of metadata is shorter than an Ethernet header (%d)", len(data)-metaSz, metaSz, ETH_HLEN)
	}
	// What does not fit the linear area goes into page fragments, which
	// the program cannot reach directly (multi-buffer XDP).
	var frags [][]byte
	for rest := data[linear:]; len(rest) > 0; {
		if len(frags) == maxSkbFrags {
			return nil, runErr(syscall.ENOMEM, "packet of %d bytes needs more than %d fragments", len(data), maxSkbFrags)
		}
		n := min(len(rest), pageSize)
		frags = append(frags, append(make([]byte, 0, pageSize), rest[:n]...))
		rest = rest[n:]
	}
	ingress, rxq := le.Uint32(in[12:]), le.Uint32(in[16:])
	switch {
	case le.Uint32(in[20:]) != 0:
		return nil, runErr(syscall.EINVAL, "ctx_in egress_ifindex must be 0")
	case ingress == 0 && rxq != 0:
		return nil, runErr(syscall.EINVAL, "ctx_in rx_queue_index needs ingress_ifindex")
	case ingress == loopbackIfindex && rxq != 0:
		return nil, runErr(syscall.EINVAL, "ctx_in rx_queue_index %d: the loopback device has one queue", rxq)
	}
	r := &TestRun{Type: t, Buf: make([]byte, pageSize-sharedInfoTailroom), Ctx: make([]byte, XDPMd.Size), Frags: frags}
	copy(r.Buf[headroom:], data[:linear])
	r.Meta, r.Data, r.End = headroom, headroom+metaSz, headroom+linear
	if ingress == 0 {
		ingress = loopbackIfindex
	}
	if ingress == loopbackIfindex {
		r.fragSize = pageSize
	}
	le.PutUint32(r.Ctx[12:], ingress)
	le.PutUint32(r.Ctx[16:], rxq)
	if ctxIn != nil {
		r.ctxOut = in
	}
	return r, nil
}

// Finish returns what BPF_PROG_TEST_RUN copies back: data_out and, when the
// caller passed a context, ctx_out (nil otherwise).
//
// Socket filters and cgroup_skb programs saw the packet from the network
// header on; the kernel pushes back 14 bytes in front of it, zeroed, so the
// Ethernet header of data_out is always zero for them. XDP's data_out
// starts at data_meta. ctx_out is ctx_in with the fields the kernel copies
// back from the sk_buff (mark, priority, ingress_ifindex, ifindex, tstamp,
// cb, wire_len, gso_segs, hwtstamp) or, for XDP, with data and data_end
// relative to data_meta.
func (r *TestRun) Finish() (dataOut, ctxOut []byte) {
	switch r.Type.packet {
	case packetSkbL3:
		dataOut = append(make([]byte, ETH_HLEN), r.Buf[r.Data:r.End]...)
	case packetXDP:
		dataOut = append([]byte(nil), r.Buf[r.Meta:r.End]...)
		for _, f := range r.Frags {
			dataOut = append(dataOut, f...)
		}
	default:
		dataOut = append([]byte(nil), r.Buf[r.Data:r.End]...)
	}
	if r.ctxOut == nil {
		return dataOut, nil
	}
	out := append([]byte(nil), r.ctxOut...)
	le := binary.LittleEndian
	if r.Type.packet == packetXDP {
		le.PutUint32(out[0:], uint32(r.Data-r.Meta))
		le.PutUint32(out[4:], uint32(r.End-r.Meta))
		return dataOut, out
	}
	for _, rg := range [][2]int{{8, 12}, {32, 44}, {48, 68}, {152, 168}, {184, 192}} {
		copy(out[rg[0]:rg[1]], r.Ctx[rg[0]:rg[1]])
	}
	return dataOut, out
}

// AdjustHead moves data by delta bytes as bpf_xdp_adjust_head does, moving
// the metadata along; it returns the helper's result (0 or -EINVAL).
func (r *TestRun) AdjustHead(delta int) int64 {
	metaLen := r.Data - r.Meta
	data := r.Data + delta
	if data < xdpFrameSize+metaLen || data > r.End-ETH_HLEN {
		return -int64(syscall.EINVAL)
	}
	if metaLen > 0 {
		copy(r.Buf[r.Meta+delta:], r.Buf[r.Meta:r.Data])
	}
	r.Meta += delta
	r.Data = data
	return 0
}

// AdjustMeta moves data_meta by delta bytes as bpf_xdp_adjust_meta does.
func (r *TestRun) AdjustMeta(delta int) int64 {
	meta := r.Meta + delta
	if meta < xdpFrameSize || meta > r.Data {
		return -int64(syscall.EINVAL)
	}
	if l := r.Data - meta; l%4 != 0 || l > xdpMetaMax {
		return -int64(syscall.EACCES)
	}
	r.Meta = meta
	return 0
}

// AdjustTail moves data_end by delta bytes as bpf_xdp_adjust_tail does,
// zeroing bytes it adds. A multi-buffer packet grows into the last
// fragment's page and shrinks from the last fragment backwards, freeing
// fragments it empties. Growing (or a zero delta) fails with -EOPNOTSUPP
// when the rx queue has no fragment room: ingress_ifindex named a device
// other than the loopback.
func (r *TestRun) AdjustTail(delta int) int64 {
	if len(r.Frags) > 0 {
		return r.adjustFragsTail(delta)
	}
	end := r.End + delta
	if end > len(r.Buf) || end < r.Data+ETH_HLEN {
		return -int64(syscall.EINVAL)
	}
	if delta > 0 {
		clear(r.Buf[r.End:end])
	}
	r.End = end
	return 0
}

func allBytes(b []byte, v byte) bool {
	for _, c := range b {
		if c != v {
			return false
		}
	}
	return true
}

// nonZeroOutside returns the first non-zero byte of b outside the allowed
// ranges.
func nonZeroOutside(b []byte, allowed [][2]int) (int, bool) {
next:
	for i, c := range b {
		if c == 0 {
			continue
		}
		for _, rg := range allowed {
			if i >= rg[0] && i < rg[1] {
				continue next
			}
		}
		return i, true
	}
	return 0, false
}

// TestRunFields lists the context fields BPF_PROG_TEST_RUN takes from
// ctx_in and reports in ctx_out for the program type (nil for types
// without a packet test run).
func (t *ProgType) TestRunFields() []Field {
	var names []string
	switch t.packet {
	case packetSkbL2, packetSkbL3:
		names = []string{"mark", "priority", "ingress_ifindex", "ifindex", "cb", "tstamp", "wire_len", "gso_segs", "gso_size", "hwtstamp"}
	case packetXDP:
		names = []string{"data", "data_end", "ingress_ifindex", "rx_queue_index"}
	}
	var fs []Field
	for _, n := range names {
		f, _ := t.Ctx.Field(n)
		fs = append(fs, f)
	}
	return fs
}

// adjustFragsTail is bpf_xdp_frags_shrink_tail and
// bpf_xdp_frags_increase_tail.
func (r *TestRun) adjustFragsTail(delta int) int64 {
	if delta >= 0 {
		if r.fragSize == 0 {
			return -int64(syscall.EOPNOTSUPP)
		}
		last := &r.Frags[len(r.Frags)-1]
		if delta > r.fragSize-len(*last) {
			return -int64(syscall.EINVAL)
		}
		*last = append(*last, make([]byte, delta)...)
		return 0
	}
	shrink := -delta
	total := r.End - r.Data
	for _, f := range r.Frags {
		total += len(f)
	}
	if shrink > total-ETH_HLEN {
		return -int64(syscall.EINVAL)
	}
	for len(r.Frags) > 0 && shrink > 0 {
		last := &r.Frags[len(r.Frags)-1]
		n := min(shrink, len(*last))
		shrink -= n
		if n == len(*last) {
			r.Frags = r.Frags[:len(r.Frags)-1]
			continue
		}
		*last = (*last)[:len(*last)-n]
		break
	}
	if len(r.Frags) == 0 {
		r.Frags = nil
		r.End -= shrink
	}
	return 0
}
