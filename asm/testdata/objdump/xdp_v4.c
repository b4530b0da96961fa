// SPDX-License-Identifier: MIT
// Instructions of cpu v4 (signed division and modulo, sign-extending loads
// and moves, byte swaps) as clang emits them from ordinary C.
#include "bpf_helpers_min.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} out SEC(".maps");

SEC("xdp")
int xdp_v4(struct xdp_md *ctx)
{
	signed char *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key = 0;
	__s64 *v, a, b;
	short s;

	if ((void *)(data + 16) > data_end)
		return XDP_PASS;
	a = data[0];                /* ldsx u8 */
	s = *(short *)(data + 2);   /* ldsx u16 */
	b = *(int *)(data + 4);     /* ldsx u32 */
	if (s == 0 || b == 0)
		return XDP_DROP;
	a = a / s + b % (int)s;     /* sdiv, smod */
	a += (__s64)(int)(a >> 3);  /* movsx 32 */
	a ^= __builtin_bswap64(a) + __builtin_bswap32((__u32)b) + __builtin_bswap16((__u16)s);
	v = bpf_map_lookup_elem(&out, &key);
	if (v)
		*v = a;
	return XDP_PASS;
}

char _license[] SEC("license") = "MIT";
