package ctx

import (
	"fmt"
	"sort"
	"strings"
)

// ProgType is a program type: its bpftool name, its enum bpf_prog_type value,
// its context structure and the verifier's rules for accessing it.
type ProgType struct {
	Name string // as bpftool spells it: "socket_filter", "sched_cls", …
	ID   uint32 // enum bpf_prog_type
	// Ctx is the context structure R1 points to at entry; nil for "none",
	// bpflab's pseudo type for plain programs whose R1 points at memory.
	Ctx *Layout
	// valid is the type's *_is_valid_access function.
	valid func(f Field, ok bool, off, size int, a access) bool
	// retvals names return values ("XDP_DROP").
	retvals map[int64]string
	// packet is how BPF_PROG_TEST_RUN lays out the packet for this type.
	packet packetKind
}

// access describes one context access for the rule functions.
type access struct {
	write bool
	sx    bool // sign-extending load (BPF_MEMSX)
}

// Program type ids (enum bpf_prog_type, include/uapi/linux/bpf.h).
const (
	BPF_PROG_TYPE_UNSPEC        uint32 = 0
	BPF_PROG_TYPE_SOCKET_FILTER uint32 = 1
	BPF_PROG_TYPE_SCHED_CLS     uint32 = 3
	BPF_PROG_TYPE_SCHED_ACT     uint32 = 4
	BPF_PROG_TYPE_XDP           uint32 = 6
	BPF_PROG_TYPE_CGROUP_SKB    uint32 = 8
)

// The modelled program types.
var (
	None         = &ProgType{Name: "none", ID: BPF_PROG_TYPE_UNSPEC}
	SocketFilter = &ProgType{Name: "socket_filter", ID: BPF_PROG_TYPE_SOCKET_FILTER, Ctx: SkBuff,
		valid: skFilterIsValidAccess, packet: packetSkbL3}
	SchedCLS = &ProgType{Name: "sched_cls", ID: BPF_PROG_TYPE_SCHED_CLS, Ctx: SkBuff,
		valid: tcClsActIsValidAccess, retvals: tcActions, packet: packetSkbL2}
	SchedACT = &ProgType{Name: "sched_act", ID: BPF_PROG_TYPE_SCHED_ACT, Ctx: SkBuff,
		valid: tcClsActIsValidAccess, retvals: tcActions, packet: packetSkbL2}
	CgroupSKB = &ProgType{Name: "cgroup_skb", ID: BPF_PROG_TYPE_CGROUP_SKB, Ctx: SkBuff,
		valid: cgSkbIsValidAccess, retvals: map[int64]string{0: "drop", 1: "allow"}, packet: packetSkbL3}
	XDP = &ProgType{Name: "xdp", ID: BPF_PROG_TYPE_XDP, Ctx: XDPMd,
		valid: xdpIsValidAccess, retvals: xdpActions, packet: packetXDP}
)

// Types lists the modelled program types in enum order.
var Types = []*ProgType{None, SocketFilter, SchedCLS, SchedACT, XDP, CgroupSKB}

// aliases are section-style names people also use.
var aliases = map[string]string{
	"socket": "socket_filter", "tc": "sched_cls", "classifier": "sched_cls",
	"action": "sched_act", "cgroup/skb": "cgroup_skb", "": "none",
}

// ForType returns the program type named name (bpftool spelling; "tc",
// "socket" and "classifier" are accepted too).
func ForType(name string) (*ProgType, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[n]; ok {
		n = a
	}
	for _, t := range Types {
		if t.Name == n {
			return t, nil
		}
	}
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = t.Name
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown program type %q (want one of %s)", name, strings.Join(names, ", "))
}

// ForID returns the program type with the kernel enum value id.
func ForID(id uint32) (*ProgType, error) {
	for _, t := range Types {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, fmt.Errorf("program type %d is not modelled", id)
}

func (t *ProgType) String() string { return t.Name }

// Access checks a context access of size bytes at offset off as the
// verifier's check_ctx_access does through the type's is_valid_access
// (net/core/filter.c, 6.12). It returns the field the access falls in; a
// narrow load (fewer bytes than the field) reads the bytes of that field at
// off-Field.Off, little-endian. A rejected access returns *AccessError.
func (t *ProgType) Access(off, size int, write bool) (Field, error) {
	return t.check(off, size, access{write: write})
}

// AccessSX is Access for a sign-extending load (BPF_LDX|BPF_MEMSX), which
// the kernel refuses on pointer fields.
func (t *ProgType) AccessSX(off, size int) (Field, error) {
	return t.check(off, size, access{sx: true})
}

func (t *ProgType) check(off, size int, a access) (Field, error) {
	if t.Ctx == nil || t.valid == nil || size <= 0 {
		return Field{}, &AccessError{Off: off, Size: size}
	}
	f, ok := t.Ctx.At(off)
	if !t.valid(f, ok, off, size, a) {
		return Field{}, &AccessError{Off: off, Size: size}
	}
	return f, nil
}

// RetvalName names a return value the way the program type's headers do
// (XDP_PASS, TC_ACT_SHOT); "" when the type gives it no name. Socket filters
// return how many bytes to keep, which needs no name.
func (t *ProgType) RetvalName(r uint64) string {
	if t.retvals == nil {
		return ""
	}
	if t.packet == packetSkbL2 {
		return t.retvals[int64(int32(uint32(r)))]
	}
	return t.retvals[int64(r)]
}

var xdpActions = map[int64]string{0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}

var tcActions = map[int64]string{-1: "TC_ACT_UNSPEC", 0: "TC_ACT_OK", 1: "TC_ACT_RECLASSIFY", 2: "TC_ACT_SHOT",
	3: "TC_ACT_PIPE", 4: "TC_ACT_STOLEN", 5: "TC_ACT_QUEUED", 6: "TC_ACT_REPEAT", 7: "TC_ACT_REDIRECT", 8: "TC_ACT_TRAP"}
