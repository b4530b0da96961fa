// SPDX-License-Identifier: MIT
// xdp_flow_hash: hash the IPv4 5-tuple into one of a configurable number of
// buckets and keep per-bucket statistics with atomic operations: a packet
// counter (fetch-and-add, whose old value marks a bucket's first packet),
// the last arrival time (exchange) and a one-time "seen" flag
// (compare-and-exchange).
#include "bpf_helpers_min.h"

#define MAX_BUCKETS 256

struct bucket {
	__u64 packets;
	__u64 first_seen;
	__u64 last_seen;
	__u32 flag;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BUCKETS);
	__type(key, __u32);
	__type(value, struct bucket);
} buckets SEC(".maps");

/* Set at load time; must be between 1 and MAX_BUCKETS. */
const volatile __u32 nbuckets = 64;

static __always_inline __u32 rol32(__u32 v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static __always_inline __u32 mix(__u32 a, __u32 b, __u32 c)
{
	a -= c; a ^= rol32(c, 4); c += b;
	b -= a; b ^= rol32(a, 6); a += c;
	c -= b; c ^= rol32(b, 8); b += a;
	return c * 0x9e3779b1u;
}

SEC("xdp")
int xdp_flow_hash(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *l4 = (void *)(ip + 1); /* TCP and UDP start alike */
	struct bucket *b;
	__u32 h, key, n = nbuckets;
	__u64 now, old;

	if ((void *)(l4 + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_PASS;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;

	h = mix(ip->saddr, ip->daddr, ((__u32)l4->source << 16 | l4->dest) ^ ip->protocol);
	if (n == 0 || n > MAX_BUCKETS)
		return XDP_ABORTED;
	key = h % n;
	b = bpf_map_lookup_elem(&buckets, &key);
	if (!b)
		return XDP_ABORTED;

	now = bpf_ktime_get_ns();
	old = __sync_fetch_and_add(&b->packets, 1);
	if (old == 0)
		b->first_seen = now;
	__atomic_exchange_n(&b->last_seen, now, __ATOMIC_SEQ_CST);
	__sync_val_compare_and_swap(&b->flag, 0, (__u32)(now >> 32) | 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "MIT";
