package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bpflab/bpflab/ctx"
	"github.com/spf13/pflag"
)

// inputFlags are run's program and input flags, for commands that take the
// same arguments as run (crosscheck). The parsing helpers themselves
// (loadProgram, parseHexArg, readPcapFile, parseCtxFields, parseMapSet,
// parseMapDecl) are run's, in inputs.go.
type inputFlags struct {
	section, prog, typ     *string
	packets                *[]string
	packetFile, pcap       *string
	mem, memFile, ctxField *string
	mapSets, mapDecls      *[]string
}

func addInputFlags(fs *pflag.FlagSet) *inputFlags {
	return &inputFlags{
		section:    fs.String("section", "", "ELF input: the program of section `SEC`"),
		prog:       fs.String("prog", "", "ELF input: the program called `NAME`"),
		typ:        fs.String("type", "", "program type: socket_filter, sched_cls, sched_act, cgroup_skb, xdp or none (default: the object's, else none)"),
		packets:    fs.StringArray("packet", nil, "a packet as `HEX` (repeatable)"),
		packetFile: fs.String("packet-file", "", "a packet: raw bytes or hex text in `FILE`"),
		pcap:       fs.String("pcap", "", "one run per packet of the pcap `FILE`"),
		mem:        fs.String("mem", "", "type none: the memory r1 points to, as `HEX` (r2 holds its length)"),
		memFile:    fs.String("mem-file", "", "type none: the memory, raw bytes in `FILE`"),
		ctxField:   fs.String("ctx", "", "context fields to pass as ctx_in, e.g. `mark=7,priority=3,cb[0]=1`"),
		mapSets:    fs.StringArray("map-set", nil, "store a map entry before the runs, `NAME:KEYHEX=VALUEHEX`; repeatable"),
		mapDecls:   fs.StringArray("map", nil, "declare a map of a program without directives, `\"NAME TYPE KEY VALUE MAX\"` in order of first use; repeatable"),
	}
}

// runSetup is a loaded program with its type and inputs.
type runSetup struct {
	lp     *loadedProgram
	typ    *ctx.ProgType
	inputs [][]byte // packets, or the memory of a plain program
	ctxIn  []byte
	sets   []mapSet
	// jit runs bpflab's side with the JIT; stderr takes its notes.
	jit    bool
	stderr io.Writer
}

// load reads the program named by arg and the inputs, as run does.
func (f *inputFlags) load(arg string) (*runSetup, error) {
	lp, err := loadProgram(arg, *f.prog, *f.section)
	if err != nil {
		return nil, err
	}
	for _, d := range *f.mapDecls {
		fl := strings.Fields(d)
		if len(fl) < 5 || len(fl) > 6 {
			return nil, fmt.Errorf("--map %q: want \"NAME TYPE KEY VALUE MAX [FLAGS]\"", d)
		}
		m, err := parseMapDecl(fl)
		if err != nil {
			return nil, fmt.Errorf("--map: %w", err)
		}
		lp.Spec.Maps = append(lp.Spec.Maps, m)
		lp.Coll.Maps = append(lp.Coll.Maps, m)
	}
	s := &runSetup{lp: lp}
	if s.typ, err = ctx.ForType(firstOf(*f.typ, lp.Spec.Type, "none")); err != nil {
		return nil, err
	}
	for _, m := range *f.mapSets {
		ms, err := parseMapSet(m)
		if err != nil {
			return nil, err
		}
		s.sets = append(s.sets, ms)
	}
	if s.typ.Ctx == nil {
		if len(*f.packets) > 0 || *f.pcap != "" || *f.packetFile != "" || *f.ctxField != "" {
			return nil, fmt.Errorf("program type none takes --mem or --mem-file, not packets or a context (choose a packet type with --type)")
		}
		var mem []byte
		switch {
		case *f.mem != "":
			if mem, err = parseHexArg(*f.mem); err != nil {
				return nil, fmt.Errorf("--mem: %w", err)
			}
		case *f.memFile != "":
			if mem, err = os.ReadFile(*f.memFile); err != nil {
				return nil, err
			}
		}
		s.inputs = [][]byte{mem}
		return s, nil
	}
	if *f.mem != "" || *f.memFile != "" {
		return nil, fmt.Errorf("--mem is for program type none; %s programs take --packet, --packet-file or --pcap", s.typ.Name)
	}
	for _, p := range *f.packets {
		b, err := parseHexArg(p)
		if err != nil {
			return nil, fmt.Errorf("--packet: %w", err)
		}
		s.inputs = append(s.inputs, b)
	}
	if *f.packetFile != "" {
		b, err := os.ReadFile(*f.packetFile)
		if err != nil {
			return nil, err
		}
		if isHexText(b) {
			if b, err = parseHex(b); err != nil {
				return nil, fmt.Errorf("%s: %w", *f.packetFile, err)
			}
		}
		s.inputs = append(s.inputs, b)
	}
	if *f.pcap != "" {
		pkts, err := readPcapFile(*f.pcap)
		if err != nil {
			return nil, err
		}
		s.inputs = append(s.inputs, pkts...)
	}
	if len(s.inputs) == 0 {
		return nil, fmt.Errorf("no packet: give --packet, --packet-file or --pcap")
	}
	if *f.ctxField != "" {
		if s.ctxIn, err = parseCtxFields(*f.ctxField, s.typ); err != nil {
			return nil, err
		}
	}
	return s, nil
}
