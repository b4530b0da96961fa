package vm

import (
	"encoding/binary"
	"syscall"

	"github.com/bpflab/bpflab/ctx"
)

// VLAN helpers of tc programs (net/core/filter.c and net/core/skbuff.c,
// 6.12). The test-run skb starts without an offloaded ("hardware
// accelerated") tag; a VLAN header in the packet stays in the packet, and
// skb->protocol is then 802.1Q. Pushing a tag puts it in the offload
// fields (vlan_present, vlan_tci, vlan_proto); pushing a second one first
// moves the offloaded tag into the packet. Popping clears the offloaded tag
// or removes the packet's outer tag, and then moves a following inner tag
// to the offload fields.

const (
	ethP8021Q  = 0x8100
	ethP8021AD = 0x88A8
	vlanHLen   = 4
)

// skb fields the VLAN helpers change, by offset in __sk_buff.
const (
	offProtocol    = 16
	offVlanPresent = 20
	offVlanTCI     = 24
	offVlanProto   = 28
)

func vlanRun(env *Env, name string) (*PacketRun, error) {
	pr, err := packetRun(env, name)
	if err != nil {
		return nil, err
	}
	if pr.Run.Type != ctx.SchedCLS && pr.Run.Type != ctx.SchedACT {
		return nil, fault(FaultHelper, "%s is modelled for tc programs only", name)
	}
	return pr, nil
}

// be16 fields of the skb are stored in network order; the program reads
// them as numbers, so the context image holds them byte-swapped.
func getBE16(img []byte, off int) uint16 {
	return binary.BigEndian.Uint16(img[off:])
}

func putBE16(img []byte, off int, v uint16) {
	binary.LittleEndian.PutUint32(img[off:], 0)
	binary.BigEndian.PutUint16(img[off:], v)
}

func setHWTag(img []byte, proto, tci uint16) {
	putBE16(img, offVlanProto, proto)
	binary.LittleEndian.PutUint32(img[offVlanTCI:], uint32(tci))
	present := uint32(0)
	if proto != 0 || tci != 0 {
		present = 1
	}
	binary.LittleEndian.PutUint32(img[offVlanPresent:], present)
}

// helperSkbVlanPush is bpf_skb_vlan_push(skb, vlan_proto, vlan_tci); a
// protocol other than 802.1Q/802.1AD is taken as 802.1Q.
func helperSkbVlanPush(env *Env, _, protoArg, tciArg, _, _ uint64) (uint64, error) {
	pr, err := vlanRun(env, "bpf_skb_vlan_push")
	if err != nil {
		return 0, err
	}
	r, img := pr.Run, pr.Run.Ctx
	proto := uint16(protoArg)
	proto = proto>>8 | proto<<8 // the argument is __be16
	if proto != ethP8021Q && proto != ethP8021AD {
		proto = ethP8021Q
	}
	if binary.LittleEndian.Uint32(img[offVlanPresent:]) != 0 {
		if r.Data < vlanHLen || r.End-r.Data < 2*6 {
			return errno(syscall.ENOMEM), nil
		}
		// __vlan_insert_tag: the addresses move 4 bytes to the front, the
		// offloaded tag goes in after them.
		old, oldTCI := getBE16(img, offVlanProto), uint16(binary.LittleEndian.Uint32(img[offVlanTCI:]))
		copy(r.Buf[r.Data-vlanHLen:], r.Buf[r.Data:r.Data+12])
		r.Data -= vlanHLen
		r.Meta = r.Data
		binary.BigEndian.PutUint16(r.Buf[r.Data+12:], old)
		binary.BigEndian.PutUint16(r.Buf[r.Data+14:], oldTCI)
		putBE16(img, offProtocol, old)
	}
	setHWTag(img, proto, uint16(tciArg))
	pr.remap(env)
	return 0, nil
}

func isVlanProto(p uint16) bool { return p == ethP8021Q || p == ethP8021AD }

