// tc_sock: reads the socket a test run attaches to the skb through
// __sk_buff.sk (struct bpf_sock: family, addresses, state, queue) and
// returns a mix of its fields; a NULL sk returns 0x7ead.
// bpflab:type sched_cls
	r2 = *(u64 *)(r1 + 168)         // skb->sk
	r0 = 0x7ead
	if r2 == 0 goto out
	r0 = *(u32 *)(r2 + 4)           // family
	r3 = *(u32 *)(r2 + 24)          // src_ip4
	r0 ^= r3
	r3 = *(u32 *)(r2 + 52)          // dst_ip4
	r3 <<= 1
	r0 ^= r3
	r3 = *(u32 *)(r2 + 28)          // src_ip6[0]
	r0 ^= r3
	r3 = *(u32 *)(r2 + 68)          // dst_ip6[3]
	r3 <<= 3
	r0 ^= r3
	r3 = *(u32 *)(r2 + 72)          // state
	r3 <<= 8
	r0 ^= r3
	r3 = *(u32 *)(r2 + 76)          // rx_queue_mapping
	r0 += r3
out:
	exit
