// hash_replace: what a program sees through a value pointer after it
// updates the same key. Hash and LRU hash updates put a new element in
// place of the old one, so the old pointer keeps the old value; per-CPU
// hashes and arrays update in place. Each map's view is returned in one
// byte of r0 (hash, LRU hash, per-CPU hash, array from the low byte up).
// bpflab:type sched_cls
// bpflab:map h hash 4 8 4
// bpflab:map l lru_hash 4 8 4
// bpflab:map p percpu_hash 4 8 4
// bpflab:map a array 4 8 4
	r7 = 0
	r1 = h ll
	call update_then_read
	r7 |= r0
	r1 = l ll
	call update_then_read
	r0 <<= 8
	r7 |= r0
	r1 = p ll
	call update_then_read
	r0 <<= 16
	r7 |= r0
	r1 = a ll
	call update_then_read
	r0 <<= 24
	r7 |= r0
	r0 = r7
	exit

// update_then_read(map in r1): stores 0x11 under key 1, looks it up,
// stores 0x22 under the same key, and returns what the first lookup's
// pointer reads now (0 if the lookup failed).
update_then_read:
	r6 = r1
	r1 = 1
	*(u32 *)(r10 - 4) = r1
	r1 = 0x11
	*(u64 *)(r10 - 16) = r1
	r1 = r6
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	r1 = r6
	r2 = r10
	r2 += -4
	call bpf_map_lookup_elem#1
	if r0 == 0 goto out
	r8 = r0
	r1 = 0x22
	*(u64 *)(r10 - 16) = r1
	r1 = r6
	r2 = r10
	r2 += -4
	r3 = r10
	r3 += -16
	r4 = 0
	call bpf_map_update_elem#2
	r0 = *(u64 *)(r8 + 0)
out:
	exit
