// xdp_bytes: bpf_xdp_load_bytes and bpf_xdp_store_bytes across the linear
// part and the fragments of a multi-buffer packet, and
// bpf_xdp_get_buff_len: loads 8 bytes that straddle the end of the linear
// area when there are fragments, stores them back changed, tries offsets
// past the end and above 0xffff, and returns the results (a byte each);
// data_out shows the stores.
// bpflab:type xdp
	r6 = r1
	r1 = r6
	call bpf_xdp_get_buff_len#188
	*(u64 *)(r10 - 16) = r0         // total length
	r7 = 0
	r8 = *(u32 *)(r6 + 4)
	r1 = *(u32 *)(r6 + 0)
	r8 -= r1                        // linear length
	r9 = r8
	r9 += -4                        // straddling offset
	if r9 s> 0 goto ok
	r9 = 0
ok:
	r1 = r6
	r2 = r9
	r3 = r10
	r3 += -8
	r4 = 8
	call bpf_xdp_load_bytes#189
	r0 &= 0xff
	r7 |= r0
	r1 = *(u64 *)(r10 - 8)
	r2 = 0x0102030405060708 ll
	r1 ^= r2                        // store back something else
	*(u64 *)(r10 - 8) = r1
	r1 = r6
	r2 = r9
	r3 = r10
	r3 += -8
	r4 = 8
	call bpf_xdp_store_bytes#190
	r0 &= 0xff
	r7 <<= 8
	r7 |= r0
	r1 = r6
	r2 = 0x10000
	r3 = r10
	r3 += -8
	r4 = 8
	call bpf_xdp_load_bytes#189
	r0 &= 0xff
	r7 <<= 8
	r7 |= r0
	r1 = r6
	r2 = 0xfff0
	r3 = r10
	r3 += -8
	r4 = 8
	call bpf_xdp_load_bytes#189
	r0 &= 0xff
	r7 <<= 8
	r7 |= r0
	r1 = *(u64 *)(r10 - 16)
	r1 <<= 32
	r7 |= r1                        // the length is in r0's high half
	r0 = r7                         // (BPF_PROG_TEST_RUN reports the low 32 bits)
	exit
