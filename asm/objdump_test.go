package asm_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// The clang parity tests: llvm-objdump-19 is the oracle for our LLVM-syntax
// printer, and our assembler must read back what we print.

// objdumpLine is one instruction line of llvm-objdump -d -r.
type objdumpLine struct {
	index int
	text  string // whitespace-normalised, without the index
	reloc bool   // followed by a relocation line: some fields are the loader's
}

// objdumpFunc is one "<name>:" block.
type objdumpFunc struct {
	name  string
	start int // index of its first instruction in the section
	lines []objdumpLine
}

// objdumpSection is one "Disassembly of section" part, as normalised lines
// (headers and instructions, no relocations or blank lines) and as blocks.
type objdumpSection struct {
	lines []string
	funcs []*objdumpFunc
}

func normalise(s string) string { return strings.Join(strings.Fields(s), " ") }

// runObjdump disassembles an object with llvm-objdump-19 and splits its
// output by section and function.
func runObjdump(t *testing.T, tool, path string, extra ...string) map[string]*objdumpSection {
	t.Helper()
	args := append([]string{"-d", "-r", "--no-show-raw-insn"}, extra...)
	out, err := exec.Command(tool, append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	secs := map[string]*objdumpSection{}
	var sec *objdumpSection
	var fn *objdumpFunc
	for _, line := range strings.Split(string(out), "\n") {
		n := normalise(line)
		switch {
		case n == "" || strings.HasSuffix(n, "file format elf64-bpf"):
		case strings.HasPrefix(n, "Disassembly of section "):
			sec = &objdumpSection{}
			secs[strings.TrimSuffix(strings.TrimPrefix(n, "Disassembly of section "), ":")] = sec
			fn = nil
		case strings.Contains(n, " R_BPF_"):
			if fn == nil || len(fn.lines) == 0 {
				t.Fatalf("relocation before any instruction: %q", line)
			}
			fn.lines[len(fn.lines)-1].reloc = true
		case strings.HasSuffix(n, ">:"):
			_, name, _ := strings.Cut(strings.TrimSuffix(n, ">:"), "<")
			fn = &objdumpFunc{name: name, start: -1}
			sec.funcs = append(sec.funcs, fn)
			sec.lines = append(sec.lines, n)
		default:
			idx, text, ok := strings.Cut(n, ": ")
			i, err := strconv.Atoi(idx)
			if !ok || err != nil || fn == nil {
				t.Fatalf("unexpected llvm-objdump line %q", line)
			}
			if fn.start < 0 {
				fn.start = i
			}
			fn.lines = append(fn.lines, objdumpLine{i, text, false})
			sec.lines = append(sec.lines, n)
		}
	}
	return secs
}

// elfSection is a code section of an object, decoded into slots as it is in
// the file (relocations not applied), with its function symbols.
type elfSection struct {
	name    string
	prog    asm.Program
	symbols map[int]string
}

func readCodeSections(t *testing.T, path string) []elfSection {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var out []elfSection
	for i, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_EXECINSTR == 0 || s.Size == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		p, err := asm.Decode(data, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		es := elfSection{name: s.Name, prog: p, symbols: map[int]string{}}
		for _, sym := range syms {
			if int(sym.Section) == i && elf.ST_TYPE(sym.Info) == elf.STT_FUNC {
				es.symbols[int(sym.Value/asm.InsnSize)] = sym.Name
			}
		}
		out = append(out, es)
	}
	return out
}

func printProgram(t *testing.T, p asm.Program, o asm.PrintOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := p.Print(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if n := normalise(l); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// objdumpMode pairs llvm-objdump's CPU choice with the printer options
// that match it: plain -d decodes as the generic CPU (no 32-bit
// subregisters: "*(u32 *)(r10 - 0x4) = r1", most 32-bit atomics unknown),
// --mcpu=vN as the objects were built.
type objdumpMode struct {
	name string
	args []string
	w32  bool
}

var objdumpModes = []objdumpMode{
	{"default", nil, false},
	{"mcpu=v3", []string{"--mcpu=v3"}, true},
}

// compareObjdump prints every code section of the object at path, as the
// file holds it, with our LLVM printer in objdump mode (indexes, function
// headers, "<sym+off>" annotations) and compares it with llvm-objdump-19
// line for line. It returns the instructions compared and the lines that
// differ.
func compareObjdump(t *testing.T, tool, path string, mode objdumpMode) (insns, mismatches int) {
	want := runObjdump(t, tool, path, mode.args...)
	for _, sec := range readCodeSections(t, path) {
		t.Run(mode.name+"/"+filepath.Base(path)+"/"+sec.name, func(t *testing.T) {
			ws := want[sec.name]
			if ws == nil {
				t.Fatalf("llvm-objdump shows no section %s", sec.name)
			}
			o := asm.PrintOptions{Syntax: asm.SyntaxLLVM, Index: true, Symbols: sec.symbols, Objdump: true, W32: mode.w32}
			got := nonEmptyLines(printProgram(t, sec.prog, o))
			insns += sec.prog.Len()
			if d := cmp.Diff(ws.lines, got); d != "" {
				for i := range max(len(got), len(ws.lines)) {
					if i >= len(got) || i >= len(ws.lines) || got[i] != ws.lines[i] {
						mismatches++
					}
				}
				t.Errorf("our printer and llvm-objdump %v differ: diff (-objdump +ours):\n%s", mode.args, d)
			}
		})
	}
	return insns, mismatches
}

// reassembleSections checks that our default (lossless) text of every code
// section of an object assembles back to the section's bytes.
func reassembleSections(t *testing.T, path string) {
	for _, sec := range readCodeSections(t, path) {
		if sec.prog.Validate() != nil {
			// A section whose calls leave it (xdp_call's program
			// calling into .text) only assembles once linked:
			// TestReassembleLoaded covers it.
			continue
		}
		for _, o := range []asm.PrintOptions{
			{Syntax: asm.SyntaxLLVM, Index: true, Symbols: sec.symbols},
			{Syntax: asm.SyntaxLLVM, Labels: true, Symbols: sec.symbols, W32: true},
		} {
			text := printProgram(t, sec.prog, o)
			back, err := asm.Assemble([]byte(text), sec.name, asm.SyntaxLLVM)
			if err != nil {
				t.Errorf("%s %s: assembling our text: %v", path, sec.name, err)
				continue
			}
			if d := cmp.Diff(sec.prog.Marshal(binary.LittleEndian), back.Marshal(binary.LittleEndian)); d != "" {
				t.Errorf("%s %s: reassembled bytes differ: diff (-object +ours):\n%s", path, sec.name, d)
			}
		}
	}
}

// TestObjdumpParity compares our printer with llvm-objdump-19 on every
// object of the corpus, in both CPU modes, and reassembles our text.
func TestObjdumpParity(t *testing.T) {
	tool := testenv.Tool(t, "llvm-objdump")
	files, err := filepath.Glob("../testdata/progs/*.o")
	if err != nil || len(files) == 0 {
		t.Fatalf("no objects in ../testdata/progs (%v)", err)
	}
	for _, mode := range objdumpModes {
		var insns, mismatches int
		for _, path := range files {
			n, m := compareObjdump(t, tool, path, mode)
			insns, mismatches = insns+n, mismatches+m
		}
		t.Logf("objdump parity (%s): %d objects, %d instructions, %d mismatched lines", mode.name, len(files), insns, mismatches)
	}
	for _, path := range files {
		reassembleSections(t, path)
	}
}

// TestObjdumpParityV4 builds the programs of testdata/objdump with clang
// -mcpu=v4 (signed division, sign-extending loads and moves, byte swaps,
// immediate stores) and compares our printer with llvm-objdump-19 on them.
func TestObjdumpParityV4(t *testing.T) {
	clang := testenv.Tool(t, "clang")
	tool := testenv.Tool(t, "llvm-objdump")
	srcs, err := filepath.Glob("testdata/objdump/*.c")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no sources in testdata/objdump (%v)", err)
	}
	dir := t.TempDir()
	for _, src := range srcs {
		obj := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".c")+".o")
		out, err := exec.Command(clang, "-O2", "-g", "-target", "bpf", "-mcpu=v4", "-I../testdata/progs", "-c", src, "-o", obj).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", src, err, out)
		}
		for _, mode := range []objdumpMode{{"default", nil, false}, {"mcpu=v4", []string{"--mcpu=v4"}, true}} {
			n, m := compareObjdump(t, tool, obj, mode)
			t.Logf("objdump parity (%s) %s: %d instructions, %d mismatched lines", mode.name, filepath.Base(src), n, m)
		}
		reassembleSections(t, obj)
	}
}

