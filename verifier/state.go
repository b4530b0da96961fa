package verifier

import (
	"math"

	"github.com/bpflab/bpflab/verifier/tnum"
)

// regType is the kernel's enum bpf_reg_type, restricted to the types the
// modelled program types can produce.
type regType uint8

// Register types; String gives reg_type_str's text.
const (
	NotInit regType = iota
	ScalarValue
	PtrToCtx
	ConstPtrToMap
	PtrToMapValue
	PtrToMapKey
	PtrToStack
	PtrToPacketMeta
	PtrToPacket
	PtrToPacketEnd
	PtrToMem
	PtrToSocket
	PtrToSockCommon
	PtrToTCPSock
	PtrToFlowKeys
	PtrToFunc
)

var regTypeNames = [...]string{
	NotInit: "?", ScalarValue: "scalar", PtrToCtx: "ctx", ConstPtrToMap: "map_ptr",
	PtrToMapValue: "map_value", PtrToMapKey: "map_key", PtrToStack: "fp",
	PtrToPacketMeta: "pkt_meta", PtrToPacket: "pkt", PtrToPacketEnd: "pkt_end",
	PtrToMem: "mem", PtrToSocket: "sock", PtrToSockCommon: "sock_common",
	PtrToTCPSock: "tcp_sock", PtrToFlowKeys: "flow_keys", PtrToFunc: "func",
}

func (t regType) String() string { return regTypeNames[t] }

// regState is struct bpf_reg_state: a type, for pointers a fixed offset and
// a variable offset, and for scalars (and pointer variable parts) the known
// bits and the four interval views of the value.
type regState struct {
	typ       regType
	maybeNull bool // PTR_MAYBE_NULL
	rdonly    bool // MEM_RDONLY
	ringbuf   bool // MEM_RINGBUF

	off    int32 // fixed offset of a pointer
	varOff tnum.Tnum
	smin   int64
	smax   int64
	umin   uint64
	umax   uint64
	s32min int32
	s32max int32
	u32min uint32
	u32max uint32

	id       uint32 // shared by copies: null checks and packet ranges propagate through it
	refObjID uint32 // acquired reference this pointer carries
	mapIdx   int    // ConstPtrToMap, PtrToMapValue, PtrToMapKey: index into Options.Maps
	rng      int    // PtrToPacket: bytes known readable from off 0
	memSize  int    // PtrToMem: size of the region
	frameno  int    // PtrToStack: owning frame
	subprog  int    // PtrToFunc: callee subprogram
}

// typeStr is reg_type_str: the base name with prefixes and suffixes for the
// type flags.
func (r *regState) typeStr() string {
	s := r.typ.String()
	if r.rdonly {
		s = "rdonly_" + s
	}
	if r.ringbuf {
		s = "ringbuf_" + s
	}
	if r.maybeNull {
		s += "_or_null"
	}
	return s
}

func (r *regState) isPointer() bool { return r.typ != ScalarValue && r.typ != NotInit }

func (r *regState) isPkt() bool { return r.typ == PtrToPacket || r.typ == PtrToPacketMeta }

// markKnown makes r the exact scalar v (__mark_reg_known) keeping its type.
func (r *regState) markKnown(v uint64) {
	r.varOff = tnum.Const(v)
	r.smin, r.smax = int64(v), int64(v)
	r.umin, r.umax = v, v
	r.s32min, r.s32max = int32(v), int32(v)
	r.u32min, r.u32max = uint32(v), uint32(v)
	r.off = 0
	r.id = 0
	r.refObjID = 0
	r.rng = 0
	r.memSize = 0
	r.mapIdx = 0
}

// markKnownZero is __mark_reg_known_zero.
func (r *regState) markKnownZero() { r.markKnown(0) }

