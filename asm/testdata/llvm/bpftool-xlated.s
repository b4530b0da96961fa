# bpftool v7.1.0 "prog dump xlated" of a program loaded into Linux 6.18 (maps by id,
# the kernel's inlined array lookup, a named pc-relative call).
   0: (bf) r6 = r1
   1: (b7) r1 = 0
   2: (63) *(u32 *)(r10 -4) = r1
   3: (bf) r2 = r10
   4: (07) r2 += -4
   5: (18) r1 = map[id:5003]
   7: (07) r1 += 312
   8: (61) r0 = *(u32 *)(r2 +0)
   9: (35) if r0 >= 0x1 goto pc+3
  10: (67) r0 <<= 3
  11: (0f) r0 += r1
  12: (05) goto pc+1
  13: (b7) r0 = 0
  14: (15) if r0 == 0x0 goto pc+11
  15: (b7) r1 = 1
  16: (db) lock *(u64 *)(r0 +0) += r1
  17: (db) r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)
  18: (b4) w2 = 7
  19: (94) w2 %= 3
  20: (bf) r2 = r2
  21: (18) r3 = map[id:5004][0]+8
  23: (79) r4 = *(u64 *)(r3 +0)
  24: (bf) r1 = r4
  25: (85) call pc+2#bpf_prog_0da91cf551f103a8_F
  26: (b7) r0 = 0
  27: (95) exit
  28: (bf) r0 = r1
  29: (dc) r0 = be16 r0
  30: (95) exit
