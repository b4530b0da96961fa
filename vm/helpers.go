package vm

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/bpflab/bpflab/asm"
)

// builtins are the helpers every Env reaches unless Env.Helpers overrides
// them. Files of this package add to it with registerHelper in init
// (helpers_map*.go, helpers_pkt*.go). bpf_tail_call is not here: engines
// run it themselves (Env.TailCall).
var builtins = map[asm.Func]Helper{}

// registerHelper adds a builtin helper; registering an id twice is a bug.
func registerHelper(id asm.Func, h Helper) {
	if _, dup := builtins[id]; dup {
		panic(fmt.Sprintf("BUG: helper %v registered twice", id))
	}
	builtins[id] = h
}

// Builtins returns the ids of the helpers package vm implements itself, in
// no particular order; bpf_tail_call is always available besides.
func Builtins() []asm.Func {
	ids := make([]asm.Func, 0, len(builtins))
	for id := range builtins {
		ids = append(ids, id)
	}
	return ids
}

func init() {
	registerHelper(asm.BPF_FUNC_ktime_get_ns, helperKtime)
	registerHelper(asm.BPF_FUNC_ktime_get_boot_ns, helperKtime)
	registerHelper(asm.BPF_FUNC_ktime_get_coarse_ns, helperKtime)
	registerHelper(asm.BPF_FUNC_ktime_get_tai_ns, helperKtime)
	registerHelper(asm.BPF_FUNC_jiffies64, func(env *Env, _, _, _, _, _ uint64) (uint64, error) {
		return env.now() / 4_000_000, nil // HZ=250
	})
	registerHelper(asm.BPF_FUNC_get_prandom_u32, func(env *Env, _, _, _, _, _ uint64) (uint64, error) {
		return uint64(env.rand()), nil
	})
	registerHelper(asm.BPF_FUNC_get_smp_processor_id, helperZero)
	registerHelper(asm.BPF_FUNC_get_numa_node_id, helperZero)
	registerHelper(asm.BPF_FUNC_trace_printk, helperTracePrintk)
}

func helperZero(*Env, uint64, uint64, uint64, uint64, uint64) (uint64, error) { return 0, nil }

func helperKtime(env *Env, _, _, _, _, _ uint64) (uint64, error) { return env.now(), nil }

// now is the environment's clock; without Env.Now it is deterministic.
func (env *Env) now() uint64 {
	if env.Now != nil {
		return env.Now()
	}
	if env.clock == 0 {
		env.clock = 1e9
	}
	env.clock += 1000
	return env.clock
}

// rand is the environment's random source; without Env.Rand it is a
// xorshift32 generator with a fixed seed.
func (env *Env) rand() uint32 {
	if env.Rand != nil {
		return env.Rand()
	}
	if env.rng == 0 {
		env.rng = 2463534242
	}
	x := env.rng
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	env.rng = x
	return x
}

