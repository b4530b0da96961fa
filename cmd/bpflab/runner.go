package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/vm"
)

// vmRunner runs one program of a collection in the vm, packet after
// packet, with maps that persist between runs as kernel maps do.
type vmRunner struct {
	typ   *ctx.ProgType
	main  int // index of the program in progs
	specs []*asm.ProgramSpec
	progs []*vm.Program
	maps  []vm.Map // the collection's maps, by collection index
	names []string
	trace func(pc int, insn string, changed string)
	exec  func(*vm.Env) (vm.Result, error) // the engine; nil for the interpreter (see useJIT)
}

// newVMRunner prepares every program of lp's collection (tail-call targets
// are programs of the same object) with their map references renumbered
// to the collection's maps, creates the maps with their contents, and
// applies the --map-set entries.
func newVMRunner(lp *loadedProgram, typ *ctx.ProgType, sets []mapSet, cpus int) (*vmRunner, error) {
	r := &vmRunner{typ: typ, main: -1}
	coll := lp.Coll
	index := map[*asm.MapSpec]int{}
	for i, m := range coll.Maps {
		index[m] = i
		vmm, err := vm.NewMap(m, vm.MapOptions{CPUs: cpus})
		if err != nil {
			return nil, err
		}
		r.maps = append(r.maps, vmm)
		r.names = append(r.names, m.Name)
	}
	for _, p := range coll.Programs {
		insns := append(asm.Program(nil), p.Insns...)
		for pc, ins := range insns {
			if ins.IsLdImm64() && (ins.Src == asm.BPF_PSEUDO_MAP_FD || ins.Src == asm.BPF_PSEUDO_MAP_VALUE) {
				if i := int(ins.Imm); i >= 0 && i < len(p.Maps) {
					ci, ok := index[p.Maps[i]]
					if !ok {
						return nil, fmt.Errorf("program %s: map %s is not in the collection", p.Name, p.Maps[i].Name)
					}
					insns[pc].Imm = int32(ci)
				}
			}
		}
		vp, err := vm.Prepare(insns)
		if err != nil {
			return nil, fmt.Errorf("program %s: %w", p.Name, err)
		}
		if p == lp.Spec {
			r.main = len(r.progs)
		}
		r.specs = append(r.specs, p)
		r.progs = append(r.progs, vp)
	}
	if r.main < 0 {
		return nil, fmt.Errorf("BUG: program %s is not in its collection", lp.Spec.Name)
	}
	for _, s := range sets {
		i := r.mapIndex(s.Map)
		if i < 0 {
			return nil, fmt.Errorf("--map-set: no map named %q (maps: %s)", s.Map, strings.Join(r.names, ", "))
		}
		v := s.Value
		if s.Prog != "" {
			pi := -1
			for j, p := range r.specs {
				if p.Name == s.Prog || p.Section == s.Prog {
					pi = j
				}
			}
			if pi < 0 {
				return nil, fmt.Errorf("--map-set %s: %q is neither hex nor a program of the object", s.Map, s.Prog)
			}
			v = binary.LittleEndian.AppendUint32(nil, uint32(pi))
		}
		if err := r.maps[i].Update(s.Key, v, vm.BPF_ANY); err != nil {
			return nil, fmt.Errorf("--map-set %s:%x: %w", s.Map, s.Key, err)
		}
	}
	return r, nil
}

func (r *vmRunner) mapIndex(name string) int {
	for i, n := range r.names {
		if n == name {
			return i
		}
	}
	return -1
}

// runResult is the outcome of running one input.
type runResult struct {
	Retval    uint64
	Err       error // the test run's refusal or the program's fault
	DataIn    []byte
	DataOut   []byte
	CtxIn     []byte // the full context image at entry (skb: as the program sees it)
	CtxOut    []byte // ctx_out when a ctx was given
	CtxBefore []byte // the context image before the run, for diffs
	CtxAfter  []byte
	Redirects []vm.Redirect
	Printk    []string
	Records   []mapRecords
	Steps     int
	NsPerRun  float64
}

type mapRecords struct {
	Map     string
	Records []vm.Record
}

