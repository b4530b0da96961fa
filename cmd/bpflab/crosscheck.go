package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/vm"
	"github.com/google/go-cmp/cmp"
)

func init() {
	register(command{name: "crosscheck", summary: "run a program in bpflab and in the live kernel and show where they differ", run: runCrosscheck})
}

// xcOutcome is what one engine did with the program and its inputs, in a
// form that compares field by field. Byte strings are hex so that diffs
// read well.
type xcOutcome struct {
	Accepted bool `json:"accepted"`
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

// xcReport is the crosscheck's result, also its --json output.
type xcReport struct {
	Program string    `json:"program"`
	Type    string    `json:"type"`
	Kernel  xcOutcome `json:"kernel"`
	Bpflab  xcOutcome `json:"bpflab"`
	// KernelError is the verifier's error line when the kernel refused
	// the program; BpflabError is why bpflab refused it.
	KernelError string `json:"kernel_error,omitempty"`
	BpflabError string `json:"bpflab_error,omitempty"`
	// NotCompared lists what was left out of the comparison, and why.
	NotCompared []string `json:"not_compared,omitempty"`
	Agree       bool     `json:"agree"`
	Diff        string   `json:"diff,omitempty"`
}

// crosscheckTamper, when set by a test, changes bpflab's outcome before the
// comparison, to check that a difference is reported.
var crosscheckTamper func(*xcOutcome)

func runCrosscheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crosscheck", stderr)
	rf := addRunFlags(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	budget := fs.Int("budget", 1<<20, "bpflab's instruction budget")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bpflab crosscheck [flags] FILE|-")
		fmt.Fprintln(stderr, "\nRuns the program in bpflab's interpreter and in the running kernel")
		fmt.Fprintln(stderr, "(BPF_PROG_TEST_RUN) on the same inputs and prints where they differ:")
		fmt.Fprintln(stderr, "verdict, return value, data_out, ctx_out and each map. Exit status 0")
		fmt.Fprintln(stderr, "when they agree, 1 when they differ, 2 on errors.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	arg, err := oneArg(fs)
	if err != nil {
		return err
	}
	in, err := rf.load(arg)
	if err != nil {
		return err
	}
	if err := kernel.Available(); err != nil {
		return err
	}
	rep, err := crosscheck(in, *budget)
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

func crosscheck(in *runInput, budget int) (*xcReport, error) {
	rep := &xcReport{Program: in.Name, Type: in.Type.Name}
	k, kerr, err := kernelOutcome(in)
	if err != nil {
		return nil, err
	}
	b, berr := bpflabOutcome(in, budget)
	if crosscheckTamper != nil {
		crosscheckTamper(&b)
	}
	rep.Kernel, rep.Bpflab, rep.KernelError, rep.BpflabError = k, b, kerr, berr
	if kerr != "" || berr != "" {
		rep.NotCompared = append(rep.NotCompared, "the error lines (bpflab has no verifier yet; it refuses only programs its interpreter cannot decode)")
	}
	// Compare copies with what cannot be compared left out; the report
	// keeps both engines' full outcomes.
	ck, cb := k.clone(), b.clone()
	if !ck.Accepted || !cb.Accepted {
		// Only the verdicts compare when either engine refused.
		ck, cb = xcOutcome{Accepted: ck.Accepted}, xcOutcome{Accepted: cb.Accepted}
	}
	if fns := nondeterministic(in.Spec.Insns); len(fns) > 0 {
		rep.NotCompared = append(rep.NotCompared, fmt.Sprintf("retval, data_out, ctx_out and maps: the program calls %s, whose results differ between runs", strings.Join(fns, ", ")))
		for _, o := range []*xcOutcome{&ck, &cb} {
			o.Retval, o.Data, o.Ctx, o.Maps = "", "", "", nil
		}
	}
	for i, m := range in.Spec.Maps {
		if isPerCPU(m.Type) {
			rep.NotCompared = append(rep.NotCompared, fmt.Sprintf("map %s: per-CPU values depend on the CPU the kernel ran the program on", mapLabel(i, m)))
			delete(ck.Maps, mapLabel(i, m))
			delete(cb.Maps, mapLabel(i, m))
		}
	}
	rep.Diff = cmp.Diff(ck, cb)
	rep.Agree = rep.Diff == ""
	return rep, nil
}

// kernelOutcome loads and runs the program in the kernel. The string is
// the verifier's error line when it refused the program.
func kernelOutcome(in *runInput) (xcOutcome, string, error) {
	if in.Type == ctx.None {
		r, err := kernel.RunSpecWithMemory(in.Spec, in.Mem)
		if err != nil {
			return xcOutcome{}, "", err
		}
		if !r.Accepted {
			return xcOutcome{}, kernelErrLine(r.Result), nil
		}
		return xcOutcome{Accepted: true, Retval: fmt.Sprintf("%#x", r.R0), Data: hexOf(r.Mem), Maps: mapsOf(in.Spec.Maps, r.Maps)}, "", nil
	}
	p, err := kernel.Load(in.Spec, nil)
	if err != nil {
		return xcOutcome{}, "", err
	}
	defer p.Close()
	if !p.Accepted {
		return xcOutcome{}, kernelErrLine(p.Result), nil
	}
	o := xcOutcome{Accepted: true}
	out, err := p.TestRun(kernel.RunInput{Data: in.Packet, Ctx: in.Ctx})
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		o.Err = "test run: " + errno.Error()
		return o, "", nil
	case err != nil:
		return xcOutcome{}, "", err
	}
	o.Retval = fmt.Sprintf("%#x", out.Retval)
	o.Data, o.Ctx, o.Maps = hexOf(out.Data), hexOf(out.Ctx), mapsOf(in.Spec.Maps, out.Maps)
	return o, "", nil
}

func kernelErrLine(r kernel.Result) string {
	s := fmt.Sprintf("%s (%v)", r.ErrorLine, r.Errno)
	if r.Insn >= 0 {
		s = fmt.Sprintf("insn %d: %s", r.Insn, s)
	}
	return s
}

// bpflabOutcome runs the program in bpflab's interpreter the way the kernel
// runs it. The string says why bpflab refused the program.
func bpflabOutcome(in *runInput, budget int) (xcOutcome, string) {
	prog, err := vm.Prepare(in.Spec.Insns)
	if err != nil {
		return xcOutcome{}, err.Error()
	}
	o := xcOutcome{Accepted: true}
	cpus, err := kernel.PossibleCPUs()
	if err != nil {
		cpus = 1
	}
	var maps []vm.Map
	for i, ms := range in.Spec.Maps {
		m, err := vm.NewMap(ms, vm.MapOptions{CPUs: cpus})
		if err != nil {
			o.Err = fmt.Sprintf("map %s: %v", mapLabel(i, ms), err)
			return o, ""
		}
		maps = append(maps, m)
	}
	var env *vm.Env
	var pr *vm.PacketRun
	if in.Type == ctx.None {
		env = vm.NewPlainEnv(in.Mem)
	} else {
		env, pr, err = vm.NewPacketEnv(in.Type, in.Packet, in.Ctx)
		var errno syscall.Errno
		if errors.As(err, &errno) {
			o.Err = "test run: " + errno.Error()
			return o, ""
		} else if err != nil {
			o.Err = "test run: " + err.Error()
			return o, ""
		}
	}
	env.Maps = maps
	env.Budget = budget
	res, err := prog.Run(env)
	if err != nil {
		o.Err = "run: " + err.Error()
		return o, ""
	}
	if pr != nil {
		data, ctxOut := pr.Run.Finish()
		o.Retval = fmt.Sprintf("%#x", uint32(res.R0))
		o.Data, o.Ctx = hexOf(data), hexOf(ctxOut)
	} else {
		o.Retval = fmt.Sprintf("%#x", res.R0)
		o.Data = hexOf(env.Mem.Table()[env.R1>>32].Data)
	}
	entries := make([][]asm.MapEntry, len(maps))
	for i, m := range maps {
		if d, ok := m.(vm.Dumper); ok {
			entries[i] = d.Entries()
		}
	}
	o.Maps = mapsOf(in.Spec.Maps, entries)
	return o, ""
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

func isPerCPU(t asm.MapType) bool {
	switch t {
	case asm.BPF_MAP_TYPE_PERCPU_HASH, asm.BPF_MAP_TYPE_PERCPU_ARRAY, asm.BPF_MAP_TYPE_LRU_PERCPU_HASH,
		asm.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true
	}
	return false
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
	side := func(name string, o xcOutcome, errLine string) {
		switch {
		case !o.Accepted:
			fmt.Fprintf(w, "%-7s refuses: %s\n", name+":", errLine)
		case o.Err != "":
			fmt.Fprintf(w, "%-7s %s\n", name+":", o.Err)
		default:
			fmt.Fprintf(w, "%-7s retval %s", name+":", o.Retval)
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
				fmt.Fprintf(w, "        map %s: {%s}%s\n", n, strings.Join(entries, " "), more)
			}
		}
	}
	side("kernel", rep.Kernel, rep.KernelError)
	side("bpflab", rep.Bpflab, rep.BpflabError)
	for _, n := range rep.NotCompared {
		fmt.Fprintf(w, "not compared: %s\n", n)
	}
	if rep.Agree {
		fmt.Fprintln(w, "agree")
		return
	}
	fmt.Fprintf(w, "differ (-kernel +bpflab):\n%s", rep.Diff)
}
