package asm

// Layouts of the UAPI structs that kernel test tables name in offsetof and
// sizeof, as include/uapi/linux/bpf.h (v6.12) lays them out on 64-bit
// targets. TestUAPILayouts compiles static assertions of every entry against
// the kernel header with clang, so the table cannot drift from it.

// StructField is one member of a struct layout.
type StructField struct {
	Name string // member name; members of named nested structs are "outer.inner"
	Off  int    // byte offset from the start of the struct
	Size int    // size in bytes of the whole member
	Elem int    // element size for arrays, 0 for scalars
}

// structLayout is a struct's size and members, anonymous unions and
// structs flattened into their parent as C lets one name them.
type structLayout struct {
	Name   string
	Size   int
	Fields []StructField
}

func (l *structLayout) field(name string) (StructField, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return StructField{}, false
}

// StructLayout returns the members and size of a UAPI struct this package
// knows ("__sk_buff", "xdp_md", "bpf_sock", …), for offsetof and sizeof.
func StructLayout(name string) (fields []StructField, size int, ok bool) {
	l, ok := uapiLayouts[name]
	if !ok {
		return nil, 0, false
	}
	return append([]StructField(nil), l.Fields...), l.Size, true
}

// fld builds a scalar member, arr builds an array member of n elements.
func fld(name string, off, size int) StructField { return StructField{name, off, size, 0} }
func arr(name string, off, elem, n int) StructField {
	return StructField{name, off, elem * n, elem}
}

