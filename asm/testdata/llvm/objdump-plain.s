# llvm-objdump -d --no-show-raw-insn --mcpu=v4, with a jump back and a subprogram.
0000000000000000 <prog>:
       0:	w1 = 0x0
       1:	w0 = *(u32 *)(r1 + 0x0)
       2:	*(u16 *)(r10 - 0x8) = w0
       3:	w1 += 0x1
       4:	if w1 s< 0xa goto -0x2 <prog+0x10>
       5:	w2 = atomic_fetch_add((u32 *)(r10 - 0x8), w2)
       6:	w0 = cmpxchg32_32(r10 - 0x8, w0, w2)
       7:	r2 = xchg_64(r10 - 0x10, r2)
       8:	lock *(u64 *)(r10 - 0x10) ^= r3
       9:	r1 = 0x1fffffffe ll
      11:	r0 = *(s16 *)(r10 - 0x8)
      12:	r0 s%= -0x3
      13:	exit
