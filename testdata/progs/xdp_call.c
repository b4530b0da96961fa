// SPDX-License-Identifier: MIT
// xdp_call: bpf-to-bpf calls. The header checks live in a function kept out
// of line, which returns the IP protocol or -1 for non-IPv4 packets; a
// second out-of-line function turns the protocol into a verdict.
#include "bpf_helpers_min.h"

static __noinline int ip_proto(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	return ip->protocol;
}

static __noinline int verdict(int proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return XDP_DROP;
	case -1:
		return XDP_ABORTED;
	default:
		return XDP_PASS;
	}
}

SEC("xdp")
int xdp_call(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	return verdict(ip_proto(data, data_end));
}

char _license[] SEC("license") = "MIT";
