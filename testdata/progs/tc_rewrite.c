// SPDX-License-Identifier: MIT
// tc_rewrite: packet and metadata rewrites through helpers.
//   tc_nat   rewrites the destination 10.0.0.2 to 10.0.0.99 with
//            bpf_skb_store_bytes and fixes the IPv4 and UDP/TCP checksums
//            with bpf_l3_csum_replace/bpf_l4_csum_replace; marks the skb
//   tc_vlan  pops an 802.1Q tag or pushes VLAN 7, and reports the skb's
//            VLAN fields in mark and priority
#include "corpus.h"

#define IP_DST_OFF (14 + 16)
#define IP_CSUM_OFF (14 + 10)

SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	__be32 old, new = bpf_htons(0) | (99u << 24 | 0 << 16 | 0 << 8 | 10);
	__u8 proto, ihl;
	__u32 l4csum;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, IP_DST_OFF, &old, 4))
		return TC_ACT_SHOT;
	if (old != (2u << 24 | 10))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, 14 + 9, &proto, 1) || bpf_skb_load_bytes(skb, 14, &ihl, 1))
		return TC_ACT_SHOT;
	if (proto == IPPROTO_UDP)
		l4csum = 14 + (ihl & 0xf) * 4 + 6;
	else if (proto == IPPROTO_TCP)
		l4csum = 14 + (ihl & 0xf) * 4 + 16;
	else
		l4csum = 0;
	if (l4csum && bpf_l4_csum_replace(skb, l4csum, old, new, BPF_F_PSEUDO_HDR | 4))
		return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old, new, 4))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, IP_DST_OFF, &new, 4, 0))
		return TC_ACT_SHOT;
	skb->mark = 0x99;
	skb->cb[0] = l4csum;
	return TC_ACT_OK;
}

SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	long err;

	if (skb->protocol == bpf_htons(ETH_P_8021Q))
		err = bpf_skb_vlan_pop(skb);
	else
		err = bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 7);
	skb->mark = skb->vlan_present << 16 | skb->vlan_tci;
	skb->priority = skb->protocol << 16 | skb->vlan_proto;
	skb->cb[0] = skb->len;
	return err ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "MIT";
