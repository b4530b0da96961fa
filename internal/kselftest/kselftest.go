// Package kselftest reads the kernel's verifier test tables: the struct
// bpf_test entries of tools/testing/selftests/bpf/verifier/*.c, fragments
// that test_verifier.c includes into one array. Each entry becomes a Test:
// its program as asm.Program, the verdicts and messages the kernel is
// expected to give, the program type, the maps to create (the fixup_*
// arrays, as data), and the runs to make with BPF_PROG_TEST_RUN.
//
// The reader is the C front end of package asm (asm.ParseCInit), so the
// files are read as C: #define'd helper macros, #if blocks and offsetof
// expressions all work as in the kernel's build. Entries whose program is
// made by a fill_helper function are Generated; the helpers of test_verifier.c
// are reimplemented in fill.go.
package kselftest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bpflab/bpflab/asm"
)

// Verdict is the expected outcome of loading a test's program.
type Verdict int

// Verdicts, as test_verifier.c numbers them.
const (
	Undef         Verdict = iota // not given (for unpriv: same as privileged)
	Accept                       // the program loads
	Reject                       // the load fails and the log contains Errstr
	VerboseAccept                // the program loads and the log contains Errstr
)

func (v Verdict) String() string {
	switch v {
	case Undef:
		return "undef"
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case VerboseAccept:
		return "verbose_accept"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Flags of struct bpf_test's .flags field (test_verifier.c). Program load
// flags (BPF_F_SLEEPABLE, BPF_F_ANY_ALIGNMENT, …) share the field.
const (
	FlagNeedsEfficientUnalignedAccess = 1 << 0 // F_NEEDS_EFFICIENT_UNALIGNED_ACCESS
	FlagLoadWithStrictAlignment       = 1 << 1 // F_LOAD_WITH_STRICT_ALIGNMENT
	FlagNeedsJITEnabled               = 1 << 2 // F_NEEDS_JIT_ENABLED
)

// maxRuns is MAX_TEST_RUNS, the size of struct bpf_test's retvals array.
const maxRuns = 8

// DataLen is the size of the packet/context buffer every test run passes
// (TEST_DATA_LEN): test_verifier.c always hands over all 64 bytes.
const DataLen = 64

// Run is one BPF_PROG_TEST_RUN of an accepted program.
type Run struct {
	Retval       uint32 // expected return value
	RetvalUnpriv uint32 // expected when run unprivileged, if nonzero
	Data         []byte // DataLen bytes of input
}

// KfuncFixup asks for the BTF id of a kernel function in an instruction's imm.
type KfuncFixup struct {
	Name string
	Insn int
}

// FuncInfo is one struct bpf_func_info record.
type FuncInfo struct {
	InsnOff, TypeID uint32
}

// Test is one struct bpf_test entry.
type Test struct {
	File  string // path of the verifier/*.c file
	Line  int    // line of the entry's opening brace (or of the macro that made it)
	Descr string

	// Insns is the program as test_verifier.c loads it: trailing slots with
	// code and imm both zero are dropped, as its probe_filter_length does.
	// For Generated tests it is the fill helper's output (nil if the helper
	// is not implemented).
	Insns      asm.Program
	FillHelper string // name of .fill_helper, "" if none
	Generated  bool   // the program comes from FillHelper

	Result, ResultUnpriv Verdict
	// Errstr and ErrstrUnpriv are the expected log text; tab-separated
	// parts must appear in order.
	Errstr, ErrstrUnpriv string
	InsnProcessed        uint32 // expected "processed N insns", 0 if unchecked

	ProgType           string // bpftool spelling; "socket_filter" when not given
	ExpectedAttachType string // libbpf spelling ("cgroup_udp6_sendmsg"), "" if not given
	Kfunc              string // attach target of tracing/LSM programs
	Flags              uint32 // the raw .flags value

	// Fixups maps a fixup kind ("map_hash_8b", "map_array_48b", "prog1", …,
	// the field name without "fixup_") to the indexes of the instructions
	// whose imm receives that map. See MapSpecs.
	Fixups      map[string][]int
	KfuncFixups []KfuncFixup

	// Runs lists the test runs to make once the program loads; empty when
	// the table sets .runs negative.
	Runs []Run

	ExpectedInsns, UnexpectedInsns asm.Program // patterns for the translated program; see CheckXlated
	FuncInfo                       []FuncInfo
	BTFStrings                     string
	BTFTypes                       []uint32

	// Err says why the entry could not be converted; the other fields
	// hold what could be read.
	Err error

	generatedRetval *uint32 // the retval a fill helper computed
}

// Expect returns the verdict and message expected for a load with the given
// privilege, falling back from the unprivileged fields as test_verifier.c does.
func (t *Test) Expect(unpriv bool) (Verdict, string) {
	v, s := t.Result, t.Errstr
	if unpriv && t.ResultUnpriv != Undef {
		v = t.ResultUnpriv
	}
	if unpriv && t.ErrstrUnpriv != "" {
		s = t.ErrstrUnpriv
	}
	return v, s
}

// TestedUnpriv reports whether test_verifier.c also loads the test without
// privileges (socket filters and cgroup_skb programs), expecting
// Expect(true).
func (t *Test) TestedUnpriv() bool {
	return t.ProgType == "socket_filter" || t.ProgType == "cgroup_skb"
}

// ProgFlags returns the prog_flags test_verifier.c passes to BPF_PROG_LOAD
// for this test, without the testing flags it probes for
// (BPF_F_TEST_RND_HI32, BPF_F_TEST_REG_INVARIANTS). Like test_verifier.c it
// copies all of .flags once any bit above the two alignment bits is set.
func (t *Test) ProgFlags() uint32 {
	var f uint32
	if t.Flags&FlagLoadWithStrictAlignment != 0 {
		f |= 1 << 0 // BPF_F_STRICT_ALIGNMENT
	}
	if t.Flags&FlagNeedsEfficientUnalignedAccess != 0 {
		f |= 1 << 1 // BPF_F_ANY_ALIGNMENT
	}
	if t.Flags&^3 != 0 {
		f |= t.Flags
	}
	return f
}

// Name returns "file.c:line descr".
func (t *Test) Name() string {
	return fmt.Sprintf("%s:%d %s", filepath.Base(t.File), t.Line, t.Descr)
}

// predefine holds what test_verifier.c and test_btf.h define for the
// tables, written out here: verdict names, flag bits, value-type sizes and
// the BTF encoding macros of .btf_types (the layout of the BTF type
// section as Documentation/bpf/btf.rst describes it).
const predefine = `
#define UNDEF 0
#define ACCEPT 1
#define REJECT 2
#define VERBOSE_ACCEPT 3
#define F_NEEDS_EFFICIENT_UNALIGNED_ACCESS (1 << 0)
#define F_LOAD_WITH_STRICT_ALIGNMENT (1 << 1)
#define F_NEEDS_JIT_ENABLED (1 << 2)
#define MAX_ENTRIES 11
#define MAX_TEST_INSNS 1000000
#define MAX_FIXUPS 8
#define TEST_DATA_LEN 64
#define POINTER_VALUE 0xcafe4all
#define INSN_OFF_MASK ((__s16)0xFFFF)
#define INSN_IMM_MASK ((__s32)0xFFFFFFFF)
#define BTF_KIND_INT 1
#define BTF_KIND_PTR 2
#define BTF_KIND_ARRAY 3
#define BTF_KIND_STRUCT 4
#define BTF_KIND_UNION 5
#define BTF_KIND_ENUM 6
#define BTF_KIND_FWD 7
#define BTF_KIND_TYPEDEF 8
#define BTF_KIND_VOLATILE 9
#define BTF_KIND_CONST 10
#define BTF_KIND_RESTRICT 11
#define BTF_KIND_FUNC 12
#define BTF_KIND_FUNC_PROTO 13
#define BTF_KIND_VAR 14
#define BTF_KIND_DATASEC 15
#define BTF_KIND_FLOAT 16
#define BTF_KIND_DECL_TAG 17
#define BTF_KIND_TYPE_TAG 18
#define BTF_INT_SIGNED (1 << 0)
#define BTF_END_RAW 0xdeadbeef
#define BTF_INFO_ENC(kind, kflag, vlen) ((!!(kflag) << 31) | ((kind) << 24) | ((vlen) & 0xffff))
#define BTF_TYPE_ENC(name, info, size_or_type) (name), (info), (size_or_type)
#define BTF_INT_ENC(encoding, bits_offset, nr_bits) ((encoding) << 24 | (bits_offset) << 16 | (nr_bits))
#define BTF_TYPE_INT_ENC(name, encoding, bits_offset, bits, sz) BTF_TYPE_ENC(name, BTF_INFO_ENC(BTF_KIND_INT, 0, 0), sz), BTF_INT_ENC(encoding, bits_offset, bits)
#define BTF_PTR_ENC(type) BTF_TYPE_ENC(0, BTF_INFO_ENC(BTF_KIND_PTR, 0, 0), type)
#define BTF_STRUCT_ENC(name, nr_elems, sz) BTF_TYPE_ENC(name, BTF_INFO_ENC(BTF_KIND_STRUCT, 0, nr_elems), sz)
#define BTF_MEMBER_ENC(name, type, bits_offset) (name), (type), (bits_offset)
#define BTF_FUNC_PROTO_ENC(ret_type, nargs) BTF_TYPE_ENC(0, BTF_INFO_ENC(BTF_KIND_FUNC_PROTO, 0, nargs), ret_type)
#define BTF_FUNC_PROTO_ARG_ENC(name, type) (name), (type)
#define BTF_FUNC_ENC(name, func_proto) BTF_TYPE_ENC(name, BTF_INFO_ENC(BTF_KIND_FUNC, 0, 0), func_proto)
#define BTF_TYPE_TAG_ENC(value, type) BTF_TYPE_ENC(value, BTF_INFO_ENC(BTF_KIND_TYPE_TAG, 0, 0), type)
`

// ReadDir reads every *.c file of a verifier directory in name order. A file
// that cannot be read or parsed at all is reported in the joined error; the
// tests of the other files are still returned.
func ReadDir(dir string) ([]*Test, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.c"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var all []*Test
	var errs []error
	for _, f := range files {
		ts, err := ReadFile(f)
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, ts...)
	}
	return all, errors.Join(errs...)
}

// ReadFile reads one verifier/*.c file.
func ReadFile(path string) ([]*Test, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(src, path)
}

// Parse reads the entries of a table fragment. A syntax error that stops
// the whole file is returned; problems with one entry are in its Err.
func Parse(src []byte, file string) ([]*Test, error) {
	els, err := asm.ParseCInit(src, file, &asm.COptions{Predefine: predefine})
	if err != nil {
		return nil, err
	}
	var tests []*Test
	for _, el := range els {
		t := &Test{File: file, Line: el.Line, ProgType: "socket_filter", Fixups: map[string][]int{}}
		if !el.Braced {
			t.Err = el.Errorf("expected a struct bpf_test initializer, found %q", el.Text())
		} else {
			t.Err = t.read(el)
		}
		tests = append(tests, t)
	}
	return tests, nil
}

// read fills t from the fields of one entry; the first error is kept and
// reading goes on, so the test carries everything that could be read.
func (t *Test) read(el *asm.CInit) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	var runsN int64
	var single Run
	single.Data = make([]byte, DataLen)
	var retvals []Run
	hasInsns := false
	for k, f := range el.List {
		name := f.Field
		if name == "" {
			switch k {
			case 0:
				name = "descr"
			case 1:
				name = "insns"
			default:
				keep(f.Errorf("unexpected positional value %q", f.Text()))
				continue
			}
		}
		switch {
		case name == "descr":
			s, _, err := f.Str()
			keep(err)
			t.Descr = s
		case name == "insns":
			p, err := f.Program()
			keep(err)
			t.Insns = trimProgram(p)
			hasInsns = len(p) > 0
		case name == "fill_helper":
			id, ok := f.Ident()
			if !ok {
				keep(f.Errorf("expected a function name for .fill_helper"))
			}
			t.FillHelper = id
		case name == "expected_insns" || name == "unexpected_insns":
			p, err := f.Program()
			keep(err)
			// Patterns end at their first all-zero slot (see CheckXlated).
			if name == "expected_insns" {
				t.ExpectedInsns = p
			} else {
				t.UnexpectedInsns = p
			}
		case name == "fixup_kfunc_btf_id":
			for _, e := range f.List {
				kf, err := kfuncFixup(e)
				keep(err)
				if err == nil {
					t.KfuncFixups = append(t.KfuncFixups, kf)
				}
			}
		case strings.HasPrefix(name, "fixup_"):
			kind := strings.TrimPrefix(name, "fixup_")
			if _, ok := fixupKinds[kind]; !ok {
				keep(f.Errorf("unknown fixup .%s", name))
				continue
			}
			idx, err := ints(f)
			keep(err)
			// test_verifier.c stops at the first 0 (0 is never a fixup).
			var list []int
			for _, v := range idx {
				if v == 0 {
					break
				}
				list = append(list, int(v))
			}
			if len(list) > 0 {
				t.Fixups[kind] = list
			}
		case name == "errstr" || name == "errstr_unpriv" || name == "kfunc" || name == "btf_strings":
			s, _, err := f.Str()
			keep(err)
			switch name {
			case "errstr":
				t.Errstr = s
			case "errstr_unpriv":
				t.ErrstrUnpriv = s
			case "kfunc":
				t.Kfunc = s
			default:
				t.BTFStrings = s
			}
		case name == "result" || name == "result_unpriv":
			v, err := f.Int()
			keep(err)
			if name == "result" {
				t.Result = Verdict(v)
			} else {
				t.ResultUnpriv = Verdict(v)
			}
		case name == "prog_type":
			if id, ok := f.Ident(); ok {
				if t.ProgType = asm.ProgTypeName(id); t.ProgType == "" {
					keep(f.Errorf("unknown program type %s", id))
				}
				break
			}
			v, err := f.Int()
			keep(err)
			if v == 0 {
				t.ProgType = "socket_filter"
			} else if t.ProgType = asm.ProgTypeNameByValue(int(v)); t.ProgType == "" {
				keep(f.Errorf("unknown program type %d", v))
			}
		case name == "expected_attach_type":
			v, err := f.Int()
			keep(err)
			if t.ExpectedAttachType = asm.AttachTypeName(int(v)); err == nil && t.ExpectedAttachType == "" {
				keep(f.Errorf("unknown attach type %d", v))
			}
		case name == "flags" || name == "insn_processed" || name == "runs" || name == "prog_len" || name == "func_info_cnt":
			v, err := f.Int()
			keep(err)
			switch name {
			case "flags":
				t.Flags = uint32(v)
			case "insn_processed":
				t.InsnProcessed = uint32(v)
			case "runs":
				runsN = v
			}
		case name == "retval" || name == "retval_unpriv" || name == "data" || name == "data64":
			keep(readRunField(&single, name, f))
		case name == "retvals":
			for _, e := range f.List {
				r := Run{Data: make([]byte, DataLen)}
				if !e.Braced {
					keep(e.Errorf("expected a braced run in .retvals"))
					continue
				}
				for _, rf := range e.List {
					keep(readRunField(&r, rf.Field, rf))
				}
				retvals = append(retvals, r)
			}
		case name == "func_info":
			for _, e := range f.List {
				v, err := ints(e)
				keep(err)
				if err == nil && len(v) == 2 {
					t.FuncInfo = append(t.FuncInfo, FuncInfo{uint32(v[0]), uint32(v[1])})
				} else if err == nil {
					keep(e.Errorf("expected { insn_off, type_id }"))
				}
			}
		case name == "btf_types":
			v, err := ints(f)
			keep(err)
			for _, x := range v {
				t.BTFTypes = append(t.BTFTypes, uint32(x))
			}
		default:
			keep(f.Errorf("unknown field .%s", name))
		}
	}
	// The fill helpers read .retval as their parameter, as test_verifier.c's do.
	if t.FillHelper != "" && !hasInsns {
		t.Generated = true
		keep(t.fill(single.Retval))
		if t.generatedRetval != nil {
			single.Retval = *t.generatedRetval
		}
	}
	if runsN > maxRuns {
		keep(el.Errorf(".runs = %d is more than the %d runs struct bpf_test holds", runsN, maxRuns))
		runsN = maxRuns
	}
	if len(retvals) > maxRuns {
		keep(el.Errorf("more than %d .retvals", maxRuns))
		retvals = retvals[:maxRuns]
	}
	switch {
	case runsN < 0:
	case len(retvals) > 0:
		if runsN == 0 {
			runsN = 1
		}
		if int(runsN) > len(retvals) {
			for len(retvals) < int(runsN) {
				retvals = append(retvals, Run{Data: make([]byte, DataLen)})
			}
		}
		t.Runs = retvals[:runsN]
	default:
		t.Runs = []Run{single}
	}
	if t.Descr == "" && first == nil {
		first = el.Errorf("entry has no description")
	}
	if !t.Generated && len(t.Insns) == 0 {
		// test_verifier.c loads at least one slot of its zeroed array.
		t.Insns = asm.Program{{}}
	}
	return first
}

