// SPDX-License-Identifier: MIT
// tc_mark: set skb->mark on TCP traffic to a destination port chosen at
// load time (.rodata), using a mark kept in .data and counting in .bss.
#include "bpf_helpers_min.h"

const volatile __u16 target_port = 443;
volatile __u32 mark_value = 0x2a;
__u64 marked;

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	if (ip->ihl != 5)
		return TC_ACT_OK;
	tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > data_end)
		return TC_ACT_OK;
	if (tcp->dest != bpf_htons(target_port))
		return TC_ACT_OK;
	skb->mark = mark_value;
	__sync_fetch_and_add(&marked, 1);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "MIT";
