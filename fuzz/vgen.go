package fuzz

import (
	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// VerifierGen turns fuzz bytes into programs shaped like real XDP, tc and
// socket-filter programs, so that a useful share of them passes the
// verifier: they read context fields, load data and data_end, compare
// against data_end (sometimes one byte short, sometimes not at all), read
// and write packet bytes, spill and fill pointers on the stack, look up and
// update maps with and without null checks, run bounded loops, feed
// scalar arithmetic into pointer offsets with and without bounds checks,
// and call bpf-to-bpf subprograms. The mistakes are deliberate: a verifier
// must refuse the unsafe variants, and FuzzVerifierSound runs every
// accepted one to see that it never traps.
//
// Register convention in the main program: R6 holds the context, R7 data
// and R8 data_end (types with direct packet access), R9 a loop counter or
// spare scalar; R0-R5 are scratch and each block initialises what it uses.
type VerifierGen struct {
	b      []byte
	t      *ctx.ProgType
	typ    string
	pkt    bool // direct packet access (data/data_end readable)
	sloppy bool // the program may contain deliberate mistakes
	subs   []asm.Program
	budget int // blocks left, so that long inputs stay small programs
}

// Map indexes of the maps every generated program gets.
const (
	vgArray = iota // array, 4-byte key, 48-byte value, 4 entries
	vgHash         // hash, 4-byte key, 24-byte value, 8 entries
	vgMaps
)

// vgValueSize are the value sizes of the generated maps, by index.
var vgValueSize = [vgMaps]int{48, 24}

// VerifierGenMaps returns fresh specs of the maps generated programs use.
func VerifierGenMaps() []*asm.MapSpec {
	return []*asm.MapSpec{
		{Name: "arr", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: uint32(vgValueSize[vgArray]), MaxEntries: 4},
		{Name: "hash", Type: asm.BPF_MAP_TYPE_HASH, KeySize: 4, ValueSize: uint32(vgValueSize[vgHash]), MaxEntries: 8},
	}
}

// VerifierGenTypes are the program types VerifierGen writes for.
var VerifierGenTypes = []string{"xdp", "sched_cls", "socket_filter"}

// NewVerifierGen returns a generator reading choices from b; the first byte
// picks the program type.
func NewVerifierGen(b []byte) *VerifierGen {
	g := &VerifierGen{b: b, budget: 12}
	c := g.next()
	g.typ = VerifierGenTypes[int(c&0x7f)%len(VerifierGenTypes)]
	g.sloppy = c&0x80 != 0
	t, err := ctx.ForType(g.typ)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	g.t = t
	_, err1 := t.Access(g.field("data").Off, 4, false)
	_, err2 := t.Access(g.field("data_end").Off, 4, false)
	g.pkt = err1 == nil && err2 == nil
	return g
}

func (g *VerifierGen) next() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

// pick returns a choice in [0, n).
func (g *VerifierGen) pick(n int) int { return int(g.next()) % n }

// chance is true with probability 1/n.
func (g *VerifierGen) chance(n int) bool { return g.pick(n) == 0 }

// oops is true with probability 1/n in sloppy programs: it decides
// whether to make a deliberate mistake. Clean programs make none, so most
// of them pass the verifier; sloppy ones test that it refuses.
func (g *VerifierGen) oops(n int) bool { return g.chance(n) && g.sloppy }

func (g *VerifierGen) field(name string) ctx.Field {
	f, _ := g.t.Ctx.Field(name)
	return f
}

// Spec generates one program with its type and maps.
func (g *VerifierGen) Spec() *asm.ProgramSpec {
	var p asm.Program
	p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1))
	p = append(p, g.loadPkt()...)
	p = append(p, asm.BPF_MOV64_IMM(asm.BPF_REG_9, int32(g.pick(16))))
	for g.budget > 0 && len(g.b) > 0 {
		p = append(p, g.block(0)...)
	}
	p = append(p, asm.BPF_MOV64_IMM(asm.BPF_REG_0, int32(g.pick(4))), asm.BPF_EXIT_INSN())
	// Subprograms follow the main program; call immediates hold the
	// subprogram's number until here.
	mainEnd := len(p)
	starts := make([]int, len(g.subs))
	for i, s := range g.subs {
		starts[i] = len(p)
		p = append(p, s...)
	}
	for pc := range mainEnd {
		if p[pc].IsPseudoCall() {
			p[pc].Imm = int32(starts[p[pc].Imm] - pc - 1)
		}
	}
	return &asm.ProgramSpec{Name: "gen", Type: g.typ, License: "GPL", Insns: p, Maps: VerifierGenMaps()}
}

// loadPkt reloads R7 = data and R8 = data_end from the context in R6.
func (g *VerifierGen) loadPkt() asm.Program {
	if !g.pkt {
		return nil
	}
	return asm.Program{
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_7, asm.BPF_REG_6, int16(g.field("data").Off)),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_8, asm.BPF_REG_6, int16(g.field("data_end").Off)),
	}
}

// guard returns the conditional jump j over body.
func guard(j asm.Insn, body asm.Program) asm.Program {
	j.Off = int16(len(body))
	return append(asm.Program{j}, body...)
}

var vgSizes = []asm.Size{asm.BPF_B, asm.BPF_H, asm.BPF_W, asm.BPF_DW}

