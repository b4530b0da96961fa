package main

import (
	"bytes"
	"encoding/binary"
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
	"github.com/bpflab/bpflab/verifier"
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

// xcVerdict is one engine's verdict on the program.
type xcVerdict struct {
	Accepted bool `json:"accepted"`
	// Errno, Insn and Line describe a rejection: the errno, the
	// instruction (-1 when none is named) and the error line.
	Errno string `json:"errno,omitempty"`
	Insn  int    `json:"insn"`
	Line  string `json:"error_line,omitempty"`
	// By is who judged: "kernel", "verifier" (bpflab's simulator) or
	// "interpreter" (bpflab without its verifier, which refuses only
	// programs it cannot decode).
	By string `json:"by"`
}

// xcReport is the crosscheck's result, also its --json output.
type xcReport struct {
	Program string    `json:"program"`
	Type    string    `json:"type"`
	Kernel  xcVerdict `json:"kernel"`
	Bpflab  xcVerdict `json:"bpflab"`
	// VerdictDiff compares the verdicts: everything when bpflab's
	// verifier judged, acceptance only otherwise.
	VerdictDiff string `json:"verdict_diff,omitempty"`
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
	useJIT := fs.Bool("jit", false, "bpflab's side runs the program compiled by the amd64 JIT (the interpreter elsewhere)")
	noVerify := fs.Bool("no-verify", false, "bpflab's verdict: run without checking the program with bpflab's verifier")
	setUsage(fs, stderr, "crosscheck [flags] PROGRAM",
		"Runs the program in bpflab's interpreter and in the running kernel",
		"(BPF_PROG_TEST_RUN, on CPU 0) on the same inputs, with the arguments of",
		"bpflab run, and prints where they differ: verdict, return value, data_out,",
		"ctx_out and each map after each input. Exit status 0 when they agree, 1",
		"when they differ, 2 on errors.")
	arg, err := parseArg(fs, args)
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
	setup.jit, setup.stderr = *useJIT, stderr
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
			if s.typ.Ctx == nil {
				return nil, fmt.Errorf("--map-set %s: tail calls need a program type with a context", set.Map)
			}
			if callee := s.lp.Coll.Program(set.Prog); callee != nil && len(callee.Maps) > 0 {
				rep.NotCompared = append(rep.NotCompared, fmt.Sprintf("maps the tail-call target %s shares with the caller: in the kernel it gets maps of its own", set.Prog))
			}
		}
	}
	for i, m := range s.lp.Spec.Maps {
		if !comparableMap(m.Type) && m.Type != asm.BPF_MAP_TYPE_PROG_ARRAY {
			rep.NotCompared = append(rep.NotCompared, fmt.Sprintf("map %s (%s): the kernel cannot list its elements without consuming them", mapLabel(i, m), kernel.MapTypeName(uint32(m.Type))))
		}
	}
	spec, err := specWithSets(s.lp.Spec, s.typ, s.sets)
	if err != nil {
		return nil, err
	}
	kernelRuns, kv, err := kernelOutcomes(spec, s)
	if err != nil {
		return nil, err
	}
	bv, note := bpflabVerdict(s, spec, verify)
	if note != "" {
		rep.NotCompared = append(rep.NotCompared, note)
	}
	var bpflabRuns []xcOutcome
	if bv.Accepted {
		var why string
		if bpflabRuns, why = bpflabOutcomes(s); why != "" {
			bv = xcVerdict{Errno: "EINVAL", Insn: -1, Line: why, By: "interpreter"}
		}
	}
	rep.Kernel, rep.Bpflab = kv, bv
	ck, cb := kv, bv
	ck.By, cb.By = "", ""
	if bv.By != "verifier" {
		ck, cb = xcVerdict{Accepted: kv.Accepted}, xcVerdict{Accepted: bv.Accepted}
	}
	rep.VerdictDiff = cmp.Diff(ck, cb)
	rep.Agree = rep.VerdictDiff == ""
	if !kv.Accepted || !bv.Accepted {
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
		if i < 0 || set.Prog != "" {
			continue // newVMRunner reports unknown names; program fds come after loading
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
// maps kept between inputs.
func kernelOutcomes(spec *asm.ProgramSpec, s *runSetup) ([]xcOutcome, xcVerdict, error) {
	if s.typ.Ctx == nil {
		r, err := kernel.RunSpecWithMemory(spec, s.inputs[0])
		if err != nil {
			return nil, xcVerdict{}, err
		}
		if !r.Accepted {
			return nil, kernelVerdict(r.Result), nil
		}
		return []xcOutcome{{Retval: fmt.Sprintf("%#x", r.R0), Data: hexOf(r.Mem), Maps: mapsOf(spec.Maps, r.Maps)}}, kernelVerdict(r.Result), nil
	}
	p, err := kernel.Load(spec, nil)
	if err != nil {
		return nil, xcVerdict{}, err
	}
	defer p.Close()
	if !p.Accepted {
		return nil, kernelVerdict(p.Result), nil
	}
	// Tail-call targets: load each and store its fd in the program array.
	for _, set := range s.sets {
		if set.Prog == "" {
			continue
		}
		callee := s.lp.Coll.Program(set.Prog)
		i := slices.IndexFunc(spec.Maps, func(m *asm.MapSpec) bool { return m.Name == set.Map })
		if callee == nil || i < 0 {
			return nil, xcVerdict{}, fmt.Errorf("--map-set %s: no map %s or program %s", set.Map, set.Map, set.Prog)
		}
		cs := *callee
		cs.Type = s.typ.Name
		cp, err := kernel.Load(&cs, nil)
		if err != nil {
			return nil, xcVerdict{}, err
		}
		defer cp.Close()
		if !cp.Accepted {
			return nil, xcVerdict{}, fmt.Errorf("the kernel refuses the tail-call target %s: insn %d: %s", set.Prog, cp.Insn, cp.ErrorLine)
		}
		if err := p.Maps[i].Update(set.Key, binary.LittleEndian.AppendUint32(nil, uint32(cp.FD()))); err != nil {
			return nil, xcVerdict{}, fmt.Errorf("--map-set %s: %w", set.Map, err)
		}
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
			return nil, xcVerdict{}, err
		default:
			o.Retval = fmt.Sprintf("%#x", out.Retval)
			o.Data, o.Ctx, o.Maps = hexOf(out.Data), hexOf(out.Ctx), mapsOf(spec.Maps, out.Maps)
		}
		outs = append(outs, o)
	}
	return outs, kernelVerdict(p.Result), nil
}

func kernelVerdict(r kernel.Result) xcVerdict {
	v := xcVerdict{Accepted: r.Accepted, Insn: -1, By: "kernel"}
	if !r.Accepted {
		v.Errno, v.Insn, v.Line = errnoName(r.Errno), r.Insn, r.ErrorLine
	}
	return v
}

// errnoName spells the errnos verifiers return as C does.
func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.EACCES:
		return "EACCES"
	case syscall.EINVAL:
		return "EINVAL"
	case syscall.E2BIG:
		return "E2BIG"
	case syscall.EFAULT:
		return "EFAULT"
	case syscall.EPERM:
		return "EPERM"
	case syscall.ENOTSUP:
		return "ENOTSUP"
	case 0:
		return ""
	}
	return e.Error()
}

