// example.s: a small XDP program in LLVM syntax, used by bpflab's docs and
// CLI tests. It drops frames shorter than 60 bytes and IPv4 UDP datagrams,
// and passes everything else.
//
//	bpflab asm --hex example.s | bpflab disasm -
	r2 = *(u32 *)(r1 + 0x4)		// data_end
	r1 = *(u32 *)(r1 + 0x0)		// data
	w0 = 0x1			// XDP_DROP
	r3 = r1
	r3 += 0x3c			// 60 bytes: Ethernet and the smallest payload
	if r3 > r2 goto out
	r3 = *(u16 *)(r1 + 0xc)		// EtherType, network order
	if w3 != 0x8 goto pass		// 0x0800 read as little endian
	r3 = *(u8 *)(r1 + 0x17)		// IPv4 protocol
	if w3 == 0x11 goto out		// UDP
pass:
	w0 = 0x2			// XDP_PASS
out:
	exit