func sizeBytes(s asm.Size) int {
	return map[asm.Size]int{asm.BPF_B: 1, asm.BPF_H: 2, asm.BPF_W: 4, asm.BPF_DW: 8}[s]
}

// access reads or writes size bytes at base+off.
func (g *VerifierGen) access(base asm.Reg, off int, s asm.Size) asm.Insn {
	switch g.pick(4) {
	case 0:
		return asm.BPF_ST_MEM(s, base, int16(off), int32(int8(g.next())))
	case 1:
		return asm.BPF_STX_MEM(s, base, asm.BPF_REG_9, int16(off))
	default:
		dst := asm.BPF_REG_0
		if base == asm.BPF_REG_0 {
			dst = asm.BPF_REG_1 // keep the pointer for what follows
		}
		return asm.BPF_LDX_MEM(s, dst, base, int16(off))
	}
}

// block emits one construct; depth bounds nesting.
func (g *VerifierGen) block(depth int) asm.Program {
	g.budget--
	if depth > 2 {
		return g.scalarOps(asm.BPF_REG_9)
	}
	switch g.pick(17) {
	case 13:
		return g.rangeAccess()
	case 15, 16:
		return g.diamond()
	case 0, 1:
		return g.pktConst(depth)
	case 2:
		return g.pktVar()
	case 3:
		return g.spill(depth)
	case 4, 5:
		return g.mapLookup(depth)
	case 6:
		return g.mapUpdate()
	case 7:
		return g.loop()
	case 8:
		return g.stackVar()
	case 9:
		return g.call()
	case 10:
		return g.branch(depth)
	case 11:
		return g.pktHelper()
	default:
		return g.ctxAccess()
	}
}

// body emits one to three nested blocks.
func (g *VerifierGen) body(depth int) asm.Program {
	var p asm.Program
	for range 1 + g.pick(3) {
		if g.budget <= 0 {
			break
		}
		p = append(p, g.block(depth+1)...)
	}
	return p
}

// pktCheck emits "R4 = base + n; if R4 > R8 goto skip body", in one of the
// forms compilers emit, or a wrong form when bad is set.
func (g *VerifierGen) pktCheck(base asm.Reg, n int, body asm.Program, bad bool) asm.Program {
	p := asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_4, base), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(n))}
	var j asm.Insn
	switch g.pick(4) {
	case 0:
		j = asm.BPF_JMP_REG(asm.BPF_JLT, asm.BPF_REG_8, asm.BPF_REG_4, 0)
	case 1:
		j = asm.BPF_JMP_REG(asm.BPF_JGE, asm.BPF_REG_4, asm.BPF_REG_8, 0) // stricter
	default:
		j = asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_8, 0)
	}
	if bad {
		switch g.pick(3) {
		case 0:
			j = asm.BPF_JMP_REG(asm.BPF_JLE, asm.BPF_REG_4, asm.BPF_REG_8, 0) // inverted
		case 1:
			j = asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_7, 0) // against data
		default:
			return append(p, body...) // no check at all
		}
	}
	return append(p, guard(j, body)...)
}

// pktConst checks n bytes from data and accesses inside them (or one byte
// past them), possibly with nested blocks under the same check.
func (g *VerifierGen) pktConst(depth int) asm.Program {
	if !g.pkt {
		return g.ldAbs()
	}
	n := 1 + g.pick(64)
	s := vgSizes[g.pick(4)]
	sz := sizeBytes(s)
	off := 0
	if n >= sz {
		off = g.pick(n - sz + 1)
	}
	bad := false
	switch {
	case g.oops(5):
		off = n - sz + 1 // one byte too far
	case g.oops(5):
		bad = true
	case g.oops(8):
		off = -1 - g.pick(4) // before data (into the headroom or metadata)
	}
	if g.typ == "xdp" && g.chance(5) {
		return g.metaAccess(n, off, s)
	}
	body := asm.Program{g.access(asm.BPF_REG_7, off, s)}
	if g.chance(3) {
		body = append(body, g.body(depth)...)
	}
	return g.pktCheck(asm.BPF_REG_7, n, body, bad)
}

// pktVar reads a packet byte, bounds it (or not), adds it to data and
// checks the sum against data_end before accessing through it.
func (g *VerifierGen) pktVar() asm.Program {
	if !g.pkt {
		return g.ldAbs()
	}
	s := vgSizes[g.pick(4)]
	sz := sizeBytes(s)
	off := g.pick(8)
	var inner asm.Program
	inner = append(inner, asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_5, asm.BPF_REG_7, 0))
	switch g.pick(5) {
	case 0:
		inner = append(inner, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, []int32{7, 15, 63, 255, 1023}[g.pick(5)]))
	case 1:
		inner = append(inner, asm.BPF_ALU64_IMM(asm.BPF_LSH, asm.BPF_REG_5, int32(g.pick(9))))
	case 2:
		if g.oops(2) {
			inner = append(inner, asm.BPF_LDX_MEM(asm.BPF_H, asm.BPF_REG_5, asm.BPF_REG_7, 0)) // needs 2 bytes
		}
	case 3:
		if g.oops(2) {
			inner = append(inner, asm.BPF_ALU64_IMM(asm.BPF_SUB, asm.BPF_REG_5, int32(g.pick(4)))) // may go negative
		}
	}
	if g.chance(3) {
		inner = append(inner, asm.BPF_ALU32_IMM(asm.BPF_AND, asm.BPF_REG_5, int32(g.next())))
	}
	want := off + sz
	if g.oops(4) {
		want-- // one byte short
	}
	tail := asm.Program{asm.BPF_LDX_MEM(s, asm.BPF_REG_0, asm.BPF_REG_3, int16(off))}
	check := asm.Program{
		asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_7),
		asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_3, asm.BPF_REG_5),
		asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_3),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(want)),
	}
	if g.oops(5) {
		check = append(check, tail...) // no check
	} else {
		check = append(check, guard(asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_8, 0), tail)...)
	}
	inner = append(inner, check...)
	return g.pktCheck(asm.BPF_REG_7, 1, inner, g.oops(6))
}