func readRunField(r *Run, name string, f *asm.CInit) error {
	switch name {
	case "retval", "retval_unpriv":
		v, err := f.Int()
		if name == "retval" {
			r.Retval = uint32(v)
		} else {
			r.RetvalUnpriv = uint32(v)
		}
		return err
	case "data", "data64":
		v, err := ints(f)
		if err != nil {
			return err
		}
		size := 1
		if name == "data64" {
			size = 8
		}
		if len(v)*size > DataLen {
			return f.Errorf("more than %d bytes of .%s", DataLen, name)
		}
		for k := range r.Data {
			r.Data[k] = 0 // a later initializer replaces the whole union
		}
		for k, x := range v {
			if size == 1 {
				r.Data[k] = byte(x)
			} else {
				binary.LittleEndian.PutUint64(r.Data[k*8:], uint64(x))
			}
		}
		return nil
	}
	return f.Errorf("unknown field .%s in a run", name)
}

// ints evaluates a braced list of integers ("{ 3, 5 }", or a lone scalar).
func ints(f *asm.CInit) ([]int64, error) {
	if !f.Braced {
		v, err := f.Int()
		return []int64{v}, err
	}
	var out []int64
	for _, e := range f.List {
		if e.Field != "" {
			return nil, e.Errorf("unexpected designator .%s in an integer list", e.Field)
		}
		v, err := e.Int()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func kfuncFixup(e *asm.CInit) (KfuncFixup, error) {
	if !e.Braced || len(e.List) != 2 {
		return KfuncFixup{}, e.Errorf("expected { \"kfunc\", insn }")
	}
	name, _, err := e.List[0].Str()
	if err != nil {
		return KfuncFixup{}, err
	}
	idx, err := e.List[1].Int()
	return KfuncFixup{Name: name, Insn: int(idx)}, err
}

// trimProgram drops trailing slots whose code and imm are both zero, which
// test_verifier.c cannot tell from the zero fill of its fixed-size array.
func trimProgram(p asm.Program) asm.Program {
	n := len(p)
	for n > 1 && p[n-1].Code == 0 && p[n-1].Imm == 0 {
		n-- // like probe_filter_length, which always keeps slot 0
	}
	return p[:n]
}
