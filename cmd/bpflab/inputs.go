package main

// Inputs shared by the commands that run programs (run, demo, crosscheck):
// loading a program in any form, packets from hex or pcap files, context
// fields by name, map declarations and map contents.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// loadedProgram is a program to run and the collection it came from (for
// tail-call targets).
type loadedProgram struct {
	Spec *asm.ProgramSpec
	Coll *asm.Collection
	Name string // the input's name for messages
}

// loadProgram reads a program in any form bpflab knows: an ELF object
// (choosing the program by name or section, or the only one), assembler
// text in any registered syntax, raw instruction bytes or their hex. Text
// programs may declare their maps and type with directive comments, since
// the assemblers number maps by first use but know nothing of their shape:
//
//	// bpflab:type xdp
//	// bpflab:map NAME TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES [FLAGS]
//
// one map line per map, in the order the program first uses them.
func loadProgram(path, progName, section string) (*loadedProgram, error) {
	data, name, err := readInput(path)
	if err != nil {
		return nil, err
	}
	if asm.IsELF(data) {
		coll, err := asm.ParseELF(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var match, all []string
		var spec *asm.ProgramSpec
		for _, p := range coll.Programs {
			all = append(all, p.Name+" ("+p.Section+")")
			if (progName == "" || p.Name == progName) && (section == "" || p.Section == section) {
				match = append(match, p.Name)
				if spec == nil {
					spec = p
				}
			}
		}
		switch {
		case len(all) == 0:
			return nil, fmt.Errorf("%s: no programs in the object", name)
		case spec == nil:
			return nil, fmt.Errorf("%s: no program matches (the object has %s)", name, strings.Join(all, ", "))
		case len(match) > 1 && progName == "":
			return nil, fmt.Errorf("%s: %d programs match (%s); choose one with --prog", name, len(match), strings.Join(match, ", "))
		}
		return &loadedProgram{Spec: spec, Coll: coll, Name: name}, nil
	}
	if progName != "" || section != "" {
		return nil, fmt.Errorf("--prog and --section select programs of an ELF object; %s is not one", name)
	}
	base := filepath.Base(name)
	spec := &asm.ProgramSpec{Name: strings.TrimSuffix(base, filepath.Ext(base)), License: "GPL"}
	if isText(data) && !isHexText(data) {
		if spec.Insns, err = asm.Assemble(data, name, asm.SyntaxAuto); err != nil {
			return nil, err
		}
		if err := readDirectives(data, name, spec); err != nil {
			return nil, err
		}
	} else if spec.Insns, err = decodeProgram(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i := range spec.Insns {
		if ins := spec.Insns[i]; ins.IsLdImm64() && (ins.Src == asm.BPF_PSEUDO_MAP_FD || ins.Src == asm.BPF_PSEUDO_MAP_VALUE) && int(ins.Imm) >= len(spec.Maps) {
			return nil, fmt.Errorf("%s: insn %d uses map %d, but only %d maps are declared (add // bpflab:map lines)", name, i, ins.Imm, len(spec.Maps))
		}
	}
	return &loadedProgram{Spec: spec, Coll: &asm.Collection{Programs: []*asm.ProgramSpec{spec}, Maps: spec.Maps}, Name: name}, nil
}

// readDirectives reads the // bpflab: comments of a text program.
func readDirectives(src []byte, file string, spec *asm.ProgramSpec) error {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		for _, c := range []string{"//", ";", "#"} {
			line = strings.TrimSpace(strings.TrimPrefix(line, c))
		}
		rest, ok := strings.CutPrefix(line, "bpflab:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		switch {
		case len(f) == 2 && f[0] == "type":
			t, err := ctx.ForType(f[1])
			if err != nil {
				return fmt.Errorf("%s:%d: %w", file, n, err)
			}
			spec.Type = t.Name
		case len(f) >= 6 && len(f) <= 7 && f[0] == "map":
			m, err := parseMapDecl(f[1:])
			if err != nil {
				return fmt.Errorf("%s:%d: %w", file, n, err)
			}
			spec.Maps = append(spec.Maps, m)
		default:
			return fmt.Errorf("%s:%d: unknown directive %q (want bpflab:type TYPE or bpflab:map NAME TYPE KEY VALUE MAX [FLAGS])", file, n, line)
		}
	}
	return nil
}

// parseMapDecl reads NAME TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES [FLAGS].
func parseMapDecl(f []string) (*asm.MapSpec, error) {
	m := &asm.MapSpec{Name: f[0]}
	typ, ok := mapTypeByName(f[1])
	if !ok {
		return nil, fmt.Errorf("unknown map type %q", f[1])
	}
	m.Type = typ
	var nums [4]uint64
	for i, s := range f[2:] {
		v, err := strconv.ParseUint(s, 0, 32)
		if err != nil {
			return nil, fmt.Errorf("map %s: %q is not a number", m.Name, s)
		}
		nums[i] = v
	}
	m.KeySize, m.ValueSize, m.MaxEntries, m.Flags = uint32(nums[0]), uint32(nums[1]), uint32(nums[2]), uint32(nums[3])
	return m, nil
}

func mapTypeByName(name string) (asm.MapType, bool) {
	name = strings.TrimPrefix(strings.ToLower(name), "bpf_map_type_")
	for i, n := range mapTypeNames {
		if n == name {
			return asm.MapType(i), true
		}
	}
	return 0, false
}

// parseHexArg reads a hex string as people type it: spaces, colons and
// a 0x prefix allowed.
func parseHexArg(s string) ([]byte, error) {
	s = strings.NewReplacer(" ", "", ":", "", "\t", "", "\n", "", "-", "").Replace(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex", s)
	}
	return b, nil
}

// pcap file format (https://wiki.wireshark.org/Development/LibpcapFileFormat):
// a 24-byte header, then records of a 16-byte header and the bytes.
const (
	pcapMagic      = 0xa1b2c3d4
	pcapMagicNanos = 0xa1b23c4d
	linkEthernet   = 1
)

// readPcap returns the packets of a classic pcap file with Ethernet link
// type, in either byte order.
func readPcap(r io.Reader) ([][]byte, error) {
	var hdr [24]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch m := bo.Uint32(hdr[:]); {
	case m == pcapMagic || m == pcapMagicNanos:
	case binary.BigEndian.Uint32(hdr[:]) == pcapMagic || binary.BigEndian.Uint32(hdr[:]) == pcapMagicNanos:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("not a pcap file (magic %#x; pcapng is not supported)", m)
	}
	if lt := bo.Uint32(hdr[20:]); lt != linkEthernet {
		return nil, fmt.Errorf("pcap link type %d is not Ethernet (1)", lt)
	}
	var pkts [][]byte
	for {
		var rec [16]byte
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return pkts, nil
			}
			return nil, fmt.Errorf("pcap record %d: %w", len(pkts)+1, err)
		}
		n := bo.Uint32(rec[8:])
		if n > 1<<18 {
			return nil, fmt.Errorf("pcap record %d: %d bytes is too large", len(pkts)+1, n)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("pcap record %d: %w", len(pkts)+1, err)
		}
		pkts = append(pkts, b)
	}
}

