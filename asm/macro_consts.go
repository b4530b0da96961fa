package asm

import "strings"

// The named constants the kernel macro syntax and the kernel's test tables
// use, from include/uapi/linux/bpf.h, bpf_common.h, filter.h, if_ether.h,
// pkt_cls.h, errno-base.h and limits.h (v6.12). Enum members are ints, as C
// types them; macros written with U or ULL suffixes keep those types.

// mapTypeNames lists enum bpf_map_type by value.
var mapTypeNames = map[string]MapType{
	"BPF_MAP_TYPE_ARENA":                 BPF_MAP_TYPE_ARENA,
	"BPF_MAP_TYPE_ARRAY":                 BPF_MAP_TYPE_ARRAY,
	"BPF_MAP_TYPE_ARRAY_OF_MAPS":         BPF_MAP_TYPE_ARRAY_OF_MAPS,
	"BPF_MAP_TYPE_BLOOM_FILTER":          BPF_MAP_TYPE_BLOOM_FILTER,
	"BPF_MAP_TYPE_CGROUP_ARRAY":          BPF_MAP_TYPE_CGROUP_ARRAY,
	"BPF_MAP_TYPE_CGROUP_STORAGE":        BPF_MAP_TYPE_CGROUP_STORAGE,
	"BPF_MAP_TYPE_CGRP_STORAGE":          BPF_MAP_TYPE_CGRP_STORAGE,
	"BPF_MAP_TYPE_CPUMAP":                BPF_MAP_TYPE_CPUMAP,
	"BPF_MAP_TYPE_DEVMAP":                BPF_MAP_TYPE_DEVMAP,
	"BPF_MAP_TYPE_DEVMAP_HASH":           BPF_MAP_TYPE_DEVMAP_HASH,
	"BPF_MAP_TYPE_HASH":                  BPF_MAP_TYPE_HASH,
	"BPF_MAP_TYPE_HASH_OF_MAPS":          BPF_MAP_TYPE_HASH_OF_MAPS,
	"BPF_MAP_TYPE_INODE_STORAGE":         BPF_MAP_TYPE_INODE_STORAGE,
	"BPF_MAP_TYPE_LPM_TRIE":              BPF_MAP_TYPE_LPM_TRIE,
	"BPF_MAP_TYPE_LRU_HASH":              BPF_MAP_TYPE_LRU_HASH,
	"BPF_MAP_TYPE_LRU_PERCPU_HASH":       BPF_MAP_TYPE_LRU_PERCPU_HASH,
	"BPF_MAP_TYPE_PERCPU_ARRAY":          BPF_MAP_TYPE_PERCPU_ARRAY,
	"BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE": BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
	"BPF_MAP_TYPE_PERCPU_HASH":           BPF_MAP_TYPE_PERCPU_HASH,
	"BPF_MAP_TYPE_PERF_EVENT_ARRAY":      BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	"BPF_MAP_TYPE_PROG_ARRAY":            BPF_MAP_TYPE_PROG_ARRAY,
	"BPF_MAP_TYPE_QUEUE":                 BPF_MAP_TYPE_QUEUE,
	"BPF_MAP_TYPE_REUSEPORT_SOCKARRAY":   BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
	"BPF_MAP_TYPE_RINGBUF":               BPF_MAP_TYPE_RINGBUF,
	"BPF_MAP_TYPE_SK_STORAGE":            BPF_MAP_TYPE_SK_STORAGE,
	"BPF_MAP_TYPE_SOCKHASH":              BPF_MAP_TYPE_SOCKHASH,
	"BPF_MAP_TYPE_SOCKMAP":               BPF_MAP_TYPE_SOCKMAP,
	"BPF_MAP_TYPE_STACK":                 BPF_MAP_TYPE_STACK,
	"BPF_MAP_TYPE_STACK_TRACE":           BPF_MAP_TYPE_STACK_TRACE,
	"BPF_MAP_TYPE_STRUCT_OPS":            BPF_MAP_TYPE_STRUCT_OPS,
	"BPF_MAP_TYPE_TASK_STORAGE":          BPF_MAP_TYPE_TASK_STORAGE,
	"BPF_MAP_TYPE_UNSPEC":                BPF_MAP_TYPE_UNSPEC,
	"BPF_MAP_TYPE_USER_RINGBUF":          BPF_MAP_TYPE_USER_RINGBUF,
	"BPF_MAP_TYPE_XSKMAP":                BPF_MAP_TYPE_XSKMAP,
}

