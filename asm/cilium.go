package asm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/cilium/ebpf"
	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// Conversion between our types and cilium/ebpf's. cilium/ebpf folds an lddw
// into one Instruction and names maps and functions by reference; we keep
// one slot per raw instruction and refer to maps by index. Nothing here
// makes a bpf() call: loading is the kernel package's business.

// ciliumPlatform is the platform cilium/ebpf decodes helper ids for.
const ciliumPlatform = "linux"

// progTypeName returns the bpftool name of a cilium/ebpf program type, ""
// when unspecified or unknown.
func progTypeName(t ebpf.ProgramType) string {
	if t == ebpf.UnspecifiedProgram || int(t) >= len(progTypeNames) {
		return ""
	}
	return progTypeNames[t]
}

// attachTypeName returns the bpftool name of an expected attach type.
// cilium/ebpf reports "none" as 0, which is also BPF_CGROUP_INET_INGRESS;
// only cgroup_skb programs mean the latter by it.
func attachTypeName(pt ebpf.ProgramType, at ebpf.AttachType) string {
	if int(at) >= len(attachTypeNames) || (at == 0 && pt != ebpf.CGroupSKB) {
		return ""
	}
	return attachTypeNames[at]
}

// ProgTypeByName returns the kernel's enum bpf_prog_type value for a bpftool
// program type name ("xdp", "sched_cls", …).
func ProgTypeByName(name string) (uint32, bool) {
	for i, n := range progTypeNames {
		if n == name && i != 0 {
			return uint32(i), true
		}
	}
	return 0, false
}

// AttachTypeByName returns the kernel's enum bpf_attach_type value for a
// bpftool attach type name ("cgroup_inet_ingress", …).
func AttachTypeByName(name string) (uint32, bool) {
	for i, n := range attachTypeNames {
		if n == name {
			return uint32(i), true
		}
	}
	return 0, false
}

// FromCilium converts a cilium/ebpf CollectionSpec (as its ELF reader
// returns it) into a Collection: instructions in slots, map references as
// indexes into each ProgramSpec.Maps, bpf-to-bpf calls resolved to relative
// offsets, and function entries in ProgramSpec.Symbols. Programs and maps
// are sorted by name; ParseELF orders them as the object file does.
func FromCilium(spec *ebpf.CollectionSpec) (*Collection, error) {
	return fromCilium(spec, nil, nil)
}

// fromCilium converts spec, ordering programs by progRank and maps by
// mapRank (ties and missing ranks by name).
func fromCilium(spec *ebpf.CollectionSpec, progRank, mapRank map[string]int) (*Collection, error) {
	coll := &Collection{}
	maps := make(map[string]*MapSpec, len(spec.Maps))
	for _, key := range rankedKeys(spec.Maps, mapRank) {
		m, err := mapFromCilium(spec.Maps[key])
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", key, err)
		}
		maps[key] = m
		coll.Maps = append(coll.Maps, m)
	}
	for _, key := range rankedKeys(spec.Programs, progRank) {
		p, err := programFromCilium(spec.Programs[key], maps)
		if err != nil {
			return nil, fmt.Errorf("program %s: %w", key, err)
		}
		coll.Programs = append(coll.Programs, p)
	}
	return coll, nil
}

func rankedKeys[V any](m map[string]V, rank map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, iok := rank[keys[i]]
		rj, jok := rank[keys[j]]
		switch {
		case iok && jok && ri != rj:
			return ri < rj
		case iok != jok:
			return iok // ranked names first
		}
		return keys[i] < keys[j]
	})
	return keys
}