// markUnbounded gives every bound its widest value (__mark_reg_unbounded).
func (r *regState) markUnbounded() {
	r.smin, r.smax = math.MinInt64, math.MaxInt64
	r.umin, r.umax = 0, math.MaxUint64
	r.s32min, r.s32max = math.MinInt32, math.MaxInt32
	r.u32min, r.u32max = 0, math.MaxUint32
}

// mark64Unbounded is __mark_reg64_unbounded.
func (r *regState) mark64Unbounded() {
	r.smin, r.smax = math.MinInt64, math.MaxInt64
	r.umin, r.umax = 0, math.MaxUint64
}

// mark32Unbounded is __mark_reg32_unbounded.
func (r *regState) mark32Unbounded() {
	r.s32min, r.s32max = math.MinInt32, math.MaxInt32
	r.u32min, r.u32max = 0, math.MaxUint32
}

// markUnknown makes r an unknown scalar (__mark_reg_unknown).
func (r *regState) markUnknown() {
	*r = regState{typ: ScalarValue, varOff: tnum.Unknown}
	r.markUnbounded()
}

// scalarConst returns a scalar known to be v.
func scalarConst(v uint64) regState {
	r := regState{typ: ScalarValue}
	r.markKnown(v)
	return r
}

func unknownScalar() regState {
	var r regState
	r.markUnknown()
	return r
}

// isNull reports whether r is the scalar 0 (register_is_null).
func (r *regState) isNull() bool { return r.typ == ScalarValue && r.varOff.EqualsConst(0) }

// Stack slot byte kinds (enum bpf_stack_slot_type).
type slotKind uint8

const (
	stackInvalid slotKind = iota
	stackSpill
	stackMisc
	stackZero
)

// stackSlot is one 8-byte slot of a frame's stack: what each byte holds, and
// the register spilled into it when the slot holds a spill.
type stackSlot struct {
	kind    [8]slotKind // kind[i] describes byte i of the slot (slot_type)
	spilled regState
}

// funcState is struct bpf_func_state: one frame.
type funcState struct {
	regs     [11]regState
	frameno  int
	callsite int // insn of the call that created this frame; -1 for the main frame
	// inCallback marks a bpf_loop callback frame: its exit returns to the
	// calling helper, which may call it again.
	inCallback bool
	subprog    int
	stack      []stackSlot // stack[i] covers fp-8*(i+1) .. fp-8*i-1
}

// reference is one acquired reference (struct bpf_reference_state).
type reference struct {
	id      uint32
	insnIdx int
}

// state is struct bpf_verifier_state: the frames of the current call chain
// and the acquired references.
type state struct {
	frames []*funcState
	refs   []reference
	// parent is the explored state this path continues (for branch counting).
	parent *explored
	// loopDepth counts may_goto iterations.
	mayGotoDepth int
}

func (s *state) cur() *funcState { return s.frames[len(s.frames)-1] }

func (f *funcState) clone() *funcState {
	c := *f
	c.stack = append([]stackSlot(nil), f.stack...)
	return &c
}

func (s *state) clone() *state {
	c := &state{parent: s.parent, mayGotoDepth: s.mayGotoDepth}
	c.frames = make([]*funcState, len(s.frames))
	for i, f := range s.frames {
		c.frames[i] = f.clone()
	}
	c.refs = append([]reference(nil), s.refs...)
	return c
}

// growStack makes room for size bytes below the frame pointer
// (grow_stack_state).
func (f *funcState) growStack(size int) {
	n := (size + 7) / 8
	for len(f.stack) < n {
		f.stack = append(f.stack, stackSlot{})
	}
}

// allocatedStack is the frame's stack depth in bytes.
func (f *funcState) allocatedStack() int { return len(f.stack) * 8 }

func (sl *stackSlot) isSpill() bool { return sl.kind[7] == stackSpill }

// isSpilledScalar is is_spilled_scalar_reg.
func (sl *stackSlot) isSpilledScalar() bool { return sl.isSpill() && sl.spilled.typ == ScalarValue }
