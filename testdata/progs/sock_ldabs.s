// sock_ldabs: a hand-written socket filter with classic packet loads.
// Socket filters see the packet from the network header, so skb[9] is the
// IPv4 protocol. Keeps the first 64 bytes of UDP packets to port 53, all of
// other IPv4 packets, and drops the rest (returns 0). A packet too short
// for a legacy load ends the program with r0 = 0.
// bpflab:type socket_filter
	r6 = r1
	r0 = *(u32 *)(r6 + 16)          // skb->protocol (network order)
	if r0 != 8 goto drop            // htons(ETH_P_IP)
	r0 = *(u8 *)skb[9]              // IP protocol
	if r0 != 17 goto keep_all
	r0 = *(u8 *)skb[0]              // version/IHL
	r0 &= 15
	r0 <<= 2                        // header length
	r7 = r0
	r0 = *(u16 *)skb[r7 + 2]        // UDP destination port (host order)
	if r0 != 53 goto keep_all
	r0 = 64
	exit
keep_all:
	r0 = *(u32 *)(r6 + 0)           // skb->len
	exit
drop:
	r0 = 0
	exit
