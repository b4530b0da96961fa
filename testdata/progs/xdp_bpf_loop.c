// SPDX-License-Identifier: MIT
// xdp_bpf_loop: count the bytes equal to 0xff among the first 64 of a frame
// with bpf_loop and a callback (the callback's address is an lddw of a
// function, BPF_PSEUDO_FUNC), and drop frames with more than `limit` of
// them (.rodata).
#include "bpf_helpers_min.h"

static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;

const volatile __u32 limit = 16;

struct scan {
	void *data;
	void *data_end;
	__u32 count;
};

static int count_ff(__u32 i, struct scan *s)
{
	__u8 *p = s->data;

	if (i >= 64)
		return 1;
	p += i;
	if ((void *)(p + 1) > s->data_end)
		return 1; /* stop at the end of the frame */
	if (*p == 0xff)
		s->count++;
	return 0;
}

SEC("xdp")
int xdp_bpf_loop(struct xdp_md *ctx)
{
	struct scan s = {
		.data = (void *)(long)ctx->data,
		.data_end = (void *)(long)ctx->data_end,
	};

	bpf_loop(64, count_ff, &s, 0);
	return s.count > limit ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
