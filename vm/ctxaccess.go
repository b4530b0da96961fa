package vm

import (
	"encoding/binary"
)

// CtxHandler serves a program's loads and stores of a context that is not
// plain memory. The kernel rewrites context accesses into accesses of its
// own structures (convert_ctx_access): __sk_buff.data is a u32 field in the
// UAPI but yields a 64-bit packet pointer. An Env with a CtxHandler maps
// the context as a region without bytes, so every access misses the
// interpreter's fast path and lands here (see machine.ctxAccess).
type CtxHandler interface {
	// CtxLoad returns the value a load of size bytes at offset off of the
	// context yields (signExt for BPF_MEMSX loads).
	CtxLoad(env *Env, off, size int, signExt bool) (uint64, error)
	// CtxStore performs a store of size bytes of v at offset off.
	CtxStore(env *Env, off, size int, v uint64) error
}

// ctxAccess is the interpreter's slow path for context accesses: after a
// load or store failed its bounds check, it serves the access through
// env.Ctx when the address falls in a RegionCtx region. handled is false
// when the failure has nothing to do with the context; the original fault
// stands then.
func (m *machine) ctxAccess(in *insn, r *[16]uint64) (handled bool, err *RuntimeError) {
	env := m.env
	if env.Ctx == nil {
		return false, nil
	}
	var base uint64
	var size int
	store, sx := false, false
	switch {
	case in.op >= opLdxB && in.op <= opLdxDW:
		base, size = r[in.src&15], 1<<(in.op-opLdxB)
	case in.op >= opLdxsB && in.op <= opLdxsW:
		base, size, sx = r[in.src&15], 1<<(in.op-opLdxsB), true
	case in.op >= opStB && in.op <= opStDW:
		base, size, store = r[in.dst&15], 1<<(in.op-opStB), true
	case in.op >= opStxB && in.op <= opStxDW:
		base, size, store = r[in.dst&15], 1<<(in.op-opStxB), true
	default:
		return false, nil
	}
	addr := base + uint64(int64(in.off))
	reg := env.Mem.region(addr)
	if reg == nil || addr>>32 == 0 || reg.Kind != RegionCtx || len(reg.Data) != 0 {
		return false, nil
	}
	off := int(int32(uint32(addr)))
	var e error
	if store {
		e = env.Ctx.CtxStore(env, off, size, storeValue(in, r))
	} else {
		var v uint64
		v, e = env.Ctx.CtxLoad(env, off, size, sx)
		if e == nil {
			r[in.dst&15] = v
		}
	}
	if e == nil {
		return true, nil
	}
	if re, ok := e.(*RuntimeError); ok {
		return true, re
	}
	return true, fault(FaultOutOfBounds, "%v", e)
}

// leBytes reads a little-endian number of len(b) ≤ 8 bytes.
func leBytes(b []byte) uint64 {
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:])
}

// signExtend sign-extends the low size bytes of v.
func signExtend(v uint64, size int) uint64 {
	shift := 64 - 8*uint(size)
	return uint64(int64(v<<shift) >> shift)
}
