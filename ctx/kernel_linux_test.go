package ctx_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
)

var sizes = map[int]asm.Size{1: asm.BPF_B, 2: asm.BPF_H, 4: asm.BPF_W, 8: asm.BPF_DW}

func load(t *testing.T, pt *ctx.ProgType, p asm.Program) *kernel.Program {
	t.Helper()
	kp, err := kernel.Load(&asm.ProgramSpec{Insns: p, License: "GPL"}, &kernel.LoadOptions{Type: pt.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kp.Close() })
	return kp
}

// TestKernelAccess checks every aligned context access (load, sign-extending
// load, store; every size; every offset and a little past the end) of every
// modelled type against the live verifier: the verdict and, for
// rejections, the message.
func TestKernelAccess(t *testing.T) {
	kerneltest.Require(t)
	checked := 0
	for _, pt := range ctx.Types {
		if pt.Ctx == nil {
			continue
		}
		for off := 0; off < pt.Ctx.Size+8; off++ {
			for _, size := range []int{1, 2, 4, 8} {
				if off%size != 0 {
					continue
				}
				for _, mode := range []string{"load", "loadsx", "store"} {
					var p asm.Program
					var err error
					switch mode {
					case "load":
						p = asm.Program{asm.BPF_LDX_MEM(sizes[size], asm.BPF_REG_0, asm.BPF_REG_1, int16(off))}
						_, err = pt.Access(off, size, false)
					case "loadsx":
						if size == 8 {
							continue
						}
						p = asm.Program{asm.BPF_LDX_MEMSX(sizes[size], asm.BPF_REG_0, asm.BPF_REG_1, int16(off))}
						_, err = pt.AccessSX(off, size)
					case "store":
						p = asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_2, 0), asm.BPF_STX_MEM(sizes[size], asm.BPF_REG_1, asm.BPF_REG_2, int16(off))}
						_, err = pt.Access(off, size, true)
					}
					p = append(p, asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())
					kp := load(t, pt, p)
					checked++
					switch {
					case kp.Accepted != (err == nil):
						t.Errorf("%s %s off=%d size=%d: kernel accepts=%v (%s), ctx says %v", pt, mode, off, size, kp.Accepted, kp.ErrorLine, err)
					case err != nil && kp.ErrorLine != err.Error():
						t.Errorf("%s %s off=%d size=%d: kernel says %q, ctx %q", pt, mode, off, size, kp.ErrorLine, err)
					}
					kp.Close()
				}
			}
		}
	}
	t.Logf("%d context accesses checked against the kernel", checked)
}

func hexPacket(s string) []byte {
	var b []byte
	for i := 0; i+1 < len(s); {
		if s[i] == ' ' {
			i++
			continue
		}
		var v byte
		fmt.Sscanf(s[i:i+2], "%02x", &v)
		b = append(b, v)
		i += 2
	}
	return b
}

var packets = map[string][]byte{
	"ipv4":   hexPacket("000000000000 020000000001 0800 4500001c0000000040110000 0a000001 0a000002 0035003500080000"),
	"arp":    hexPacket("ffffffffffff 020000000001 0806 0001080006040001020000000001c0a80001000000000000c0a80002"),
	"ipv6":   hexPacket("333300000001 020000000001 86dd 6000000000083a40 fe800000000000000000000000000001 ff020000000000000000000000000001 8000000000000000"),
	"raw":    hexPacket("020000000002 020000000001 0040 ffff0000"),
	"llc":    hexPacket("020000000002 020000000001 0040 42420300"),
	"vlan":   hexPacket("000000000000 020000000001 8100 0064 0800 4500001c0000000040110000 0a000001 0a000002 0035003500080000"),
	"short4": hexPacket("000000000000 020000000001 0800 4500001c00000000"),
	"runt":   hexPacket("000000000000 0200000000"),
}

// TestKernelContextValues reads every readable field of the skb program
// types in test runs of several packets and compares the kernel's value
// with the image NewTestRun builds; errnos of refused runs must match too.
// The value goes out through cb[0..1] and ctx_out, since cgroup programs
// may only return 0 or 1.
func TestKernelContextValues(t *testing.T) {
	kerneltest.Require(t)
	for _, pt := range []*ctx.ProgType{ctx.SocketFilter, ctx.SchedCLS, ctx.SchedACT, ctx.CgroupSKB} {
		ret := int32(0)
		if pt == ctx.CgroupSKB {
			ret = 1
		}
		for _, f := range pt.Ctx.Fields {
			for e := 0; e < f.Size; e += f.Elem {
				off := f.Off + e
				if _, err := pt.Access(off, f.Elem, false); err != nil || f.Kind == ctx.PtrToSockCommon || f.Kind == ctx.PtrToPacketMeta {
					continue
				}
				p := asm.Program{asm.BPF_LDX_MEM(sizes[f.Elem], asm.BPF_REG_0, asm.BPF_REG_1, int16(off))}
				if f.Kind == ctx.PtrToPacket || f.Kind == ctx.PtrToPacketEnd {
					// Pointers: report their distance from data.
					p = asm.Program{
						asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, int16(off)),
						asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 76),
						asm.BPF_ALU64_REG(asm.BPF_SUB, asm.BPF_REG_0, asm.BPF_REG_2),
					}
				}
				p = append(p, asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_0, 48),
					asm.BPF_MOV64_IMM(asm.BPF_REG_0, ret), asm.BPF_EXIT_INSN())
				kp := load(t, pt, p)
				if !kp.Accepted {
					t.Errorf("%s %s: kernel rejected the read: %s", pt, f.Name, kp.ErrorLine)
					continue
				}
				for name, pkt := range packets {
					ctxIn := make([]byte, ctx.SkBuff.Size)
					binary.LittleEndian.PutUint32(ctxIn[8:], 0x77) // mark
					out, kerr := kp.TestRun(kernel.RunInput{Data: pkt, Ctx: ctxIn})
					r, err := ctx.NewTestRun(pt, pkt, ctxIn)
					if kerr != nil || err != nil {
						var ke syscall.Errno
						errors.As(kerr, &ke)
						if !errors.Is(err, ke) || ke == 0 {
							t.Errorf("%s %s %s: kernel error %v, ctx error %v", pt, f.Name, name, kerr, err)
						}
						continue
					}
					got := binary.LittleEndian.Uint64(out.Ctx[48:])
					var want uint64
					switch f.Kind {
					case ctx.PtrToPacket:
						want = 0
					case ctx.PtrToPacketEnd:
						want = uint64(r.End - r.Data)
					default:
						var b [8]byte
						copy(b[:], r.Ctx[off:off+f.Elem])
						want = binary.LittleEndian.Uint64(b[:])
					}
					if got != want {
						t.Errorf("%s %s+%d on %s: kernel %#x, ctx %#x", pt, f.Name, e, name, got, want)
					}
				}
				kp.Close()
			}
		}
	}
}

