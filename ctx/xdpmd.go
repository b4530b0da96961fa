package ctx

// XDPMd is struct xdp_md (include/uapi/linux/bpf.h, 6.12), the context of
// XDP programs.
var XDPMd = &Layout{Name: "xdp_md", Size: 24, Fields: []Field{
	{Name: "data", Off: 0, Size: 4, Elem: 4, Kind: PtrToPacket},
	{Name: "data_end", Off: 4, Size: 4, Elem: 4, Kind: PtrToPacketEnd},
	{Name: "data_meta", Off: 8, Size: 4, Elem: 4, Kind: PtrToPacketMeta},
	u32("ingress_ifindex", 12),
	u32("rx_queue_index", 16),
	u32("egress_ifindex", 20),
}}

// xdpIsValidAccess models xdp_is_valid_access and __is_valid_xdp_access
// (net/core/filter.c, 6.12) for a program that is neither offloaded nor
// attached to a devmap: read-only, whole u32 fields only, egress_ifindex
// hidden.
func xdpIsValidAccess(f Field, ok bool, off, size int, a access) bool {
	if off == 20 || a.write {
		return false
	}
	if a.sx && ok && f.Kind.IsPointer() {
		return false
	}
	if off < 0 || off >= XDPMd.Size || off%size != 0 {
		return false
	}
	return size == 4
}
