package ctx

// SkBuff is struct __sk_buff (include/uapi/linux/bpf.h, 6.12): the context
// of socket filters, tc programs and cgroup skb programs. Bytes 181..183
// are padding.
var SkBuff = &Layout{Name: "__sk_buff", Size: 192, Fields: []Field{
	u32("len", 0), u32("pkt_type", 4), u32("mark", 8), u32("queue_mapping", 12),
	u32("protocol", 16), u32("vlan_present", 20), u32("vlan_tci", 24), u32("vlan_proto", 28),
	u32("priority", 32), u32("ingress_ifindex", 36), u32("ifindex", 40), u32("tc_index", 44),
	{Name: "cb", Off: 48, Size: 20, Elem: 4},
	u32("hash", 68), u32("tc_classid", 72),
	{Name: "data", Off: 76, Size: 4, Elem: 4, Kind: PtrToPacket},
	{Name: "data_end", Off: 80, Size: 4, Elem: 4, Kind: PtrToPacketEnd},
	u32("napi_id", 84), u32("family", 88), u32("remote_ip4", 92), u32("local_ip4", 96),
	{Name: "remote_ip6", Off: 100, Size: 16, Elem: 4},
	{Name: "local_ip6", Off: 116, Size: 16, Elem: 4},
	u32("remote_port", 132), u32("local_port", 136),
	{Name: "data_meta", Off: 140, Size: 4, Elem: 4, Kind: PtrToPacketMeta},
	{Name: "flow_keys", Off: 144, Size: 8, Elem: 8, Kind: PtrToFlowKeys},
	{Name: "tstamp", Off: 152, Size: 8, Elem: 8},
	u32("wire_len", 160), u32("gso_segs", 164),
	{Name: "sk", Off: 168, Size: 8, Elem: 8, Kind: PtrToSockCommon},
	u32("gso_size", 176),
	{Name: "tstamp_type", Off: 180, Size: 1, Elem: 1},
	{Name: "hwtstamp", Off: 184, Size: 8, Elem: 8},
}}

func u32(name string, off int) Field { return Field{Name: name, Off: off, Size: 4, Elem: 4} }

// in reports whether f is one of names.
func in(f Field, names ...string) bool {
	for _, n := range names {
		if f.Name == n {
			return true
		}
	}
	return false
}

// sockFields are family … local_port, which only cgroup and sk_skb
// programs may read.
var sockFields = []string{"family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port"}

// bpfSkbIsValidAccess models bpf_skb_is_valid_access (net/core/filter.c,
// 6.12), the checks common to every __sk_buff program type.
func bpfSkbIsValidAccess(f Field, ok bool, off, size int, a access) bool {
	if off < 0 || off >= SkBuff.Size || !ok { // !ok: the padding before hwtstamp
		return false
	}
	if off%size != 0 {
		return false
	}
	switch f.Name {
	case "cb":
		return off+size <= f.End()
	case "data", "data_meta", "data_end":
		return !a.sx && size == 4
	case "remote_ip6", "local_ip6", "remote_ip4", "local_ip4":
		return size == 4
	case "flow_keys", "tstamp_type":
		return false
	case "hwtstamp", "sk":
		return !a.write && size == 8
	case "tstamp":
		return size == 8
	}
	// Everything else is a u32: whole-word writes, power-of-two narrow reads.
	if a.write {
		return size == 4
	}
	return size <= 4 && size&(size-1) == 0
}

// skFilterIsValidAccess models sk_filter_is_valid_access: no direct packet
// access, no socket or time fields, and only cb[] is writable.
func skFilterIsValidAccess(f Field, ok bool, off, size int, a access) bool {
	if ok && in(f, append([]string{"tc_classid", "data", "data_meta", "data_end", "tstamp", "wire_len", "hwtstamp"}, sockFields...)...) {
		return false
	}
	if a.write && !(ok && f.Name == "cb") {
		return false
	}
	return bpfSkbIsValidAccess(f, ok, off, size, a)
}

// cgSkbIsValidAccess models cg_skb_is_valid_access for a CAP_BPF loader
// (bpflab runs as root): data and data_end are packet pointers, mark,
// priority, cb[] and tstamp are writable.
func cgSkbIsValidAccess(f Field, ok bool, off, size int, a access) bool {
	if ok && in(f, "tc_classid", "data_meta", "wire_len") {
		return false
	}
	if a.write && !(ok && in(f, "mark", "priority", "cb", "tstamp")) {
		return false
	}
	return bpfSkbIsValidAccess(f, ok, off, size, a)
}

// tcClsActIsValidAccess models tc_cls_act_is_valid_access (sched_cls and
// sched_act): packet, meta and end pointers, tstamp_type as a byte, no
// socket fields.
func tcClsActIsValidAccess(f Field, ok bool, off, size int, a access) bool {
	if a.write && !(ok && in(f, "mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping")) {
		return false
	}
	if ok && in(f, sockFields...) {
		return false
	}
	if off == 180 { // tstamp_type: exactly this byte, either direction
		return size == 1
	}
	return bpfSkbIsValidAccess(f, ok, off, size, a)
}
