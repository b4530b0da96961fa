package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/spf13/pflag"
)

// runFlags are the inputs of a program run, shared by the commands that
// run programs (crosscheck, and run): which program, its type, and the
// packet, context, memory and map contents it starts with.
type runFlags struct {
	typ, prog, section       string
	packet, packetFile, ctxH string
	mem                      string
	mapSets                  []string
}

// addRunFlags registers the run input flags on fs.
func addRunFlags(fs *pflag.FlagSet) *runFlags {
	f := &runFlags{}
	fs.StringVar(&f.typ, "type", "", "program type (xdp, sched_cls, socket_filter, cgroup_skb, none, …); default: the ELF section's, else none")
	fs.StringVar(&f.prog, "prog", "", "ELF input: the program called `NAME`")
	fs.StringVar(&f.section, "section", "", "ELF input: the program of section `SEC`")
	fs.StringVar(&f.packet, "packet", "", "packet (data_in) as `HEX`")
	fs.StringVar(&f.packetFile, "packet-file", "", "packet (data_in) read from `FILE`")
	fs.StringVar(&f.ctxH, "ctx", "", "context (ctx_in) as `HEX`")
	fs.StringVar(&f.mem, "mem", "", "memory as `HEX` for type none (r1 points at it, r2 is its length)")
	fs.StringArrayVar(&f.mapSets, "map-set", nil, "set a map entry before the run: `MAP:KEYHEX=VALUEHEX` (MAP is a name or an index; repeatable)")
	return f
}

// runInput is a program with everything it runs on.
type runInput struct {
	Name string // the input file, for messages
	Spec *asm.ProgramSpec
	Type *ctx.ProgType // ctx.None for plain programs
	// Packet and Ctx are data_in and ctx_in (Ctx nil when not given).
	Packet, Ctx []byte
	// Mem is the memory of a plain program.
	Mem []byte
}

// load reads the program file named by arg ("-" for standard input) and
// the inputs the flags give. The spec's maps get the --map-set entries
// added to their Contents (on copies: the parsed collection is not shared).
func (f *runFlags) load(arg string) (*runInput, error) {
	data, name, err := readInput(arg)
	if err != nil {
		return nil, err
	}
	spec, err := readProgramSpec(data, name, f.prog, f.section)
	if err != nil {
		return nil, err
	}
	in := &runInput{Name: name, Spec: spec}
	typ := f.typ
	if typ == "" {
		typ = spec.Type
	}
	if in.Type, err = ctx.ForType(typ); err != nil {
		return nil, err
	}
	if in.Type != ctx.None {
		in.Spec.Type = in.Type.Name
	}
	if f.packet != "" && f.packetFile != "" {
		return nil, fmt.Errorf("give --packet or --packet-file, not both")
	}
	if f.packet != "" {
		if in.Packet, err = parseHex([]byte(f.packet)); err != nil {
			return nil, fmt.Errorf("--packet: %w", err)
		}
	}
	if f.packetFile != "" {
		if in.Packet, err = os.ReadFile(f.packetFile); err != nil {
			return nil, err
		}
	}
	if f.ctxH != "" {
		if in.Ctx, err = parseHex([]byte(f.ctxH)); err != nil {
			return nil, fmt.Errorf("--ctx: %w", err)
		}
	}
	if f.mem != "" {
		if in.Mem, err = parseHex([]byte(f.mem)); err != nil {
			return nil, fmt.Errorf("--mem: %w", err)
		}
	}
	switch {
	case in.Type == ctx.None && (in.Packet != nil || in.Ctx != nil):
		return nil, fmt.Errorf("--packet and --ctx need a program type with a context (--type); plain programs take --mem")
	case in.Type != ctx.None && in.Mem != nil:
		return nil, fmt.Errorf("--mem is for plain programs (--type none); %s programs take --packet", in.Type.Name)
	}
	// Copy the maps so that --map-set changes only this run's spec.
	maps := make([]*asm.MapSpec, len(spec.Maps))
	for i, m := range spec.Maps {
		c := *m
		c.Contents = append([]asm.MapEntry(nil), m.Contents...)
		maps[i] = &c
	}
	in.Spec.Maps = maps
	for _, s := range f.mapSets {
		if err := applyMapSet(maps, s); err != nil {
			return nil, fmt.Errorf("--map-set %s: %w", s, err)
		}
	}
	return in, nil
}

// readProgramSpec reads a program in any format: an ELF object (choose
// with progName or section when it has several), hex text, raw slots, or
// assembler text in any syntax asm detects.
func readProgramSpec(data []byte, name, progName, section string) (*asm.ProgramSpec, error) {
	if asm.IsELF(data) {
		coll, err := asm.ParseELF(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var match []*asm.ProgramSpec
		var all []string
		for _, p := range coll.Programs {
			all = append(all, p.Name+" ("+p.Section+")")
			if (progName == "" || p.Name == progName) && (section == "" || p.Section == section) {
				match = append(match, p)
			}
		}
		switch len(match) {
		case 1:
			return match[0], nil
		case 0:
			return nil, fmt.Errorf("%s: no such program; it has: %s", name, strings.Join(all, ", "))
		default:
			return nil, fmt.Errorf("%s: %d programs; choose one with --prog or --section: %s", name, len(match), strings.Join(all, ", "))
		}
	}
	if progName != "" || section != "" {
		return nil, fmt.Errorf("--prog and --section select programs of an ELF object; %s is not one", name)
	}
	var prog asm.Program
	var err error
	switch {
	case isHexText(data):
		var b []byte
		if b, err = parseHex(data); err == nil {
			prog, err = asm.Decode(b, binary.LittleEndian)
		}
	case isText(data):
		prog, err = asm.Assemble(data, name, asm.SyntaxAuto)
	default:
		prog, err = asm.Decode(data, binary.LittleEndian)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(prog) == 0 {
		return nil, fmt.Errorf("%s: no instructions", name)
	}
	return &asm.ProgramSpec{Name: "prog", Insns: prog}, nil
}

// applyMapSet adds one MAP:KEYHEX=VALUEHEX entry to the map's contents,
// replacing an entry with the same key.
func applyMapSet(maps []*asm.MapSpec, s string) error {
	ref, kv, ok := strings.Cut(s, ":")
	k, v, ok2 := strings.Cut(kv, "=")
	if !ok || !ok2 {
		return fmt.Errorf("want MAP:KEYHEX=VALUEHEX")
	}
	var m *asm.MapSpec
	for i, c := range maps {
		if c.Name == ref || strconv.Itoa(i) == ref {
			m = c
		}
	}
	if m == nil {
		names := make([]string, len(maps))
		for i, c := range maps {
			names[i] = strconv.Itoa(i) + "=" + c.Name
		}
		return fmt.Errorf("no map %q (the program has: %s)", ref, strings.Join(names, ", "))
	}
	key, err := parseHex([]byte(k))
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	val, err := parseHex([]byte(v))
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	if len(key) != int(m.KeySize) || len(val) != int(m.ValueSize) {
		return fmt.Errorf("map %s takes %d-byte keys and %d-byte values, got %d and %d", m.Name, m.KeySize, m.ValueSize, len(key), len(val))
	}
	for i, e := range m.Contents {
		if bytes.Equal(e.Key, key) {
			m.Contents[i].Value = val
			return nil
		}
	}
	m.Contents = append(m.Contents, asm.MapEntry{Key: key, Value: val})
	return nil
}