// bpflabVerdict is bpflab's verdict: its verifier's (when verify is set
// and the program has a context; a plain program reaches the kernel
// wrapped, so the verifier's view of it would differ), else acceptance.
// The note says what was not compared.
func bpflabVerdict(s *runSetup, spec *asm.ProgramSpec, verify bool) (xcVerdict, string) {
	accept := xcVerdict{Accepted: true, Insn: -1, By: "interpreter"}
	switch {
	case !verify:
		return accept, "error lines: --no-verify (bpflab's interpreter refuses only programs it cannot decode)"
	case s.typ.Ctx == nil:
		return accept, "error lines: plain programs run in the kernel as a subprogram of a wrapper, so bpflab's verifier does not judge them"
	}
	res, err := verifier.VerifySpec(spec, verifier.Options{ProgType: s.typ.Name, LogLevel: 1})
	var verr *verifier.Error
	switch {
	case errors.As(err, &verr) && verr.Errno == syscall.ENOTSUP:
		// Not a rejection: the simulator does not model something the
		// program uses.
		return accept, fmt.Sprintf("error lines: bpflab's verifier could not judge the program (insn %d: %s)", verr.Insn, verr.Msg)
	case errors.As(err, &verr):
		return xcVerdict{Errno: errnoName(verr.Errno), Insn: verr.Insn, Line: verr.Msg, By: "verifier"}, ""
	case err != nil || res == nil:
		return accept, fmt.Sprintf("error lines: bpflab's verifier could not judge the program (%v)", err)
	}
	return xcVerdict{Accepted: true, Insn: -1, By: "verifier"}, ""
}

