package asm

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cilium/ebpf"
)

// ELFMagic is how every ELF file starts.
var ELFMagic = []byte{0x7f, 'E', 'L', 'F'}

// IsELF reports whether b starts like an ELF file.
func IsELF(b []byte) bool { return bytes.HasPrefix(b, ELFMagic) }

// LoadCollection reads a clang-built eBPF object file (clang -target bpf
// -c). See ParseELF.
func LoadCollection(path string) (*Collection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseELF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseELF reads an eBPF ELF object through cilium/ebpf's ELF reader (spec
// loading only: no bpf() call is made) and converts it with FromCilium.
//
// Each program's Insns are its own function followed by the functions it
// calls, directly or not (as the kernel wants them loaded); Symbols names
// each function's entry slot. Maps declared in the .maps section and the
// .data, .rodata and .bss sections (as single-entry array maps whose value
// is the section) are in Collection.Maps in the order of the object, shared
// by pointer with the programs that use them. Programs are in the order of
// their sections and offsets in the object.
//
// The program type comes from the section name as libbpf reads it ("xdp",
// "tc", "socket", "cgroup_skb/ingress", …); it is "" for names libbpf does
// not know, such as iproute2's "ingress" (tc loads any section as the
// classifier or action its command line asks for). Objects for big-endian
// BPF (clang -target bpfeb) are decoded in their own byte order.
func ParseELF(r io.ReaderAt) (*Collection, error) {
	spec, err := ebpf.LoadCollectionSpecFromReader(r)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("truncated ELF object: %w", err)
	}
	if err != nil {
		return nil, err
	}
	progRank, mapRank, err := elfOrder(r)
	if err != nil {
		return nil, err
	}
	return fromCilium(spec, progRank, mapRank)
}

// elfOrder ranks the object's functions and map symbols (and data sections)
// by where they are in the file, so that a Collection lists them as
// llvm-objdump does rather than in Go map order.
func elfOrder(r io.ReaderAt) (progs, maps map[string]int, err error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	progs, maps = map[string]int{}, map[string]int{}
	syms, err := f.Symbols()
	if err != nil && err != elf.ErrNoSymbols {
		return nil, nil, err
	}
	rank := func(sec elf.SectionIndex, value uint64) int {
		// Sections are few and objects small: this fits an int with room.
		return int(sec)<<40 | int(value&(1<<40-1))
	}
	for i, sec := range f.Sections {
		if isDataSectionName(sec.Name) {
			maps[sec.Name] = rank(elf.SectionIndex(i), 0)
		}
	}
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		switch {
		case elf.ST_TYPE(s.Info) == elf.STT_FUNC:
			progs[s.Name] = rank(s.Section, s.Value)
		case sec.Name == ".maps" || sec.Name == "maps" || bytes.HasPrefix([]byte(sec.Name), []byte("maps/")):
			maps[s.Name] = rank(s.Section, s.Value)
		}
	}
	return progs, maps, nil
}

// isDataSectionName reports whether cilium/ebpf turns a section of that name
// into an array map.
func isDataSectionName(name string) bool {
	for _, p := range []string{".data", ".rodata", ".bss"} {
		if name == p || len(name) > len(p) && name[:len(p)+1] == p+"." {
			return true
		}
	}
	return false
}