// ProgTypeName returns the bpftool spelling ("socket_filter", "sched_cls",
// "xdp", …) of a kernel BPF_PROG_TYPE_* enum name, or "" when unknown.
func ProgTypeName(enum string) string {
	if n, ok := strings.CutPrefix(enum, "BPF_PROG_TYPE_"); ok {
		n = strings.ToLower(n)
		if _, known := ProgTypeByName(n); known {
			return n
		}
	}
	return ""
}

// ProgTypeNameByValue returns the bpftool spelling of a prog type number,
// or "" when unknown.
func ProgTypeNameByValue(v int) string {
	if v <= 0 || v >= len(progTypeNames) {
		return ""
	}
	return progTypeNames[v]
}

// AttachTypeName returns the bpftool spelling ("cgroup_inet_ingress",
// "trace_fentry", …) of an attach type number, or "" when unknown.
func AttachTypeName(v int) string {
	if v < 0 || v >= len(attachTypeNames) {
		return ""
	}
	return attachTypeNames[v]
}

type cconst struct {
	name string
	v    int64
	t    ctype
}

// miscConsts are the constants that are not in the typed tables of this
// package. ctInt unless a U or UL suffix in the kernel's definition says
// otherwise.
var miscConsts = []cconst{
	// Register aliases (filter.h).
	{"BPF_REG_ARG1", 1, ctInt}, {"BPF_REG_ARG2", 2, ctInt}, {"BPF_REG_ARG3", 3, ctInt},
	{"BPF_REG_ARG4", 4, ctInt}, {"BPF_REG_ARG5", 5, ctInt}, {"BPF_REG_CTX", 6, ctInt},
	{"BPF_REG_FP", 10, ctInt}, {"MAX_BPF_REG", 11, ctInt}, {"BPF_REG_AX", 11, ctInt},
	{"__MAX_BPF_REG", 11, ctInt},
	// Classic BPF leftovers and kernel-internal codes.
	{"BPF_RET", 0x06, ctInt}, {"BPF_MISC", 0x07, ctInt}, {"BPF_LEN", 0x80, ctInt},
	{"BPF_MSH", 0xa0, ctInt}, {"BPF_A", 0x10, ctInt}, {"BPF_TAX", 0x00, ctInt},
	{"BPF_TXA", 0x80, ctInt}, {"BPF_XADD", 0xc0, ctInt}, {"BPF_NOSPEC", 0xc0, ctInt},
	{"BPF_PROBE_MEM", 0x20, ctInt}, {"BPF_PROBE_MEMSX", 0x40, ctInt},
	{"BPF_ADDR_SPACE_CAST", 1, ctInt}, {"BPF_ADDR_PERCPU", -1, ctInt},
	{"BPF_MAXINSNS", 4096, ctInt}, {"BPF_MEMWORDS", 16, ctInt}, {"MAX_BPF_STACK", 512, ctInt},
	{"BPF_PSEUDO_MAP_FD", BPF_PSEUDO_MAP_FD, ctInt}, {"BPF_PSEUDO_MAP_VALUE", BPF_PSEUDO_MAP_VALUE, ctInt},
	{"BPF_PSEUDO_BTF_ID", BPF_PSEUDO_BTF_ID, ctInt}, {"BPF_PSEUDO_FUNC", BPF_PSEUDO_FUNC, ctInt},
	{"BPF_PSEUDO_MAP_IDX", BPF_PSEUDO_MAP_IDX, ctInt}, {"BPF_PSEUDO_MAP_IDX_VALUE", BPF_PSEUDO_MAP_IDX_VALUE, ctInt},
	{"BPF_PSEUDO_CALL", BPF_PSEUDO_CALL, ctInt}, {"BPF_PSEUDO_KFUNC_CALL", BPF_PSEUDO_KFUNC_CALL, ctInt},
	{"BPF_MAY_GOTO", BPF_MAY_GOTO, ctInt},
	// Program load flags.
	{"BPF_F_STRICT_ALIGNMENT", 1 << 0, ctUint}, {"BPF_F_ANY_ALIGNMENT", 1 << 1, ctUint},
	{"BPF_F_TEST_RND_HI32", 1 << 2, ctUint}, {"BPF_F_TEST_STATE_FREQ", 1 << 3, ctUint},
	{"BPF_F_SLEEPABLE", 1 << 4, ctUint}, {"BPF_F_XDP_HAS_FRAGS", 1 << 5, ctUint},
	{"BPF_F_XDP_DEV_BOUND_ONLY", 1 << 6, ctUint}, {"BPF_F_TEST_REG_INVARIANTS", 1 << 7, ctUint},
	// Map flags and update flags.
	{"BPF_F_NO_PREALLOC", 1 << 0, ctInt}, {"BPF_F_NO_COMMON_LRU", 1 << 1, ctInt},
	{"BPF_F_NUMA_NODE", 1 << 2, ctInt}, {"BPF_F_RDONLY", 1 << 3, ctInt}, {"BPF_F_WRONLY", 1 << 4, ctInt},
	{"BPF_F_STACK_BUILD_ID", 1 << 5, ctInt}, {"BPF_F_ZERO_SEED", 1 << 6, ctInt},
	{"BPF_F_RDONLY_PROG", 1 << 7, ctInt}, {"BPF_F_WRONLY_PROG", 1 << 8, ctInt},
	{"BPF_F_CLONE", 1 << 9, ctInt}, {"BPF_F_MMAPABLE", 1 << 10, ctInt},
	{"BPF_F_PRESERVE_ELEMS", 1 << 11, ctInt}, {"BPF_F_INNER_MAP", 1 << 12, ctInt},
	{"BPF_ANY", 0, ctInt}, {"BPF_NOEXIST", 1, ctInt}, {"BPF_EXIST", 2, ctInt}, {"BPF_F_LOCK", 4, ctInt},
	// Helper flags.
	{"BPF_F_RECOMPUTE_CSUM", 1 << 0, ctUlong}, {"BPF_F_INVALIDATE_HASH", 1 << 1, ctUlong},
	{"BPF_F_HDR_FIELD_MASK", 0xf, ctUlong}, {"BPF_F_PSEUDO_HDR", 1 << 4, ctUlong},
	{"BPF_F_MARK_MANGLED_0", 1 << 5, ctUlong}, {"BPF_F_MARK_ENFORCE", 1 << 6, ctUlong},
	{"BPF_F_INGRESS", 1 << 0, ctUlong}, {"BPF_F_SKIP_FIELD_MASK", 0xff, ctUlong},
	{"BPF_F_USER_STACK", 1 << 8, ctUlong}, {"BPF_F_FAST_STACK_CMP", 1 << 9, ctUlong},
	{"BPF_F_REUSE_STACKID", 1 << 10, ctUlong}, {"BPF_F_USER_BUILD_ID", 1 << 11, ctUlong},
	{"BPF_F_INDEX_MASK", 0xffffffff, ctUlong}, {"BPF_F_CURRENT_CPU", 0xffffffff, ctUlong},
	{"BPF_F_CTXLEN_MASK", 0xfffff << 32, ctUlong},
	{"BPF_LOCAL_STORAGE_GET_F_CREATE", 1, ctInt}, {"BPF_SK_STORAGE_GET_F_CREATE", 1, ctInt},
	{"BPF_RB_NO_WAKEUP", 1, ctInt}, {"BPF_RB_FORCE_WAKEUP", 2, ctInt},
	{"BPF_RINGBUF_BUSY_BIT", 1 << 31, ctUint}, {"BPF_RINGBUF_DISCARD_BIT", 1 << 30, ctUint},
	{"BPF_RINGBUF_HDR_SZ", 8, ctInt},
	// Return codes.
	{"XDP_ABORTED", 0, ctInt}, {"XDP_DROP", 1, ctInt}, {"XDP_PASS", 2, ctInt},
	{"XDP_TX", 3, ctInt}, {"XDP_REDIRECT", 4, ctInt},
	{"TC_ACT_UNSPEC", -1, ctInt}, {"TC_ACT_OK", 0, ctInt}, {"TC_ACT_RECLASSIFY", 1, ctInt},
	{"TC_ACT_SHOT", 2, ctInt}, {"TC_ACT_PIPE", 3, ctInt}, {"TC_ACT_STOLEN", 4, ctInt},
	{"TC_ACT_QUEUED", 5, ctInt}, {"TC_ACT_REPEAT", 6, ctInt}, {"TC_ACT_REDIRECT", 7, ctInt},
	{"TC_ACT_TRAP", 8, ctInt},
	{"SK_DROP", 0, ctInt}, {"SK_PASS", 1, ctInt},
	{"BPF_OK", 0, ctInt}, {"BPF_DROP", 2, ctInt}, {"BPF_REDIRECT", 7, ctInt},
	// Networking.
	{"ETH_ALEN", 6, ctInt}, {"ETH_HLEN", 14, ctInt}, {"ETH_ZLEN", 60, ctInt},
	{"ETH_DATA_LEN", 1500, ctInt}, {"ETH_FRAME_LEN", 1514, ctInt},
	{"ETH_P_IP", 0x0800, ctInt}, {"ETH_P_IPV6", 0x86DD, ctInt}, {"ETH_P_ARP", 0x0806, ctInt},
	{"ETH_P_8021Q", 0x8100, ctInt}, {"ETH_P_8021AD", 0x88A8, ctInt}, {"ETH_P_MPLS_UC", 0x8847, ctInt},
	{"ETH_P_ALL", 0x0003, ctInt}, {"ETH_P_LOOPBACK", 0x9000, ctInt},
	{"IPPROTO_IP", 0, ctInt}, {"IPPROTO_ICMP", 1, ctInt}, {"IPPROTO_IPIP", 4, ctInt},
	{"IPPROTO_TCP", 6, ctInt}, {"IPPROTO_UDP", 17, ctInt}, {"IPPROTO_IPV6", 41, ctInt},
	{"IPPROTO_GRE", 47, ctInt}, {"IPPROTO_ICMPV6", 58, ctInt}, {"IPPROTO_RAW", 255, ctInt},
	{"AF_UNSPEC", 0, ctInt}, {"AF_UNIX", 1, ctInt}, {"AF_INET", 2, ctInt}, {"AF_INET6", 10, ctInt},
	{"SOCK_STREAM", 1, ctInt}, {"SOCK_DGRAM", 2, ctInt}, {"SOCK_RAW", 3, ctInt},
	{"SOL_SOCKET", 1, ctInt}, {"SOL_IP", 0, ctInt}, {"SOL_TCP", 6, ctInt}, {"SOL_IPV6", 41, ctInt},
	// Classic BPF ancillary loads (include/uapi/linux/filter.h).
	{"SKF_AD_OFF", -0x1000, ctInt}, {"SKF_AD_PROTOCOL", 0, ctInt}, {"SKF_AD_PKTTYPE", 4, ctInt},
	{"SKF_AD_IFINDEX", 8, ctInt}, {"SKF_AD_NLATTR", 12, ctInt}, {"SKF_AD_NLATTR_NEST", 16, ctInt},
	{"SKF_AD_MARK", 20, ctInt}, {"SKF_AD_QUEUE", 24, ctInt}, {"SKF_AD_HATYPE", 28, ctInt},
	{"SKF_AD_RXHASH", 32, ctInt}, {"SKF_AD_CPU", 36, ctInt}, {"SKF_AD_ALU_XOR_X", 40, ctInt},
	{"SKF_AD_VLAN_TAG", 44, ctInt}, {"SKF_AD_VLAN_TAG_PRESENT", 48, ctInt},
	{"SKF_AD_PAY_OFFSET", 52, ctInt}, {"SKF_AD_RANDOM", 56, ctInt}, {"SKF_AD_VLAN_TPID", 60, ctInt},
	{"SKF_AD_MAX", 64, ctInt}, {"SKF_NET_OFF", -0x100000, ctInt}, {"SKF_LL_OFF", -0x200000, ctInt},
	{"BPF_NET_OFF", -0x100000, ctInt}, {"BPF_LL_OFF", -0x200000, ctInt},
	// limits.h and the kernel's limits.h.
	{"CHAR_BIT", 8, ctInt}, {"SCHAR_MAX", 127, ctInt}, {"SCHAR_MIN", -128, ctInt}, {"UCHAR_MAX", 255, ctInt},
	{"SHRT_MAX", 32767, ctInt}, {"SHRT_MIN", -32768, ctInt}, {"USHRT_MAX", 65535, ctInt},
	{"INT_MAX", 1<<31 - 1, ctInt}, {"INT_MIN", -1 << 31, ctInt}, {"UINT_MAX", 1<<32 - 1, ctUint},
	{"LONG_MAX", 1<<63 - 1, ctLong}, {"LONG_MIN", -1 << 63, ctLong}, {"ULONG_MAX", -1, ctUlong},
	{"LLONG_MAX", 1<<63 - 1, ctLong}, {"LLONG_MIN", -1 << 63, ctLong}, {"ULLONG_MAX", -1, ctUlong},
	{"S8_MAX", 127, ctInt}, {"S8_MIN", -128, ctInt}, {"U8_MAX", 255, ctInt},
	{"S16_MAX", 32767, ctInt}, {"S16_MIN", -32768, ctInt}, {"U16_MAX", 65535, ctInt},
	{"S32_MAX", 1<<31 - 1, ctInt}, {"S32_MIN", -1 << 31, ctInt}, {"U32_MAX", 1<<32 - 1, ctUint},
	{"S64_MAX", 1<<63 - 1, ctLong}, {"S64_MIN", -1 << 63, ctLong}, {"U64_MAX", -1, ctUlong},
	{"MAX_ERRNO", 4095, ctInt},
	// errno values (asm-generic/errno-base.h, errno.h, linux/errno.h).
	{"EPERM", 1, ctInt}, {"ENOENT", 2, ctInt}, {"ESRCH", 3, ctInt}, {"EINTR", 4, ctInt},
	{"EIO", 5, ctInt}, {"ENXIO", 6, ctInt}, {"E2BIG", 7, ctInt}, {"ENOEXEC", 8, ctInt},
	{"EBADF", 9, ctInt}, {"ECHILD", 10, ctInt}, {"EAGAIN", 11, ctInt}, {"ENOMEM", 12, ctInt},
	{"EACCES", 13, ctInt}, {"EFAULT", 14, ctInt}, {"EBUSY", 16, ctInt}, {"EEXIST", 17, ctInt},
	{"EXDEV", 18, ctInt}, {"ENODEV", 19, ctInt}, {"ENOTDIR", 20, ctInt}, {"EISDIR", 21, ctInt},
	{"EINVAL", 22, ctInt}, {"ENFILE", 23, ctInt}, {"EMFILE", 24, ctInt}, {"ENOTTY", 25, ctInt},
	{"EFBIG", 27, ctInt}, {"ENOSPC", 28, ctInt}, {"ESPIPE", 29, ctInt}, {"EROFS", 30, ctInt},
	{"EMLINK", 31, ctInt}, {"EPIPE", 32, ctInt}, {"EDOM", 33, ctInt}, {"ERANGE", 34, ctInt},
	{"EDEADLK", 35, ctInt}, {"ENAMETOOLONG", 36, ctInt}, {"ENOLCK", 37, ctInt}, {"ENOSYS", 38, ctInt},
	{"ENOTEMPTY", 39, ctInt}, {"ELOOP", 40, ctInt}, {"ENOMSG", 42, ctInt}, {"ENODATA", 61, ctInt},
	{"EPROTO", 71, ctInt}, {"EBADMSG", 74, ctInt}, {"EOVERFLOW", 75, ctInt}, {"EMSGSIZE", 90, ctInt},
	{"EPROTONOSUPPORT", 93, ctInt}, {"EOPNOTSUPP", 95, ctInt}, {"EAFNOSUPPORT", 97, ctInt},
	{"EADDRINUSE", 98, ctInt}, {"ENETUNREACH", 101, ctInt}, {"ENOBUFS", 105, ctInt},
	{"ENOTCONN", 107, ctInt}, {"ETIMEDOUT", 110, ctInt}, {"ECONNREFUSED", 111, ctInt},
	{"EHOSTUNREACH", 113, ctInt}, {"EALREADY", 114, ctInt}, {"EINPROGRESS", 115, ctInt},
	{"ECANCELED", 125, ctInt}, {"ENOTSUPP", 524, ctInt},
	// Plain C.
	{"NULL", 0, ctUlong}, {"true", 1, ctInt}, {"false", 0, ctInt},
}

