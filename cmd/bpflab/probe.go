package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/jit"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/vm"
)

func init() {
	register(command{name: "probe", summary: "show what the running kernel supports next to what bpflab supports", run: runProbe})
}

// probeRow is one line of the support table.
type probeRow struct {
	Name   string `json:"name"`
	Kernel string `json:"kernel"` // "yes", "no", "?" (not probed) or "-" (kernel unavailable)
	Bpflab string `json:"bpflab"`
	// JIT is bpflab's JIT (ISA rows only): "yes", "no", or "-" where the
	// JIT does not run (not amd64 Linux).
	JIT    string `json:"jit,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// probeReport is the whole table, also the --json output.
type probeReport struct {
	Kernel      string                `json:"kernel"`
	Unavailable string                `json:"unavailable,omitempty"`
	ISA         []probeRow            `json:"isa"`
	ProgTypes   []probeRow            `json:"prog_types"`
	MapTypes    []probeRow            `json:"map_types"`
	Helpers     map[string][]probeRow `json:"helpers,omitempty"`
}

func runProbe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("probe", stderr)
	helpers := fs.StringSlice("helpers", nil, "also list helpers for these program types (\"all\" for every type)")
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bpflab probe [--helpers TYPE,...] [--json]")
		fmt.Fprintln(stderr, "\nWithout access to bpf() only bpflab's column is filled in.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("probe takes no arguments")
	}
	rep, err := buildProbeReport(*helpers)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printProbeReport(stdout, rep)
	return nil
}

func buildProbeReport(helperTypes []string) (*probeReport, error) {
	rep := &probeReport{}
	sup, err := kernel.Probe()
	switch {
	case errors.Is(err, kernel.ErrNotPermitted):
		rep.Unavailable = err.Error()
		sup = &kernel.Support{}
	case err != nil:
		return nil, err
	}
	rep.Kernel = sup.Release
	kernelCol := func(fs []kernel.Feature, name string) (string, string) {
		if rep.Unavailable != "" {
			return "-", ""
		}
		for _, f := range fs {
			if f.Name == name {
				switch {
				case f.Supported:
					return "yes", ""
				case strings.HasPrefix(f.Detail, "not probed"):
					return "?", f.Detail
				}
				return "no", f.Detail
			}
		}
		return "?", ""
	}
	for _, p := range kernel.ISAProbes() {
		k, detail := kernelCol(sup.ISA, p.Name)
		rep.ISA = append(rep.ISA, probeRow{Name: p.Name, Kernel: k, Bpflab: yesNo(vmRuns(p.Prog)), JIT: jitRuns(p.Prog), Detail: detail})
	}
	for _, name := range kernel.ProgTypes() {
		k, detail := kernelCol(sup.ProgTypes, name)
		_, err := ctx.ForType(name)
		rep.ProgTypes = append(rep.ProgTypes, probeRow{Name: name, Kernel: k, Bpflab: yesNo(err == nil), Detail: detail})
	}
	for i, name := range kernel.MapTypes() {
		k, detail := kernelCol(sup.MapTypes, name)
		rep.MapTypes = append(rep.MapTypes, probeRow{Name: name, Kernel: k, Bpflab: yesNo(vmHasMap(asm.MapType(i + 1))), Detail: detail})
	}
	if len(helperTypes) == 1 && helperTypes[0] == "all" {
		helperTypes = kernel.ProgTypes()
	}
	for _, t := range helperTypes {
		rows, err := helperRows(t, rep.Unavailable != "")
		if err != nil {
			return nil, err
		}
		if rep.Helpers == nil {
			rep.Helpers = map[string][]probeRow{}
		}
		rep.Helpers[t] = rows
	}
	return rep, nil
}

// helperRows lists every helper id with the kernel's and bpflab's support
// for one program type.
func helperRows(progType string, unavailable bool) ([]probeRow, error) {
	if _, err := kernel.ProgTypeByName(progType); err != nil {
		return nil, err
	}
	var hs *kernel.HelperSupport
	if !unavailable {
		var err error
		if hs, err = kernel.Helpers(progType); err != nil {
			return nil, err
		}
	}
	ours := map[asm.Func]bool{asm.BPF_FUNC_tail_call: true} // engines run tail calls themselves
	for _, f := range vm.Builtins() {
		ours[f] = true
	}
	var rows []probeRow
	for fn := asm.Func(1); fn.Known(); fn++ {
		row := probeRow{Name: fn.String(), Kernel: "-", Bpflab: yesNo(ours[fn])}
		switch {
		case hs == nil:
		case !hs.Probed:
			row.Kernel, row.Detail = "?", hs.Detail
		case hs.Has(fn):
			row.Kernel = "yes"
		case hs.Unclear[fn] != "":
			row.Kernel, row.Detail = "?", hs.Unclear[fn]
		default:
			row.Kernel = "no"
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// vmRuns reports whether bpflab's interpreter runs a probe program to its
// exit (probes touch only their stack, and ld_abs the packet).
func vmRuns(p asm.Program) bool {
	prog, err := vm.Prepare(p)
	if err != nil {
		return false
	}
	env := vm.NewPlainEnv(make([]byte, 64))
	env.Packet = env.R1
	_, err = prog.Run(env)
	return err == nil
}

// jitRuns reports whether bpflab's JIT compiles a probe program and runs
// it to its exit, "-" where there is no JIT.
func jitRuns(p asm.Program) string {
	if !jit.Supported() {
		return "-"
	}
	code, err := jit.CompileInsns(p)
	if err != nil {
		return "no"
	}
	defer code.Close()
	env := vm.NewPlainEnv(make([]byte, 64))
	env.Packet = env.R1
	_, err = code.Run(env)
	return yesNo(err == nil)
}

// vmHasMap reports whether package vm creates maps of a type, trying the
// shapes the kernel itself accepts for it.
func vmHasMap(t asm.MapType) bool {
	shapes := []asm.MapSpec{
		{KeySize: 4, ValueSize: 8, MaxEntries: 4},
		{KeySize: 4, ValueSize: 4, MaxEntries: 4},           // prog_array, perf_event_array
		{KeySize: 8, ValueSize: 8, MaxEntries: 4, Flags: 1}, // lpm_trie: BPF_F_NO_PREALLOC
		{KeySize: 0, ValueSize: 8, MaxEntries: 4},           // queue, stack, bloom_filter
		{MaxEntries: 4096},                                  // ringbuf
	}
	for _, s := range shapes {
		s.Name, s.Type = "probe", t
		if _, err := vm.NewMap(&s, vm.MapOptions{}); err == nil {
			return true
		}
	}
	return false
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func printProbeReport(w io.Writer, rep *probeReport) {
	if rep.Unavailable != "" {
		fmt.Fprintf(w, "kernel: %s\n", rep.Unavailable)
	} else {
		fmt.Fprintf(w, "kernel: Linux %s\n", rep.Kernel)
	}
	section := func(title string, rows []probeRow) {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		withJIT := len(rows) > 0 && rows[0].JIT != ""
		if withJIT {
			fmt.Fprintf(tw, "%s\tkernel\tbpflab\tjit\n", title)
		} else {
			fmt.Fprintf(tw, "%s\tkernel\tbpflab\n", title)
		}
		for _, r := range rows {
			mark := ""
			if r.Kernel != "-" && (r.Kernel != r.Bpflab || withJIT && r.JIT != "-" && r.JIT != r.Kernel) {
				mark = "  <- differs"
			}
			detail := ""
			if r.Detail != "" && r.Kernel != "yes" {
				detail = "  (" + r.Detail + ")"
			}
			if withJIT {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s%s\n", r.Name, r.Kernel, r.Bpflab, r.JIT, mark, detail)
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s%s%s\n", r.Name, r.Kernel, r.Bpflab, mark, detail)
			}
		}
		tw.Flush()
	}
	section("ISA extension", rep.ISA)
	section("program type", rep.ProgTypes)
	section("map type", rep.MapTypes)
	types := make([]string, 0, len(rep.Helpers))
	for t := range rep.Helpers {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		section("helpers of "+t, rep.Helpers[t])
	}
}
