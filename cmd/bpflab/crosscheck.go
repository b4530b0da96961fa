package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/kernel"
	"github.com/google/go-cmp/cmp"
)

func init() {
	register(command{name: "crosscheck", summary: "run a program in bpflab and in the live kernel and show where they differ", run: runCrosscheck})
}

// xcOutcome is what one engine did with the program and its inputs, in a
// form that compares field by field. Byte strings are hex so that diffs
// read well.
type xcOutcome struct {
	// Err is why a run did not complete: the kernel's test-run errno, or
	// bpflab's test-run errno or run-time fault.
	Err    string `json:"error,omitempty"`
	Retval string `json:"retval,omitempty"`
	Data   string `json:"data_out,omitempty"`
	Ctx    string `json:"ctx_out,omitempty"`
	// Maps holds each map's entries as "KEY=VALUE" in hex, by map name.
	Maps map[string][]string `json:"maps,omitempty"`
}

// clone copies o, its map of maps included.
func (o xcOutcome) clone() xcOutcome {
	if o.Maps != nil {
		m := make(map[string][]string, len(o.Maps))
		for k, v := range o.Maps {
			m[k] = v
		}
		o.Maps = m
	}
	return o
}

// xcRun is one input's outcome in both engines.
type xcRun struct {
	Input  int       `json:"input"` // 1-based
	Kernel xcOutcome `json:"kernel"`
	Bpflab xcOutcome `json:"bpflab"`
	Diff   string    `json:"diff,omitempty"`
}

// xcReport is the crosscheck's result, also its --json output.
type xcReport struct {
	Program string `json:"program"`
	Type    string `json:"type"`
	// KernelAccepts and BpflabAccepts are the verdicts; KernelError is the
	// verifier's error line when the kernel refused the program,
	// BpflabError why bpflab refused it.
	KernelAccepts bool   `json:"kernel_accepts"`
	BpflabAccepts bool   `json:"bpflab_accepts"`
	KernelError   string `json:"kernel_error,omitempty"`
	BpflabError   string `json:"bpflab_error,omitempty"`
	// Runs holds each input's outcomes when both engines accepted.
	Runs []xcRun `json:"runs,omitempty"`
	// NotCompared lists what was left out of the comparison, and why.
	NotCompared []string `json:"not_compared,omitempty"`
	Agree       bool     `json:"agree"`
}

// crosscheckTamper, when set by a test, changes bpflab's outcome before the
// comparison, to check that a difference is reported.
var crosscheckTamper func(*xcOutcome)

func runCrosscheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crosscheck", stderr)
	inf := addInputFlags(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	noVerify := fs.Bool("no-verify", false, "bpflab's verdict: run without checking the program with bpflab's verifier")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bpflab crosscheck [flags] PROGRAM")
		fmt.Fprintln(stderr, "\nRuns the program in bpflab's interpreter and in the running kernel")
		fmt.Fprintln(stderr, "(BPF_PROG_TEST_RUN, on CPU 0) on the same inputs, with the arguments of")
		fmt.Fprintln(stderr, "bpflab run, and prints where they differ: verdict, return value, data_out,")
		fmt.Fprintln(stderr, "ctx_out and each map after each input. Exit status 0 when they agree, 1")
		fmt.Fprintln(stderr, "when they differ, 2 on errors.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	arg, err := oneArg(fs)
	if err != nil {
		return err
	}
	setup, err := inf.load(arg)
	if err != nil {
		return err
	}
	if err := kernel.Available(); err != nil {
		return err
	}
	rep, err := crosscheck(setup, !*noVerify)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printCrosscheck(stdout, rep)
	}
	if !rep.Agree {
		return &exitError{code: 1}
	}
	return nil
}

