// SPDX-License-Identifier: MIT
// cgroup_skb_count: two cgroup programs, one per direction, sharing one
// per-CPU array of byte counters; egress drops nothing, ingress drops
// packets over a size limit.
#include "bpf_helpers_min.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} bytes SEC(".maps");

static __always_inline void account(__u32 dir, __u32 len)
{
	__u64 *v = bpf_map_lookup_elem(&bytes, &dir);

	if (v)
		*v += len;
}

SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	account(0, skb->len);
	return skb->len <= 9000; /* 1 = allow, 0 = drop */
}

SEC("cgroup_skb/egress")
int count_egress(struct __sk_buff *skb)
{
	account(1, skb->len);
	return 1;
}

char _license[] SEC("license") = "MIT";
