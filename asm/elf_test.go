package asm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// progsDir holds the shared clang-built objects and their C sources.
const progsDir = "../testdata/progs"

func objects(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(progsDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("found %d objects in %s, want at least 8 (run make objects)", len(files), progsDir)
	}
	return files
}

// progSummary is what TestLoadCollection checks of each program.
type progSummary struct {
	Name, Section, Type, AttachType, License string
	Slots                                    int
	Symbols                                  map[int]string
	Maps                                     []string
}

func TestLoadCollection(t *testing.T) {
	tests := []struct {
		file  string
		progs []progSummary
		maps  []string
	}{
		{"xdp_drop_udp.o", []progSummary{{"xdp_drop_udp", "xdp", "xdp", "xdp", "MIT", 19, map[int]string{0: "xdp_drop_udp"}, nil}}, nil},
		{"tc_count.o", []progSummary{{"tc_count", "tc", "sched_cls", "", "MIT", 29, map[int]string{0: "tc_count"}, []string{"proto_count"}}}, []string{"proto_count"}},
		{"sock_filter_tcp.o", []progSummary{{"sock_filter_tcp", "socket", "socket_filter", "", "MIT", 11, map[int]string{0: "sock_filter_tcp"}, nil}}, nil},
		{"sock_len.o", []progSummary{{"sock_dns_sample", "socket", "socket_filter", "", "GPL", 26, map[int]string{0: "sock_dns_sample"}, nil}}, nil},
		{"xdp_parse_vlan.o", []progSummary{{"xdp_parse_vlan", "xdp", "xdp", "xdp", "MIT", 46, map[int]string{0: "xdp_parse_vlan"}, []string{"vlan_packets"}}}, []string{"vlan_packets"}},
		{"xdp_loop_csum.o", []progSummary{{"xdp_loop_csum", "xdp", "xdp", "xdp", "MIT", 40, map[int]string{0: "xdp_loop_csum"}, nil}}, nil},
		// Callees follow the program in the order it first calls them.
		{"xdp_call.o", []progSummary{{"xdp_call", "xdp", "xdp", "xdp", "MIT", 25, map[int]string{0: "xdp_call", 6: "ip_proto", 17: "verdict"}, nil}}, nil},
		{"tc_mark.o", []progSummary{{"tc_mark", "tc", "sched_cls", "", "MIT", 34, map[int]string{0: "tc_mark"}, []string{".rodata", ".data", ".bss"}}}, []string{".rodata", ".data", ".bss"}},
		{"xdp_flow_hash.o", []progSummary{{"xdp_flow_hash", "xdp", "xdp", "xdp", "MIT", 77, map[int]string{0: "xdp_flow_hash"}, []string{".rodata", "buckets"}}}, []string{".rodata", "buckets"}},
		{"sock_port_filter.o", []progSummary{{"sock_port_filter", "socket", "socket_filter", "", "MIT", 31, map[int]string{0: "sock_port_filter"}, nil}}, nil},
		// A bpf_loop callback: the function's address is a BPF_PSEUDO_FUNC lddw.
		{"xdp_bpf_loop.o", []progSummary{{"xdp_bpf_loop", "xdp", "xdp", "xdp", "GPL", 37, map[int]string{0: "xdp_bpf_loop", 21: "count_ff"}, []string{".rodata"}}}, []string{".rodata"}},
		{"cgroup_skb_count.o", []progSummary{
			{"count_ingress", "cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", "MIT", 18, map[int]string{0: "count_ingress"}, []string{"bytes"}},
			{"count_egress", "cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", "MIT", 14, map[int]string{0: "count_egress"}, []string{"bytes"}},
		}, []string{"bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := LoadCollection(filepath.Join(progsDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []progSummary
			for _, p := range c.Programs {
				s := progSummary{p.Name, p.Section, p.Type, p.AttachType, p.License, len(p.Insns), p.Symbols, nil}
				for _, m := range p.Maps {
					s.Maps = append(s.Maps, m.Name)
				}
				got = append(got, s)
				if err := p.Insns.Validate(); err != nil {
					t.Errorf("%s: %v", p.Name, err)
				}
			}
			if d := cmp.Diff(tt.progs, got); d != "" {
				t.Errorf("programs: diff (-want +got):\n%s", d)
			}
			var maps []string
			for _, m := range c.Maps {
				maps = append(maps, m.Name)
			}
			if d := cmp.Diff(tt.maps, maps); d != "" {
				t.Errorf("maps: diff (-want +got):\n%s", d)
			}
			// Programs share the collection's maps by pointer.
			for _, p := range c.Programs {
				for _, m := range p.Maps {
					found := false
					for _, cm := range c.Maps {
						found = found || cm == m
					}
					if !found {
						t.Errorf("%s: map %s is not one of the collection's", p.Name, m.Name)
					}
				}
			}
		})
	}
}

