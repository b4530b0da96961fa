package vm

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Addresses.
//
// A value that a program uses as a pointer is a 64-bit virtual address, never
// a Go address:
//
//	addr = uint64(regionIndex)<<32 | uint64(offset)
//
// Region 0 is NULL: it has no bytes, so every access through it faults
// (FaultNullDeref). Pointer arithmetic simply adds to the offset; a result
// that leaves its region (a carry into the index, an offset past the data)
// is caught when it is dereferenced.
//
// The region table.
//
// Memory holds the table as a flat []Region, indexed by region number. The
// JIT checks every access inline against the same table, so its layout is
// part of the contract (TestRegionLayout pins it):
//
//	offset  0  Data pointer   (unsafe.Pointer, nil when the region is empty)
//	offset  8  Data length    (uint64: the bound; off+size <= len is legal)
//	offset 16  Data capacity  (unused by checks)
//	offset 24  Flags          (uint32: RegionWritable)
//	offset 28  Kind           (uint8: RegionKind)
//	size   32
//
// A check is: idx := addr>>32; off := uint32(addr); idx < len(table) &&
// off+size <= table[idx].len (as 64-bit numbers) && (!write ||
// table[idx].flags&RegionWritable != 0); then the bytes are at
// table[idx].ptr+off. Region 0 has length 0 and so needs no special case.
// The table's backing array can move when regions are added (helpers may add
// map-value regions during a run), so a JIT must reload the table pointer
// after every helper call.

// RegionKind says what a region holds; it names the region in messages and
// lets helpers check argument types.
type RegionKind uint8

// Region kinds.
const (
	RegionNull       RegionKind = iota // index 0
	RegionStack                        // a frame's 512-byte stack
	RegionCtx                          // the program's context (__sk_buff, xdp_md, …)
	RegionPacket                       // packet data, from data to data_end
	RegionPacketMeta                   // XDP metadata before the packet
	RegionMapValue                     // a map value returned by a helper or lddw
	RegionMapKey                       // a key handed out by a helper
	RegionMap                          // a map handle (lddw map_fd): no bytes
	RegionMem                          // plain memory (the conformance mode's r1)
	RegionHelper                       // other memory a helper returned
)

var regionKindNames = [...]string{"null", "stack", "ctx", "pkt", "pkt_meta", "map_value", "map_key", "map_ptr", "mem", "helper_mem"}

func (k RegionKind) String() string {
	if int(k) < len(regionKindNames) {
		return regionKindNames[k]
	}
	return fmt.Sprintf("RegionKind(%d)", k)
}

// RegionWritable marks a region the program may store into.
const RegionWritable uint32 = 1

// Region is one entry of the region table; see the layout above.
type Region struct {
	Data  []byte
	Flags uint32
	Kind  RegionKind
	_     [3]byte
}

// Writable reports whether stores are allowed.
func (r *Region) Writable() bool { return r.Flags&RegionWritable != 0 }

// Table layout constants for the JIT.
const (
	RegionSize       = 32 // bytes per table entry
	RegionDataOffset = 0  // data pointer
	RegionLenOffset  = 8  // data length
	RegionFlagsOff   = 24 // flags (uint32)
	RegionKindOffset = 28 // kind (uint8)
)

// Memory is the region table of one environment. The zero value is not
// usable; call NewMemory.
type Memory struct {
	regions []Region
	names   []string
	static  int // regions [0, static) survive ResetTemp
	temp    map[tempKey]uint32
	// exposed is set when region bytes are handed out (Slice, Region,
	// Table, SetData): code outside the interpreter's checked stores may
	// then have written them. Env.startRun reads and resets it.
	exposed bool
}

type tempKey struct {
	p    *byte
	n    int
	kind RegionKind
}

// NewMemory returns a table holding only the NULL region.
func NewMemory() *Memory {
	return &Memory{regions: []Region{{}}, names: []string{"null"}, static: 1}
}

// Addr returns the address of byte off of region idx.
func Addr(idx, off uint32) uint64 { return uint64(idx)<<32 | uint64(off) }

