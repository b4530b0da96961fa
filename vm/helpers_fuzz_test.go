package vm

import (
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// FuzzPacketHelpers calls the packet and map helpers with arbitrary
// arguments on packet environments of every type: they may fail, but never
// panic, and the packet region always matches the test run's buffer.
func FuzzPacketHelpers(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint64(0), uint64(14), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(3), uint8(5), uint64(1), uint64(0xffffffff), uint64(3), uint64(0), uint64(0))
	f.Add(uint8(2), uint8(9), uint64(0), uint64(0), uint64(0x10000000000), uint64(8), uint64(1))
	types := []*ctx.ProgType{ctx.SocketFilter, ctx.SchedCLS, ctx.SchedACT, ctx.XDP, ctx.CgroupSKB}
	ids := []asm.Func{
		asm.BPF_FUNC_skb_load_bytes, asm.BPF_FUNC_skb_store_bytes, asm.BPF_FUNC_l3_csum_replace,
		asm.BPF_FUNC_l4_csum_replace, asm.BPF_FUNC_csum_diff, asm.BPF_FUNC_xdp_adjust_head,
		asm.BPF_FUNC_xdp_adjust_tail, asm.BPF_FUNC_xdp_adjust_meta, asm.BPF_FUNC_redirect,
		asm.BPF_FUNC_redirect_map, asm.BPF_FUNC_skb_vlan_push, asm.BPF_FUNC_skb_vlan_pop,
		asm.BPF_FUNC_skb_change_proto, asm.BPF_FUNC_map_lookup_elem, asm.BPF_FUNC_map_update_elem,
		asm.BPF_FUNC_map_delete_elem, asm.BPF_FUNC_map_push_elem, asm.BPF_FUNC_map_pop_elem,
		asm.BPF_FUNC_ringbuf_output, asm.BPF_FUNC_perf_event_output,
		asm.BPF_FUNC_skb_load_bytes_relative, asm.BPF_FUNC_skb_pull_data, asm.BPF_FUNC_xdp_get_buff_len,
		asm.BPF_FUNC_xdp_load_bytes, asm.BPF_FUNC_xdp_store_bytes,
		asm.BPF_FUNC_ringbuf_reserve, asm.BPF_FUNC_ringbuf_submit, asm.BPF_FUNC_ringbuf_query,
	}
	specs := []*asm.MapSpec{
		{Type: asm.BPF_MAP_TYPE_HASH, KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{Type: asm.BPF_MAP_TYPE_QUEUE, ValueSize: 4, MaxEntries: 2},
		{Type: asm.BPF_MAP_TYPE_RINGBUF, MaxEntries: 4096},
		{Type: asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Type: asm.BPF_MAP_TYPE_DEVMAP, KeySize: 4, ValueSize: 4, MaxEntries: 2},
		{Type: asm.BPF_MAP_TYPE_LRU_HASH, KeySize: 4, ValueSize: 8, MaxEntries: 2},
	}
	f.Fuzz(func(t *testing.T, typ, helper uint8, a1, a2, a3, a4, a5 uint64) {
		pt := types[int(typ)%len(types)]
		env, pr, err := NewPacketEnv(pt, ipv4Packet, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range specs {
			m, err := NewMap(s, MapOptions{CPUs: 2})
			if err != nil {
				t.Fatal(err)
			}
			env.Maps = append(env.Maps, m)
		}
		stack := env.StackTop(0) - 64
		// Arguments that look like pointers point into the stack, the
		// packet or at a map; others stay as fuzzed.
		arg := func(v uint64) uint64 {
			switch v % 7 {
			case 1:
				return stack + v%64
			case 2:
				return pr.DataAddr() + v%32
			case 3:
				return env.MapAddr(int(v/7) % len(specs))
			}
			return v
		}
		h, ok := env.Helper(ids[int(helper)%len(ids)])
		if !ok {
			t.Fatalf("helper %v missing", ids[int(helper)%len(ids)])
		}
		_, _ = h(env, arg(a1), arg(a2), arg(a3), arg(a4), arg(a5))
		r := pr.Run
		if !(0 <= r.Meta && r.Meta <= r.Data && r.Data <= r.End && r.End <= len(r.Buf)) {
			t.Fatalf("offsets meta %d data %d end %d of %d", r.Meta, r.Data, r.End, len(r.Buf))
		}
		if reg, _ := env.Mem.Region(pr.MetaAddr()); len(reg.Data) != r.End-r.Meta {
			t.Fatalf("packet region %d bytes, run has %d", len(reg.Data), r.End-r.Meta)
		}
	})
}
