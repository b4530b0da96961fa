// ringbuf_reserve: bpf_ringbuf_reserve, writing the record in place,
// bpf_ringbuf_submit and bpf_ringbuf_discard, refused reservations (flags,
// too big for the buffer) and bpf_ringbuf_query, into a 4096-byte ring
// buffer that fills up after some packets. r0 gets one bit per
// reservation that succeeded and the producer position.
// bpflab:type sched_cls
// bpflab:map rb ringbuf 0 0 4096
	r6 = r1
	r7 = 0
	r1 = rb ll
	r2 = 300
	r3 = 0
	call bpf_ringbuf_reserve#131
	if r0 == 0 goto second
	r7 |= 1
	r1 = *(u32 *)(r6 + 0)           // skb->len into the record
	*(u32 *)(r0 + 0) = r1
	r1 = r0
	r2 = 0
	call bpf_ringbuf_submit#132
second:
	r1 = rb ll
	r2 = 64
	r3 = 0
	call bpf_ringbuf_reserve#131
	if r0 == 0 goto flags
	r7 |= 2
	r1 = r0
	r2 = 0
	call bpf_ringbuf_discard#133
flags:
	r1 = rb ll
	r2 = 8
	r3 = 1                          // no flags are defined
	call bpf_ringbuf_reserve#131
	if r0 == 0 goto huge
	r7 |= 4
	r1 = r0
	r2 = 0
	call bpf_ringbuf_discard#133
huge:
	r1 = rb ll
	r2 = 5000
	r3 = 0
	call bpf_ringbuf_reserve#131
	if r0 == 0 goto query
	r7 |= 8
	r1 = r0
	r2 = 0
	call bpf_ringbuf_discard#133
query:
	r1 = rb ll
	r2 = 3                          // BPF_RB_PROD_POS
	call bpf_ringbuf_query#134
	r0 <<= 8
	r7 |= r0
	r1 = rb ll
	r2 = 1                          // BPF_RB_RING_SIZE
	call bpf_ringbuf_query#134
	r0 <<= 32
	r7 |= r0
	r0 = r7
	exit