func crosscheck(s *runSetup, verify bool) (*xcReport, error) {
	rep := &xcReport{Program: s.lp.Name, Type: s.typ.Name}
	for _, set := range s.sets {
		if set.Prog != "" {
			return nil, fmt.Errorf("--map-set %s: program-array entries are not supported by crosscheck's kernel side yet", set.Map)
		}
	}
	spec, err := specWithSets(s.lp.Spec, s.typ, s.sets)
	if err != nil {
		return nil, err
	}
	kernelRuns, kerr, err := kernelOutcomes(spec, s)
	if err != nil {
		return nil, err
	}
	bpflabRuns, berr := bpflabOutcomes(s, spec, verify)
	rep.KernelAccepts, rep.KernelError = kerr == "", kerr
	rep.BpflabAccepts, rep.BpflabError = berr == "", berr
	if verifyHook == nil || !verify {
		rep.NotCompared = append(rep.NotCompared, "error lines: bpflab's verdict is its interpreter's (no verifier ran), which refuses only programs it cannot decode")
	}
	rep.Agree = rep.KernelAccepts == rep.BpflabAccepts
	if !rep.KernelAccepts || !rep.BpflabAccepts {
		return rep, nil
	}
	fns := nondeterministic(spec.Insns)
	if len(fns) > 0 {
		rep.NotCompared = append(rep.NotCompared, fmt.Sprintf("retval, data_out, ctx_out and maps: the program calls %s, whose results differ between runs", strings.Join(fns, ", ")))
	}
	for i := range s.inputs {
		k, b := kernelRuns[i], bpflabRuns[i]
		if crosscheckTamper != nil {
			crosscheckTamper(&b)
		}
		// Compare copies with what cannot be compared left out; the
		// report keeps both engines' full outcomes.
		ck, cb := k.clone(), b.clone()
		if len(fns) > 0 {
			for _, o := range []*xcOutcome{&ck, &cb} {
				o.Retval, o.Data, o.Ctx, o.Maps = "", "", "", nil
			}
		}
		run := xcRun{Input: i + 1, Kernel: k, Bpflab: b, Diff: cmp.Diff(ck, cb)}
		if run.Diff != "" {
			rep.Agree = false
		}
		rep.Runs = append(rep.Runs, run)
	}
	return rep, nil
}

// specWithSets returns a copy of spec for the kernel: its type, and its
// maps with the --map-set entries added to their initial contents.
func specWithSets(spec *asm.ProgramSpec, typ *ctx.ProgType, sets []mapSet) (*asm.ProgramSpec, error) {
	c := *spec
	if typ.Ctx != nil {
		c.Type = typ.Name
	}
	c.Maps = make([]*asm.MapSpec, len(spec.Maps))
	for i, m := range spec.Maps {
		mc := *m
		mc.Contents = append([]asm.MapEntry(nil), m.Contents...)
		c.Maps[i] = &mc
	}
	for _, set := range sets {
		i := slices.IndexFunc(c.Maps, func(m *asm.MapSpec) bool { return m.Name == set.Map })
		if i < 0 {
			continue // newVMRunner reports unknown names
		}
		m := c.Maps[i]
		j := slices.IndexFunc(m.Contents, func(e asm.MapEntry) bool { return bytes.Equal(e.Key, set.Key) })
		if j >= 0 {
			m.Contents[j].Value = set.Value
		} else {
			m.Contents = append(m.Contents, asm.MapEntry{Key: set.Key, Value: set.Value})
		}
	}
	return &c, nil
}

