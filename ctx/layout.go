package ctx

import (
	"fmt"
	"syscall"
)

// Kind says what the verifier makes of a value loaded from a context field.
type Kind uint8

// Field kinds. The names follow the verifier's register types.
const (
	Scalar          Kind = iota // a plain number
	PtrToPacket                 // __sk_buff.data, xdp_md.data
	PtrToPacketEnd              // __sk_buff.data_end, xdp_md.data_end
	PtrToPacketMeta             // __sk_buff.data_meta, xdp_md.data_meta
	PtrToSockCommon             // __sk_buff.sk (maybe NULL)
	PtrToFlowKeys               // __sk_buff.flow_keys (flow dissector only)
)

var kindNames = [...]string{"scalar", "pkt", "pkt_end", "pkt_meta", "sock_common_or_null", "flow_keys"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// IsPointer reports whether loading the field yields a pointer rather than
// a number.
func (k Kind) IsPointer() bool { return k != Scalar }

// Field is one member of a context structure, as the UAPI header lays it out.
// Arrays (cb[5], remote_ip6[4]) are one field each; Elem is the size of one
// element (Size for scalars).
type Field struct {
	Name string
	Off  int // byte offset in the structure
	Size int // bytes
	Elem int // element size for arrays, else Size
	Kind Kind
}

// End is the offset one past the field.
func (f Field) End() int { return f.Off + f.Size }

// Layout is a context structure: its name, size and fields in order.
type Layout struct {
	Name   string // C name, e.g. "__sk_buff"
	Size   int
	Fields []Field
}

// Field returns the field with the given name (array elements as
// "cb[2]" name the array).
func (l *Layout) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// At returns the field covering byte offset off; ok is false for padding
// and offsets outside the structure.
func (l *Layout) At(off int) (Field, bool) {
	for _, f := range l.Fields {
		if off >= f.Off && off < f.End() {
			return f, true
		}
	}
	return Field{}, false
}

// AccessError is the verifier's rejection of a context access: the kernel
// logs "invalid bpf_context access off=%d size=%d" and fails with EACCES.
type AccessError struct {
	Off, Size int
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("invalid bpf_context access off=%d size=%d", e.Off, e.Size)
}

// Unwrap returns the errno the kernel fails the load with.
func (e *AccessError) Unwrap() error { return syscall.EACCES }
