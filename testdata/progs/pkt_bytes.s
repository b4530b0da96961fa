// pkt_bytes: bpf_skb_load_bytes_relative from the MAC and the network
// header, with offsets past the end and an unknown start, and
// bpf_skb_pull_data, in a tc program; each result goes to one byte of r0,
// and the loaded bytes are folded in. (sock_relative.s does the relative
// loads in a socket filter, whose data starts at the network header.)
// bpflab:type sched_cls
	r6 = r1
	r7 = 0
	r1 = r6
	r2 = 12
	r3 = r10
	r3 += -8
	r4 = 4
	r5 = 0                          // BPF_HDR_START_MAC: EtherType and 2 more
	call bpf_skb_load_bytes_relative#68
	r7 |= r0
	r8 = *(u32 *)(r10 - 8)
	r1 = r6
	r2 = 9
	r3 = r10
	r3 += -16
	r4 = 1
	r5 = 1                          // BPF_HDR_START_NET: IP protocol
	call bpf_skb_load_bytes_relative#68
	r0 &= 0xff
	r0 <<= 8
	r7 |= r0
	r1 = *(u8 *)(r10 - 16)
	r8 ^= r1
	r1 = r6
	r2 = 0xffff
	r3 = r10
	r3 += -8
	r4 = 4
	r5 = 1                          // past the end
	call bpf_skb_load_bytes_relative#68
	r0 &= 0xff
	r0 <<= 16
	r7 |= r0
	r1 = *(u32 *)(r10 - 8)          // zeroed by the failure
	r8 += r1
	r1 = r6
	r2 = 0
	r3 = r10
	r3 += -8
	r4 = 4
	r5 = 2                          // unknown start
	call bpf_skb_load_bytes_relative#68
	r0 &= 0xff
	r0 <<= 24
	r7 |= r0
	r1 = r6
	r2 = 0
	call bpf_skb_pull_data#39
	r0 <<= 32
	r7 += r0
	r1 = r6
	r2 = 10000
	call bpf_skb_pull_data#39
	r0 <<= 40
	r7 += r0
	r8 <<= 48
	r0 = r7
	r0 ^= r8
	r0 &= 0x7fffffff                // low 31 bits; cgroup_skb would need 0/1
	exit
