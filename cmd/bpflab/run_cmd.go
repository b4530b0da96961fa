package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/vm"
)

func init() {
	register(command{name: "run", summary: "run a program in the vm over packets or memory", run: runRun})
}

// verifyHook, when set (by the verifier's command file), checks a program
// before `bpflab run` runs it, unless --no-verify is given.
var verifyHook func(spec *asm.ProgramSpec, t *ctx.ProgType) error

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	inf := addInputFlags(fs)
	repeat := fs.Int("repeat", 1, "run each input `N` times (as BPF_PROG_TEST_RUN's repeat) and report ns per run")
	cpus := fs.Int("cpus", 1, "possible CPUs: per-CPU map values and LRU lists (the program runs on CPU 0; the kernel has /sys/devices/system/cpu/possible)")
	trace := fs.Bool("trace", false, "print each executed instruction and the registers it changed")
	asJSON := fs.Bool("json", false, "print one JSON object per run")
	noVerify := fs.Bool("no-verify", false, "run without checking the program with the verifier first")
	useJIT := fs.Bool("jit", false, "run the program compiled by the amd64 JIT (the interpreter elsewhere, or with --trace)")
	setUsage(fs, stderr, "run [flags] PROGRAM",
		"Runs a program in bpflab's interpreter the way BPF_PROG_TEST_RUN runs it in the",
		"kernel: same context, packet layout, errors, data_out and ctx_out. PROGRAM is an ELF",
		"object, assembler text (maps declared with // bpflab:map lines), or raw/hex instructions.")
	arg, err := parseArg(fs, args)
	if err != nil {
		return err
	}
	s, err := inf.program(arg)
	if err != nil {
		return err
	}
	lp, typ := s.lp, s.typ
	if verifyHook != nil && !*noVerify {
		if err := verifyHook(lp.Spec, typ); err != nil {
			return fmt.Errorf("%s: %w (run with --no-verify to run it anyway)", lp.Name, err)
		}
	}
	if err := inf.loadInputs(s); err != nil {
		return err
	}
	inputs, ctxIn := s.inputs, s.ctxIn
	r, err := newVMRunner(lp, typ, s.sets, *cpus)
	if err != nil {
		return fmt.Errorf("%s: %w", lp.Name, err)
	}
	if *useJIT {
		free, err := r.useJIT(stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", lp.Name, err)
		}
		defer free()
	}
	if *trace {
		r.trace = func(pc int, insn, changed string) {
			if pc < 0 {
				fmt.Fprintf(stdout, "  exit: %s\n", changed)
				return
			}
			fmt.Fprintln(stdout, strings.TrimRight(fmt.Sprintf("  %4d: %-40s %s", pc, insn, changed), " "))
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "program %s (%s), %d input(s)\n", lp.Spec.Name, typ.Name, len(inputs))
	}
	failed := 0
	for i, in := range inputs {
		if !*asJSON {
			fmt.Fprintf(stdout, "\n%s %d: %d bytes\n", inputWord(typ), i+1, len(in))
		}
		res := r.run(in, ctxIn, *repeat)
		if res.Err != nil {
			failed++
		}
		if *asJSON {
			if err := writeRunJSON(stdout, r, typ, i+1, res, *repeat > 1); err != nil {
				return err
			}
			continue
		}
		printRunResult(stdout, typ, res, *repeat > 1)
	}
	if !*asJSON {
		printMaps(stdout, r.dumpMaps())
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d runs failed", failed, len(inputs))}
	}
	return nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func inputWord(t *ctx.ProgType) string {
	if t.Ctx == nil {
		return "memory"
	}
	return "packet"
}

// retvalText is "XDP_DROP (1)" or "0x2a (42)".
func retvalText(t *ctx.ProgType, r uint64) string {
	if n := t.RetvalName(r); n != "" {
		return fmt.Sprintf("%s (%d)", n, int64(int32(uint32(r))))
	}
	return fmt.Sprintf("%#x (%d)", r, r)
}

func printRunResult(w io.Writer, t *ctx.ProgType, res *runResult, timing bool) {
	if res.Err != nil {
		fmt.Fprintf(w, "  error: %v\n", res.Err)
		if res.DataOut == nil {
			return
		}
	} else {
		fmt.Fprintf(w, "  return: %s\n", retvalText(t, res.Retval))
	}
	if timing {
		fmt.Fprintf(w, "  time: %.0f ns per run\n", res.NsPerRun)
	}
	if t.Ctx != nil {
		printPacketDiff(w, res.DataIn, res.DataOut)
		printCtxDiff(w, t, res.CtxBefore, res.CtxAfter)
	} else if !bytes.Equal(res.DataIn, res.DataOut) {
		fmt.Fprintf(w, "  memory: %x\n", res.DataOut)
	}
	for _, rd := range res.Redirects {
		if rd.Helper == "redirect_map" {
			fmt.Fprintf(w, "  redirect: map %s key %d flags %#x\n", rd.Map, rd.Ifindex, rd.Flags)
		} else {
			fmt.Fprintf(w, "  redirect: ifindex %d flags %#x\n", rd.Ifindex, rd.Flags)
		}
	}
	for _, l := range res.Printk {
		fmt.Fprintf(w, "  printk: %s\n", l)
	}
	for _, mr := range res.Records {
		for _, rec := range mr.Records {
			if len(rec.Data) > 32 {
				fmt.Fprintf(w, "  output %s[%d]: %x… (%d bytes)\n", mr.Map, rec.Index, rec.Data[:32], len(rec.Data))
				continue
			}
			fmt.Fprintf(w, "  output %s[%d]: %x\n", mr.Map, rec.Index, rec.Data)
		}
	}
}