var uapiLayouts = func() map[string]*structLayout {
	m := map[string]*structLayout{}
	for _, l := range []*structLayout{
		{"__sk_buff", 192, []StructField{
			fld("len", 0, 4), fld("pkt_type", 4, 4), fld("mark", 8, 4), fld("queue_mapping", 12, 4),
			fld("protocol", 16, 4), fld("vlan_present", 20, 4), fld("vlan_tci", 24, 4), fld("vlan_proto", 28, 4),
			fld("priority", 32, 4), fld("ingress_ifindex", 36, 4), fld("ifindex", 40, 4), fld("tc_index", 44, 4),
			arr("cb", 48, 4, 5), fld("hash", 68, 4), fld("tc_classid", 72, 4), fld("data", 76, 4),
			fld("data_end", 80, 4), fld("napi_id", 84, 4), fld("family", 88, 4), fld("remote_ip4", 92, 4),
			fld("local_ip4", 96, 4), arr("remote_ip6", 100, 4, 4), arr("local_ip6", 116, 4, 4),
			fld("remote_port", 132, 4), fld("local_port", 136, 4), fld("data_meta", 140, 4),
			fld("flow_keys", 144, 8), fld("tstamp", 152, 8), fld("wire_len", 160, 4), fld("gso_segs", 164, 4),
			fld("sk", 168, 8), fld("gso_size", 176, 4), fld("tstamp_type", 180, 1), fld("hwtstamp", 184, 8),
		}},
		{"xdp_md", 24, []StructField{
			fld("data", 0, 4), fld("data_end", 4, 4), fld("data_meta", 8, 4), fld("ingress_ifindex", 12, 4),
			fld("rx_queue_index", 16, 4), fld("egress_ifindex", 20, 4),
		}},
		{"bpf_sock", 80, []StructField{
			fld("bound_dev_if", 0, 4), fld("family", 4, 4), fld("type", 8, 4), fld("protocol", 12, 4),
			fld("mark", 16, 4), fld("priority", 20, 4), fld("src_ip4", 24, 4), arr("src_ip6", 28, 4, 4),
			fld("src_port", 44, 4), fld("dst_port", 48, 2), fld("dst_ip4", 52, 4), arr("dst_ip6", 56, 4, 4),
			fld("state", 72, 4), fld("rx_queue_mapping", 76, 4),
		}},
		{"bpf_sock_tuple", 36, []StructField{
			fld("ipv4", 0, 12), fld("ipv4.saddr", 0, 4), fld("ipv4.daddr", 4, 4), fld("ipv4.sport", 8, 2), fld("ipv4.dport", 10, 2),
			fld("ipv6", 0, 36), arr("ipv6.saddr", 0, 4, 4), arr("ipv6.daddr", 16, 4, 4), fld("ipv6.sport", 32, 2), fld("ipv6.dport", 34, 2),
		}},
		{"bpf_sk_lookup", 72, []StructField{
			fld("sk", 0, 8), fld("cookie", 0, 8), fld("family", 8, 4), fld("protocol", 12, 4),
			fld("remote_ip4", 16, 4), arr("remote_ip6", 20, 4, 4), fld("remote_port", 36, 2),
			fld("local_ip4", 40, 4), arr("local_ip6", 44, 4, 4), fld("local_port", 60, 4),
			fld("ingress_ifindex", 64, 4),
		}},
		{"bpf_sock_addr", 72, []StructField{
			fld("user_family", 0, 4), fld("user_ip4", 4, 4), arr("user_ip6", 8, 4, 4), fld("user_port", 24, 4),
			fld("family", 28, 4), fld("type", 32, 4), fld("protocol", 36, 4), fld("msg_src_ip4", 40, 4),
			arr("msg_src_ip6", 44, 4, 4), fld("sk", 64, 8),
		}},
		{"bpf_sock_ops", 224, []StructField{
			fld("op", 0, 4), arr("args", 4, 4, 4), fld("reply", 4, 4), arr("replylong", 4, 4, 4),
			fld("family", 20, 4), fld("remote_ip4", 24, 4), fld("local_ip4", 28, 4),
			arr("remote_ip6", 32, 4, 4), arr("local_ip6", 48, 4, 4), fld("remote_port", 64, 4),
			fld("local_port", 68, 4), fld("is_fullsock", 72, 4), fld("snd_cwnd", 76, 4), fld("srtt_us", 80, 4),
			fld("bpf_sock_ops_cb_flags", 84, 4), fld("state", 88, 4), fld("rtt_min", 92, 4),
			fld("snd_ssthresh", 96, 4), fld("rcv_nxt", 100, 4), fld("snd_nxt", 104, 4), fld("snd_una", 108, 4),
			fld("mss_cache", 112, 4), fld("ecn_flags", 116, 4), fld("rate_delivered", 120, 4),
			fld("rate_interval_us", 124, 4), fld("packets_out", 128, 4), fld("retrans_out", 132, 4),
			fld("total_retrans", 136, 4), fld("segs_in", 140, 4), fld("data_segs_in", 144, 4),
			fld("segs_out", 148, 4), fld("data_segs_out", 152, 4), fld("lost_out", 156, 4),
			fld("sacked_out", 160, 4), fld("sk_txhash", 164, 4), fld("bytes_received", 168, 8),
			fld("bytes_acked", 176, 8), fld("sk", 184, 8), fld("skb_data", 192, 8), fld("skb_data_end", 200, 8),
			fld("skb_len", 208, 4), fld("skb_tcp_flags", 212, 4), fld("skb_hwtstamp", 216, 8),
		}},
		{"sk_msg_md", 80, []StructField{
			fld("data", 0, 8), fld("data_end", 8, 8), fld("family", 16, 4), fld("remote_ip4", 20, 4),
			fld("local_ip4", 24, 4), arr("remote_ip6", 28, 4, 4), arr("local_ip6", 44, 4, 4),
			fld("remote_port", 60, 4), fld("local_port", 64, 4), fld("size", 68, 4), fld("sk", 72, 8),
		}},
		{"bpf_sockopt", 40, []StructField{
			fld("sk", 0, 8), fld("optval", 8, 8), fld("optval_end", 16, 8), fld("level", 24, 4),
			fld("optname", 28, 4), fld("optlen", 32, 4), fld("retval", 36, 4),
		}},
		{"bpf_sysctl", 8, []StructField{fld("write", 0, 4), fld("file_pos", 4, 4)}},
		{"sk_reuseport_md", 56, []StructField{
			fld("data", 0, 8), fld("data_end", 8, 8), fld("len", 16, 4), fld("eth_protocol", 20, 4),
			fld("ip_protocol", 24, 4), fld("bind_inany", 28, 4), fld("hash", 32, 4), fld("sk", 40, 8),
			fld("migrating_sk", 48, 8),
		}},
		{"bpf_flow_keys", 56, []StructField{
			fld("nhoff", 0, 2), fld("thoff", 2, 2), fld("addr_proto", 4, 2), fld("is_frag", 6, 1),
			fld("is_first_frag", 7, 1), fld("is_encap", 8, 1), fld("ip_proto", 9, 1), fld("n_proto", 10, 2),
			fld("sport", 12, 2), fld("dport", 14, 2), fld("ipv4_src", 16, 4), fld("ipv4_dst", 20, 4),
			arr("ipv6_src", 16, 4, 4), arr("ipv6_dst", 32, 4, 4), fld("flags", 48, 4), fld("flow_label", 52, 4),
		}},
		{"bpf_cgroup_storage_key", 16, []StructField{fld("cgroup_inode_id", 0, 8), fld("attach_type", 8, 4)}},
		{"bpf_cgroup_dev_ctx", 12, []StructField{fld("access_type", 0, 4), fld("major", 4, 4), fld("minor", 8, 4)}},
		// From include/uapi/linux/bpf_perf_event.h; regs is x86-64's struct
		// pt_regs (21 registers).
		{"bpf_perf_event_data", 184, []StructField{fld("regs", 0, 168), fld("sample_period", 168, 8), fld("addr", 176, 8)}},
		// struct bpf_insn: dst_reg and src_reg are bit-fields of byte 1.
		{"bpf_insn", 8, []StructField{fld("code", 0, 1), fld("off", 2, 2), fld("imm", 4, 4)}},
		// The value types of test_verifier.c's maps (selftests, not UAPI).
		{"test_val", 48, []StructField{fld("index", 0, 4), arr("foo", 4, 4, 11)}},
		{"other_val", 16, []StructField{fld("foo", 0, 8), fld("bar", 8, 8)}},
	} {
		m[l.Name] = l
	}
	return m
}()

// selftestStructs are the entries of uapiLayouts that come from the
// selftests rather than a UAPI header.
var selftestStructs = map[string]bool{"test_val": true, "other_val": true}