// programFromCilium converts one program; maps holds the converted maps by
// the names cilium/ebpf's references use.
func programFromCilium(ps *ebpf.ProgramSpec, maps map[string]*MapSpec) (*ProgramSpec, error) {
	out := &ProgramSpec{
		Name:       ps.Name,
		Section:    ps.SectionName,
		Type:       progTypeName(ps.Type),
		AttachType: attachTypeName(ps.Type, ps.AttachType),
		License:    ps.License,
		Symbols:    map[int]string{},
	}
	prog, refs, err := slotsFromCilium(ps.Instructions)
	if err != nil {
		return nil, err
	}
	entry := map[string]int{}
	for pc, name := range refs.symbols {
		entry[name] = pc
		out.Symbols[pc] = name
	}
	mapIndex := map[*MapSpec]int{}
	for _, r := range refs.refs {
		ins := &prog[r.pc]
		switch {
		case r.ins.IsLoadFromMap():
			m := maps[r.name]
			if m == nil {
				return nil, fmt.Errorf("insn %d: reference to unknown map %q", r.pc, r.name)
			}
			idx, ok := mapIndex[m]
			if !ok {
				idx = len(out.Maps)
				mapIndex[m] = idx
				out.Maps = append(out.Maps, m)
			}
			ins.Imm = int32(idx)
		case r.ins.IsFunctionReference():
			t, ok := entry[r.name]
			if !ok {
				return nil, fmt.Errorf("insn %d: call to undefined function %q", r.pc, r.name)
			}
			ins.Imm = int32(t - r.pc - 1)
			clearFuncHigh(prog, r)
		case r.ins.OpCode.Class().IsJump():
			t, ok := entry[r.name]
			if !ok {
				return nil, fmt.Errorf("insn %d: jump to undefined symbol %q", r.pc, r.name)
			}
			if ins.IsGotol() {
				ins.Imm = int32(t - r.pc - 1)
			} else {
				ins.Off = int16(t - r.pc - 1)
			}
		default:
			return nil, fmt.Errorf("insn %d: unsupported reference to %q", r.pc, r.name)
		}
	}
	for pc := range prog {
		if prog[pc].IsCall() && prog[pc].Src == BPF_PSEUDO_KFUNC_CALL {
			return nil, fmt.Errorf("insn %d: kfunc calls are not supported", pc)
		}
	}
	if len(out.Symbols) == 0 || out.Symbols[0] == "" {
		out.Symbols[0] = out.Name
	}
	out.Insns = prog
	return out, nil
}

// clearFuncHigh zeroes the second slot of a function-pointer lddw:
// cilium/ebpf holds an unresolved one as the 64-bit constant -1, whose upper
// half would otherwise stay behind, and the kernel wants it 0.
func clearFuncHigh(prog Program, r ciliumRef) {
	if r.ins.IsLoadOfFunctionPointer() {
		prog[r.pc+1].Imm = 0
	}
}

// ciliumRef is an instruction of a cilium/ebpf stream that names a map or a
// function instead of holding its final immediate.
type ciliumRef struct {
	pc   int
	name string
	ins  ciliumasm.Instruction
}

type ciliumRefs struct {
	symbols map[int]string // function entry slot → name
	refs    []ciliumRef
}

// slotsFromCilium re-encodes cilium/ebpf instructions as slots. Each
// instruction goes through cilium/ebpf's own encoder, so its internal
// opcodes (signed division, sign-extending moves, atomics) come out exactly
// as the kernel reads them.
func slotsFromCilium(insns ciliumasm.Instructions) (Program, ciliumRefs, error) {
	refs := ciliumRefs{symbols: map[int]string{}}
	prog := make(Program, 0, len(insns))
	var buf bytes.Buffer
	seen := map[string]bool{}
	for i, ins := range insns {
		pc := len(prog)
		if s := ins.Symbol(); s != "" {
			if seen[s] {
				return nil, refs, fmt.Errorf("insn %d: duplicate symbol %q", pc, s)
			}
			seen[s] = true
			refs.symbols[pc] = s
		}
		buf.Reset()
		if _, err := ins.Marshal(&buf, binary.LittleEndian); err != nil {
			return nil, refs, fmt.Errorf("insn %d (instruction %d): %w", pc, i, err)
		}
		slots, err := Decode(buf.Bytes(), binary.LittleEndian)
		if err != nil {
			return nil, refs, fmt.Errorf("insn %d: %w", pc, err)
		}
		if name := ins.Reference(); name != "" {
			refs.refs = append(refs.refs, ciliumRef{pc: pc, name: name, ins: ins})
		}
		prog = append(prog, slots...)
	}
	return prog, refs, nil
}

// mapFromCilium converts a cilium/ebpf map spec and its initial contents.
func mapFromCilium(ms *ebpf.MapSpec) (*MapSpec, error) {
	m := &MapSpec{
		Name:       ms.Name,
		Type:       MapType(ms.Type),
		KeySize:    ms.KeySize,
		ValueSize:  ms.ValueSize,
		MaxEntries: ms.MaxEntries,
		Flags:      ms.Flags,
	}
	if ms.InnerMap != nil {
		inner, err := mapFromCilium(ms.InnerMap)
		if err != nil {
			return nil, fmt.Errorf("inner map: %w", err)
		}
		m.InnerMap = inner
	}
	for i, kv := range ms.Contents {
		k, err := contentBytes(kv.Key)
		if err != nil {
			return nil, fmt.Errorf("entry %d key: %w", i, err)
		}
		v, err := contentBytes(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("entry %d value: %w", i, err)
		}
		m.Contents = append(m.Contents, MapEntry{Key: k, Value: v})
	}
	return m, nil
}

