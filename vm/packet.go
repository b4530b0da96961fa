package vm

import (
	"encoding/binary"

	"github.com/bpflab/bpflab/ctx"
)

// PacketRun is the packet side of an Env built by NewPacketEnv: the
// kernel-side test-run state (ctx.TestRun), where it is mapped, and what
// the program's helpers did besides returning (redirects, records).
type PacketRun struct {
	Run *ctx.TestRun
	// Redirects lists bpf_redirect and bpf_redirect_map calls in order.
	Redirects []Redirect
	// CPU is what bpf_get_smp_processor_id would return and which per-CPU
	// map values the program sees; BPF_F_CURRENT_CPU resolves to it.
	CPU int

	ctxAddr uint64 // the context region (no bytes: see CtxHandler)
	pktAddr uint64 // the packet region, Buf[Meta:End]
	skAddr  uint64 // the region __sk_buff.sk points to
}

// Redirect is one redirect a program asked for.
type Redirect struct {
	Helper  string `json:"helper"`        // "redirect" or "redirect_map"
	Ifindex uint64 `json:"ifindex"`       // redirect: target ifindex; redirect_map: the key
	Map     string `json:"map,omitempty"` // redirect_map: the map's name
	Flags   uint64 `json:"flags"`
}

// NewPacketEnv returns an environment that runs a program of type t the way
// BPF_PROG_TEST_RUN runs it on data and ctxIn (see ctx.NewTestRun for the
// rules and errors). R1 points at the context; the packet, from data_meta
// to data_end, is one writable region, so data_meta, data and data_end
// pointers compare as in the kernel; LD_ABS reads from data. After the
// runs, run.Run.Finish gives data_out and ctx_out.
func NewPacketEnv(t *ctx.ProgType, data, ctxIn []byte) (*Env, *PacketRun, error) {
	tr, err := ctx.NewTestRun(t, data, ctxIn)
	if err != nil {
		return nil, nil, err
	}
	env := NewEnv()
	pr := &PacketRun{Run: tr}
	pr.ctxAddr = env.Mem.Add(RegionCtx, nil, true, t.Ctx.Name)
	pr.pktAddr = env.Mem.Add(RegionPacket, nil, true, "pkt")
	pr.skAddr = env.Mem.Add(RegionHelper, tr.Sock, false, "sk")
	pr.remap(env)
	env.R1 = pr.ctxAddr
	env.Ctx = pr
	return env, pr, nil
}

// remap points the packet region at the current packet, after a helper
// moved data_meta, data or data_end.
func (pr *PacketRun) remap(env *Env) {
	r := pr.Run
	env.Mem.SetData(pr.pktAddr, r.Buf[r.Meta:r.End:r.End])
	env.Packet = pr.pktAddr + uint64(r.Data-r.Meta)
}

// DataAddr, DataEndAddr and MetaAddr are the packet pointers the program
// reads from its context.
func (pr *PacketRun) DataAddr() uint64    { return pr.pktAddr + uint64(pr.Run.Data-pr.Run.Meta) }
func (pr *PacketRun) DataEndAddr() uint64 { return pr.pktAddr + uint64(pr.Run.End-pr.Run.Meta) }
func (pr *PacketRun) MetaAddr() uint64    { return pr.pktAddr }

// CtxLoad implements CtxHandler: the access is checked with the program
// type's rules (the verifier would have refused it), pointer fields yield
// packet addresses, other fields the bytes of the context image.
func (pr *PacketRun) CtxLoad(env *Env, off, size int, signExt bool) (uint64, error) {
	t := pr.Run.Type
	var f ctx.Field
	var err error
	if signExt {
		f, err = t.AccessSX(off, size)
	} else {
		f, err = t.Access(off, size, false)
	}
	if err != nil {
		return 0, fault(FaultOutOfBounds, "load %d bytes at %s+%d: %v", size, t.Ctx.Name, off, err)
	}
	switch f.Kind {
	case ctx.PtrToPacket:
		return pr.DataAddr(), nil
	case ctx.PtrToPacketEnd:
		return pr.DataEndAddr(), nil
	case ctx.PtrToPacketMeta:
		return pr.MetaAddr(), nil
	case ctx.PtrToSockCommon:
		return pr.skAddr, nil
	case ctx.PtrToFlowKeys:
		return 0, nil
	}
	if f.Name == "len" { // skb->len follows the packet's changes
		binary.LittleEndian.PutUint32(pr.Run.Ctx[f.Off:], uint32(pr.Run.End-pr.Run.Data))
	}
	v := leBytes(pr.Run.Ctx[off : off+size])
	if signExt {
		v = signExtend(v, size)
	}
	return v, nil
}

// CtxStore implements CtxHandler: writable fields take the value, except
// that tc programs cannot set queue_mapping to NO_QUEUE_MAPPING (0xffff) or
// above (the kernel drops such stores).
func (pr *PacketRun) CtxStore(env *Env, off, size int, v uint64) error {
	t := pr.Run.Type
	f, err := t.Access(off, size, true)
	if err != nil {
		return fault(FaultOutOfBounds, "store %d bytes at %s+%d: %v", size, t.Ctx.Name, off, err)
	}
	if f.Name == "queue_mapping" && uint32(v) >= 0xffff {
		return nil
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	copy(pr.Run.Ctx[off:off+size], b[:size])
	return nil
}

// packetRun returns the environment's PacketRun, or a helper fault for
// programs run without a packet.
func packetRun(env *Env, helper string) (*PacketRun, error) {
	if pr, ok := env.Ctx.(*PacketRun); ok {
		return pr, nil
	}
	return nil, fault(FaultHelper, "%s needs a packet context (run the program with a packet program type)", helper)
}
