/* SPDX-License-Identifier: MIT */
/*
 * corpus.h: what the kernel parity corpus and the demo programs need
 * beyond bpf_helpers_min.h: more map types and helpers, and the rest of
 * struct __sk_buff's access through the base header's prefix.
 */
#ifndef BPFLAB_CORPUS_H
#define BPFLAB_CORPUS_H

#include "bpf_helpers_min.h"

enum {
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_STACK = 23,
	BPF_MAP_TYPE_RINGBUF = 27,
};

#define BPF_F_NO_PREALLOC 1
#define BPF_F_PSEUDO_HDR 0x10
#define BPF_F_CURRENT_CPU 0xffffffffULL

static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static long (*bpf_skb_store_bytes)(void *skb, __u32 off, const void *from, __u32 len, __u64 flags) = (void *)9;
static long (*bpf_l3_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to, __u64 size) = (void *)10;
static long (*bpf_l4_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to, __u64 flags) = (void *)11;
static long (*bpf_tail_call)(void *ctx, void *map, __u32 index) = (void *)12;
static long (*bpf_skb_vlan_push)(void *skb, __be16 proto, __u16 tci) = (void *)18;
static long (*bpf_skb_vlan_pop)(void *skb) = (void *)19;
static long (*bpf_redirect)(__u32 ifindex, __u64 flags) = (void *)23;
static long (*bpf_perf_event_output)(void *ctx, void *map, __u64 flags, void *data, __u64 size) = (void *)25;
static __s64 (*bpf_csum_diff)(__be32 *from, __u32 from_size, __be32 *to, __u32 to_size, __u32 seed) = (void *)28;
static long (*bpf_xdp_adjust_head)(struct xdp_md *ctx, int delta) = (void *)44;
static long (*bpf_xdp_adjust_meta)(struct xdp_md *ctx, int delta) = (void *)54;
static long (*bpf_xdp_adjust_tail)(struct xdp_md *ctx, int delta) = (void *)65;
static long (*bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)87;
static long (*bpf_map_pop_elem)(void *map, void *value) = (void *)88;
static long (*bpf_map_peek_elem)(void *map, void *value) = (void *)89;
static long (*bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *)130;

#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD
#define TC_ACT_REDIRECT 7

struct icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__be16 id;
	__be16 sequence;
};

#endif
