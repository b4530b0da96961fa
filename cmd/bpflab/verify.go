package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/verifier"
)

func init() {
	register(command{name: "verify", summary: "check a program with bpflab's model of the kernel verifier", run: runVerify})
	verifyHook = verifyBeforeRun
}

// verifyBeforeRun is what `bpflab run` does before running a program of a
// kernel program type: refuse it, in the kernel's words, when the kernel's
// verifier would. Plain programs (type none) have no kernel counterpart and
// run unverified, as the bpf_conformance runners do.
func verifyBeforeRun(spec *asm.ProgramSpec, t *ctx.ProgType) error {
	if t == ctx.None {
		return nil
	}
	_, err := verifier.VerifySpec(spec, verifier.Options{ProgType: t.Name})
	return err
}

// verifyJSON is the --json output.
type verifyJSON struct {
	Accepted  bool     `json:"accepted"`
	Error     string   `json:"error,omitempty"`
	Errno     string   `json:"errno,omitempty"`
	Insn      *int     `json:"insn,omitempty"`
	Processed int      `json:"processed"`
	Log       []string `json:"log,omitempty"`
}

func runVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	pf := addProgFlags(fs)
	typeName := fs.String("type", "", "program type: socket_filter, sched_cls, sched_act, cgroup_skb, xdp (default: the object's, else socket_filter)")
	mapDecls := fs.StringArray("map", nil, "declare a map of a raw program, `NAME:TYPE:KEY:VALUE:MAX[:FLAGS]`, in order of first use; repeatable")
	logLevel := fs.Int("log-level", 1, "verifier log level: 0 none, 1 the failing path, 2 every instruction with its state")
	unpriv := fs.Bool("unpriv", false, "verify as an unprivileged user (no CAP_BPF)")
	strict := fs.Bool("strict-alignment", false, "check alignment as BPF_F_STRICT_ALIGNMENT does")
	asJSON := fs.Bool("json", false, "print {accepted, error, insn, processed, log} as JSON")
	setUsage(fs, stderr, "verify [flags] PROGRAM",
		"Checks a program as the Linux verifier would and prints its log. PROGRAM is an ELF",
		"object, assembler text (maps declared with // bpflab:map lines or --map), or raw/hex",
		"instructions. Exit status 0: accepted, 1: rejected.")
	arg, err := parseArg(fs, args)
	if err != nil {
		return err
	}
	var decls []string
	for _, d := range *mapDecls {
		f := strings.FieldsFunc(d, func(r rune) bool { return r == ':' || r == ' ' })
		if len(f) < 5 || len(f) > 6 {
			return fmt.Errorf("--map %q: want NAME:TYPE:KEY:VALUE:MAX[:FLAGS]", d)
		}
		if _, err := parseMapDecl(f); err != nil {
			return fmt.Errorf("--map: %w", err)
		}
		decls = append(decls, "// bpflab:map "+strings.Join(f, " "))
	}
	displayName := ""
	if len(decls) > 0 {
		// Text programs take the declarations as directive lines, so that
		// the loader sees the maps the program refers to.
		data, name, err := readInput(arg)
		if err != nil {
			return err
		}
		if !isText(data) || isHexText(data) {
			return fmt.Errorf("%s: --map needs an assembler text program (raw programs declare maps in a text form)", name)
		}
		tmp, err := os.CreateTemp("", "bpflab-verify-*.s")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		_, err = tmp.WriteString(strings.Join(decls, "\n") + "\n" + string(data))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		arg, displayName = tmp.Name(), name
	}
	lp, err := pf.load(arg)
	if err != nil {
		return err
	}
	if displayName != "" {
		lp.Name = displayName
		lp.Spec.Name = strings.TrimSuffix(filepath.Base(displayName), filepath.Ext(displayName))
	}
	typ := firstOf(*typeName, lp.Spec.Type, "socket_filter")
	res, err := verifier.VerifySpec(lp.Spec, verifier.Options{ProgType: typ, LogLevel: *logLevel, Unpriv: *unpriv, StrictAlignment: *strict})
	var verr *verifier.Error
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	if *asJSON {
		out := verifyJSON{Accepted: res.Accepted, Processed: res.Processed, Log: res.Log}
		if verr != nil {
			out.Error = verr.Msg
			out.Errno = errnoName(verr.Errno)
			insn := verr.Insn
			out.Insn = &insn
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		for _, l := range res.Log {
			fmt.Fprintln(stdout, l)
		}
		if verr == nil {
			fmt.Fprintf(stdout, "%s: accepted (%d insns processed)\n", lp.Name, res.Processed)
		}
	}
	if verr != nil {
		msg := ""
		if !*asJSON {
			msg = fmt.Sprintf("%s: rejected: insn %d: %s (%s)", lp.Name, verr.Insn, verr.Msg, errnoName(verr.Errno))
		}
		return &exitError{code: 1, msg: msg}
	}
	return nil
}
