// SPDX-License-Identifier: MIT
// tc_count: count packets and bytes per EtherType in a hash map.
#include "bpf_helpers_min.h"

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct counter);
} proto_count SEC(".maps");

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	__u32 key = skb->protocol;
	struct counter *c, init = { 1, 0 };

	c = bpf_map_lookup_elem(&proto_count, &key);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, skb->len);
		return TC_ACT_OK;
	}
	init.bytes = skb->len;
	bpf_map_update_elem(&proto_count, &key, &init, BPF_NOEXIST);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "MIT";
