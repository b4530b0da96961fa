// SPDX-License-Identifier: MIT
// xdp_tailcall: a dispatcher that tail-calls a program per IP protocol
// through a program array; slots left empty fall through to XDP_PASS.
//   slot 0: xdp_udp  drops UDP to port 53, passes other UDP
//   slot 1: xdp_tcp  bounces TCP back (swaps MAC addresses, XDP_TX)
//   slot 2: (empty)  ICMP
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	switch (ip->protocol) {
	case IPPROTO_UDP:
		bpf_tail_call(ctx, &jmp, 0);
		break;
	case IPPROTO_TCP:
		bpf_tail_call(ctx, &jmp, 1);
		break;
	case IPPROTO_ICMP:
		bpf_tail_call(ctx, &jmp, 2);
		break;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp = data + 14 + 20;

	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	return udp->dest == bpf_htons(53) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[6];

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(tmp, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, tmp, 6);
	return XDP_TX;
}

char _license[] SEC("license") = "MIT";
