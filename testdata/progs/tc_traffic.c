// SPDX-License-Identifier: MIT
// tc_traffic: the demo's traffic counter. For each IPv4 address pair it
// adds up packets and bytes in a hash map; ARP and everything that is not
// IPv4 is left alone. Parsing uses direct packet access with bounds checks.
#include "corpus.h"

struct pair {
	__be32 saddr;
	__be32 daddr;
};

struct traffic {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct pair);
	__type(value, struct traffic);
} traffic SEC(".maps");

SEC("tc")
int tc_traffic(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct traffic *t, init = {};
	struct pair key;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	t = bpf_map_lookup_elem(&traffic, &key);
	if (!t) {
		bpf_map_update_elem(&traffic, &key, &init, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&traffic, &key);
		if (!t)
			return TC_ACT_OK;
	}
	__sync_fetch_and_add(&t->packets, 1);
	__sync_fetch_and_add(&t->bytes, skb->len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "MIT";
