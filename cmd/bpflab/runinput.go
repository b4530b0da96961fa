package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bpflab/bpflab/ctx"
	"github.com/spf13/pflag"
)

// inputFlags are run's program and input flags, shared by the commands
// that take the same arguments as run (crosscheck). The parsing helpers
// themselves (loadProgram, parseHexArg, readPcapFile, parseCtxFields,
// parseMapSet, parseMapDecl) are in inputs.go.
type inputFlags struct {
	progFlags
	typ                    *string
	packets                *[]string
	packetFile, pcap       *string
	mem, memFile, ctxField *string
	mapSets, mapDecls      *[]string
}

func addInputFlags(fs *pflag.FlagSet) *inputFlags {
	return &inputFlags{
		progFlags:  addProgFlags(fs),
		typ:        fs.String("type", "", "program type: socket_filter, sched_cls, sched_act, cgroup_skb, xdp or none (default: the object's, else none)"),
		packets:    fs.StringArray("packet", nil, "a packet as `HEX` (repeatable)"),
		packetFile: fs.String("packet-file", "", "a packet: raw bytes or hex text in `FILE`"),
		pcap:       fs.String("pcap", "", "run once per packet of the pcap `FILE`"),
		mem:        fs.String("mem", "", "type none: the memory r1 points to, as `HEX` (r2 holds its length)"),
		memFile:    fs.String("mem-file", "", "type none: the memory, raw bytes in `FILE`"),
		ctxField:   fs.String("ctx", "", "context fields to pass as ctx_in, e.g. `mark=7,priority=3,cb[0]=1`"),
		mapSets:    fs.StringArray("map-set", nil, "store a map entry before the runs, `NAME:KEYHEX=VALUEHEX` (program arrays: =PROGNAME); repeatable"),
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
	s, err := f.program(arg)
	if err != nil {
		return nil, err
	}
	if err := f.loadInputs(s); err != nil {
		return nil, err
	}
	return s, nil
}

// program reads the program named by arg, adds the --map
// declarations and picks its type: --type, else the program's, else none.
func (f *inputFlags) program(arg string) (*runSetup, error) {
	lp, err := f.progFlags.load(arg)
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
	return s, nil
}

// loadInputs reads the --map-set entries, the packets (or the memory of a
// program of type none) and the --ctx fields into s.
func (f *inputFlags) loadInputs(s *runSetup) error {
	for _, m := range *f.mapSets {
		ms, err := parseMapSet(m)
		if err != nil {
			return err
		}
		s.sets = append(s.sets, ms)
	}
	var err error
	if s.typ.Ctx == nil {
		if len(*f.packets) > 0 || *f.pcap != "" || *f.packetFile != "" {
			return fmt.Errorf("program type none takes --mem or --mem-file, not packets (choose a packet type with --type)")
		}
		var mem []byte
		switch {
		case *f.mem != "":
			if mem, err = parseHexArg(*f.mem); err != nil {
				return fmt.Errorf("--mem: %w", err)
			}
		case *f.memFile != "":
			if mem, err = os.ReadFile(*f.memFile); err != nil {
				return err
			}
		}
		s.inputs = [][]byte{mem}
	} else {
		if *f.mem != "" || *f.memFile != "" {
			return fmt.Errorf("--mem is for program type none; %s programs take --packet, --packet-file or --pcap", s.typ.Name)
		}
		for _, p := range *f.packets {
			b, err := parseHexArg(p)
			if err != nil {
				return fmt.Errorf("--packet: %w", err)
			}
			s.inputs = append(s.inputs, b)
		}
		if *f.packetFile != "" {
			b, err := os.ReadFile(*f.packetFile)
			if err != nil {
				return err
			}
			if isHexText(b) {
				if b, err = parseHex(b); err != nil {
					return fmt.Errorf("%s: %w", *f.packetFile, err)
				}
			}
			s.inputs = append(s.inputs, b)
		}
		if *f.pcap != "" {
			pkts, err := readPcapFile(*f.pcap)
			if err != nil {
				return err
			}
			s.inputs = append(s.inputs, pkts...)
		}
		if len(s.inputs) == 0 {
			return fmt.Errorf("no packet: give --packet, --packet-file or --pcap")
		}
	}
	if *f.ctxField != "" {
		if s.ctxIn, err = parseCtxFields(*f.ctxField, s.typ); err != nil {
			return err
		}
	}
	return nil
}