// skbVlanPopPacket is __skb_vlan_pop: remove the packet's outer tag and
// take skb->protocol from the encapsulated type.
func skbVlanPopPacket(pr *PacketRun) (uint16, bool) {
	r, img := pr.Run, pr.Run.Ctx
	if r.End-r.Data < ctx.ETH_HLEN+vlanHLen {
		return 0, false
	}
	tag := r.Buf[r.Data+ctx.ETH_HLEN:]
	tci := binary.BigEndian.Uint16(tag)
	inner := binary.BigEndian.Uint16(tag[2:])
	after := r.Buf[r.Data+ctx.ETH_HLEN+vlanHLen : r.End]
	copy(r.Buf[r.Data+vlanHLen:], r.Buf[r.Data:r.Data+12])
	r.Data += vlanHLen
	r.Meta = r.Data
	switch {
	case inner >= 0x600:
	case len(after) >= 2 && after[0] == 0xff && after[1] == 0xff:
		inner = ctx.ETH_P_802_3
	default:
		inner = ctx.ETH_P_802_2
	}
	putBE16(img, offProtocol, inner)
	return tci, true
}

// helperSkbVlanPop is bpf_skb_vlan_pop(skb).
func helperSkbVlanPop(env *Env, _, _, _, _, _ uint64) (uint64, error) {
	pr, err := vlanRun(env, "bpf_skb_vlan_pop")
	if err != nil {
		return 0, err
	}
	img := pr.Run.Ctx
	defer pr.remap(env)
	if binary.LittleEndian.Uint32(img[offVlanPresent:]) != 0 {
		setHWTag(img, 0, 0)
	} else {
		if !isVlanProto(getBE16(img, offProtocol)) {
			return 0, nil
		}
		if _, ok := skbVlanPopPacket(pr); !ok {
			return errno(syscall.ENOMEM), nil
		}
	}
	proto := getBE16(img, offProtocol)
	if !isVlanProto(proto) {
		return 0, nil
	}
	tci, ok := skbVlanPopPacket(pr)
	if !ok {
		return errno(syscall.ENOMEM), nil
	}
	setHWTag(img, proto, tci)
	return 0, nil
}

// helperSkbChangeProto is bpf_skb_change_proto(skb, proto, flags) of tc
// programs: IPv4 to IPv6 inserts 20 zero bytes after the Ethernet header,
// IPv6 to IPv4 removes the 20 bytes there (-ENOMEM when the packet is
// shorter than 34 bytes); skb->protocol changes and the hash is cleared, the
// Ethernet type in the packet does not. Other changes are -ENOTSUPP (524),
// flags -EINVAL. The Ethernet header is taken to be 14 bytes, as it is in a
// test run unless VLAN helpers moved it.
func helperSkbChangeProto(env *Env, _, protoArg, flags, _, _ uint64) (uint64, error) {
	pr, err := vlanRun(env, "bpf_skb_change_proto")
	if err != nil {
		return 0, err
	}
	if flags != 0 {
		return errno(syscall.EINVAL), nil
	}
	const lenDiff, enotsupp = 20, 524
	r, img := pr.Run, pr.Run.Ctx
	from := getBE16(img, offProtocol)
	to := uint16(protoArg)
	to = to>>8 | to<<8
	defer pr.remap(env)
	switch {
	case from == ctx.ETH_P_IP && to == ctx.ETH_P_IPV6:
		if r.Data < lenDiff {
			return errno(syscall.ENOMEM), nil
		}
		copy(r.Buf[r.Data-lenDiff:], r.Buf[r.Data:r.Data+ctx.ETH_HLEN])
		r.Data -= lenDiff
		clear(r.Buf[r.Data+ctx.ETH_HLEN : r.Data+ctx.ETH_HLEN+lenDiff])
	case from == ctx.ETH_P_IPV6 && to == ctx.ETH_P_IP:
		if r.End-r.Data < ctx.ETH_HLEN+lenDiff {
			return errno(syscall.ENOMEM), nil
		}
		copy(r.Buf[r.Data+lenDiff:], r.Buf[r.Data:r.Data+ctx.ETH_HLEN])
		r.Data += lenDiff
	default:
		return negErrno(enotsupp), nil
	}
	r.Meta = r.Data
	putBE16(img, offProtocol, to)
	binary.LittleEndian.PutUint32(img[68:], 0) // skb_clear_hash
	return 0, nil
}
