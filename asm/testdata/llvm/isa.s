# oracle: llvm-mc
# ISA v4 and friends, in llvm-objdump's spelling and in llvm-mc's looser one.
	r1 = (s8)r2
	r1 = (s16)r2
	r1 = (s32)r2
	w1 = (s8)w2
	w1 = (s16)w2
	r0 = *(s8 *)(r1 + 0x0)
	r0 = *(s16 *)(r1 - 2)
	r0 = *(s32 *)(r1 + 32767)
	r1 = bswap16 r1
	r1 = bswap32 r1
	r1 = bswap64 r1
	r1 = be16 r1
	r1 = le64 r1
	r1 s/= r2
	w1 s%= 7
	r3 s>>= 63
	gotol +2
	may_goto +1
	callx r2
	r0 = -0x80000000
	w0 = 0xffffffff
	r1 = 18446744073709551615 ll
	r1 = -0x8000000000000000 ll
	*(u8 *)(r10 - 1) = -1
	*(u64 *)(r10 - 0x8000) = 2147483647
	lock *(u32 *)(r1 + 4) += w2
	w2 = atomic_fetch_or((u32 *)(r1 + 4), w2)
	r2 = atomic_fetch_and((u64 *)(r1 + 4), r2)
	w0 = cmpxchg32_32(r1 + 0, w0, w3)
	r0 = *(u32 *)skb[12]
	r0 = *(u16 *)skb[r7]
	if w1 & 0x10 goto +1
	if r1 s>= r2 goto -2
	r0 = 0; r1 = 1; exit   // statements on one line, as in inline asm
	/* a block
	   comment */ exit