// Add appends a region that lives as long as the Memory and returns its base
// address. name appears in fault messages ("ctx+80"). Regions added with
// AddTemp are dropped first, since they belong to a finished run.
func (m *Memory) Add(kind RegionKind, data []byte, writable bool, name string) uint64 {
	m.ResetTemp()
	idx := m.push(kind, data, writable, name)
	m.static = len(m.regions)
	return Addr(idx, 0)
}

// AddTemp appends a region for the current run only (a map value a lookup
// returned, memory a helper hands out) and returns its base address. The
// same bytes with the same kind get the same region again, so a value
// returned twice compares equal. Run drops these regions when it starts.
func (m *Memory) AddTemp(kind RegionKind, data []byte, writable bool, name string) uint64 {
	var k tempKey
	if len(data) > 0 {
		k = tempKey{p: unsafe.SliceData(data), n: len(data), kind: kind}
		if idx, ok := m.temp[k]; ok {
			if writable {
				m.regions[idx].Flags |= RegionWritable
			}
			return Addr(idx, 0)
		}
	}
	idx := m.push(kind, data, writable, name)
	if len(data) > 0 {
		if m.temp == nil {
			m.temp = map[tempKey]uint32{}
		}
		m.temp[k] = idx
	}
	return Addr(idx, 0)
}

func (m *Memory) push(kind RegionKind, data []byte, writable bool, name string) uint32 {
	if len(m.regions) >= 1<<32-1 {
		panic("BUG: region table full")
	}
	var fl uint32
	if writable {
		fl = RegionWritable
	}
	m.regions = append(m.regions, Region{Data: data, Flags: fl, Kind: kind})
	m.names = append(m.names, name)
	return uint32(len(m.regions) - 1)
}

// ResetTemp drops the regions added with AddTemp.
func (m *Memory) ResetTemp() {
	if len(m.regions) == m.static {
		return
	}
	clear(m.regions[m.static:])
	m.regions = m.regions[:m.static]
	m.names = m.names[:m.static]
	clear(m.temp)
}

// Table returns the region table itself (not a copy), for the JIT.
func (m *Memory) Table() []Region {
	m.exposed = true
	return m.regions
}

// Len returns the number of regions, NULL included.
func (m *Memory) Len() int { return len(m.regions) }

// Region returns the region an address points into (nil for an index past
// the table) and the region's name.
func (m *Memory) Region(addr uint64) (*Region, string) {
	m.exposed = true
	r := m.region(addr)
	if r == nil {
		return nil, ""
	}
	return r, m.names[addr>>32]
}

// region is Region for package vm's own reads: it hands out nothing.
func (m *Memory) region(addr uint64) *Region {
	idx := addr >> 32
	if idx >= uint64(len(m.regions)) {
		return nil
	}
	return &m.regions[idx]
}

// SetData replaces the bytes of the region addr points into (for helpers
// that grow or shrink the packet). The region keeps its index, kind and
// flags.
func (m *Memory) SetData(addr uint64, data []byte) {
	m.exposed = true
	if r := m.region(addr); r != nil && addr>>32 != 0 {
		r.Data = data
	}
}

// Slice returns the n bytes at addr after the same checks a load (write
// false) or store (write true) makes. Helpers use it to read and write
// program memory; the error is a *RuntimeError whose PC the engine fills in.
func (m *Memory) Slice(addr uint64, n int, write bool) ([]byte, error) {
	if n < 0 {
		return nil, fault(FaultHelper, "negative size %d", n)
	}
	m.exposed = true // even a read-only slice can be written through
	idx := addr >> 32
	off := uint64(uint32(addr))
	if idx < uint64(len(m.regions)) {
		r := &m.regions[idx]
		if off+uint64(n) <= uint64(len(r.Data)) && (!write || r.Flags&RegionWritable != 0) {
			return r.Data[off : off+uint64(n) : off+uint64(n)], nil
		}
	}
	op := "read"
	if write {
		op = "write"
	}
	return nil, m.accessError(op, addr, n)
}

