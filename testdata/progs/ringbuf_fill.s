// ringbuf_fill: three bpf_ringbuf_output calls of 200 bytes per packet
// into a 4096-byte ring buffer that nothing consumes, so that it fills up
// after a few packets; each call's result goes to one byte of r0. The
// records may fill at most 4095 bytes (208 bytes each with the header).
// bpflab:type xdp
// bpflab:map rb ringbuf 0 0 4096
	r1 = 0
	*(u64 *)(r10 - 8) = r1
	*(u64 *)(r10 - 16) = r1
	*(u64 *)(r10 - 24) = r1
	*(u64 *)(r10 - 32) = r1
	*(u64 *)(r10 - 40) = r1
	*(u64 *)(r10 - 48) = r1
	*(u64 *)(r10 - 56) = r1
	*(u64 *)(r10 - 64) = r1
	*(u64 *)(r10 - 72) = r1
	*(u64 *)(r10 - 80) = r1
	*(u64 *)(r10 - 88) = r1
	*(u64 *)(r10 - 96) = r1
	*(u64 *)(r10 - 104) = r1
	*(u64 *)(r10 - 112) = r1
	*(u64 *)(r10 - 120) = r1
	*(u64 *)(r10 - 128) = r1
	*(u64 *)(r10 - 136) = r1
	*(u64 *)(r10 - 144) = r1
	*(u64 *)(r10 - 152) = r1
	*(u64 *)(r10 - 160) = r1
	*(u64 *)(r10 - 168) = r1
	*(u64 *)(r10 - 176) = r1
	*(u64 *)(r10 - 184) = r1
	*(u64 *)(r10 - 192) = r1
	*(u64 *)(r10 - 200) = r1
	*(u64 *)(r10 - 208) = r1
	r6 = 0
	r1 = rb ll
	r2 = r10
	r2 += -200
	r3 = 200
	r4 = 0
	call bpf_ringbuf_output#130
	r0 &= 0xff
	r6 <<= 8
	r6 |= r0
	r1 = rb ll
	r2 = r10
	r2 += -200
	r3 = 200
	r4 = 0
	call bpf_ringbuf_output#130
	r0 &= 0xff
	r6 <<= 8
	r6 |= r0
	r1 = rb ll
	r2 = r10
	r2 += -200
	r3 = 200
	r4 = 0
	call bpf_ringbuf_output#130
	r0 &= 0xff
	r6 <<= 8
	r6 |= r0
	r0 = r6
	exit
