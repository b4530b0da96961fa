// lru_evict: fills LRU hash maps (common lists, per-CPU values, and one
// list per CPU with BPF_F_NO_COMMON_LRU) past max_entries while looking up older
// keys, so that the kernel's LRU lists (reference bits, batched free
// lists, inactive-list rotation) decide which keys survive. Each packet
// adds keys from a per-packet base (its length), so later packets evict
// earlier ones. The maps' contents after each packet are the test.
// bpflab:type sched_cls
// bpflab:map small lru_hash 4 8 4
// bpflab:map big lru_hash 4 8 16
// bpflab:map pcpu lru_percpu_hash 4 8 6
// bpflab:map nocommon lru_hash 4 8 7 2
	r8 = *(u32 *)(r1 + 0)           // skb->len: this packet's key base
	r1 = small ll
	r1 = big ll
	r1 = pcpu ll
	r1 = nocommon ll
	r7 = 0
loop:
	// key = (3*i + len) mod 23, value = i
	r6 = r7
	r6 *= 3
	r6 += r8
	r6 %= 23
	*(u32 *)(r10 - 4) = r6
	*(u64 *)(r10 - 16) = r7
	r1 = small ll
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	r1 = big ll
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	r1 = pcpu ll
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	r1 = nocommon ll
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	// look up the key written 2 steps ago in all maps
	r6 = r7
	r6 += 21                        // i - 2 (mod 23)
	r6 *= 3
	r6 += r8
	r6 %= 23
	*(u32 *)(r10 - 8) = r6
	r1 = small ll
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem#1
	r1 = big ll
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem#1
	r1 = pcpu ll
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem#1
	r1 = nocommon ll
	r2 = r10
	r2 += -8
	call bpf_map_lookup_elem#1
	// every 5th step, also delete the key written 4 steps ago
	r6 = r7
	r6 %= 5
	if r6 != 0 goto next
	r6 = r7
	r6 += 19
	r6 *= 3
	r6 += r8
	r6 %= 23
	*(u32 *)(r10 - 8) = r6
	r1 = big ll
	r2 = r10
	r2 += -8
	call bpf_map_delete_elem#3
next:
	r7 += 1
	if r7 < 40 goto loop
	r0 = 0
	exit