// contentBytes encodes a map key or value given as a Go value.
func contentBytes(v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return bytes.Clone(b), nil
	}
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		return nil, fmt.Errorf("unsupported initial value of type %T", v)
	}
	return b, nil
}

// CiliumMapKey is the name under which ToCilium stores map i of a
// ProgramSpec and by which its lddw instructions refer to it.
func CiliumMapKey(i int) string { return fmt.Sprintf("map%d", i) }

// ToCilium converts a program spec into a cilium/ebpf CollectionSpec that
// ebpf.NewCollection can load: the program under its name ("prog" when it
// has none) and each map of p.Maps under CiliumMapKey(i), with the map
// lddw instructions referring to that key. Callers that create maps
// themselves can instead use CiliumInstructions and patch the fds in.
func ToCilium(p *ProgramSpec) (*ebpf.CollectionSpec, error) {
	insns, err := CiliumInstructions(p.Insns, p.Symbols)
	if err != nil {
		return nil, err
	}
	spec := &ebpf.CollectionSpec{
		Maps:     map[string]*ebpf.MapSpec{},
		Programs: map[string]*ebpf.ProgramSpec{},
	}
	for i, m := range p.Maps {
		spec.Maps[CiliumMapKey(i)] = MapToCilium(m)
	}
	for i := range insns {
		ins := &insns[i]
		if !ins.IsLoadFromMap() {
			continue
		}
		idx := int(int32(uint32(ins.Constant)))
		if idx < 0 || idx >= len(p.Maps) {
			return nil, fmt.Errorf("insn %d: map index %d out of range (%d maps)", slotOf(insns, i), idx, len(p.Maps))
		}
		// Keep the value offset of MAP_VALUE loads; the reference supplies the fd.
		ins.Constant = int64(uint64(ins.Constant) &^ 0xffffffff)
		*ins = ins.WithReference(CiliumMapKey(idx))
	}
	name := p.Name
	if name == "" {
		name = "prog"
	}
	ps := &ebpf.ProgramSpec{
		Name:         name,
		SectionName:  p.Section,
		License:      p.License,
		Instructions: insns,
		ByteOrder:    binary.LittleEndian,
	}
	if t, ok := ProgTypeByName(p.Type); ok {
		ps.Type = ebpf.ProgramType(t)
	}
	if a, ok := AttachTypeByName(p.AttachType); ok {
		ps.AttachType = ebpf.AttachType(a)
	}
	spec.Programs[name] = ps
	return spec, nil
}

// slotOf returns the slot index of cilium instruction i.
func slotOf(insns ciliumasm.Instructions, i int) int {
	pc := 0
	for _, ins := range insns[:i] {
		pc += int(ins.Width())
	}
	return pc
}

// MapToCilium converts a map spec to cilium/ebpf's, contents included.
func MapToCilium(m *MapSpec) *ebpf.MapSpec {
	ms := &ebpf.MapSpec{
		Name:       m.Name,
		Type:       ebpf.MapType(m.Type),
		KeySize:    m.KeySize,
		ValueSize:  m.ValueSize,
		MaxEntries: m.MaxEntries,
		Flags:      m.Flags,
	}
	if m.InnerMap != nil {
		ms.InnerMap = MapToCilium(m.InnerMap)
	}
	for _, e := range m.Contents {
		ms.Contents = append(ms.Contents, ebpf.MapKV{Key: bytes.Clone(e.Key), Value: bytes.Clone(e.Value)})
	}
	return ms
}