// spill stores a pointer or scalar in a stack slot and uses what it fills.
func (g *VerifierGen) spill(depth int) asm.Program {
	slot := int16(-8 * (1 + g.pick(8)))
	if g.pkt && g.pick(2) == 0 {
		// Spill data and data_end, fill them into R2 and R3, check and
		// access through the filled copies.
		size := asm.BPF_DW
		if g.oops(5) {
			size = asm.BPF_W // a partial spill loses the pointer
		}
		p := asm.Program{
			asm.BPF_STX_MEM(size, asm.BPF_REG_10, asm.BPF_REG_7, slot),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_8, slot-8),
		}
		if g.chance(4) {
			p = append(p, g.block(depth+1)...) // something in between (a call clobbers R1-R5 only)
		}
		p = append(p, asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_2, asm.BPF_REG_10, slot),
			asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_3, asm.BPF_REG_10, slot-8))
		n := 1 + g.pick(32)
		off := g.pick(n)
		if g.oops(4) {
			off = n
		}
		body := asm.Program{asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_2, int16(off))}
		p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_2), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(n)))
		return append(p, guard(asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_3, 0), body)...)
	}
	s := vgSizes[g.pick(4)]
	p := asm.Program{asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_9, slot)}
	if g.chance(3) {
		p = append(p, asm.BPF_ST_MEM(s, asm.BPF_REG_10, slot, int32(int8(g.next()))))
	}
	p = append(p, asm.BPF_LDX_MEM(s, asm.BPF_REG_9, asm.BPF_REG_10, slot))
	if g.chance(2) {
		// Spill the context and use the filled copy.
		p = append(p, asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_6, slot),
			asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_10, slot+int16(b2i(g.oops(4)))*4))
		p = append(p, g.ctxRead(asm.BPF_REG_1, asm.BPF_REG_0))
	}
	return p
}

// ctxRead loads a random, mostly aligned and mostly valid field of the
// context in base into dst.
func (g *VerifierGen) ctxRead(base, dst asm.Reg) asm.Insn {
	fs := g.t.Ctx.Fields
	sloppy := g.oops(4)
	start := g.pick(len(fs))
	narrow := g.chance(6)
	for i := range fs {
		f := fs[(start+i)%len(fs)]
		off := f.Off
		s := asm.BPF_W
		switch {
		case f.Size == 8:
			s = asm.BPF_DW
		case narrow:
			s = asm.BPF_B // a narrow load of the low byte
		}
		if sloppy {
			off += g.pick(8)
			return asm.BPF_LDX_MEM(s, dst, base, int16(off))
		}
		if _, err := g.t.Access(off, sizeBytes(s), false); err == nil && f.Kind == ctx.Scalar {
			return asm.BPF_LDX_MEM(s, dst, base, int16(off))
		}
	}
	return asm.BPF_LDX_MEM(asm.BPF_W, dst, base, 0)
}

// mapPtr loads the map with index i into dst.
func mapPtr(dst asm.Reg, i int) asm.Program {
	return asm.BPF_LD_MAP_FD(dst, int32(i)).AppendTo(nil)
}

// lookup emits a key on the stack at R10-4 and a lookup of map m; the
// result is in R0.
func (g *VerifierGen) lookup(m int) asm.Program {
	var p asm.Program
	if g.chance(3) {
		p = append(p, asm.BPF_STX_MEM(asm.BPF_W, asm.BPF_REG_10, asm.BPF_REG_9, -4))
	} else {
		p = append(p, asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, int32(g.pick(10))))
	}
	p = append(p, mapPtr(asm.BPF_REG_1, m)...)
	return append(p, asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_lookup_elem))
}