func TestLoadCollectionMaps(t *testing.T) {
	c, err := LoadCollection(filepath.Join(progsDir, "tc_mark.o"))
	if err != nil {
		t.Fatal(err)
	}
	zero := []byte{0, 0, 0, 0}
	want := []*MapSpec{
		{Name: ".rodata", Type: BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 2, MaxEntries: 1, Flags: 0x80, // BPF_F_RDONLY_PROG
			Contents: []MapEntry{{zero, []byte{0xbb, 0x01}}}}, // target_port = 443
		{Name: ".data", Type: BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 1,
			Contents: []MapEntry{{zero, []byte{0x2a, 0, 0, 0}}}}, // mark_value = 0x2a
		{Name: ".bss", Type: BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 8, MaxEntries: 1,
			Contents: []MapEntry{{zero, make([]byte, 8)}}},
	}
	if d := cmp.Diff(want, c.Maps); d != "" {
		t.Errorf("maps: diff (-want +got):\n%s", d)
	}
	c, err = LoadCollection(filepath.Join(progsDir, "tc_count.o"))
	if err != nil {
		t.Fatal(err)
	}
	want = []*MapSpec{{Name: "proto_count", Type: BPF_MAP_TYPE_HASH, KeySize: 4, ValueSize: 16, MaxEntries: 64}}
	if d := cmp.Diff(want, c.Maps); d != "" {
		t.Errorf("maps: diff (-want +got):\n%s", d)
	}
}