// CiliumInstructions converts slots into cilium/ebpf instructions, one per
// instruction (lddw folded), with every field as it is: map lddw keep their
// immediates (our map indexes, to be replaced by fds) and bpf-to-bpf calls
// their relative offsets. symbols (may be nil) names function entries.
// A program that takes a function's address gets minimal BTF function
// records (see btfFuncs), without which the kernel refuses it.
func CiliumInstructions(p Program, symbols map[int]string) (ciliumasm.Instructions, error) {
	if err := p.checkPairs(); err != nil {
		return nil, err
	}
	raw := p.Marshal(binary.LittleEndian)
	insns, err := ciliumasm.AppendInstructions(nil, bytes.NewReader(raw), binary.LittleEndian, ciliumPlatform)
	if err != nil {
		return nil, fmt.Errorf("cilium/ebpf decode: %w", err)
	}
	funcs := p.btfFuncs(symbols)
	pc := 0
	for i := range insns {
		if name := symbols[pc]; name != "" {
			insns[i] = insns[i].WithSymbol(name)
		}
		if fn := funcs[pc]; fn != nil {
			insns[i] = btf.WithFuncMetadata(insns[i], fn)
		}
		pc += int(insns[i].Width())
	}
	return insns, nil
}

// btfFuncs describes, when the program takes the address of a function
// (bpf_loop and other callbacks), each of its functions in BTF: the kernel
// refuses a BPF_PSEUDO_FUNC load without BTF func_info ("missing btf
// func_info"), which needs one record per subprogram. The records are
// minimal: "int name(void *)", static except the entry. For static
// functions the kernel only marks a mismatched prototype unreliable, and our
// programs carry no BTF of their own. It returns nil when no record is
// needed.
func (p Program) btfFuncs(symbols map[int]string) map[int]*btf.Func {
	starts := map[int]bool{0: true}
	needed := false
	for pc := 0; pc < len(p); pc++ {
		ins := p[pc]
		switch {
		case ins.IsLdImm64():
			if ins.Src == BPF_PSEUDO_FUNC {
				needed = true
				starts[pc+1+int(ins.Imm)] = true
			}
			pc++
		case ins.IsPseudoCall():
			starts[ins.JumpTarget(pc)] = true
		}
	}
	if !needed {
		return nil
	}
	funcs := map[int]*btf.Func{}
	for pc := range starts {
		name := btfIdent(symbols[pc])
		if name == "" {
			name = "func_" + itoa(pc)
		}
		linkage := btf.StaticFunc
		if pc == 0 {
			linkage = btf.GlobalFunc
		}
		funcs[pc] = &btf.Func{
			Name: name,
			Type: &btf.FuncProto{
				Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed},
				Params: []btf.FuncParam{{Name: "ctx", Type: &btf.Pointer{Target: &btf.Void{}}}},
			},
			Linkage: linkage,
		}
	}
	return funcs
}

// btfIdent turns a symbol into a C identifier, as BTF wants names.
func btfIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// checkPairs reports an lddw whose second slot is missing or malformed,
// which cilium/ebpf's decoder would report without an instruction index.
func (p Program) checkPairs() error {
	for pc := 0; pc < len(p); pc++ {
		if !p[pc].IsLdImm64() {
			continue
		}
		if pc+1 >= len(p) || p[pc+1].Code != 0 || p[pc+1].Dst != 0 || p[pc+1].Src != 0 || p[pc+1].Off != 0 {
			return &DecodeError{Insn: pc, Code: p[pc].Code, Msg: "invalid bpf_ld_imm64 insn"}
		}
		pc++
	}
	return nil
}

// ProgramFromCilium converts cilium/ebpf instructions to slots, resolving
// references to functions within insns; references to maps are left with
// the immediate cilium/ebpf holds (0 unless a map was associated).
func ProgramFromCilium(insns ciliumasm.Instructions) (Program, map[int]string, error) {
	prog, refs, err := slotsFromCilium(insns)
	if err != nil {
		return nil, nil, err
	}
	entry := map[string]int{}
	for pc, name := range refs.symbols {
		entry[name] = pc
	}
	for _, r := range refs.refs {
		if r.ins.IsLoadFromMap() {
			continue
		}
		t, ok := entry[r.name]
		if !ok {
			return nil, nil, fmt.Errorf("insn %d: reference to undefined symbol %q", r.pc, r.name)
		}
		switch ins := &prog[r.pc]; {
		case r.ins.IsFunctionReference() || ins.IsGotol():
			ins.Imm = int32(t - r.pc - 1)
			clearFuncHigh(prog, r)
		case ins.Class().IsJump():
			ins.Off = int16(t - r.pc - 1)
		default:
			return nil, nil, fmt.Errorf("insn %d: unsupported reference to %q", r.pc, r.name)
		}
	}
	return prog, refs.symbols, nil
}