// kernelOutcomes loads the program into the kernel and runs every input
// (on CPU 0, as bpflab does, when the outcome depends on the CPU), with
// maps kept between inputs. The string is the verifier's error line when
// it refused the program.
func kernelOutcomes(spec *asm.ProgramSpec, s *runSetup) ([]xcOutcome, string, error) {
	if s.typ.Ctx == nil {
		r, err := kernel.RunSpecWithMemory(spec, s.inputs[0])
		if err != nil {
			return nil, "", err
		}
		if !r.Accepted {
			return nil, kernelErrLine(r.Result), nil
		}
		return []xcOutcome{{Retval: fmt.Sprintf("%#x", r.R0), Data: hexOf(r.Mem), Maps: mapsOf(spec.Maps, r.Maps)}}, "", nil
	}
	p, err := kernel.Load(spec, nil)
	if err != nil {
		return nil, "", err
	}
	defer p.Close()
	if !p.Accepted {
		return nil, kernelErrLine(p.Result), nil
	}
	var outs []xcOutcome
	pin := kernel.CPUDependent(spec)
	for _, in := range s.inputs {
		var o xcOutcome
		out, err := p.TestRun(kernel.RunInput{Data: in, Ctx: s.ctxIn, Pin: pin})
		var errno syscall.Errno
		switch {
		case errors.As(err, &errno):
			o.Err = "test run: " + errno.Error()
		case err != nil:
			return nil, "", err
		default:
			o.Retval = fmt.Sprintf("%#x", out.Retval)
			o.Data, o.Ctx, o.Maps = hexOf(out.Data), hexOf(out.Ctx), mapsOf(spec.Maps, out.Maps)
		}
		outs = append(outs, o)
	}
	return outs, "", nil
}

func kernelErrLine(r kernel.Result) string {
	s := fmt.Sprintf("%s (%v)", r.ErrorLine, r.Errno)
	if r.Insn >= 0 {
		s = fmt.Sprintf("insn %d: %s", r.Insn, s)
	}
	return s
}

// bpflabOutcomes runs every input in bpflab's interpreter the way the
// kernel runs it (run's vmRunner). The string says why bpflab refused the
// program: its verifier (when one is linked in and verify is set) or its
// interpreter's decoder.
func bpflabOutcomes(s *runSetup, spec *asm.ProgramSpec, verify bool) ([]xcOutcome, string) {
	if verifyHook != nil && verify {
		if err := verifyHook(s.lp.Spec, s.typ); err != nil {
			return nil, err.Error()
		}
	}
	cpus, err := kernel.PossibleCPUs()
	if err != nil {
		cpus = 1
	}
	r, err := newVMRunner(s.lp, s.typ, s.sets, cpus)
	if err != nil {
		return nil, err.Error()
	}
	var outs []xcOutcome
	for _, in := range s.inputs {
		res := r.run(in, s.ctxIn, 1)
		var o xcOutcome
		var errno syscall.Errno
		switch {
		case errors.As(res.Err, &errno):
			o.Err = "test run: " + errno.Error()
		case res.Err != nil:
			o.Err = "run: " + res.Err.Error()
		default:
			if s.typ.Ctx != nil {
				o.Retval = fmt.Sprintf("%#x", uint32(res.Retval))
			} else {
				o.Retval = fmt.Sprintf("%#x", res.Retval)
			}
			o.Data, o.Ctx = hexOf(res.DataOut), hexOf(res.CtxOut)
			// The maps of the program, by their place in its spec.
			dumps := r.dumpMaps()
			entries := make([][]asm.MapEntry, len(spec.Maps))
			for i, m := range spec.Maps {
				for _, d := range dumps {
					if d.Name == m.Name {
						entries[i] = d.Entries
					}
				}
			}
			o.Maps = mapsOf(spec.Maps, entries)
		}
		outs = append(outs, o)
	}
	return outs, ""
}

// nondeterministic names the helpers a program calls whose results differ
// from run to run or from engine to engine (time, randomness, the CPU, the
// current task).
func nondeterministic(p asm.Program) []string {
	var out []string
	seen := map[asm.Func]bool{}
	for _, ins := range p {
		if !ins.IsHelperCall() {
			continue
		}
		switch fn := asm.Func(ins.Imm); fn {
		case asm.BPF_FUNC_ktime_get_ns, asm.BPF_FUNC_ktime_get_boot_ns, asm.BPF_FUNC_ktime_get_coarse_ns,
			asm.BPF_FUNC_ktime_get_tai_ns, asm.BPF_FUNC_jiffies64, asm.BPF_FUNC_get_prandom_u32,
			asm.BPF_FUNC_get_smp_processor_id, asm.BPF_FUNC_get_numa_node_id,
			asm.BPF_FUNC_get_current_pid_tgid, asm.BPF_FUNC_get_current_uid_gid,
			asm.BPF_FUNC_get_current_comm, asm.BPF_FUNC_get_current_task,
			asm.BPF_FUNC_get_socket_cookie:
			if !seen[fn] {
				seen[fn] = true
				out = append(out, fn.String())
			}
		}
	}
	return out
}

