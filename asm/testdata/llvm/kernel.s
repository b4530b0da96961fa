; A verifier log (log level 2) and a bpftool "prog dump xlated opcodes" listing.
func#0 @0
func#1 @15
0: R1=ctx() R10=fp0
0: (b7) r0 = 0                        ; R0_w=0
1: (63) *(u32 *)(r10 -4) = r0         ; R0_w=0 R10=fp0 fp-8=0000????
2: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2_w=pkt(r=0)
; if (n > 5) @ prog.c:7
3: (65) if r2 s> 0x5 goto pc+4        ; R2_w=scalar(smax=5)
4: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0
5: (07) r2 += -4                      ; R2_w=fp-4
6: (18) r1 = map[id:12]
8: (05) goto pc+1
from 8 to 10: R0=0 R10=fp0
9: (85) call bpf_map_lookup_elem#190464
10: (18) r1 = map[id:12][0]+8
12: (c3) r3 = atomic_fetch_add((u32 *)(r10 -4), r3)
13: (db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)
14: (50) r0 = *(u8 *)skb[r3 + 12]
   50 30 00 00 0c 00 00 00
15: (85) call pc+2#bpf_prog_5f2c9a1b_sub
16: (95) exit
17: (85) call unknown#300
18: (b4) w0 = 2
19: (95) exit
R0 !read_ok
processed 20 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1