// printPacketDiff shows data_out against data_in: "unchanged", or the
// 16-byte rows that differ.
func printPacketDiff(w io.Writer, in, out []byte) {
	if bytes.Equal(in, out) {
		fmt.Fprintln(w, "  packet: unchanged")
		return
	}
	fmt.Fprintf(w, "  packet: %d -> %d bytes\n", len(in), len(out))
	for off := 0; off < max(len(in), len(out)); off += 16 {
		a, b := row(in, off), row(out, off)
		if bytes.Equal(a, b) {
			continue
		}
		if len(a) > 0 {
			fmt.Fprintf(w, "    -%04x  % x\n", off, a)
		}
		if len(b) > 0 {
			fmt.Fprintf(w, "    +%04x  % x\n", off, b)
		}
	}
}

func row(b []byte, off int) []byte {
	if off >= len(b) {
		return nil
	}
	return b[off:min(off+16, len(b))]
}

// printCtxDiff lists the context fields whose value changed during the
// run.
func printCtxDiff(w io.Writer, t *ctx.ProgType, before, after []byte) {
	if before == nil || after == nil {
		return
	}
	for _, f := range t.Ctx.Fields {
		if f.Kind.IsPointer() {
			continue
		}
		for e := 0; e < f.Size; e += f.Elem {
			a, b := before[f.Off+e:f.Off+e+f.Elem], after[f.Off+e:f.Off+e+f.Elem]
			if bytes.Equal(a, b) {
				continue
			}
			name := f.Name
			if f.Size != f.Elem {
				name = fmt.Sprintf("%s[%d]", f.Name, e/f.Elem)
			}
			fmt.Fprintf(w, "  ctx %s: %d -> %d\n", name, leUint(a), leUint(b))
		}
	}
}

func leUint(b []byte) uint64 {
	var buf [8]byte
	copy(buf[:], b)
	return binary.LittleEndian.Uint64(buf[:])
}

func printMaps(w io.Writer, maps []mapDump) {
	if len(maps) == 0 {
		return
	}
	fmt.Fprintln(w, "\nmaps:")
	for _, m := range maps {
		fmt.Fprintf(w, "  %s (%s): %d entries\n", m.Name, mapTypeName(m.Type), len(m.Entries))
		for _, e := range m.Entries {
			fmt.Fprintf(w, "    %x: %x\n", e.Key, e.Value)
		}
	}
}

// runJSON is the --json record of one run.
type runJSON struct {
	Input      int                    `json:"input"`
	Retval     uint64                 `json:"retval"`
	RetvalName string                 `json:"retval_name,omitempty"`
	DataOut    string                 `json:"data_out,omitempty"`
	CtxOut     map[string]uint64      `json:"ctx_out,omitempty"`
	Maps       map[string][]entryJSON `json:"maps,omitempty"`
	Printk     []string               `json:"printk,omitempty"`
	Redirects  []vm.Redirect          `json:"redirects,omitempty"`
	Outputs    map[string][]string    `json:"outputs,omitempty"`
	Error      string                 `json:"error,omitempty"`
	NsPerRun   float64                `json:"ns_per_run,omitempty"`
}

type entryJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func writeRunJSON(w io.Writer, r *vmRunner, t *ctx.ProgType, n int, res *runResult, timing bool) error {
	j := runJSON{Input: n, Retval: res.Retval, RetvalName: t.RetvalName(res.Retval), Printk: res.Printk, Redirects: res.Redirects}
	if res.Err != nil {
		j.Error = res.Err.Error()
		j.Retval, j.RetvalName = 0, ""
	}
	if res.DataOut != nil {
		j.DataOut = hex.EncodeToString(res.DataOut)
	}
	if t.Ctx != nil {
		// With a ctx_in, the fields the kernel copies back to ctx_out;
		// without, every field as the program could read it at the end.
		img, fields := res.CtxOut, t.TestRunFields()
		if img == nil {
			img, fields = res.CtxAfter, t.Ctx.Fields
		}
		if img != nil {
			j.CtxOut = map[string]uint64{}
			for _, f := range fields {
				if f.Kind.IsPointer() && res.CtxOut == nil {
					continue
				}
				for e := 0; e < f.Size; e += f.Elem {
					if _, err := t.Access(f.Off+e, f.Elem, false); err != nil && res.CtxOut == nil {
						continue // a field this program type cannot see
					}
					name := f.Name
					if f.Size != f.Elem {
						name = fmt.Sprintf("%s[%d]", f.Name, e/f.Elem)
					}
					j.CtxOut[name] = leUint(img[f.Off+e : f.Off+e+f.Elem])
				}
			}
		}
	}
	if dumps := r.dumpMaps(); len(dumps) > 0 {
		j.Maps = map[string][]entryJSON{}
		for _, m := range dumps {
			es := []entryJSON{}
			for _, e := range m.Entries {
				es = append(es, entryJSON{Key: hex.EncodeToString(e.Key), Value: hex.EncodeToString(e.Value)})
			}
			j.Maps[m.Name] = es
		}
	}
	for _, mr := range res.Records {
		if j.Outputs == nil {
			j.Outputs = map[string][]string{}
		}
		for _, rec := range mr.Records {
			j.Outputs[mr.Map] = append(j.Outputs[mr.Map], hex.EncodeToString(rec.Data))
		}
	}
	if timing {
		j.NsPerRun = res.NsPerRun
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
