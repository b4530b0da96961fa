// SPDX-License-Identifier: MIT
// sock_filter_tcp: a socket filter that keeps IPv4 TCP packets (headers
// only: the first 128 bytes) and drops the rest, reading the packet with
// classic packet loads as the kernel's samples do.
#include "bpf_helpers_min.h"

SEC("socket")
int sock_filter_tcp(struct __sk_buff *skb)
{
	if (load_half(skb, 12) != ETH_P_IP)
		return 0;
	if (load_byte(skb, 14 + 9) != IPPROTO_TCP)
		return 0;
	/* Keep whole packets that are short, trim long ones. */
	if (skb->len < 128)
		return skb->len;
	return 128;
}

char _license[] SEC("license") = "MIT";
