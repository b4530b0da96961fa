// tc_redirect: hand-written tc program. Reads __sk_buff fields with
// narrow loads, copies the packet length and the low byte of the protocol
// into cb[], redirects IPv4 to ifindex 1 (TC_ACT_REDIRECT) and passes the
// rest; 802.1Q packets get priority 6.
// bpflab:type sched_cls
	r6 = r1
	r2 = *(u16 *)(r6 + 0)           // low half of skb->len
	*(u32 *)(r6 + 48) = r2          // cb[0]
	r3 = *(u8 *)(r6 + 16)           // low byte of skb->protocol
	*(u32 *)(r6 + 52) = r3          // cb[1]
	r4 = *(u32 *)(r6 + 16)
	if r4 != 129 goto no_vlan            // htons(ETH_P_8021Q)
	r5 = 6
	*(u32 *)(r6 + 32) = r5          // skb->priority
no_vlan:
	r0 = 0                          // TC_ACT_OK
	if r4 != 8 goto out
	r1 = 1
	r2 = 0
	call bpf_redirect#23
out:
	exit