// mapLookup looks a key up and, after a null check (sometimes missing),
// accesses the value at a constant or bounded variable offset.
func (g *VerifierGen) mapLookup(depth int) asm.Program {
	m := g.pick(vgMaps)
	vs := vgValueSize[m]
	p := g.lookup(m)
	var body asm.Program
	s := vgSizes[g.pick(4)]
	sz := sizeBytes(s)
	switch g.pick(3) {
	case 0:
		// Variable offset: a scalar from the value, bounded.
		body = append(body, asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_5, asm.BPF_REG_0, 0))
		limit := vs - sz
		if g.oops(4) {
			limit++
		}
		switch g.pick(3) {
		case 0:
			body = append(body, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, 15))
			body = append(body, asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5), g.access(asm.BPF_REG_0, 0, s))
		case 1:
			acc := asm.Program{asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5), g.access(asm.BPF_REG_0, 0, s)}
			j := asm.BPF_JMP_IMM(asm.BPF_JGT, asm.BPF_REG_5, int32(limit), 0)
			if g.oops(3) {
				j = asm.BPF_JMP_IMM(asm.BPF_JSGT, asm.BPF_REG_5, int32(limit), 0) // no lower bound on a sign-extended value
				body = append(body, asm.BPF_ALU64_IMM(asm.BPF_SUB, asm.BPF_REG_5, 4))
			}
			body = append(body, guard(j, acc)...)
		default:
			if !g.sloppy {
				body = append(body, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, int32(vs-sz)&^(int32(sz)-1)&15))
			}
			body = append(body, asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5), g.access(asm.BPF_REG_0, 0, s)) // unbounded when sloppy
		}
	case 1:
		off := g.pick(vs - sz + 1)
		if g.oops(4) {
			off = vs - sz + 1
		}
		body = append(body, g.access(asm.BPF_REG_0, off, s))
		if g.chance(3) {
			// Atomic counter update, as map statistics do.
			body = append(body, asm.BPF_MOV64_IMM(asm.BPF_REG_1, 1), asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_1, int16(off&^7)))
		}
	default:
		// Keep the value pointer across nested blocks (calls clobber R0):
		// spill it to a slot no other block uses and fill it back.
		slot := int16(-128 - 8*depth)
		body = append(body, asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_0, slot))
		body = append(body, g.body(depth)...)
		off := g.pick(vs - 7)
		body = append(body, asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_10, slot),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_9, int16(off)))
	}
	switch {
	case g.oops(6):
		return append(p, body...) // no null check
	case g.oops(6):
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0, 0), body)...) // inverted
	case g.chance(4):
		// "if r0 != 0 goto +1; exit" style, with R0 set for the exit.
		p = append(p, asm.BPF_JMP_IMM(asm.BPF_JNE, asm.BPF_REG_0, 0, 2), asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN())
		return append(p, body...)
	}
	return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 0), body)...)
}

// mapUpdate writes or deletes a key, with the value on the stack.
func (g *VerifierGen) mapUpdate() asm.Program {
	m := g.pick(vgMaps)
	vs := vgValueSize[m]
	p := asm.Program{asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, int32(g.pick(10)))}
	base := -8 - ((vs + 7) &^ 7)
	for off := 0; off < vs; off += 8 {
		p = append(p, asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_9, int16(base+off)))
	}
	p = append(p, mapPtr(asm.BPF_REG_1, m)...)
	p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4))
	if g.chance(4) {
		return append(p, asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_delete_elem))
	}
	if g.oops(4) {
		base += 8 // value runs past the frame's top slot into the key
	}
	return append(p, asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_10), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, int32(base)),
		asm.BPF_MOV64_IMM(asm.BPF_REG_4, 0), asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_update_elem))
}

// loop runs a body a bounded number of times with R9 as the counter; the
// body uses the counter as a stack or packet offset.
func (g *VerifierGen) loop() asm.Program {
	n := 1 + g.pick(12)
	var body asm.Program
	switch g.pick(3) {
	case 0:
		body = asm.Program{
			asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_9),
			asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_4, 7),
			asm.BPF_ALU64_IMM(asm.BPF_LSH, asm.BPF_REG_4, 3),
			asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_10),
			asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_5, -64),
			asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_5, asm.BPF_REG_4),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_5, asm.BPF_REG_9, 0),
		}
		if g.oops(4) {
			body[1] = asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_4, 15) // may reach above the frame
		}
	case 1:
		if g.pkt {
			acc := asm.Program{asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_3, 0)}
			body = asm.Program{
				asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_7),
				asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_3, asm.BPF_REG_9),
				asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_3),
				asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(1-b2i(g.oops(4)))),
			}
			body = append(body, guard(asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_8, 0), acc)...)
			break
		}
		fallthrough
	default:
		body = append(asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_9)}, g.scalarOps(asm.BPF_REG_5)...)
	}
	p := asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_9, 0)}
	p = append(p, body...)
	p = append(p, asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_9, 1))
	back := -(len(body) + 2)
	if g.chance(2) {
		p = append(p, asm.BPF_JMP_IMM(asm.BPF_JLT, asm.BPF_REG_9, int32(n), int16(back)))
	} else {
		p = append(p, asm.BPF_JMP32_IMM(asm.BPF_JNE, asm.BPF_REG_9, int32(n), int16(back)))
	}
	return p
}

// scalarOps does arithmetic on r without touching memory.
func (g *VerifierGen) scalarOps(r asm.Reg) asm.Program {
	var p asm.Program
	for range 1 + g.pick(3) {
		op := aluOps[g.pick(len(aluOps))]
		imm := int32(int8(g.next()))
		if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH {
			imm &= 31
		}
		if g.chance(2) {
			p = append(p, asm.BPF_ALU64_IMM(op, r, imm))
		} else {
			p = append(p, asm.BPF_ALU32_IMM(op, r, imm))
		}
	}
	return p
}

