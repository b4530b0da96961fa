// maps_helpers: calls the map helpers with arguments that succeed and fail
// (update flags, full maps, missing keys, array deletes, LPM prefixes, queue
// and stack limits) and records each result in slot N of results[0]; lookups
// record only whether they found something. The kernel parity test compares
// the results and every map's contents afterwards. (Written with a small
// script; the slot comments give each call's meaning.)
// bpflab:type sched_cls
// bpflab:map results array 4 384 1
// bpflab:map h hash 4 8 2
// bpflab:map a array 4 8 2
// bpflab:map q queue 0 4 2
// bpflab:map s stack 0 4 2
// bpflab:map t lpm_trie 8 4 2 1
// bpflab:map pa percpu_array 4 8 2
// bpflab:map ph percpu_hash 4 8 2
	// The assembler numbers maps by first use: mention them in declaration order.
	r1 = results ll
	r1 = h ll
	r1 = a ll
	r1 = q ll
	r1 = s ll
	r1 = t ll
	r1 = pa ll
	r1 = ph ll
	r6 = 0
	*(u64 *)(r10 - 8) = r6
	*(u64 *)(r10 - 16) = r6
	*(u64 *)(r10 - 24) = r6
	*(u64 *)(r10 - 32) = r6
	*(u64 *)(r10 - 40) = r6
	*(u64 *)(r10 - 48) = r6
	*(u64 *)(r10 - 56) = r6
	*(u64 *)(r10 - 64) = r6
	*(u64 *)(r10 - 72) = r6
	*(u64 *)(r10 - 80) = r6
	*(u64 *)(r10 - 88) = r6
	*(u64 *)(r10 - 96) = r6
	*(u64 *)(r10 - 104) = r6
	*(u64 *)(r10 - 112) = r6
	*(u64 *)(r10 - 120) = r6
	*(u64 *)(r10 - 128) = r6
	*(u64 *)(r10 - 136) = r6
	*(u64 *)(r10 - 144) = r6
	*(u64 *)(r10 - 152) = r6
	*(u64 *)(r10 - 160) = r6
	*(u64 *)(r10 - 168) = r6
	*(u64 *)(r10 - 176) = r6
	*(u64 *)(r10 - 184) = r6
	*(u64 *)(r10 - 192) = r6
	*(u64 *)(r10 - 200) = r6
	*(u64 *)(r10 - 208) = r6
	*(u64 *)(r10 - 216) = r6
	*(u64 *)(r10 - 224) = r6
	*(u64 *)(r10 - 232) = r6
	*(u64 *)(r10 - 240) = r6
	*(u64 *)(r10 - 248) = r6
	*(u64 *)(r10 - 256) = r6
	*(u64 *)(r10 - 264) = r6
	*(u64 *)(r10 - 272) = r6
	*(u64 *)(r10 - 280) = r6
	*(u64 *)(r10 - 288) = r6
	*(u64 *)(r10 - 296) = r6
	*(u64 *)(r10 - 304) = r6
	*(u64 *)(r10 - 312) = r6
	*(u64 *)(r10 - 320) = r6
	*(u64 *)(r10 - 328) = r6
	*(u64 *)(r10 - 336) = r6
	*(u64 *)(r10 - 344) = r6
	*(u64 *)(r10 - 352) = r6
	*(u64 *)(r10 - 360) = r6
	*(u64 *)(r10 - 368) = r6
	*(u64 *)(r10 - 376) = r6
	*(u64 *)(r10 - 384) = r6
	*(u64 *)(r10 - 392) = r6
	*(u64 *)(r10 - 400) = r6
	*(u64 *)(r10 - 408) = r6
	*(u64 *)(r10 - 416) = r6
	r1 = 1
	*(u32 *)(r10 -400) = r1
	r1 = 4369 ll
	*(u64 *)(r10 -416) = r1
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 0: hash: new key
	*(u64 *)(r10 - 384) = r0
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 1
	call bpf_map_update_elem#2
	// slot 1: hash: NOEXIST on an existing key
	*(u64 *)(r10 - 376) = r0
	r1 = 2
	*(u32 *)(r10 -400) = r1
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 2
	call bpf_map_update_elem#2
	// slot 2: hash: EXIST on a missing key
	*(u64 *)(r10 - 368) = r0
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 3: hash: second key
	*(u64 *)(r10 - 360) = r0
	r1 = 3
	*(u32 *)(r10 -400) = r1
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 4: hash: full
	*(u64 *)(r10 - 352) = r0
	r1 = h ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 4
	call bpf_map_update_elem#2
	// slot 5: hash: BPF_F_LOCK without a lock
	*(u64 *)(r10 - 344) = r0
	r1 = h ll
	r2 = r10
	r2 += -400
	call bpf_map_delete_elem#3
	// slot 6: hash: delete a missing key
	*(u64 *)(r10 - 336) = r0
	r1 = 2
	*(u32 *)(r10 -400) = r1
	r1 = h ll
	r2 = r10
	r2 += -400
	call bpf_map_delete_elem#3
	// slot 7: hash: delete
	*(u64 *)(r10 - 328) = r0
	r1 = h ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 8: hash: lookup the deleted key
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 320) = r0
	r1 = 1
	*(u32 *)(r10 -400) = r1
	r1 = h ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 9: hash: lookup
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 312) = r0
	r1 = 5
	*(u32 *)(r10 -400) = r1
	r1 = a ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 10: array: index past the end
	*(u64 *)(r10 - 304) = r0
	r1 = a ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 11: array: lookup past the end
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 296) = r0
	r1 = 1
	*(u32 *)(r10 -400) = r1
	r1 = 8738 ll
	*(u64 *)(r10 -416) = r1
	r1 = a ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 1
	call bpf_map_update_elem#2
	// slot 12: array: NOEXIST
	*(u64 *)(r10 - 288) = r0
	r1 = a ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 2
	call bpf_map_update_elem#2
	// slot 13: array: EXIST
	*(u64 *)(r10 - 280) = r0
	r1 = a ll
	r2 = r10
	r2 += -400
	call bpf_map_delete_elem#3
	// slot 14: array: delete
	*(u64 *)(r10 - 272) = r0
	r1 = 7 ll
	*(u64 *)(r10 -416) = r1
	r1 = q ll
	r2 = r10
	r2 += -416
	r3 = 0
	call bpf_map_push_elem#87
	// slot 15: queue: push 7
	*(u64 *)(r10 - 264) = r0
	r1 = 8 ll
	*(u64 *)(r10 -416) = r1
	r1 = q ll
	r2 = r10
	r2 += -416
	r3 = 0
	call bpf_map_push_elem#87
	// slot 16: queue: push 8
	*(u64 *)(r10 - 256) = r0
	r1 = 9 ll
	*(u64 *)(r10 -416) = r1
	r1 = q ll
	r2 = r10
	r2 += -416
	r3 = 0
	call bpf_map_push_elem#87
	// slot 17: queue: push when full
	*(u64 *)(r10 - 248) = r0
	r1 = q ll
	r2 = r10
	r2 += -416
	r3 = 2
	call bpf_map_push_elem#87
	// slot 18: queue: push 9 with EXIST drops the oldest
	*(u64 *)(r10 - 240) = r0
	r1 = q ll
	r2 = r10
	r2 += -416
	r3 = 1
	call bpf_map_push_elem#87
	// slot 19: queue: NOEXIST
	*(u64 *)(r10 - 232) = r0
	r1 = q ll
	r2 = r10
	r2 += -416
	call bpf_map_pop_elem#88
	// slot 20: queue: pop
	*(u64 *)(r10 - 224) = r0
	// slot 21: the value it wrote
	r1 = *(u32 *)(r10 -416)
	*(u64 *)(r10 - 216) = r1
	r1 = q ll
	r2 = r10
	r2 += -416
	call bpf_map_peek_elem#89
	// slot 22: queue: peek
	*(u64 *)(r10 - 208) = r0
	// slot 23: the value it wrote
	r1 = *(u32 *)(r10 -416)
	*(u64 *)(r10 - 200) = r1
	r1 = 7 ll
	*(u64 *)(r10 -416) = r1
	r1 = s ll
	r2 = r10
	r2 += -416
	r3 = 0
	call bpf_map_push_elem#87
	// slot 24: stack: push 7
	*(u64 *)(r10 - 192) = r0
	r1 = 8 ll
	*(u64 *)(r10 -416) = r1
	r1 = s ll
	r2 = r10
	r2 += -416
	r3 = 0
	call bpf_map_push_elem#87
	// slot 25: stack: push 8
	*(u64 *)(r10 - 184) = r0
	r1 = 9 ll
	*(u64 *)(r10 -416) = r1
	r1 = s ll
	r2 = r10
	r2 += -416
	r3 = 2
	call bpf_map_push_elem#87
	// slot 26: stack: push 9 with EXIST when full
	*(u64 *)(r10 - 176) = r0
	r1 = s ll
	r2 = r10
	r2 += -416
	call bpf_map_pop_elem#88
	// slot 27: stack: pop
	*(u64 *)(r10 - 168) = r0
	// slot 28: the value it wrote
	r1 = *(u32 *)(r10 -416)
	*(u64 *)(r10 - 160) = r1
	r1 = s ll
	r2 = r10
	r2 += -416
	call bpf_map_pop_elem#88
	// slot 29: stack: pop
	*(u64 *)(r10 - 152) = r0
	// slot 30: the value it wrote
	r1 = *(u32 *)(r10 -416)
	*(u64 *)(r10 - 144) = r1
	r1 = s ll
	r2 = r10
	r2 += -416
	call bpf_map_pop_elem#88
	// slot 31: stack: pop when empty
	*(u64 *)(r10 - 136) = r0
	// slot 32: the value it wrote
	r1 = *(u32 *)(r10 -416)
	*(u64 *)(r10 - 128) = r1
	r1 = 33
	*(u32 *)(r10 -400) = r1
	r1 = 10 ll
	*(u32 *)(r10 -396) = r1
	r1 = 1 ll
	*(u64 *)(r10 -416) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 33: lpm: prefix longer than the key
	*(u64 *)(r10 - 120) = r0
	r1 = 8
	*(u32 *)(r10 -400) = r1
	r1 = 10 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 34: lpm: add 10/8
	*(u64 *)(r10 - 112) = r0
	r1 = 16
	*(u32 *)(r10 -400) = r1
	r1 = 266 ll
	*(u32 *)(r10 -396) = r1
	r1 = 2 ll
	*(u64 *)(r10 -416) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 35: lpm: add 10.1/16
	*(u64 *)(r10 - 104) = r0
	r1 = 24
	*(u32 *)(r10 -400) = r1
	r1 = 131338 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 36: lpm: add when full
	*(u64 *)(r10 - 96) = r0
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 2
	call bpf_map_update_elem#2
	// slot 37: lpm: EXIST on a missing prefix
	*(u64 *)(r10 - 88) = r0
	r1 = 8
	*(u32 *)(r10 -400) = r1
	r1 = 10 ll
	*(u32 *)(r10 -396) = r1
	r1 = 3 ll
	*(u64 *)(r10 -416) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 2
	call bpf_map_update_elem#2
	// slot 38: lpm: EXIST on 10/8
	*(u64 *)(r10 - 80) = r0
	r1 = t ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 1
	call bpf_map_update_elem#2
	// slot 39: lpm: NOEXIST on 10/8
	*(u64 *)(r10 - 72) = r0
	r1 = 24
	*(u32 *)(r10 -400) = r1
	r1 = 131338 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	call bpf_map_delete_elem#3
	// slot 40: lpm: delete a missing prefix
	*(u64 *)(r10 - 64) = r0
	r1 = 32
	*(u32 *)(r10 -400) = r1
	r1 = 50465546 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 41: lpm: lookup 10.11.2.3
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 56) = r0
	r1 = 32
	*(u32 *)(r10 -400) = r1
	r1 = 50462986 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 42: lpm: lookup 10.1.2.3
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 48) = r0
	r1 = 32
	*(u32 *)(r10 -400) = r1
	r1 = 50462987 ll
	*(u32 *)(r10 -396) = r1
	r1 = t ll
	r2 = r10
	r2 += -400
	call bpf_map_lookup_elem#1
	// slot 43: lpm: lookup 11.1.2.3
	if r0 == 0 goto +1
	r0 = 1
	*(u64 *)(r10 - 40) = r0
	r1 = 1
	*(u32 *)(r10 -400) = r1
	r1 = 13107 ll
	*(u64 *)(r10 -416) = r1
	r1 = pa ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 44: percpu array: update
	*(u64 *)(r10 - 32) = r0
	r1 = ph ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 0
	call bpf_map_update_elem#2
	// slot 45: percpu hash: new key
	*(u64 *)(r10 - 24) = r0
	r1 = ph ll
	r2 = r10
	r2 += -400
	r3 = r10
	r3 += -416
	r4 = 1
	call bpf_map_update_elem#2
	// slot 46: percpu hash: NOEXIST
	*(u64 *)(r10 - 16) = r0
	r1 = 0
	*(u32 *)(r10 - 392) = r1
	r1 = results ll
	r2 = r10
	r2 += -392
	r3 = r10
	r3 += -384
	r4 = 0
	call bpf_map_update_elem#2
	r0 = 0
	exit
