package testcase

import (
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
)

// The "-- maps" section of a bpflab case declares the maps its program
// uses, one per line, in the order of their indexes (an lddw with
// BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE names a map by that index, as
// asm.ProgramSpec defines):
//
//	# name  type      sizes
//	counts  type=hash key=4 value=8 max=16
//	cfg     type=array key=4 value=64 max=1 flags=0x400
//
// type is the kernel's map type without the BPF_MAP_TYPE_ prefix, in lower
// case; key, value and max (max_entries) are required; flags is optional.

var mapTypes = map[string]asm.MapType{
	"hash": asm.BPF_MAP_TYPE_HASH, "array": asm.BPF_MAP_TYPE_ARRAY,
	"prog_array": asm.BPF_MAP_TYPE_PROG_ARRAY, "perf_event_array": asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	"percpu_hash": asm.BPF_MAP_TYPE_PERCPU_HASH, "percpu_array": asm.BPF_MAP_TYPE_PERCPU_ARRAY,
	"stack_trace": asm.BPF_MAP_TYPE_STACK_TRACE, "cgroup_array": asm.BPF_MAP_TYPE_CGROUP_ARRAY,
	"lru_hash": asm.BPF_MAP_TYPE_LRU_HASH, "lru_percpu_hash": asm.BPF_MAP_TYPE_LRU_PERCPU_HASH,
	"lpm_trie": asm.BPF_MAP_TYPE_LPM_TRIE, "array_of_maps": asm.BPF_MAP_TYPE_ARRAY_OF_MAPS,
	"hash_of_maps": asm.BPF_MAP_TYPE_HASH_OF_MAPS, "devmap": asm.BPF_MAP_TYPE_DEVMAP,
	"sockmap": asm.BPF_MAP_TYPE_SOCKMAP, "cpumap": asm.BPF_MAP_TYPE_CPUMAP,
	"xskmap": asm.BPF_MAP_TYPE_XSKMAP, "sockhash": asm.BPF_MAP_TYPE_SOCKHASH,
	"queue": asm.BPF_MAP_TYPE_QUEUE, "stack": asm.BPF_MAP_TYPE_STACK,
	"sk_storage": asm.BPF_MAP_TYPE_SK_STORAGE, "devmap_hash": asm.BPF_MAP_TYPE_DEVMAP_HASH,
	"ringbuf": asm.BPF_MAP_TYPE_RINGBUF, "bloom_filter": asm.BPF_MAP_TYPE_BLOOM_FILTER,
	"user_ringbuf": asm.BPF_MAP_TYPE_USER_RINGBUF, "arena": asm.BPF_MAP_TYPE_ARENA,
}

// maps reads a "-- maps" section.
func (c *Case) maps(s *Section) error {
	names := map[string]int{}
	for _, l := range s.lines() {
		t := l.text
		if i := strings.IndexByte(t, '#'); i >= 0 {
			t = t[:i]
		}
		f := strings.Fields(t)
		if len(f) == 0 {
			continue
		}
		m := &asm.MapSpec{Name: f[0]}
		if strings.Contains(m.Name, "=") {
			return c.errorf(l.line, "map declaration must start with the map's name, got %q", f[0])
		}
		if prev, dup := names[m.Name]; dup {
			return c.errorf(l.line, "duplicate map %q (first at line %d)", m.Name, prev)
		}
		names[m.Name] = l.line
		seen := map[string]bool{}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return c.errorf(l.line, "map %s: invalid attribute %q: want key=value", m.Name, kv)
			}
			if seen[k] {
				return c.errorf(l.line, "map %s: attribute %q given twice", m.Name, k)
			}
			seen[k] = true
			if k == "type" {
				mt, ok := mapTypes[v]
				if !ok {
					return c.errorf(l.line, "map %s: unknown map type %q", m.Name, v)
				}
				m.Type = mt
				continue
			}
			n, err := strconv.ParseUint(v, 0, 32)
			if err != nil {
				return c.errorf(l.line, "map %s: invalid %s %q: want a 32-bit unsigned number", m.Name, k, v)
			}
			switch k {
			case "key":
				m.KeySize = uint32(n)
			case "value":
				m.ValueSize = uint32(n)
			case "max":
				m.MaxEntries = uint32(n)
			case "flags":
				m.Flags = uint32(n)
			default:
				return c.errorf(l.line, "map %s: unknown attribute %q: want type, key, value, max or flags", m.Name, k)
			}
		}
		for _, k := range []string{"type", "key", "value", "max"} {
			if !seen[k] {
				return c.errorf(l.line, "map %s: missing %s=", m.Name, k)
			}
		}
		c.Maps = append(c.Maps, m)
	}
	return nil
}