// stackVar derives a scalar (context field, random number, packet byte),
// computes on it, bounds it (or not) and uses it as a stack offset.
func (g *VerifierGen) stackVar() asm.Program {
	var p asm.Program
	switch g.pick(3) {
	case 0:
		p = append(p, g.ctxRead(asm.BPF_REG_6, asm.BPF_REG_5))
	case 1:
		p = append(p, asm.BPF_EMIT_CALL(asm.BPF_FUNC_get_prandom_u32), asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_0))
	default:
		p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_9))
	}
	for range g.pick(3) {
		op := []asm.ALUOp{asm.BPF_ADD, asm.BPF_SUB, asm.BPF_MUL, asm.BPF_RSH, asm.BPF_AND, asm.BPF_OR, asm.BPF_LSH}[g.pick(7)]
		imm := int32(g.pick(64))
		if op == asm.BPF_LSH || op == asm.BPF_RSH {
			imm &= 7
		}
		if g.chance(2) {
			p = append(p, asm.BPF_ALU32_IMM(op, asm.BPF_REG_5, imm))
		} else {
			p = append(p, asm.BPF_ALU64_IMM(op, asm.BPF_REG_5, imm))
		}
	}
	s := vgSizes[g.pick(4)]
	limit := int32(64 - sizeBytes(s))
	acc := asm.Program{
		asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, -64),
		asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_4, asm.BPF_REG_5),
	}
	if g.chance(2) {
		acc = append(acc, asm.BPF_STX_MEM(s, asm.BPF_REG_4, asm.BPF_REG_9, 0))
	} else {
		acc = append(acc, asm.BPF_LDX_MEM(s, asm.BPF_REG_0, asm.BPF_REG_4, 0))
	}
	// Stack accesses must be aligned (the kernel is strict about the
	// stack even without BPF_F_STRICT_ALIGNMENT).
	if !g.oops(4) {
		p = append(p, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, ^(int32(sizeBytes(s))-1)))
	}
	choice := 3 + g.pick(5)
	if g.oops(2) {
		choice = []int{0, 1, 2, 5}[g.pick(4)]
	}
	switch choice {
	case 0:
		return append(p, acc...) // unbounded
	case 1:
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JSGT, asm.BPF_REG_5, limit, 0), acc)...) // signed only
	case 2:
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JGT, asm.BPF_REG_5, limit+1, 0), acc)...) // one too many
	case 3:
		p = append(p, asm.BPF_JMP_IMM(asm.BPF_JSLT, asm.BPF_REG_5, 0, int16(len(acc)+1)))
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JSGT, asm.BPF_REG_5, limit, 0), acc)...) // both signed bounds
	case 4:
		return append(append(p, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, 63&^(int32(sizeBytes(s))-1)&limit)), acc...)
	case 5:
		return append(p, guard(asm.BPF_JMP32_IMM(asm.BPF_JGT, asm.BPF_REG_5, limit, 0), acc)...) // 32-bit bound only
	}
	return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JGT, asm.BPF_REG_5, limit, 0), acc)...)
}

// branch guards nested blocks with a comparison of a scalar.
func (g *VerifierGen) branch(depth int) asm.Program {
	op := jmpOps[g.pick(len(jmpOps))]
	j := asm.BPF_JMP_IMM(op, asm.BPF_REG_9, int32(int8(g.next())), 0)
	if g.chance(3) {
		j = asm.BPF_JMP32_IMM(op, asm.BPF_REG_9, int32(int8(g.next())), 0)
	}
	return guard(j, g.body(depth))
}

// call calls a new subprogram with a scalar, a stack pointer, packet
// pointers or a map value.
func (g *VerifierGen) call() asm.Program {
	id := int32(len(g.subs))
	var caller, callee asm.Program
	switch g.pick(4) {
	case 0:
		caller = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_9), asm.BPF_MOV64_IMM(asm.BPF_REG_2, int32(g.pick(100)))}
		callee = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_0, asm.BPF_REG_1), asm.BPF_ALU64_REG(aluOps[g.pick(len(aluOps))], asm.BPF_REG_0, asm.BPF_REG_2)}
	case 1:
		caller = asm.Program{
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_9, -24),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_9, -16),
			asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_10), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_1, -24),
		}
		off := 8 * g.pick(3)
		if g.oops(4) {
			off = 24 // the caller's R10: above its frame
		}
		callee = asm.Program{asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_1, int16(off)),
			asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_0, int16(8*g.pick(2)))}
	case 2:
		if g.pkt {
			caller = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_7), asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_8)}
			n := 1 + g.pick(40)
			off := g.pick(n)
			if g.oops(4) {
				off = n
			}
			acc := asm.Program{asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_1, int16(off))}
			callee = asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_1), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, int32(n))}
			callee = append(callee, guard(asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_3, asm.BPF_REG_2, 0), acc)...)
			break
		}
		fallthrough
	default:
		m := g.pick(vgMaps)
		caller = g.lookup(m)
		off := g.pick(vgValueSize[m] - 3)
		callee = asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0)}
		acc := asm.Program{asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, int16(off))}
		if g.oops(4) {
			callee = append(callee, acc...) // the callee forgets the null check
		} else {
			callee = append(callee, guard(asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_1, 0, 0), acc)...)
		}
		caller = append(caller, asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_0))
	}
	g.subs = append(g.subs, append(callee, asm.BPF_EXIT_INSN()))
	return append(caller, asm.BPF_CALL_REL(id), asm.BPF_MOV64_REG(asm.BPF_REG_9, asm.BPF_REG_0))
}

