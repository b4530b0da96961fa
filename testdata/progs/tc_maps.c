// SPDX-License-Identifier: MIT
// tc_maps: one program that exercises the other map types and output
// helpers. The destination address picks a class in an LPM trie (no
// match: class 0); class 2 is dropped. Each packet's length is pushed on a
// queue (dropping the oldest when full) and a stack; the previous length
// popped from the stack and the queue's head go into a per-CPU hash with
// the class; a ring buffer and a perf event array get an event (the perf
// array has no reader, so its helper fails, and the error is counted).
#include "corpus.h"

struct lpm_key {
	__u32 prefixlen;
	__be32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 3);
	__type(value, __u32);
} lens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} recent SEC(".maps");

struct seen {
	__u32 class;
	__u32 prev_len;
	__u32 queue_head;
	__s32 perf_err;
	__s32 ringbuf_err;
	__s32 pop_err;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, struct seen);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

SEC("tc")
int tc_maps(struct __sk_buff *skb)
{
	struct lpm_key k = { 32, 0 };
	struct seen s = {};
	__u32 len = skb->len, *class;
	__u32 id = skb->len ^ skb->protocol;

	if (skb->protocol == bpf_htons(ETH_P_IP) && bpf_skb_load_bytes(skb, 14 + 16, &k.addr, 4) == 0) {
		class = bpf_map_lookup_elem(&routes, &k);
		if (class)
			s.class = *class;
	}
	s.pop_err = bpf_map_pop_elem(&recent, &s.prev_len);
	bpf_map_push_elem(&recent, &len, 0);
	bpf_map_push_elem(&recent, &len, 0);
	bpf_map_push_elem(&lens, &len, BPF_EXIST);
	bpf_map_peek_elem(&lens, &s.queue_head);
	s.ringbuf_err = bpf_ringbuf_output(&events, &s, sizeof(s), 0);
	s.perf_err = bpf_perf_event_output(skb, &perf, BPF_F_CURRENT_CPU, &len, sizeof(len));
	bpf_map_update_elem(&seen, &id, &s, BPF_ANY);
	return s.class == 2 ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "Dual MIT/GPL";
