package verifier

import (
	"errors"
	"syscall"

	"github.com/bpflab/bpflab/ctx"
)

// checkCtxAccess checks a context access against the program type's field
// rules from package ctx (check_ctx_access with the type's
// is_valid_access, v6.12) and returns the type of the loaded value.
func (v *verifier) checkCtxAccess(off, size int, write, ldsx bool) (regType, bool, *Error) {
	var f ctx.Field
	var err error
	if ldsx {
		f, err = v.pt.AccessSX(off, size)
	} else {
		f, err = v.pt.Access(off, size, write)
	}
	if err != nil {
		var ae *ctx.AccessError
		if errors.As(err, &ae) {
			return 0, false, v.reject(syscall.EACCES, "invalid bpf_context access off=%d size=%d", off, size)
		}
		return 0, false, v.reject(syscall.EACCES, "%v", err)
	}
	if write {
		return ScalarValue, false, nil
	}
	switch f.Kind {
	case ctx.PtrToPacket:
		return PtrToPacket, false, nil
	case ctx.PtrToPacketEnd:
		return PtrToPacketEnd, false, nil
	case ctx.PtrToPacketMeta:
		return PtrToPacketMeta, false, nil
	case ctx.PtrToSockCommon:
		return PtrToSockCommon, true, nil
	case ctx.PtrToFlowKeys:
		return PtrToFlowKeys, false, nil
	}
	return ScalarValue, false, nil
}

// progInfo holds the program-type facts package ctx does not (yet) carry:
// whether direct packet access is allowed for reads and writes
// (may_access_direct_pkt_data), the range R0 must be in at exit
// (check_return_code) and the helpers the type may call
// (*_func_proto).
type progInfo struct {
	pktRead, pktWrite bool
	retMin, retMax    int64 // R0 range at exit; retMin > retMax: anything
	ldAbs             bool  // BPF_LD_[ABS|IND] allowed (may_access_skb)
	helpers           map[int32]bool
}

func (v *verifier) info() *progInfo {
	if pi, ok := progInfos[v.pt.Name]; ok {
		return pi
	}
	return progInfos["none"]
}

// mayAccessDirectPktData is may_access_direct_pkt_data.
func (v *verifier) mayAccessDirectPktData(write bool) bool {
	pi := v.info()
	if write {
		return pi.pktWrite
	}
	return pi.pktRead
}