func mapLabel(i int, m *asm.MapSpec) string {
	if m.Name != "" {
		return m.Name
	}
	return fmt.Sprintf("map%d", i)
}

// mapsOf formats map entries as sorted "KEY=VALUE" lines by map label.
// Array elements that are all zero are left out (both engines' arrays hold
// every element; the zero ones only make diffs long).
func mapsOf(specs []*asm.MapSpec, entries [][]asm.MapEntry) map[string][]string {
	if len(specs) == 0 {
		return nil
	}
	out := map[string][]string{}
	for i, s := range specs {
		array := s.Type == asm.BPF_MAP_TYPE_ARRAY || s.Type == asm.BPF_MAP_TYPE_PERCPU_ARRAY
		lines := []string{}
		if i < len(entries) {
			for _, e := range entries[i] {
				if array && strings.Trim(string(e.Value), "\x00") == "" {
					continue
				}
				lines = append(lines, hex.EncodeToString(e.Key)+"="+hex.EncodeToString(e.Value))
			}
		}
		sort.Strings(lines)
		out[mapLabel(i, s)] = lines
	}
	return out
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func printCrosscheck(w io.Writer, rep *xcReport) {
	fmt.Fprintf(w, "program: %s (type %s)\n", rep.Program, rep.Type)
	verdict := func(name string, ok bool, why string) {
		if ok {
			fmt.Fprintf(w, "%-7s accepts\n", name+":")
		} else {
			fmt.Fprintf(w, "%-7s refuses: %s\n", name+":", why)
		}
	}
	verdict("kernel", rep.KernelAccepts, rep.KernelError)
	verdict("bpflab", rep.BpflabAccepts, rep.BpflabError)
	side := func(name string, o xcOutcome) {
		if o.Err != "" {
			fmt.Fprintf(w, "  %-7s %s\n", name+":", o.Err)
			return
		}
		fmt.Fprintf(w, "  %-7s retval %s", name+":", o.Retval)
		if o.Data != "" {
			fmt.Fprintf(w, ", data_out %s", o.Data)
		}
		if o.Ctx != "" {
			fmt.Fprintf(w, ", ctx_out %s", o.Ctx)
		}
		fmt.Fprintln(w)
		names := make([]string, 0, len(o.Maps))
		for n := range o.Maps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			entries := o.Maps[n]
			more := ""
			if len(entries) > 8 {
				entries, more = entries[:8], fmt.Sprintf(" … (%d entries)", len(o.Maps[n]))
			}
			fmt.Fprintf(w, "          map %s: {%s}%s\n", n, strings.Join(entries, " "), more)
		}
	}
	for _, r := range rep.Runs {
		fmt.Fprintf(w, "input %d:\n", r.Input)
		side("kernel", r.Kernel)
		side("bpflab", r.Bpflab)
		if r.Diff != "" {
			fmt.Fprintf(w, "  differ (-kernel +bpflab):\n%s", r.Diff)
		}
	}
	for _, n := range rep.NotCompared {
		fmt.Fprintf(w, "not compared: %s\n", n)
	}
	switch {
	case rep.Agree:
		fmt.Fprintln(w, "agree")
	case rep.KernelAccepts != rep.BpflabAccepts:
		fmt.Fprintln(w, "differ: the verdicts")
	default:
		fmt.Fprintln(w, "differ")
	}
}