// pktHelper calls a helper that may move the packet, then reloads data
// and data_end (or, by mistake, keeps using the old ones).
func (g *VerifierGen) pktHelper() asm.Program {
	var p asm.Program
	switch g.typ {
	case "xdp":
		fn := []asm.Func{asm.BPF_FUNC_xdp_adjust_head, asm.BPF_FUNC_xdp_adjust_tail, asm.BPF_FUNC_xdp_adjust_meta}[g.pick(3)]
		p = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_MOV64_IMM(asm.BPF_REG_2, int32(int8(g.next()))), asm.BPF_EMIT_CALL(fn)}
	case "sched_cls":
		switch g.pick(3) {
		case 0:
			p = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_EMIT_CALL(asm.BPF_FUNC_skb_vlan_pop)}
		case 1:
			p = asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_MOV64_IMM(asm.BPF_REG_2, 0x81),
				asm.BPF_ALU64_IMM(asm.BPF_LSH, asm.BPF_REG_2, 8), asm.BPF_MOV64_IMM(asm.BPF_REG_3, int32(g.pick(4096))), asm.BPF_EMIT_CALL(asm.BPF_FUNC_skb_vlan_push)}
		default:
			// Copy packet bytes to the stack with a helper.
			n := 1 + g.pick(16)
			return asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_MOV64_IMM(asm.BPF_REG_2, int32(g.pick(40))),
				asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_10), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_3, -32),
				asm.BPF_MOV64_IMM(asm.BPF_REG_4, int32(n)), asm.BPF_EMIT_CALL(asm.BPF_FUNC_skb_load_bytes)}
		}
	default:
		return g.ldAbs()
	}
	if !g.oops(4) {
		p = append(p, g.loadPkt()...)
	}
	return p
}

// ldAbs reads the packet the classic way (skb types), or a context field.
func (g *VerifierGen) ldAbs() asm.Program {
	if g.typ == "xdp" {
		return asm.Program{g.ctxRead(asm.BPF_REG_6, asm.BPF_REG_9)}
	}
	s := vgSizes[g.pick(3)]
	if g.chance(2) {
		return asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_LD_ABS(s, int32(g.pick(80))), asm.BPF_MOV64_REG(asm.BPF_REG_9, asm.BPF_REG_0)}
	}
	return asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_1, asm.BPF_REG_6), asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_9),
		asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, 63), asm.BPF_LD_IND(s, asm.BPF_REG_5, int32(g.pick(40))), asm.BPF_MOV64_REG(asm.BPF_REG_9, asm.BPF_REG_0)}
}

// ctxAccess reads a context field into R9, or writes one (skb types).
func (g *VerifierGen) ctxAccess() asm.Program {
	if g.typ != "xdp" && g.chance(3) {
		name := []string{"mark", "priority", "cb", "tc_index"}[g.pick(4)]
		f := g.field(name)
		off := f.Off
		if name == "cb" {
			off += 4 * g.pick(5)
		}
		return asm.Program{asm.BPF_STX_MEM(asm.BPF_W, asm.BPF_REG_6, asm.BPF_REG_9, int16(off))}
	}
	return asm.Program{g.ctxRead(asm.BPF_REG_6, asm.BPF_REG_9)}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// vgConsts are constants near the bounds the verifier tracks.
var vgConsts = []int32{0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 40, 47, 48, 63, 64, 127, 128, 255, 256, 0xffff,
	0x7fffffff, -0x80000000, -2, -8, -48, -64}

func (g *VerifierGen) konst() int32 {
	if g.chance(4) {
		return int32(int8(g.next()))
	}
	return vgConsts[g.pick(len(vgConsts))]
}

// rangeAccess stresses bounds tracking: a value from a map (random at run
// time) goes through a chain of 64- and 32-bit arithmetic (shifts, sign
// extension, negation, byte swaps, signed division), is refined by one or
// two comparisons (signed, unsigned, 32-bit, against a constant or
// another register), and then offsets a one-byte map value access. The
// verifier must either prove the offset in bounds or refuse; the
// interpreter sees the actual values.
func (g *VerifierGen) rangeAccess() asm.Program {
	p := asm.Program{asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, int32(g.pick(4)))}
	p = append(p, mapPtr(asm.BPF_REG_1, vgArray)...)
	p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_lookup_elem))
	var body asm.Program
	s := vgSizes[g.pick(4)]
	body = append(body, asm.BPF_LDX_MEM(s, asm.BPF_REG_5, asm.BPF_REG_0, int16(8*g.pick(5))))
	if g.chance(2) {
		body = append(body, asm.BPF_LDX_MEM(vgSizes[g.pick(4)], asm.BPF_REG_4, asm.BPF_REG_0, int16(8*g.pick(5))))
		if g.chance(2) {
			body = append(body, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_4, g.konst()))
		}
	} else {
		body = append(body, asm.BPF_MOV64_IMM(asm.BPF_REG_4, g.konst()))
	}
	for range g.pick(5) {
		body = append(body, g.rangeOp())
	}
	if !g.sloppy && g.chance(2) {
		// A mask keeps the offset in range, whatever came before.
		body = append(body, asm.BPF_ALU64_IMM(asm.BPF_AND, asm.BPF_REG_5, []int32{1, 7, 15, 31, 32, 46}[g.pick(6)]))
	}
	acc := asm.Program{asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5)}
	if g.chance(2) {
		acc = append(acc, asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_1, asm.BPF_REG_0, int16(g.pick(3)-1)))
	} else {
		acc = append(acc, asm.BPF_ST_MEM(asm.BPF_B, asm.BPF_REG_0, int16(g.pick(3)-1), 1))
	}
	for range 1 + g.pick(2) {
		op := jmpOps[g.pick(len(jmpOps))]
		var j asm.Insn
		switch g.pick(4) {
		case 0:
			j = asm.BPF_JMP_REG(op, asm.BPF_REG_5, asm.BPF_REG_4, 0)
		case 1:
			j = asm.BPF_JMP32_IMM(op, asm.BPF_REG_5, g.konst(), 0)
		case 2:
			j = asm.BPF_JMP32_REG(op, asm.BPF_REG_5, asm.BPF_REG_4, 0)
		default:
			j = asm.BPF_JMP_IMM(op, asm.BPF_REG_5, g.konst(), 0)
		}
		if g.chance(3) {
			// The access on the taken side: jump over a skip.
			j.Off = 1
			acc = append(asm.Program{j, asm.BPF_JMP_A(int16(len(acc)))}, acc...)
			continue
		}
		acc = guard(j, acc)
		if g.chance(3) {
			acc = append(asm.Program{g.rangeOp()}, acc...)
		}
	}
	body = append(body, acc...)
	return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 0), body)...)
}