// writePcap writes packets as a little-endian pcap file with Ethernet
// link type and timestamps one millisecond apart (for test data).
func writePcap(w io.Writer, pkts [][]byte) error {
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], pcapMagic)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], linkEthernet)
	buf := bytes.NewBuffer(hdr)
	for i, p := range pkts {
		var rec [16]byte
		le.PutUint32(rec[0:], 1700000000)
		le.PutUint32(rec[4:], uint32(i*1000))
		le.PutUint32(rec[8:], uint32(len(p)))
		le.PutUint32(rec[12:], uint32(len(p)))
		buf.Write(rec[:])
		buf.Write(p)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// readPcapFile is readPcap on a named file.
func readPcapFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pkts, err := readPcap(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pkts, nil
}

// parseCtxFields builds a ctx_in from "mark=7,priority=3,cb[0]=1" for a
// program type's context: each name is a field (an element of an array
// field with [i]), each value a number (0x… hex allowed).
func parseCtxFields(s string, t *ctx.ProgType) ([]byte, error) {
	if t.Ctx == nil {
		return nil, fmt.Errorf("program type %s has no context", t.Name)
	}
	img := make([]byte, t.Ctx.Size)
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--ctx %q: want FIELD=VALUE", kv)
		}
		name, idx := strings.TrimSpace(name), 0
		if i := strings.Index(name, "["); i >= 0 && strings.HasSuffix(name, "]") {
			n, err := strconv.Atoi(name[i+1 : len(name)-1])
			if err != nil {
				return nil, fmt.Errorf("--ctx %q: bad index", kv)
			}
			name, idx = name[:i], n
		}
		f, ok := t.Ctx.Field(name)
		if !ok {
			var names []string
			for _, f := range t.Ctx.Fields {
				names = append(names, f.Name)
			}
			return nil, fmt.Errorf("--ctx: %s has no field %q (fields: %s)", t.Ctx.Name, name, strings.Join(names, ", "))
		}
		if idx < 0 || idx >= f.Size/f.Elem {
			return nil, fmt.Errorf("--ctx %q: index out of range (%s has %d elements)", kv, name, f.Size/f.Elem)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(val), 0, 8*f.Elem)
		if err != nil {
			return nil, fmt.Errorf("--ctx %q: %q is not a %d-byte number", kv, val, f.Elem)
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		copy(img[f.Off+idx*f.Elem:], b[:f.Elem])
	}
	return img, nil
}

// mapSet is one --map-set NAME:KEYHEX=VALUEHEX. For program arrays the
// value may name a program of the collection instead.
type mapSet struct {
	Map        string
	Key, Value []byte
	Prog       string
}

func parseMapSet(s string) (mapSet, error) {
	name, kv, ok := strings.Cut(s, ":")
	k, v, ok2 := strings.Cut(kv, "=")
	if !ok || !ok2 || name == "" {
		return mapSet{}, fmt.Errorf("--map-set %q: want NAME:KEYHEX=VALUEHEX", s)
	}
	key, err := parseHexArg(k)
	if err != nil {
		return mapSet{}, fmt.Errorf("--map-set %q: key: %w", s, err)
	}
	ms := mapSet{Map: name, Key: key}
	if val, err := parseHexArg(v); err == nil {
		ms.Value = val
	} else {
		ms.Prog = v // a program name, for program arrays
	}
	return ms, nil
}
