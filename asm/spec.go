package asm

// MapType is the kernel's enum bpf_map_type.
type MapType uint32

// Map types (include/uapi/linux/bpf.h).
const (
	BPF_MAP_TYPE_UNSPEC                MapType = 0
	BPF_MAP_TYPE_HASH                  MapType = 1
	BPF_MAP_TYPE_ARRAY                 MapType = 2
	BPF_MAP_TYPE_PROG_ARRAY            MapType = 3
	BPF_MAP_TYPE_PERF_EVENT_ARRAY      MapType = 4
	BPF_MAP_TYPE_PERCPU_HASH           MapType = 5
	BPF_MAP_TYPE_PERCPU_ARRAY          MapType = 6
	BPF_MAP_TYPE_STACK_TRACE           MapType = 7
	BPF_MAP_TYPE_CGROUP_ARRAY          MapType = 8
	BPF_MAP_TYPE_LRU_HASH              MapType = 9
	BPF_MAP_TYPE_LRU_PERCPU_HASH       MapType = 10
	BPF_MAP_TYPE_LPM_TRIE              MapType = 11
	BPF_MAP_TYPE_ARRAY_OF_MAPS         MapType = 12
	BPF_MAP_TYPE_HASH_OF_MAPS          MapType = 13
	BPF_MAP_TYPE_DEVMAP                MapType = 14
	BPF_MAP_TYPE_SOCKMAP               MapType = 15
	BPF_MAP_TYPE_CPUMAP                MapType = 16
	BPF_MAP_TYPE_XSKMAP                MapType = 17
	BPF_MAP_TYPE_SOCKHASH              MapType = 18
	BPF_MAP_TYPE_CGROUP_STORAGE        MapType = 19
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY   MapType = 20
	BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE MapType = 21
	BPF_MAP_TYPE_QUEUE                 MapType = 22
	BPF_MAP_TYPE_STACK                 MapType = 23
	BPF_MAP_TYPE_SK_STORAGE            MapType = 24
	BPF_MAP_TYPE_DEVMAP_HASH           MapType = 25
	BPF_MAP_TYPE_STRUCT_OPS            MapType = 26
	BPF_MAP_TYPE_RINGBUF               MapType = 27
	BPF_MAP_TYPE_INODE_STORAGE         MapType = 28
	BPF_MAP_TYPE_TASK_STORAGE          MapType = 29
	BPF_MAP_TYPE_BLOOM_FILTER          MapType = 30
	BPF_MAP_TYPE_USER_RINGBUF          MapType = 31
	BPF_MAP_TYPE_CGRP_STORAGE          MapType = 32
	BPF_MAP_TYPE_ARENA                 MapType = 33
)

// MapSpec describes a map a program uses, as an ELF object or a kernel test
// table's fixups declare it. Engines (vm, kernel) create the map from it.
type MapSpec struct {
	Name       string
	Type       MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	InnerMap   *MapSpec   // for map-in-map types
	Contents   []MapEntry // initial contents (.data/.rodata sections, preloads)
}

// MapEntry is one key/value pair of a map.
type MapEntry struct {
	Key, Value []byte
}

// ProgramSpec is a program ready to load: its instructions and everything
// an engine needs to run it.
//
// Map references: an lddw with src BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE
// holds in its imm an index into Maps (not a file descriptor). Engines
// create the maps and substitute their own handles (the kernel package the
// fds) without changing the instruction indexes.
type ProgramSpec struct {
	Name    string
	Section string // ELF section, e.g. "xdp", "tc", "socket"
	// Type is the kernel's program type name as bpftool spells it
	// ("socket_filter", "sched_cls", "sched_act", "xdp", "cgroup_skb", …);
	// "" when unknown.
	Type       string
	AttachType string
	License    string
	Insns      Program
	Maps       []*MapSpec
	// Symbols names function entry points by instruction index (the
	// program's own name at 0, bpf-to-bpf callees elsewhere).
	Symbols map[int]string
}

// Collection is everything an ELF object holds: its programs and their maps,
// shared by pointer so that two programs see the same map.
type Collection struct {
	Programs []*ProgramSpec
	Maps     []*MapSpec
}

// Program returns the program with the given name or section, or nil.
func (c *Collection) Program(nameOrSection string) *ProgramSpec {
	for _, p := range c.Programs {
		if p.Name == nameOrSection {
			return p
		}
	}
	for _, p := range c.Programs {
		if p.Section == nameOrSection {
			return p
		}
	}
	return nil
}

// MapNames returns, for each lddw that refers to a map, the map's name by
// instruction index; printers use it.
func (s *ProgramSpec) MapNames() map[int]string {
	names := map[int]string{}
	for pc, ins := range s.Insns {
		if ins.IsLdImm64() && (ins.Src == BPF_PSEUDO_MAP_FD || ins.Src == BPF_PSEUDO_MAP_VALUE) {
			if i := int(ins.Imm); i >= 0 && i < len(s.Maps) {
				names[pc] = s.Maps[i].Name
			}
		}
	}
	return names
}
