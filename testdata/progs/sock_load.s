// sock_load: bpf_skb_load_bytes in a socket filter, where offsets start at
// the network header: keeps the packet when its IPv4 header (20 bytes from
// offset 0) loads and says UDP, keeps 1 byte when the load fails (the
// buffer is then zeroed), and returns the length of the packet otherwise.
// bpflab:type socket_filter
	r6 = r1
	r1 = r6
	r2 = 0
	r3 = r10
	r3 += -24
	r4 = 20
	call bpf_skb_load_bytes#26
	if r0 != 0 goto failed
	r1 = *(u8 *)(r10 - 15)          // protocol (byte 9 of the header)
	if r1 != 17 goto other
	r0 = *(u16 *)(r10 - 22)         // total length, network order
	r0 = be16 r0
	exit
failed:
	r0 = *(u32 *)(r10 - 24)         // zeroed by the helper
	r0 += 1
	exit
other:
	r0 = *(u32 *)(r6 + 0)
	exit
