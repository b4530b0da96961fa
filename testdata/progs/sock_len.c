// SPDX-License-Identifier: MIT
// sock_len: a socket filter that copies the first bytes of each packet with
// bpf_skb_load_bytes and keeps only UDP datagrams to port 53 (DNS), sampling
// one in four of them at random.
#include "bpf_helpers_min.h"

SEC("socket")
int sock_dns_sample(struct __sk_buff *skb)
{
	__u8 hdr[14 + 20 + 4];
	struct ethhdr *eth = (void *)hdr;
	struct iphdr *ip = (void *)(hdr + 14);
	struct udphdr *udp = (void *)(hdr + 34);

	if (bpf_skb_load_bytes(skb, 0, hdr, sizeof(hdr)) < 0)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return 0;
	if (udp->dest != bpf_htons(53))
		return 0;
	if (bpf_get_prandom_u32() % 4)
		return 0;
	return skb->len;
}

char _license[] SEC("license") = "GPL";
