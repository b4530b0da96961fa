// SPDX-License-Identifier: MIT
// sock_port_filter: a socket filter keeping IPv4 TCP segments to or from
// port 22 whatever the IP header length, reading the ports with classic
// indirect packet loads (BPF_IND) at an offset computed from the header.
#include "bpf_helpers_min.h"

SEC("socket")
int sock_port_filter(struct __sk_buff *skb)
{
	__u64 ihl, sport, dport;

	if (load_half(skb, 12) != ETH_P_IP)
		return 0;
	if (load_byte(skb, 14 + 9) != IPPROTO_TCP)
		return 0;
	/* Fragments other than the first carry no TCP header. */
	if (load_half(skb, 14 + 6) & 0x1fff)
		return 0;
	ihl = (load_byte(skb, 14) & 0xf) << 2;
	if (ihl < 20)
		return 0;
	sport = load_half(skb, 14 + ihl);
	dport = load_half(skb, 14 + ihl + 2);
	if (sport != 22 && dport != 22)
		return 0;
	return -1; /* the whole packet */
}

char _license[] SEC("license") = "MIT";