func TestLoadCollectionErrors(t *testing.T) {
	if _, err := LoadCollection(filepath.Join(progsDir, "missing.o")); err == nil {
		t.Error("missing file: no error")
	}
	for _, in := range [][]byte{nil, []byte("not an object"), []byte("\x7fELF\x02\x01\x01")} {
		if _, err := ParseELF(bytes.NewReader(in)); err == nil {
			t.Errorf("ParseELF(%q): no error", in)
		}
	}
	// A truncated object must fail cleanly, never panic.
	b, err := os.ReadFile(filepath.Join(progsDir, "tc_count.o"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{16, 64, len(b) / 2, len(b) - 1} {
		if _, err := ParseELF(bytes.NewReader(b[:n])); err == nil {
			t.Errorf("ParseELF(first %d bytes): no error", n)
		}
	}
}

// elfFunc is one function of an object as the ELF file has it.
type elfFunc struct {
	sec    elf.SectionIndex
	start  uint64 // byte offset in sec
	slots  Program
	relocs map[int]elfReloc // slot within the function → relocation
}

type elfReloc struct {
	typ uint32
	sym elf.Symbol
}

// Relocation types of the BPF ELF ABI (llvm's BPF backend).
const (
	rBPF64_64 = 1  // lddw: map, data section or function address
	rBPF64_32 = 10 // call: bpf-to-bpf callee
)

// readELFFuncs reads every function of an object straight from the file,
// with its relocations, independently of cilium/ebpf.
func readELFFuncs(t *testing.T, path string) map[string]*elfFunc {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*elfFunc{}
	bySec := map[elf.SectionIndex][]*elfFunc{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC {
			continue
		}
		sec := f.Sections[s.Section]
		data, err := sec.Data()
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(data[s.Value:s.Value+s.Size], binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		fn := &elfFunc{sec: s.Section, start: s.Value, slots: p, relocs: map[int]elfReloc{}}
		funcs[s.Name] = fn
		bySec[s.Section] = append(bySec[s.Section], fn)
	}
	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_REL {
			continue
		}
		data, err := rs.Data()
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+16 <= len(data); off += 16 {
			at := binary.LittleEndian.Uint64(data[off:])
			info := binary.LittleEndian.Uint64(data[off+8:])
			sym := syms[info>>32-1] // Symbols() drops the null symbol 0
			for _, fn := range bySec[elf.SectionIndex(rs.Info)] {
				if at >= fn.start && at < fn.start+uint64(len(fn.slots))*InsnSize {
					fn.relocs[int(at-fn.start)/InsnSize] = elfReloc{uint32(info), sym}
				}
			}
		}
	}
	return funcs
}

// funcAt returns the name of the function at byte offset off of sec.
func funcAt(funcs map[string]*elfFunc, sec elf.SectionIndex, off uint64) string {
	for name, fn := range funcs {
		if fn.sec == sec && fn.start == off {
			return name
		}
	}
	return ""
}

// TestELFSlotsLineUp checks, for every program of every object, that each
// function in our Insns is the object's function slot for slot, and that
// the fields the loader rewrites (map lddw immediates, call offsets) point
// where the object's relocations say. This is what makes instruction
// indexes agree with the kernel's and with llvm-objdump's.
func TestELFSlotsLineUp(t *testing.T) {
	total := 0
	for _, path := range objects(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			funcs := readELFFuncs(t, path)
			c, err := LoadCollection(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Programs {
				entries := make([]int, 0, len(p.Symbols))
				for pc := range p.Symbols {
					entries = append(entries, pc)
				}
				sort.Ints(entries)
				entries = append(entries, len(p.Insns))
				for i, pc := range entries[:len(entries)-1] {
					name := p.Symbols[pc]
					fn := funcs[name]
					if fn == nil {
						t.Errorf("%s: symbol %s at %d is not a function of the object", p.Name, name, pc)
						continue
					}
					ours := p.Insns[pc:entries[i+1]]
					if len(ours) != len(fn.slots) {
						t.Errorf("%s: function %s has %d slots, the object %d", p.Name, name, len(ours), len(fn.slots))
						continue
					}
					for k := range ours {
						total++
						checkSlot(t, p, funcs, fn, pc, k)
					}
				}
			}
		})
	}
	t.Logf("%d slots checked", total)
}

// checkSlot compares slot k of function fn (at pc in p) with the object.
func checkSlot(t *testing.T, p *ProgramSpec, funcs map[string]*elfFunc, fn *elfFunc, pc, k int) {
	t.Helper()
	at := pc + k
	got, raw := p.Insns[at], fn.slots[k]
	rel, hasRel := fn.relocs[k]
	if hasRel && k > 0 && fn.slots[k-1].IsLdImm64() {
		t.Errorf("%s insn %d: relocation on the second slot of an lddw", p.Name, at)
	}
	codeRef := hasRel && (elf.ST_TYPE(rel.sym.Info) == elf.STT_FUNC ||
		elf.ST_TYPE(rel.sym.Info) == elf.STT_SECTION && funcAt(funcs, rel.sym.Section, 0) != "")
	switch {
	case hasRel && rel.typ == rBPF64_64 && raw.IsLdImm64() && codeRef:
		// A function's address (a callback): the immediate becomes the
		// relative offset of the function, as for a call.
		fn := rel.sym.Name
		if elf.ST_TYPE(rel.sym.Info) == elf.STT_SECTION {
			fn = funcAt(funcs, rel.sym.Section, uint64(raw.Imm)) // the addend is a byte offset
		}
		if target := at + 1 + int(got.Imm); got.Src != BPF_PSEUDO_FUNC || p.Symbols[target] != fn {
			t.Errorf("%s insn %d: %s loads the address of %q, relocation says %q", p.Name, at, fmtInsn(got), p.Symbols[target], fn)
		}
		got.Src, got.Imm, raw.Src, raw.Imm = 0, 0, 0, 0
	case hasRel && rel.typ == rBPF64_64 && raw.IsLdImm64():
		if int(got.Imm) >= len(p.Maps) || got.Imm < 0 {
			t.Errorf("%s insn %d: map index %d out of range", p.Name, at, got.Imm)
			return
		}
		m := p.Maps[got.Imm]
		next := p.Insns[at+1]
		if rel.sym.Section < elf.SHN_LORESERVE && isDataSectionName(m.Name) {
			// A data section: the value offset moves from the first
			// slot (relocation addend) to the second (kernel ABI).
			wantOff := int32(rel.sym.Value) + raw.Imm
			if got.Src != BPF_PSEUDO_MAP_VALUE || next.Imm != wantOff {
				t.Errorf("%s insn %d: got %v offset %d, want map_value of %s offset %d", p.Name, at, got, next.Imm, m.Name, wantOff)
			}
		} else if got.Src != BPF_PSEUDO_MAP_FD || m.Name != rel.sym.Name {
			t.Errorf("%s insn %d: refers to map %q (src %d), relocation to %q", p.Name, at, m.Name, got.Src, rel.sym.Name)
		}
		got.Src, got.Imm, raw.Src, raw.Imm = 0, 0, 0, 0
	case hasRel && rel.typ == rBPF64_32 && raw.IsPseudoCall():
		callee := rel.sym.Name
		if elf.ST_TYPE(rel.sym.Info) == elf.STT_SECTION {
			// A static callee: the immediate is its slot in the section, less one.
			callee = funcAt(funcs, rel.sym.Section, uint64(raw.Imm+1)*InsnSize)
		}
		if target := got.JumpTarget(at); p.Symbols[target] != callee {
			t.Errorf("%s insn %d: calls %q at %d, relocation says %q", p.Name, at, p.Symbols[target], target, callee)
		}
		got.Imm, raw.Imm = 0, 0
	case hasRel:
		t.Errorf("%s insn %d: unexpected relocation type %d on %v", p.Name, at, rel.typ, raw)
	}
	if k > 0 && fn.slots[k-1].IsLdImm64() {
		if _, ok := fn.relocs[k-1]; ok {
			if prev := p.Insns[at-1]; prev.Src == BPF_PSEUDO_MAP_VALUE {
				got.Imm, raw.Imm = 0, 0 // the value offset, checked above
			}
		}
	}
	if got != raw {
		t.Errorf("%s insn %d: got %s, object has %s", p.Name, at, fmtInsn(got), fmtInsn(raw))
	}
}

func fmtInsn(i Insn) string {
	return fmt.Sprintf("{code %#02x dst %d src %d off %d imm %d}", i.Code, i.Dst, i.Src, i.Off, i.Imm)
}

// TestELFOrder checks that programs come in the order of the object, not
// Go's map order, every time.
func TestELFOrder(t *testing.T) {
	path := filepath.Join(progsDir, "cgroup_skb_count.o")
	for range 5 {
		c, err := LoadCollection(path)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range c.Programs {
			names = append(names, p.Name)
		}
		if got := strings.Join(names, ","); got != "count_ingress,count_egress" {
			t.Fatalf("programs in order %s", got)
		}
	}
}

// FuzzParseELF feeds mutated objects to ParseELF: it must return an error
// or a collection, never panic, and what it returns must print.
func FuzzParseELF(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(progsDir, "*.o"))
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseELF(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, p := range c.Programs {
			o := PrintOptions{Syntax: SyntaxLLVM, Index: true, Labels: true, Symbols: p.Symbols, MapNames: p.MapNames()}
			if err := p.Insns.Print(io.Discard, o); err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			if _, err := ToCilium(p); err != nil && p.Insns.Validate() == nil {
				t.Fatalf("%s: ToCilium of a valid program: %v", p.Name, err)
			}
		}
	})
}

