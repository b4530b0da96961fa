// SPDX-License-Identifier: MIT
// xdp_parse_vlan: walk up to two VLAN tags (802.1Q / 802.1ad) and count
// packets per outer VLAN id in an array map; untagged traffic counts as id 0.
#include "bpf_helpers_min.h"

#define VLAN_MAX_DEPTH 2
#define VLAN_VID_MASK 0x0fff

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} vlan_packets SEC(".maps");

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

SEC("xdp")
int xdp_parse_vlan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	__u32 vid = 0;
	__be16 proto;
	__u64 *count;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	proto = eth->h_proto;
	vh = (void *)(eth + 1);

#pragma unroll
	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (!is_vlan(proto))
			break;
		if ((void *)(vh + 1) > data_end)
			return XDP_DROP;
		if (i == 0)
			vid = bpf_ntohs(vh->h_vlan_TCI) & VLAN_VID_MASK;
		proto = vh->h_vlan_encapsulated_proto;
		vh++;
	}

	count = bpf_map_lookup_elem(&vlan_packets, &vid);
	if (count)
		__sync_fetch_and_add(count, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "MIT";
