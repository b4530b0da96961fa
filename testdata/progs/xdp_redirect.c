// SPDX-License-Identifier: MIT
// xdp_redirect: forwarding through device maps. IPv4 packets are sent to
// the device in the devmap slot named by the last byte of the destination
// address (falling back to XDP_PASS when the slot is empty), IPv6 to the
// devmap_hash entry for key 6 (falling back to XDP_DROP), ARP with
// bpf_redirect to ifindex 1; the helpers' results are counted per action.
#include "corpus.h"

enum { BPF_MAP_TYPE_DEVMAP = 14, BPF_MAP_TYPE_DEVMAP_HASH = 25 };

static long (*bpf_redirect_map)(void *map, __u64 key, __u64 flags) = (void *)51;

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} actions SEC(".maps");

static __always_inline int count(long action)
{
	__u32 k = action;
	__u64 *n = bpf_map_lookup_elem(&actions, &k);

	if (n)
		*n += 1;
	return action;
}

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return count(bpf_redirect(1, 0));
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return count(bpf_redirect_map(&ports6, 6, XDP_DROP));
	if (eth->h_proto != bpf_htons(ETH_P_IP) || (void *)(ip + 1) > data_end)
		return XDP_PASS;
	return count(bpf_redirect_map(&ports, ip->daddr >> 24, XDP_PASS));
}

char _license[] SEC("license") = "Dual MIT/GPL";
