// SPDX-License-Identifier: MIT
// xdp_loop_csum: verify the IPv4 header checksum with a bounded loop (kept
// as a real loop, not unrolled) and drop packets whose checksum is wrong.
#include "bpf_helpers_min.h"

#define IP_MAX_WORDS 30 /* 60-byte header with options, in 16-bit words */

SEC("xdp")
int xdp_loop_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u16 *words;
	__u32 sum = 0, nwords;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	words = (void *)(eth + 1);
	if ((void *)(words + 10) > data_end)
		return XDP_PASS;
	nwords = (((struct iphdr *)words)->ihl) * 2;

#pragma clang loop unroll(disable)
	for (i = 0; i < IP_MAX_WORDS; i++) {
		if (i >= nwords)
			break;
		/* Hide the pointer from the optimiser so that the bounds check
		 * stays inside the loop, where the verifier needs it. */
		asm volatile("" : "+r"(words));
		if ((void *)(words + 1) > data_end)
			return XDP_DROP;
		sum += *words++;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "MIT";
