// SPDX-License-Identifier: MIT
// tc_xlat: bpf_skb_change_proto between IPv4 and IPv6 (the header room
// grows or shrinks by 20 bytes after the Ethernet header), fixing the
// Ethernet type with bpf_skb_store_bytes; bad flags and unsupported
// protocols are tried first. The results go to cb[] and the new length to
// mark.
#include "corpus.h"

static long (*bpf_skb_change_proto)(void *skb, __be16 proto, __u64 flags) = (void *)31;

SEC("tc")
int tc_xlat(struct __sk_buff *skb)
{
	__be16 to, type;

	skb->cb[0] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 1);
	skb->cb[1] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_ARP), 0);
	if (skb->protocol == bpf_htons(ETH_P_IP))
		to = bpf_htons(ETH_P_IPV6);
	else
		to = bpf_htons(ETH_P_IP);
	skb->cb[2] = bpf_skb_change_proto(skb, to, 0);
	type = skb->protocol;
	skb->cb[3] = bpf_skb_store_bytes(skb, 12, &type, 2, 0);
	skb->cb[4] = skb->hash;
	skb->mark = skb->len;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "MIT";