// TestObjdumpParityLoaded prints every program as LoadCollection returns
// it (callees appended, map and call immediates resolved) and compares each
// function with llvm-objdump's, index for index relative to the function.
// Lines objdump marks with a relocation hold the loader's fields, so only
// their operation and destination must agree.
func TestObjdumpParityLoaded(t *testing.T) {
	tool := testenv.Tool(t, "llvm-objdump")
	files, err := filepath.Glob("../testdata/progs/*.o")
	if err != nil || len(files) == 0 {
		t.Fatalf("no objects in ../testdata/progs (%v)", err)
	}
	for _, path := range files {
		byName := map[string]*objdumpFunc{}
		for _, sec := range runObjdump(t, tool, path) {
			for _, fn := range sec.funcs {
				byName[fn.name] = fn
			}
		}
		c, err := asm.LoadCollection(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Programs {
			t.Run(filepath.Base(path)+"/"+p.Name, func(t *testing.T) {
				text := printProgram(t, p.Insns, asm.PrintOptions{Syntax: asm.SyntaxLLVM, Index: true, Symbols: p.Symbols, Objdump: true})
				got := splitFuncs(t, text)
				for name, lines := range got {
					want := byName[name]
					if want == nil {
						t.Errorf("function %s: not in llvm-objdump's output", name)
						continue
					}
					if len(lines) != len(want.lines) {
						t.Errorf("function %s: %d instructions, llvm-objdump %d", name, len(lines), len(want.lines))
						continue
					}
					base := lines[0].index
					for i, l := range lines {
						w := want.lines[i]
						if l.index-base != w.index-want.start {
							t.Errorf("%s: insn %d is at %d in the function, llvm-objdump's at %d", name, l.index, l.index-base, w.index-want.start)
						}
						gt, wt := l.text, w.text
						if w.reloc {
							gt, wt = relocMask(gt), relocMask(wt)
						}
						if gt != wt {
							t.Errorf("%s insn %d: %q, llvm-objdump %q", name, l.index, l.text, w.text)
						}
					}
				}
			})
		}
	}
}

// relocMask keeps what a relocation does not change: "call" for calls, the
// destination register for lddw.
func relocMask(s string) string {
	f := strings.Fields(s)
	switch {
	case len(f) > 0 && f[0] == "call":
		return "call"
	case len(f) > 1 && f[0] == "ld_pseudo":
		return strings.TrimSuffix(f[1], ",") + " = lddw"
	case len(f) > 2 && f[1] == "=" && strings.HasSuffix(s, " ll"):
		return f[0] + " = lddw"
	}
	return s
}

// splitFuncs cuts our index-mode output into function blocks.
func splitFuncs(t *testing.T, text string) map[string][]objdumpLine {
	t.Helper()
	out := map[string][]objdumpLine{}
	name := ""
	for _, n := range nonEmptyLines(text) {
		if strings.HasSuffix(n, ">:") {
			_, name, _ = strings.Cut(strings.TrimSuffix(n, ">:"), "<")
			continue
		}
		idx, rest, ok := strings.Cut(n, ": ")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || name == "" {
			t.Fatalf("unexpected line %q", n)
		}
		out[name] = append(out[name], objdumpLine{index: i, text: rest})
	}
	return out
}

// TestReassembleLoaded prints every loaded program in the default
// (lossless) LLVM syntax with labels, symbols and map names, and checks that
// assembling the text gives the program back slot for slot, map indexes
// included.
func TestReassembleLoaded(t *testing.T) {
	files, err := filepath.Glob("../testdata/progs/*.o")
	if err != nil || len(files) == 0 {
		t.Fatalf("no objects in ../testdata/progs (%v)", err)
	}
	for _, path := range files {
		c, err := asm.LoadCollection(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Programs {
			t.Run(filepath.Base(path)+"/"+p.Name, func(t *testing.T) {
				for _, o := range []asm.PrintOptions{
					{Syntax: asm.SyntaxLLVM, Labels: true, Symbols: p.Symbols, MapNames: p.MapNames()},
					{Syntax: asm.SyntaxLLVM, Index: true, Symbols: p.Symbols, MapNames: p.MapNames(), HelperNames: true},
				} {
					text := printProgram(t, p.Insns, o)
					back, err := asm.Assemble([]byte(text), p.Name+".s", asm.SyntaxLLVM)
					if err != nil {
						t.Fatalf("%v\n%s", err, text)
					}
					if d := cmp.Diff(p.Insns, back); d != "" {
						t.Errorf("options %+v: diff (-loaded +reassembled):\n%s\n%s", o, d, text)
					}
				}
			})
		}
	}
}

// Example of reading an object and printing a program as llvm-objdump does.
func ExampleLoadCollection() {
	c, err := asm.LoadCollection("../testdata/progs/xdp_drop_udp.o")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := c.Program("xdp_drop_udp")
	fmt.Println(p.Section, p.Type, p.License, len(p.Insns), "slots")
	names := make([]int, 0, len(p.Symbols))
	for pc := range p.Symbols {
		names = append(names, pc)
	}
	sort.Ints(names)
	fmt.Println("entry", names[0], p.Symbols[names[0]])
	// Output:
	// xdp xdp MIT 19 slots
	// entry 0 xdp_drop_udp
}

// Example of handing a program to cilium/ebpf: ebpf.NewCollection(spec)
// would load it (the kernel package does that; package asm makes no bpf()
// call).
func ExampleToCilium() {
	c, err := asm.LoadCollection("../testdata/progs/tc_count.o")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := c.Program("tc")
	spec, err := asm.ToCilium(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	ps := spec.Programs[p.Name]
	fmt.Println(ps.Name, ps.Type, len(ps.Instructions), "instructions for", len(p.Insns), "slots")
	m := spec.Maps[asm.CiliumMapKey(0)]
	fmt.Println(asm.CiliumMapKey(0), m.Name, m.Type, m.MaxEntries)
	// Output:
	// tc_count SchedCLS 27 instructions for 29 slots
	// map0 proto_count Hash 64
}