// rangeOp is one arithmetic instruction on R5 (with R4 or a constant).
func (g *VerifierGen) rangeOp() asm.Insn {
	r5, r4 := asm.BPF_REG_5, asm.BPF_REG_4
	op := aluOps[g.pick(len(aluOps))]
	k := g.konst()
	if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH {
		k &= 31
	}
	switch g.pick(10) {
	case 0, 1:
		return asm.BPF_ALU64_IMM(op, r5, k)
	case 2, 3:
		return asm.BPF_ALU32_IMM(op, r5, k)
	case 4:
		if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH || op == asm.BPF_MOV {
			op = asm.BPF_ADD // variable shifts and moves lose the value too easily
		}
		return asm.BPF_ALU64_REG(op, r5, r4)
	case 5:
		if op == asm.BPF_LSH || op == asm.BPF_RSH || op == asm.BPF_ARSH || op == asm.BPF_MOV {
			op = asm.BPF_SUB
		}
		return asm.BPF_ALU32_REG(op, r5, r4)
	case 6:
		return asm.BPF_MOVSX64_REG(r5, r5, []int16{8, 16, 32}[g.pick(3)])
	case 7:
		if g.chance(2) {
			return asm.BPF_NEG64(r5)
		}
		return asm.BPF_MOVSX32_REG(r5, r5, []int16{8, 16}[g.pick(2)])
	case 8:
		if g.chance(2) {
			return asm.BPF_ENDIAN([]asm.Source{asm.BPF_TO_LE, asm.BPF_TO_BE}[g.pick(2)], r5, []int32{16, 32, 64}[g.pick(3)])
		}
		return asm.BPF_BSWAP(r5, []int32{16, 32, 64}[g.pick(3)])
	default:
		if g.chance(2) {
			return asm.BPF_ALU64_IMM_OFF([]asm.ALUOp{asm.BPF_DIV, asm.BPF_MOD}[g.pick(2)], r5, k|1, 1)
		}
		return asm.BPF_ALU32_IMM_OFF([]asm.ALUOp{asm.BPF_DIV, asm.BPF_MOD}[g.pick(2)], r5, k|1, 1)
	}
}

// filler emits a few instructions with branches in them, so that the
// verifier has states to compare (and perhaps prune) at their targets.
func (g *VerifierGen) filler() asm.Program {
	var p asm.Program
	for range g.pick(3) {
		switch g.pick(3) {
		case 0:
			p = append(p, asm.BPF_JMP_IMM(jmpOps[g.pick(len(jmpOps))], asm.BPF_REG_9, g.konst(), 1), asm.BPF_MOV64_IMM(asm.BPF_REG_1, g.konst()))
		case 1:
			p = append(p, asm.BPF_JMP_A(0))
		default:
			p = append(p, asm.BPF_MOV64_IMM(asm.BPF_REG_3, g.konst()))
		}
	}
	return p
}