// helperTracePrintk is bpf_trace_printk(fmt, fmt_size, a, b, c): it writes
// the formatted text to Env.Printk and returns its length. Like the kernel
// it accepts at most three arguments and the conversions %d %i %u %x %X
// %c %s %p with the l/ll length modifiers, and fails with -EINVAL (-22)
// on anything else.
func helperTracePrintk(env *Env, fmtAddr, fmtSize, a1, a2, a3 uint64) (uint64, error) {
	if fmtSize == 0 || fmtSize > 1<<16 {
		return negErrno(22), nil
	}
	b, err := env.Mem.Slice(fmtAddr, int(fmtSize), false)
	if err != nil {
		return 0, err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	} else {
		return negErrno(22), nil
	}
	args := []uint64{a1, a2, a3}
	var out []byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i < len(b) && b[i] == '%' {
			out = append(out, '%')
			continue
		}
		long := 0
		for i < len(b) && b[i] == 'l' {
			long++
			i++
		}
		if i >= len(b) || len(args) == 0 {
			return negErrno(22), nil
		}
		v := args[0]
		args = args[1:]
		if long == 0 {
			v = uint64(uint32(v))
		}
		switch b[i] {
		case 'd', 'i':
			if long == 0 {
				out = strconv.AppendInt(out, int64(int32(v)), 10)
			} else {
				out = strconv.AppendInt(out, int64(v), 10)
			}
		case 'u':
			out = strconv.AppendUint(out, v, 10)
		case 'x':
			out = strconv.AppendUint(out, v, 16)
		case 'X':
			out = append(out, bytes.ToUpper(strconv.AppendUint(nil, v, 16))...)
		case 'c':
			out = append(out, byte(v))
		case 'p':
			out = append(out, "0x"...)
			out = strconv.AppendUint(out, v, 16)
		case 's':
			s, err := env.cString(v, 256)
			if err != nil {
				return 0, err
			}
			out = append(out, s...)
		default:
			return negErrno(22), nil
		}
	}
	if env.Printk != nil {
		line := out
		if len(line) == 0 || line[len(line)-1] != '\n' {
			line = append(line, '\n')
		}
		env.Printk.Write(line)
	}
	return uint64(len(out)), nil
}

// cString reads a NUL-terminated string of at most max bytes at addr,
// through the region checks.
func (env *Env) cString(addr uint64, max int) ([]byte, error) {
	r, _ := env.Mem.Region(addr)
	n := max
	if r != nil {
		if avail := len(r.Data) - int(uint32(addr)); avail < n {
			n = avail
		}
	}
	if n <= 0 {
		n = 1 // let Slice report the fault
	}
	b, err := env.Mem.Slice(addr, n, false)
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i], nil
	}
	return b, nil
}

// negErrno is -errno as a helper returns it in r0.
func negErrno(errno int) uint64 { return uint64(-int64(errno)) }

// UBPFHelpers returns the test helpers uBPF's and bpf_conformance's runners
// register, by their ids there (which clash with the kernel's):
//
//	0 gather_bytes(a, b, c, d, e): the low bytes of a…e packed as a 40-bit number
//	1 memfrob(p, n): xor n bytes at p with 42
//	2 no_op(): returns 0
//	3 sqrti(x): the integer square root of x
//	4 strcmp_ext(a, b): strcmp of two NUL-terminated strings
//	5 unwind(x): returns x, and ends the program when x is 0
//
// Only unwind (as call 5 and callx) appears in the conformance tests.
func UBPFHelpers() map[asm.Func]Helper {
	return map[asm.Func]Helper{
		0: func(_ *Env, a, b, c, d, e uint64) (uint64, error) {
			return (a&0xff)<<32 | (b&0xff)<<24 | (c&0xff)<<16 | (d&0xff)<<8 | e&0xff, nil
		},
		1: func(env *Env, p, n, _, _, _ uint64) (uint64, error) {
			if n > 1<<31 {
				return 0, fault(FaultHelper, "memfrob of %d bytes", n)
			}
			b, err := env.Mem.Slice(p, int(n), true)
			if err != nil {
				return 0, err
			}
			for i := range b {
				b[i] ^= 42
			}
			return 0, nil
		},
		2: helperZero,
		3: func(_ *Env, x, _, _, _, _ uint64) (uint64, error) {
			return uint64(math.Sqrt(float64(x))), nil
		},
		4: func(env *Env, a, b, _, _, _ uint64) (uint64, error) {
			sa, err := env.cString(a, 1<<16)
			if err != nil {
				return 0, err
			}
			sb, err := env.cString(b, 1<<16)
			if err != nil {
				return 0, err
			}
			return uint64(int64(bytes.Compare(sa, sb))), nil
		},
		5: func(_ *Env, x, _, _, _, _ uint64) (uint64, error) {
			if x == 0 {
				return 0, ErrExit
			}
			return x, nil
		},
	}
}