// builtinConsts builds the identifier table of the expression evaluator.
func builtinConsts() map[string]cval {
	m := map[string]cval{}
	put := func(name string, v int64, t ctype) { m[name] = cMk(uint64(v), t) }
	for r := BPF_REG_0; r <= BPF_REG_10; r++ {
		put(r.String(), int64(r), ctInt)
	}
	for c := Class(0); c < 8; c++ {
		put(c.String(), int64(c), ctInt)
	}
	for _, s := range []Size{BPF_W, BPF_H, BPF_B, BPF_DW} {
		put(s.String(), int64(s), ctInt)
	}
	for _, md := range []Mode{BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC} {
		put(md.String(), int64(md), ctInt)
	}
	put("BPF_K", int64(BPF_K), ctInt)
	put("BPF_X", int64(BPF_X), ctInt)
	put("BPF_TO_LE", int64(BPF_TO_LE), ctInt)
	put("BPF_TO_BE", int64(BPF_TO_BE), ctInt)
	put("BPF_FROM_LE", int64(BPF_FROM_LE), ctInt)
	put("BPF_FROM_BE", int64(BPF_FROM_BE), ctInt)
	for op, name := range aluNames {
		put(name, int64(op), ctInt)
	}
	put("BPF_FETCH", int64(BPF_FETCH), ctInt)
	for op, name := range jmpNames {
		put(name, int64(op), ctInt)
	}
	for i, n := range funcNames {
		if n != "" {
			put("BPF_FUNC_"+n, int64(i), ctInt)
		}
	}
	put("BPF_FUNC_unspec", 0, ctInt)
	for n, v := range mapTypeNames {
		put(n, int64(v), ctInt)
	}
	for i, n := range progTypeNames {
		put("BPF_PROG_TYPE_"+strings.ToUpper(n), int64(i), ctInt)
	}
	for i, n := range attachTypeNames {
		put("BPF_"+strings.ToUpper(n), int64(i), ctInt)
	}
	for _, c := range miscConsts {
		put(c.name, c.v, c.t)
	}
	return m
}