// diamond makes two paths that differ in what they prove and join before
// a use that is safe on one path only (in sloppy programs) or on both:
// the join is where state pruning must not treat the second path as
// covered by the first. Variants: a scalar offset into a map value, the
// checked packet range, a spilled slot holding a pointer or a number, and
// a null check done on one path only.
func (g *VerifierGen) diamond() asm.Program {
	cond := asm.BPF_JMP_IMM(jmpOps[g.pick(len(jmpOps))], asm.BPF_REG_9, g.konst(), 0)
	if g.chance(2) {
		// A random condition, so both paths run.
		cond = asm.BPF_JMP_IMM(asm.BPF_JSET, asm.BPF_REG_9, 1<<g.pick(4), 0)
	}
	variant := g.pick(5)
	if !g.pkt && variant == 1 {
		variant = 0
	}
	switch variant {
	case 0:
		// r5 = A or B, then value[r5].
		a, b := int32(g.pick(48)), int32(g.pick(48))
		if g.oops(2) {
			b = 48 + int32(g.pick(16))
		}
		p := g.lookup(vgArray)
		body := asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_5, a)}
		if g.chance(3) {
			body = append(body, g.filler()...)
		}
		body = append(body, guard(cond, asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_5, b)})...)
		body = append(body, g.filler()...)
		body = append(body, asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5), g.access(asm.BPF_REG_0, 0, asm.BPF_B))
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 0), body)...)
	case 1:
		// One path checks n bytes, the other m; the join reads below n.
		n, m := 2+g.pick(40), 1+g.pick(40)
		off := g.pick(n)
		if !g.sloppy {
			off = g.pick(min(n, m))
		}
		use := asm.Program{asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_7, int16(off))}
		use = append(g.filler(), use...)
		pathN := asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_7), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(n)),
			asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_8, 0)}
		pathM := asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_7), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(m)),
			asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_8, 0)}
		// Layout: cond → M-path; N-path; ja use; M-path; use; end.
		// Each check jumps to the end on failure.
		nLen, mLen := len(pathN)+1, len(pathM)
		pathN[2].Off = int16(1 + mLen + len(use))
		pathM[2].Off = int16(len(use))
		p := asm.Program{cond}
		p[0].Off = int16(nLen)
		p = append(p, pathN...)
		p = append(p, asm.BPF_JMP_A(int16(mLen)))
		p = append(p, pathM...)
		return append(p, use...)
	case 2:
		// The slot holds the context on one path and a number on the
		// other; the join fills it and reads through it.
		slot := int16(-160)
		p := asm.Program{asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_6, slot)}
		other := asm.Program{asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_6, slot)}
		if g.oops(2) {
			other = asm.Program{asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, slot, g.konst())}
			if g.chance(2) {
				// A byte written over the spilled pointer.
				other = asm.Program{asm.BPF_ST_MEM(asm.BPF_B, asm.BPF_REG_10, slot+int16(g.pick(8)), g.konst())}
			}
		}
		p = append(p, guard(cond, other)...)
		p = append(p, g.filler()...)
		return append(p, asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_1, asm.BPF_REG_10, slot), g.ctxRead(asm.BPF_REG_1, asm.BPF_REG_0))
	case 4:
		// The offset goes through a subprogram, so that its precision
		// must be tracked back across the call.
		a, b := int32(g.pick(40)), int32(g.pick(40))
		if g.oops(2) {
			b = 48 + int32(g.pick(16))
		}
		add := int32(g.pick(8))
		id := int32(len(g.subs))
		g.subs = append(g.subs, asm.Program{asm.BPF_MOV64_REG(asm.BPF_REG_0, asm.BPF_REG_1), asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_0, add), asm.BPF_EXIT_INSN()})
		slot := int16(-136)
		p := g.lookup(vgArray)
		body := asm.Program{asm.BPF_STX_MEM(asm.BPF_DW, asm.BPF_REG_10, asm.BPF_REG_0, slot), asm.BPF_MOV64_IMM(asm.BPF_REG_1, a)}
		body = append(body, guard(cond, asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_1, b)})...)
		body = append(body, g.filler()...)
		body = append(body, asm.BPF_CALL_REL(id), asm.BPF_MOV64_REG(asm.BPF_REG_5, asm.BPF_REG_0),
			asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_10, slot),
			asm.BPF_ALU64_REG(asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_5), g.access(asm.BPF_REG_0, 0, asm.BPF_B))
		return append(p, guard(asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 0), body)...)
	default:
		// The null check happens on one path only (sloppy), on a copy, or
		// on both.
		p := g.lookup(vgHash)
		p = append(p, asm.BPF_MOV64_REG(asm.BPF_REG_3, asm.BPF_REG_0))
		check := asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_3, 0, 0)
		if g.chance(2) {
			check.Dst = asm.BPF_REG_0
		}
		use := asm.Program{g.access([]asm.Reg{asm.BPF_REG_0, asm.BPF_REG_3}[g.pick(2)], g.pick(16), asm.BPF_W)}
		// Layout: cond → other; check → end; ja use; other: [check → end]; use.
		var other asm.Program
		if !g.oops(2) {
			other = asm.Program{check}
		}
		first := asm.Program{check, asm.BPF_JMP_A(int16(len(other)))}
		first[0].Off = int16(1 + len(other) + len(use))
		if len(other) > 0 {
			other[0].Off = int16(len(use))
		}
		c := cond
		c.Off = int16(len(first))
		p = append(p, c)
		p = append(p, first...)
		p = append(p, other...)
		return append(p, use...)
	}
}

// metaAccess checks n bytes of XDP metadata against data and accesses
// them at off.
func (g *VerifierGen) metaAccess(n, off int, s asm.Size) asm.Program {
	body := asm.Program{g.access(asm.BPF_REG_2, off, s)}
	p := asm.Program{
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_6, int16(g.field("data_meta").Off)),
		asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_2),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, int32(n)),
	}
	end := asm.BPF_REG_7
	if g.oops(3) {
		end = asm.BPF_REG_8 // data_end is no bound for metadata
	}
	return append(p, guard(asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, end, 0), body)...)
}