// accessError explains why an access of size bytes at addr failed. op is
// "load", "store", "read" or "write".
func (m *Memory) accessError(op string, addr uint64, size int) *RuntimeError {
	idx := addr >> 32
	off := uint64(uint32(addr))
	// An offset in the upper half just below a region is most likely a
	// negative offset from that region's base (r10-520, pkt-4).
	if off >= 1<<31 && idx+1 < uint64(len(m.regions)) {
		next := m.names[idx+1]
		return fault(FaultOutOfBounds, "%s %d bytes at %s-%d (%s is %d bytes)", op, size, next, 1<<32-off, next, len(m.regions[idx+1].Data))
	}
	switch {
	case idx == 0:
		return fault(FaultNullDeref, "%s %d bytes at %#x", op, size, addr)
	case idx >= uint64(len(m.regions)):
		return fault(FaultBadAddress, "%s %d bytes at %#x (no such region)", op, size, addr)
	}
	r := &m.regions[idx]
	name := m.names[idx]
	if off+uint64(size) <= uint64(len(r.Data)) {
		return fault(FaultOutOfBounds, "%s %d bytes at %s+%d (%s is read-only)", op, size, name, off, name)
	}
	return fault(FaultOutOfBounds, "%s %d bytes at %s+%d (%s is %d bytes)", op, size, name, off, name, len(r.Data))
}

// The accessors below are the interpreter's fast path: one comparison of
// the region index and one of the end offset, on the table itself (the
// interpreter holds it in a register). They report only success; on
// failure the interpreter calls accessError for the message.
//
// Once canLoad or canStore has checked the access, the bytes are read through an unsafe
// pointer: that check is the bounds check, and Go's own two (slicing, then
// the fixed-size read) would only repeat it. The values are assembled in
// little-endian order by hand, so the result does not depend on the host.

// at returns the bytes from addr to the end of its region when size bytes
// there may be read (or written), else nil. Helpers' paths use it.
func at(regions []Region, addr, size uint64, write bool) []byte {
	idx := addr >> 32
	if idx >= uint64(len(regions)) {
		return nil
	}
	r := &regions[idx]
	off := addr & 0xffffffff
	if off+size > uint64(len(r.Data)) || (write && r.Flags&RegionWritable == 0) {
		return nil
	}
	return r.Data[off:]
}

// canLoad and canStore are the interpreter's checks: they report whether
// size bytes at addr may be read (written). They are single conditions,
// not functions returning a pointer or nil: the compiler then branches
// straight to the fault path on each failed comparison instead of first
// building a result and testing it (bubble_sort ran ~10% faster so).
func canLoad(regions []Region, addr, size uint64) bool {
	idx := addr >> 32
	return idx < uint64(len(regions)) && uint64(uint32(addr))+size <= uint64(len(regions[idx].Data))
}

func canStore(regions []Region, addr, size uint64) bool {
	idx := addr >> 32
	return idx < uint64(len(regions)) && uint64(uint32(addr))+size <= uint64(len(regions[idx].Data)) &&
		regions[idx].Flags&RegionWritable != 0
}

// bytesAt is the address of the byte at addr, which canLoad or canStore has
// checked.
func bytesAt(regions []Region, addr uint64) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(unsafe.SliceData(regions[addr>>32].Data)), uint32(addr))
}

// le16 and the functions below read and write little-endian numbers at a
// pointer ptr has checked.
func le16(p unsafe.Pointer) uint16 { return binary.LittleEndian.Uint16((*[2]byte)(p)[:]) }
func le32(p unsafe.Pointer) uint32 { return binary.LittleEndian.Uint32((*[4]byte)(p)[:]) }
func le64(p unsafe.Pointer) uint64 { return binary.LittleEndian.Uint64((*[8]byte)(p)[:]) }

func putLE16(p unsafe.Pointer, v uint64) { binary.LittleEndian.PutUint16((*[2]byte)(p)[:], uint16(v)) }
func putLE32(p unsafe.Pointer, v uint64) { binary.LittleEndian.PutUint32((*[4]byte)(p)[:], uint32(v)) }
func putLE64(p unsafe.Pointer, v uint64) { binary.LittleEndian.PutUint64((*[8]byte)(p)[:], v) }
