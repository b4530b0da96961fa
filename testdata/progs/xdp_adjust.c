// SPDX-License-Identifier: MIT
// xdp_adjust: programs that move the edges of the XDP buffer.
//   xdp_pop_vlan  strips an 802.1Q tag with bpf_xdp_adjust_head(+4)
//   xdp_push_vlan tags untagged IPv4 with VLAN 42 (adjust_head(-4)), XDP_TX
//   xdp_trim      cuts packets to 60 bytes with bpf_xdp_adjust_tail
//   xdp_meta      reserves 8 bytes of metadata and fills them
#include "corpus.h"

SEC("xdp")
int xdp_pop_vlan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 macs[12];

	if ((void *)eth + 18 > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return XDP_PASS;
	__builtin_memcpy(macs, eth, 12);
	if (bpf_xdp_adjust_head(ctx, 4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 12 > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, macs, 12);
	return XDP_PASS;
}

SEC("xdp")
int xdp_push_vlan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	__u8 macs[12];

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	__builtin_memcpy(macs, eth, 12);
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, macs, 12);
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vh->h_vlan_TCI = bpf_htons(42);
	vh->h_vlan_encapsulated_proto = bpf_htons(ETH_P_IP);
	return XDP_TX;
}

SEC("xdp")
int xdp_trim(struct xdp_md *ctx)
{
	long len = (long)ctx->data_end - (long)ctx->data;

	if (len <= 60)
		return XDP_PASS;
	if (bpf_xdp_adjust_tail(ctx, 60 - (int)len))
		return XDP_ABORTED;
	return XDP_TX;
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	__u32 *meta;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -8))
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(meta + 2) > data)
		return XDP_ABORTED;
	meta[0] = ctx->data_end - ctx->data;
	meta[1] = 0xfeedbeef;
	return XDP_PASS;
}

char _license[] SEC("license") = "MIT";
