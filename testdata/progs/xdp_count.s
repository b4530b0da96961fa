// xdp_count: hand-written XDP program: counts packets per EtherType in an
// array of 4 slots (IPv4, ARP, IPv6, other) with atomic adds, after a
// bounds check on the Ethernet header; runts are dropped.
// bpflab:type xdp
// bpflab:map counts array 4 8 4
	r2 = *(u32 *)(r1 + 0)           // data
	r3 = *(u32 *)(r1 + 4)           // data_end
	r4 = r2
	r4 += 14
	if r4 > r3 goto runt
	r5 = *(u16 *)(r2 + 12)          // EtherType, network order
	r6 = 3
	if r5 != 8 goto not_ip
	r6 = 0
	goto count
not_ip:
	if r5 != 1544 goto not_arp           // htons(0x0806)
	r6 = 1
	goto count
not_arp:
	if r5 != 56710 goto count       // htons(0x86dd)
	r6 = 2
count:
	*(u32 *)(r10 - 4) = r6
	r2 = r10
	r2 += -4
	r1 = counts ll
	call bpf_map_lookup_elem#1
	if r0 == 0 goto pass
	r1 = 1
	lock *(u64 *)(r0 + 0) += r1
pass:
	r0 = 2                          // XDP_PASS
	exit
runt:
	r0 = 1                          // XDP_DROP
	exit