// run runs the program repeat times on one input: a packet (data, ctxIn)
// for packet program types, memory for "none".
func (r *vmRunner) run(data, ctxIn []byte, repeat int) *runResult {
	res := &runResult{DataIn: data}
	var env *vm.Env
	var pr *vm.PacketRun
	if r.typ.Ctx == nil {
		env = vm.NewPlainEnv(data)
	} else {
		var err error
		env, pr, err = vm.NewPacketEnv(r.typ, data, ctxIn)
		if err != nil {
			res.Err = err
			return res
		}
		res.CtxBefore = append([]byte(nil), pr.Run.Ctx...)
	}
	var printk bytes.Buffer
	env.Maps, env.Programs, env.Printk = r.maps, r.progs, &printk
	if r.trace != nil {
		env.Trace = r.tracer()
	}
	for _, m := range r.maps {
		if pc, ok := m.(vm.PerCPU); ok {
			pc.SetCPU(0)
		}
	}
	before := make([]int, len(r.maps))
	for i, m := range r.maps {
		if o, ok := m.(vm.Output); ok {
			before[i] = len(o.Records())
		}
	}
	repeat = max(repeat, 1)
	start := time.Now()
	exec := r.exec
	if exec == nil {
		exec = r.progs[r.main].Run
	}
	for i := 0; i < repeat; i++ {
		out, err := exec(env)
		res.Retval, res.Steps = out.R0, out.Steps
		if err != nil {
			res.Err = err
			break
		}
	}
	res.NsPerRun = float64(time.Since(start).Nanoseconds()) / float64(repeat)
	if r.trace != nil {
		r.trace(-1, "", fmt.Sprintf("r0 = %#x", res.Retval))
	}
	if s := printk.String(); s != "" {
		res.Printk = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	for i, m := range r.maps {
		if o, ok := m.(vm.Output); ok && len(o.Records()) > before[i] {
			res.Records = append(res.Records, mapRecords{Map: r.names[i], Records: o.Records()[before[i]:]})
		}
	}
	if pr != nil {
		res.DataOut, res.CtxOut = pr.Run.Finish()
		res.CtxAfter = append([]byte(nil), pr.Run.Ctx...)
		res.Redirects = pr.Redirects
	} else if reg, _ := env.Mem.Region(env.R1); reg != nil {
		res.DataOut = append([]byte(nil), reg.Data...)
	}
	return res
}

// tracer reports each executed instruction once the next one starts, with
// the registers it changed.
//
// The text is the main program's, with map and helper names; after a tail
// call the pcs are the target's, so the text may not match them.
func (r *vmRunner) tracer() vm.TraceFunc {
	spec := r.specs[r.main]
	prog := spec.Insns
	text := map[int]string{}
	var b bytes.Buffer
	if err := prog.Print(&b, asm.PrintOptions{Syntax: asm.SyntaxLLVM, Index: true, MapNames: spec.MapNames(), Symbols: spec.Symbols, HelperNames: true}); err == nil {
		for _, line := range strings.Split(b.String(), "\n") {
			idx, insn, ok := strings.Cut(strings.TrimSpace(line), ":\t")
			if pc, err := strconv.Atoi(idx); ok && err == nil {
				text[pc] = insn
			}
		}
	}
	insnText := func(pc int) string {
		if t, ok := text[pc]; ok {
			return t
		}
		return prog.InsnString(pc, asm.SyntaxLLVM)
	}
	lastPC := -1
	var last [11]uint64
	return func(depth, pc int, regs *[11]uint64) {
		if lastPC >= 0 {
			var ch []string
			for i := range 10 {
				if regs[i] != last[i] {
					ch = append(ch, fmt.Sprintf("r%d=%#x", i, regs[i]))
				}
			}
			r.trace(lastPC, insnText(lastPC), strings.Join(ch, " "))
		}
		if pc < len(prog) {
			lastPC, last = pc, *regs
		} else {
			lastPC = -1
		}
	}
}

// dumpMaps returns every map's entries, sorted.
func (r *vmRunner) dumpMaps() []mapDump {
	var out []mapDump
	for i, m := range r.maps {
		d, ok := m.(vm.Dumper)
		if !ok {
			continue
		}
		out = append(out, mapDump{Name: r.names[i], Type: m.Spec().Type, Entries: d.Entries()})
	}
	return out
}

type mapDump struct {
	Name    string
	Type    asm.MapType
	Entries []asm.MapEntry
}