// TestParseELFBigEndian builds a program for big-endian BPF (clang -target
// bpfeb) and checks that ParseELF decodes its instructions with the
// object's byte order: the slots must be the section's, read big endian.
func TestParseELFBigEndian(t *testing.T) {
	clang := testenv.Tool(t, "clang")
	for _, name := range []string{"xdp_drop_udp", "tc_count"} {
		t.Run(name, func(t *testing.T) {
			obj := filepath.Join(t.TempDir(), name+".o")
			cmd := exec.Command(clang, "-O2", "-g", "-target", "bpfeb", "-mcpu=v3", "-I.", "-c", name+".c", "-o", obj)
			cmd.Dir = progsDir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			f, err := elf.Open(obj)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.ByteOrder != binary.BigEndian {
				t.Fatalf("clang -target bpfeb made a %v object", f.ByteOrder)
			}
			var sec *elf.Section
			for _, s := range f.Sections {
				if s.Flags&elf.SHF_EXECINSTR != 0 && s.Size > 0 {
					sec = s
				}
			}
			data, err := sec.Data()
			if err != nil {
				t.Fatal(err)
			}
			want, err := Decode(data, binary.BigEndian)
			if err != nil {
				t.Fatal(err)
			}
			c, err := LoadCollection(obj)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Programs[0].Insns
			if len(got) != len(want) {
				t.Fatalf("%d slots, the section has %d", len(got), len(want))
			}
			for pc := range got {
				w, g := want[pc], got[pc]
				if g.IsLdImm64() && g.Src == BPF_PSEUDO_MAP_FD {
					w.Src, w.Imm = g.Src, g.Imm // the map reference, filled in by the loader
				}
				if g != w {
					t.Errorf("insn %d: got %s, section has %s", pc, fmtInsn(g), fmtInsn(w))
				}
			}
		})
	}
}
