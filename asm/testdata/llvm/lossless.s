# Forms LLVM 19 cannot spell, in our lossless spelling.
	call pc+3
	call kernel-function#12345
	ld_pseudo r1, 0x2, 0x3, 0x10
	ld_pseudo r2, 0x1, 0x0
	r0 = *(u32 *)skb[r3 + 0x5]
	w0 = load_acquire((u8 *)(r1 + 0x0))
	r0 = load_acquire((u64 *)(r1 - 0x8))
	store_release((u16 *)(r1 + 0x10), w2)
	.8byte 0x0000000000000095
	r0 = 0x0
	exit
