package asm

import "strings"

// The bpftool and libbpf spellings of the kernel's program, attach and map
// type enums: the enum name in lower case without its prefix
// ("socket_filter", "cgroup_inet_ingress", "percpu_array"). These are the
// only copies; package kernel and the CLI read them through the functions
// below.

// progTypeNames spells enum bpf_prog_type as bpftool and libbpf do, indexed
// by the kernel's value (include/uapi/linux/bpf.h, v6.12).
var progTypeNames = [...]string{
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint",
	"xdp", "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out",
	"lwt_xmit", "sock_ops", "sk_skb", "cgroup_device", "sk_msg",
	"raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2",
	"sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
	"ext", "lsm", "sk_lookup", "syscall", "netfilter",
}

// attachTypeNames spells enum bpf_attach_type as bpftool and libbpf do,
// indexed by the kernel's value.
var attachTypeNames = [...]string{
	"cgroup_inet_ingress", "cgroup_inet_egress", "cgroup_inet_sock_create",
	"cgroup_sock_ops", "sk_skb_stream_parser", "sk_skb_stream_verdict",
	"cgroup_device", "sk_msg_verdict", "cgroup_inet4_bind", "cgroup_inet6_bind",
	"cgroup_inet4_connect", "cgroup_inet6_connect", "cgroup_inet4_post_bind",
	"cgroup_inet6_post_bind", "cgroup_udp4_sendmsg", "cgroup_udp6_sendmsg",
	"lirc_mode2", "flow_dissector", "cgroup_sysctl", "cgroup_udp4_recvmsg",
	"cgroup_udp6_recvmsg", "cgroup_getsockopt", "cgroup_setsockopt",
	"trace_raw_tp", "trace_fentry", "trace_fexit", "modify_return", "lsm_mac",
	"trace_iter", "cgroup_inet4_getpeername", "cgroup_inet6_getpeername",
	"cgroup_inet4_getsockname", "cgroup_inet6_getsockname", "xdp_devmap",
	"cgroup_inet_sock_release", "xdp_cpumap", "sk_lookup", "xdp",
	"sk_skb_verdict", "sk_reuseport_select", "sk_reuseport_select_or_migrate",
	"perf_event", "trace_kprobe_multi", "lsm_cgroup", "struct_ops", "netfilter",
	"tcx_ingress", "tcx_egress", "trace_uprobe_multi", "cgroup_unix_connect",
	"cgroup_unix_sendmsg", "cgroup_unix_recvmsg", "cgroup_unix_getpeername",
	"cgroup_unix_getsockname", "netkit_primary", "netkit_peer",
	"trace_kprobe_session",
}

// mapTypeSpellings spells enum bpf_map_type as bpftool does, indexed by
// value. It is built from the macro constants' table so that the two
// cannot disagree.
var mapTypeSpellings = func() []string {
	s := make([]string, len(mapTypeNames))
	for n, v := range mapTypeNames {
		s[v] = strings.ToLower(strings.TrimPrefix(n, "BPF_MAP_TYPE_"))
	}
	return s
}()

// ProgTypeNames returns the bpftool name of every program type the package
// knows, indexed by enum bpf_prog_type value ("unspec" first).
func ProgTypeNames() []string { return append([]string(nil), progTypeNames[:]...) }

// AttachTypeNames returns the bpftool name of every attach type the
// package knows, indexed by enum bpf_attach_type value.
func AttachTypeNames() []string { return append([]string(nil), attachTypeNames[:]...) }

// MapTypeNames returns the bpftool name of every map type the package
// knows, indexed by enum bpf_map_type value ("unspec" first).
func MapTypeNames() []string { return append([]string(nil), mapTypeSpellings...) }