// TestKernelCtxIn checks which ctx_in fields the kernel accepts for skb
// test runs: each byte set alone, as NewTestRun decides.
func TestKernelCtxIn(t *testing.T) {
	kerneltest.Require(t)
	kp := load(t, ctx.SchedCLS, asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN()})
	pkt := packets["ipv4"]
	for off := 0; off < ctx.SkBuff.Size; off++ {
		if off > 40 && off < 44 {
			continue // ifindex ≥ 256 names a device that may or may not exist here
		}
		ctxIn := make([]byte, ctx.SkBuff.Size)
		ctxIn[off] = 1
		if off == 160 { // wire_len must be at least the packet length
			ctxIn[off] = 0xff
		}
		_, kerr := kp.TestRun(kernel.RunInput{Data: pkt, Ctx: ctxIn})
		_, err := ctx.NewTestRun(ctx.SchedCLS, pkt, ctxIn)
		var ke syscall.Errno
		errors.As(kerr, &ke)
		if (kerr == nil) != (err == nil) || (err != nil && !errors.Is(err, ke)) {
			t.Errorf("ctx_in byte %d set: kernel %v, ctx %v", off, kerr, err)
		}
	}
}

// otherDevice returns the index of a network device other than the
// loopback, or skips: XDP test runs on it use its own rx queue.
func otherDevice(t *testing.T) uint32 {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skipf("listing network devices: %v", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 && i.Index > 1 {
			return uint32(i.Index)
		}
	}
	t.Skip("no network device besides the loopback")
	return 0
}

// TestKernelXDPAdjustTail runs bpf_xdp_adjust_tail with several deltas on
// linear and multi-buffer packets, on the loopback device's rx queue and
// on another device's (ingress_ifindex), and compares the helper's result,
// data_out and ctx_out with AdjustTail and Finish. Fragments grow only on
// the loopback's queue: the kernel gives its queue a frag_size for test
// runs, other devices' queues have none (-EOPNOTSUPP).
func TestKernelXDPAdjustTail(t *testing.T) {
	kerneltest.Require(t)
	other := otherDevice(t)
	pkt := make([]byte, 4000)
	for i := range pkt {
		pkt[i] = byte(i*7 + 1)
	}
	progs := map[int32]*kernel.Program{}
	compared := 0
	for _, delta := range []int32{30, 0, -20, -600, 5000, -3990} {
		progs[delta] = load(t, ctx.XDP, asm.Program{
			asm.BPF_MOV64_IMM(asm.BPF_REG_2, delta),
			asm.BPF_EMIT_CALL(asm.BPF_FUNC_xdp_adjust_tail),
			asm.BPF_EXIT_INSN(),
		})
	}
	for _, size := range []int{100, 4000} {
		for _, ifindex := range []uint32{0, 1, other} {
			for _, meta := range []uint32{0, 16} {
				for _, dataEnd := range []uint32{uint32(size), 20} {
					for delta, kp := range progs {
						ctxIn := make([]byte, ctx.XDPMd.Size)
						le := binary.LittleEndian
						le.PutUint32(ctxIn[0:], meta)
						le.PutUint32(ctxIn[4:], dataEnd)
						le.PutUint32(ctxIn[12:], ifindex)
						name := fmt.Sprintf("size=%d ifindex=%d meta=%d data_end=%d delta=%d", size, ifindex, meta, dataEnd, delta)
						out, kerr := kp.TestRun(kernel.RunInput{Data: pkt[:size], Ctx: ctxIn})
						r, err := ctx.NewTestRun(ctx.XDP, pkt[:size], ctxIn)
						if kerr != nil || err != nil {
							var ke syscall.Errno
							errors.As(kerr, &ke)
							if !errors.Is(err, ke) || ke == 0 {
								t.Errorf("%s: kernel error %v, ctx error %v", name, kerr, err)
							}
							continue
						}
						ret := uint32(r.AdjustTail(int(delta)))
						dataOut, ctxOut := r.Finish()
						compared++
						if ret != out.Retval {
							t.Errorf("%s: kernel returns %d, ctx %d", name, int32(out.Retval), int32(ret))
						}
						if !bytes.Equal(dataOut, out.Data) || !bytes.Equal(ctxOut, out.Ctx) {
							t.Errorf("%s: data_out %d bytes, ctx_out %x from the kernel; %d bytes, %x from ctx (data_out equal %v)",
								name, len(out.Data), out.Ctx, len(dataOut), ctxOut, bytes.Equal(dataOut, out.Data))
						}
					}
				}
			}
		}
	}
	t.Logf("%d runs compared (other device: ifindex %d)", compared, other)
}
