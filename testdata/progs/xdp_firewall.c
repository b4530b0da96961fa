// SPDX-License-Identifier: MIT
// xdp_firewall: the demo's XDP firewall. IPv4 packets whose source address
// is in the blocklist are dropped (and counted there); ARP and other
// protocols pass untouched; every verdict is counted per action.
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __be32);	/* source address, network order */
	__type(value, __u64);	/* packets dropped */
} blocklist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);	/* XDP action */
	__type(value, __u64);	/* packets */
} verdicts SEC(".maps");

static __always_inline int count(__u32 action)
{
	__u64 *n = bpf_map_lookup_elem(&verdicts, &action);

	if (n)
		__sync_fetch_and_add(n, 1);
	return action;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u64 *dropped;

	if ((void *)(eth + 1) > data_end)
		return count(XDP_DROP); /* runt */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return count(XDP_PASS); /* ARP, IPv6, …: not ours to judge */
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return count(XDP_DROP);
	dropped = bpf_map_lookup_elem(&blocklist, &ip->saddr);
	if (dropped) {
		__sync_fetch_and_add(dropped, 1);
		return count(XDP_DROP);
	}
	return count(XDP_PASS);
}

char _license[] SEC("license") = "MIT";