// bpflabOutcomes runs every input in bpflab's interpreter the way the
// kernel runs it (run's vmRunner). The string says why the interpreter
// refused the program.
func bpflabOutcomes(s *runSetup) ([]xcOutcome, string) {
	spec := s.lp.Spec
	cpus, err := kernel.PossibleCPUs()
	if err != nil {
		cpus = 1
	}
	r, err := newVMRunner(s.lp, s.typ, s.sets, cpus)
	if err != nil {
		return nil, err.Error()
	}
	if s.jit {
		free, err := r.useJIT(s.stderr)
		if err != nil {
			return nil, "jit: " + err.Error()
		}
		defer free()
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
		if !comparableMap(s.Type) {
			continue
		}
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

// comparableMap reports whether a map's contents can be compared after a
// run: program arrays hold fds in the kernel and indexes in bpflab, and the
// kernel cannot list the elements of queues, stacks, ring buffers, bloom
// filters or event arrays without consuming them.
func comparableMap(t asm.MapType) bool {
	switch t {
	case asm.BPF_MAP_TYPE_PROG_ARRAY, asm.BPF_MAP_TYPE_QUEUE, asm.BPF_MAP_TYPE_STACK,
		asm.BPF_MAP_TYPE_RINGBUF, asm.BPF_MAP_TYPE_USER_RINGBUF, asm.BPF_MAP_TYPE_BLOOM_FILTER,
		asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY, asm.BPF_MAP_TYPE_ARRAY_OF_MAPS, asm.BPF_MAP_TYPE_HASH_OF_MAPS:
		return false
	}
	return true
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func printCrosscheck(w io.Writer, rep *xcReport) {
	fmt.Fprintf(w, "program: %s (type %s)\n", rep.Program, rep.Type)
	verdict := func(name string, v xcVerdict) {
		by := ""
		if v.By != "kernel" {
			by = " (" + v.By + ")"
		}
		switch {
		case v.Accepted:
			fmt.Fprintf(w, "%-7s accepts%s\n", name+":", by)
		case v.Insn >= 0:
			fmt.Fprintf(w, "%-7s refuses%s: insn %d: %s (%s)\n", name+":", by, v.Insn, v.Line, v.Errno)
		default:
			fmt.Fprintf(w, "%-7s refuses%s: %s (%s)\n", name+":", by, v.Line, v.Errno)
		}
	}
	verdict("kernel", rep.Kernel)
	verdict("bpflab", rep.Bpflab)
	if rep.VerdictDiff != "" {
		fmt.Fprintf(w, "verdicts differ (-kernel +bpflab):\n%s", rep.VerdictDiff)
	}
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
	case rep.VerdictDiff != "":
		fmt.Fprintln(w, "differ: the verdicts")
	default:
		fmt.Fprintln(w, "differ")
	}
}
