package kernel

import (
	"fmt"
	"strconv"
	"strings"
)

// Program, attach and map types are named as bpftool and libbpf spell them:
// the kernel enum name in lower case without its prefix ("socket_filter",
// "cgroup_inet_ingress", "percpu_array"). The slices are indexed by the
// kernel's enum value (include/uapi/linux/bpf.h, v6.12).

var progTypeNames = []string{
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint",
	"xdp", "perf_event", "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out",
	"lwt_xmit", "sock_ops", "sk_skb", "cgroup_device", "sk_msg",
	"raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2",
	"sk_reuseport", "flow_dissector", "cgroup_sysctl",
	"raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
	"ext", "lsm", "sk_lookup", "syscall", "netfilter",
}

var attachTypeNames = []string{
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

var mapTypeNames = []string{
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash",
	"lru_percpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap",
	"sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
	"reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
	"sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
}

// progTypeAliases accepts the ELF section spellings people type for --type.
var progTypeAliases = map[string]string{
	"socket": "socket_filter", "tc": "sched_cls", "classifier": "sched_cls",
	"action": "sched_act", "cgroup/skb": "cgroup_skb", "sk_filter": "socket_filter",
	"filter": "socket_filter",
}

// ProgTypes returns every program type name this package knows, in the
// kernel's enum order (without "unspec").
func ProgTypes() []string { return append([]string(nil), progTypeNames[1:]...) }

// MapTypes returns every map type name this package knows, in enum order
// (without "unspec").
func MapTypes() []string { return append([]string(nil), mapTypeNames[1:]...) }

// ProgTypeByName returns the kernel enum value of a program type name
// ("xdp", "socket_filter", "sched_cls"; also "tc" and "socket", or a number).
func ProgTypeByName(name string) (uint32, error) {
	return lookupName(progTypeNames, progTypeAliases, name, "program type")
}

// AttachTypeByName returns the kernel enum value of an attach type name
// ("cgroup_inet_ingress", "xdp", …, or a number).
func AttachTypeByName(name string) (uint32, error) {
	return lookupName(attachTypeNames, nil, name, "attach type")
}

// ProgTypeName returns the name of a program type enum value.
func ProgTypeName(t uint32) string { return enumName(progTypeNames, t) }

// MapTypeName returns the name of a map type enum value.
func MapTypeName(t uint32) string { return enumName(mapTypeNames, t) }

// AttachTypeName returns the name of an attach type enum value.
func AttachTypeName(t uint32) string { return enumName(attachTypeNames, t) }

func lookupName(names []string, aliases map[string]string, name, what string) (uint32, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "bpf_prog_type_")
	n = strings.TrimPrefix(n, "bpf_")
	if a, ok := aliases[n]; ok {
		n = a
	}
	for i, s := range names {
		if s == n {
			return uint32(i), nil
		}
	}
	if v, err := strconv.ParseUint(n, 0, 32); err == nil {
		return uint32(v), nil
	}
	return 0, fmt.Errorf("unknown %s %q", what, name)
}

func enumName(names []string, t uint32) string {
	if int(t) < len(names) {
		return names[t]
	}
	return "#" + strconv.FormatUint(uint64(t), 10)
}
