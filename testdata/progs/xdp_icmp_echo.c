// SPDX-License-Identifier: MIT
// xdp_icmp_echo: answers ICMP echo requests in place: swaps MAC and IP
// addresses, turns the request into a reply and updates the ICMP checksum
// incrementally with bpf_csum_diff; counts replies per source in an LRU
// hash. Everything else passes.
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __be32);
	__type(value, __u64);
} replies SEC(".maps");

static __always_inline __u16 fold(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmphdr *icmp = (void *)(ip + 1);
	__be32 oldw, neww, addr;
	__u8 mac[6];
	__u64 one = 1, *n;
	__s64 diff;

	if ((void *)(icmp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_ICMP || ip->ihl != 5 || icmp->type != 8)
		return XDP_PASS;

	oldw = *(__be32 *)icmp;
	icmp->type = 0;
	neww = *(__be32 *)icmp;
	diff = bpf_csum_diff(&oldw, 4, &neww, 4, ~icmp->checksum & 0xffff);
	if (diff < 0)
		return XDP_ABORTED;
	icmp->checksum = fold(diff);

	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	__builtin_memcpy(mac, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, mac, 6);

	n = bpf_map_lookup_elem(&replies, &addr);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&replies, &addr, &one, BPF_ANY);
	return XDP_TX;
}

char _license[] SEC("license") = "MIT";
