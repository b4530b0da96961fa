package kernel

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// requireKernel skips (or fails under BPFLAB_REQUIRE_KERNEL=1) when bpf()
// cannot be used.
func requireKernel(t testing.TB) {
	t.Helper()
	// The same policy as kerneltest.Require, which cannot be imported here.
	if err := Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
	}
	if testing.Short() {
		t.Skip("kernel tests are skipped with -short")
	}
}

func load(t *testing.T, spec *asm.ProgramSpec, opts *LoadOptions) *Program {
	t.Helper()
	p, err := Load(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// verdict is the part of a Result that is stable across kernel versions.
type verdict struct {
	Accepted  bool
	Errno     syscall.Errno
	ErrorLine string
	Insn      int
}

func TestKernelLoadVerdicts(t *testing.T) {
	requireKernel(t)
	tests := []struct {
		name  string
		typ   string
		prog  asm.Program
		want  verdict
		procd int // processed insns, when accepted
	}{
		{
			name:  "accepted",
			prog:  asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1), asm.BPF_EXIT_INSN()),
			want:  verdict{Accepted: true, Insn: -1},
			procd: 2,
		},
		{
			name: "uninitialised r0",
			prog: asm.Prog(asm.BPF_EXIT_INSN()),
			want: verdict{Errno: syscall.EACCES, ErrorLine: "R0 !read_ok", Insn: 0},
		},
		{
			name: "invalid shift",
			prog: asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1), asm.BPF_ALU64_IMM(asm.BPF_LSH, asm.BPF_REG_0, 64), asm.BPF_EXIT_INSN()),
			want: verdict{Errno: syscall.EINVAL, ErrorLine: "invalid shift 64", Insn: 1},
		},
		{
			name: "jump out of range",
			prog: asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1), asm.BPF_JMP_A(5), asm.BPF_EXIT_INSN()),
			want: verdict{Errno: syscall.EINVAL, ErrorLine: "jump out of range from insn 1 to 7", Insn: 1},
		},
		{
			name: "packet access without bounds check",
			typ:  "xdp",
			prog: asm.Prog(
				asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_1, 0),
				asm.BPF_LDX_MEM(asm.BPF_B, asm.BPF_REG_0, asm.BPF_REG_2, 0),
				asm.BPF_EXIT_INSN()),
			// The kernel explains in two lines; the last is the error line.
			want: verdict{Errno: syscall.EACCES, ErrorLine: "R2 offset is outside of the packet", Insn: 1},
		},
		{
			// cilium/ebpf would drop the offset of this mov; the raw loader
			// keeps it so the kernel sees the reserved field.
			name: "reserved field set",
			prog: asm.Prog(asm.BPF_ALU64_IMM_OFF(asm.BPF_MOV, asm.BPF_REG_0, 1, 1), asm.BPF_EXIT_INSN()),
			want: verdict{Errno: syscall.EINVAL, ErrorLine: "BPF_MOV uses reserved fields", Insn: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, &asm.ProgramSpec{Name: tt.name, Insns: tt.prog}, &LoadOptions{Type: tt.typ})
			got := verdict{p.Accepted, p.Errno, p.ErrorLine, p.Insn}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("verdict (-want +got):\n%s\nlog:\n%s", d, strings.Join(p.Log, "\n"))
			}
			if tt.want.Accepted && p.Processed != tt.procd {
				t.Errorf("processed %d insns, want %d", p.Processed, tt.procd)
			}
			if !tt.want.Accepted && p.FD() != -1 {
				t.Errorf("rejected program has fd %d", p.FD())
			}
		})
	}
}

func TestKernelLoadLogLevels(t *testing.T) {
	requireKernel(t)
	prog := asm.Prog(
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
		asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_1, 0, 1),
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1),
		asm.BPF_EXIT_INSN())
	for _, level := range []LogLevel{LogLevelInsns, LogLevelStates, LogLevelInsns | LogLevelStats} {
		p := load(t, &asm.ProgramSpec{Insns: prog}, &LoadOptions{LogLevel: level})
		if !p.Accepted || p.Processed <= 0 {
			t.Fatalf("level %d: accepted=%v processed=%d", level, p.Accepted, p.Processed)
		}
		text := strings.Join(p.Log, "\n")
		// At level 1 the kernel drops the lines of paths that verified
		// successfully, so an accepted program logs only the statistics.
		if insn := strings.Contains(text, "1: (15) if r1 == 0x0 goto pc+1"); insn != (level&LogLevelStates != 0) {
			t.Errorf("level %d: instruction line present=%v:\n%s", level, insn, text)
		}
		if stats := strings.Contains(text, "verification time"); stats != (level&LogLevelStats != 0) {
			t.Errorf("level %d: verification time line present=%v:\n%s", level, stats, text)
		}
		if level&LogLevelStats != 0 && !cmp.Equal(p.StackDepth, []int{0}) {
			t.Errorf("level %d: stack depth %v, want [0]", level, p.StackDepth)
		}
	}
}

func TestKernelMapsAndTestRun(t *testing.T) {
	requireKernel(t)
	// r0 = *(u32 *)lookup(map, key=0); *value += 1; packet[0] = 0xaa; return XDP_PASS.
	prog := asm.Prog(
		asm.BPF_MOV64_REG(asm.BPF_REG_6, asm.BPF_REG_1),
		asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, 0),
		asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4),
		asm.BPF_LD_MAP_FD(asm.BPF_REG_1, 0),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_lookup_elem),
		asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 3),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_1, asm.BPF_REG_0, 0),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_1, 1),
		asm.BPF_STX_MEM(asm.BPF_W, asm.BPF_REG_0, asm.BPF_REG_1, 0),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_2, asm.BPF_REG_6, 0),
		asm.BPF_LDX_MEM(asm.BPF_W, asm.BPF_REG_3, asm.BPF_REG_6, 4),
		asm.BPF_MOV64_REG(asm.BPF_REG_4, asm.BPF_REG_2),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_4, 1),
		asm.BPF_JMP_REG(asm.BPF_JGT, asm.BPF_REG_4, asm.BPF_REG_3, 1),
		asm.BPF_ST_MEM(asm.BPF_B, asm.BPF_REG_2, 0, 0xaa),
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 2),
		asm.BPF_EXIT_INSN())
	m := &asm.MapSpec{Name: "counter", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 4, MaxEntries: 2,
		Contents: []asm.MapEntry{{Key: []byte{0, 0, 0, 0}, Value: []byte{41, 0, 0, 0}}}}
	p := load(t, &asm.ProgramSpec{Name: "count", Type: "xdp", Insns: prog, Maps: []*asm.MapSpec{m}}, nil)
	if !p.Accepted {
		t.Fatalf("rejected: %s\n%s", p.ErrorLine, strings.Join(p.Log, "\n"))
	}
	pkt := make([]byte, 14)
	out, err := p.TestRun(RunInput{Data: pkt})
	if err != nil {
		t.Fatal(err)
	}
	wantPkt := append([]byte{0xaa}, make([]byte, 13)...)
	want := &RunOutput{Retval: 2, Data: wantPkt, Maps: [][]asm.MapEntry{{
		{Key: []byte{0, 0, 0, 0}, Value: []byte{42, 0, 0, 0}},
		{Key: []byte{1, 0, 0, 0}, Value: []byte{0, 0, 0, 0}},
	}}}
	if d := cmp.Diff(want, out, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Duration" }, cmp.Ignore())); d != "" {
		t.Errorf("first run (-want +got):\n%s", d)
	}
	// Preload replaces the map contents before the second run.
	out, err = p.TestRun(RunInput{Data: pkt, Maps: [][]asm.MapEntry{{{Key: []byte{0, 0, 0, 0}, Value: []byte{9, 0, 0, 0}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Maps[0][0].Value[0]; got != 10 {
		t.Errorf("after preload of 9 the counter is %d, want 10", got)
	}
	// A packet shorter than an Ethernet header is refused by the kernel.
	if _, err := p.TestRun(RunInput{Data: pkt[:4]}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("4-byte packet: err = %v, want EINVAL", err)
	}
}

func TestKernelRunWithMemory(t *testing.T) {
	requireKernel(t)
	// *(u8 *)(r1 + 1) = 0x77; r0 = r2 (the memory's length) << 40.
	prog := asm.Prog(
		asm.BPF_ST_MEM(asm.BPF_B, asm.BPF_REG_1, 1, 0x77),
		asm.BPF_MOV64_REG(asm.BPF_REG_0, asm.BPF_REG_2),
		asm.BPF_ALU64_IMM(asm.BPF_LSH, asm.BPF_REG_0, 40),
		asm.BPF_EXIT_INSN())
	r, err := RunWithMemory(prog, []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Accepted || r.R0 != 3<<40 || string(r.Mem) != "\x01\x77\x03" {
		t.Errorf("accepted=%v r0=%#x mem=%x (%s)", r.Accepted, r.R0, r.Mem, r.ErrorLine)
	}
	// A program that exits without writing r0 is blamed at its exit, even
	// though the kernel notices only in the wrapper.
	r, err = RunWithMemory(asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_1, 0), asm.BPF_EXIT_INSN()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := (verdict{r.Accepted, r.Errno, r.ErrorLine, r.Insn}); got != (verdict{false, syscall.EACCES, "R0 !read_ok", 1}) {
		t.Errorf("uninitialised r0: %+v", got)
	}
}

func TestKernelPinnedRunPerCPU(t *testing.T) {
	requireKernel(t)
	cpus, err := PossibleCPUs()
	if err != nil {
		t.Fatal(err)
	}
	// *(u64 *)lookup(percpu map, key 0) += 1; return XDP_PASS.
	prog := asm.Prog(
		asm.BPF_ST_MEM(asm.BPF_W, asm.BPF_REG_10, -4, 0),
		asm.BPF_MOV64_REG(asm.BPF_REG_2, asm.BPF_REG_10),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_2, -4),
		asm.BPF_LD_MAP_FD(asm.BPF_REG_1, 0),
		asm.BPF_EMIT_CALL(asm.BPF_FUNC_map_lookup_elem),
		asm.BPF_JMP_IMM(asm.BPF_JEQ, asm.BPF_REG_0, 0, 2),
		asm.BPF_MOV64_IMM(asm.BPF_REG_1, 1),
		asm.BPF_ATOMIC_OP(asm.BPF_DW, asm.BPF_ADD, asm.BPF_REG_0, asm.BPF_REG_1, 0),
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 2),
		asm.BPF_EXIT_INSN())
	m := &asm.MapSpec{Name: "hits", Type: asm.BPF_MAP_TYPE_PERCPU_ARRAY, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	p := load(t, &asm.ProgramSpec{Type: "xdp", Insns: prog, Maps: []*asm.MapSpec{m}}, nil)
	if !p.Accepted {
		t.Fatalf("rejected: %s", p.ErrorLine)
	}
	want := make([]byte, 8*cpus)
	for _, cpu := range []int{0, min(cpus, runtime.NumCPU()) - 1} {
		out, err := p.TestRun(RunInput{Data: make([]byte, 14), Pin: true, CPU: uint32(cpu)})
		if err != nil {
			t.Fatal(err)
		}
		want[8*cpu]++
		if d := cmp.Diff([]asm.MapEntry{{Key: []byte{0, 0, 0, 0}, Value: want}}, out.Maps[0]); d != "" {
			t.Errorf("after a run pinned to CPU %d (-want +got):\n%s", cpu, d)
		}
	}
}

// TestKernelLoadELF loads every program of the clang-built objects in
// testdata/progs, maps and all: the kernel accepts each.
func TestKernelLoadELF(t *testing.T) {
	requireKernel(t)
	objs, err := filepath.Glob("../testdata/progs/*.o")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no objects in ../testdata/progs (%v)", err)
	}
	n := 0
	for _, obj := range objs {
		coll, err := asm.LoadCollection(obj)
		if err != nil {
			t.Errorf("%s: %v", obj, err)
			continue
		}
		for _, spec := range coll.Programs {
			p := load(t, spec, nil)
			if !p.Accepted {
				t.Errorf("%s: %s (%s): rejected at insn %d: %s", obj, spec.Name, spec.Type, p.Insn, p.ErrorLine)
			}
			n++
		}
	}
	t.Logf("%d programs of %d objects loaded", n, len(objs))
}

// TestKernelLoadersAgree loads the same programs through cilium/ebpf and
// through the raw loader, with logs larger than the first buffer (64 KiB),
// and requires the same Result.
func TestKernelLoadersAgree(t *testing.T) {
	requireKernel(t)
	// 3000 register moves: about 100 KiB of level-2 log.
	long := asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0))
	for i := 0; i < 3000; i++ {
		long = append(long, asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_0, 1))
	}
	bad := append(append(asm.Program(nil), long...), asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_2, 0), asm.BPF_EXIT_INSN())
	long = append(long, asm.BPF_EXIT_INSN())
	for _, tt := range []struct {
		name string
		prog asm.Program
	}{{"accepted", long}, {"rejected", bad}} {
		t.Run(tt.name, func(t *testing.T) {
			spec := &asm.ProgramSpec{Insns: tt.prog}
			opts := &LoadOptions{LogLevel: LogLevelStates}
			viaCilium := load(t, spec, opts).Result
			forceRawLoad = true
			raw := load(t, spec, opts).Result
			forceRawLoad = false
			if n := len(strings.Join(raw.Log, "\n")); n < 64<<10 {
				t.Errorf("log of %d bytes does not exceed the first buffer", n)
			}
			if d := cmp.Diff(viaCilium, raw); d != "" {
				t.Errorf("cilium/ebpf loader vs raw loader (-cilium +raw):\n%s", d)
			}
			want := verdict{Accepted: true, Insn: -1}
			if tt.name == "rejected" {
				want = verdict{Errno: syscall.EACCES, ErrorLine: "R2 !read_ok", Insn: 3001}
			}
			if got := (verdict{viaCilium.Accepted, viaCilium.Errno, viaCilium.ErrorLine, viaCilium.Insn}); got != want {
				t.Errorf("verdict %+v, want %+v", got, want)
			}
		})
	}
}

func TestKernelTestRunRepeat(t *testing.T) {
	requireKernel(t)
	// A loop of 64 rounds, so that a run takes measurable time.
	prog := asm.Prog(
		asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0),
		asm.BPF_ALU64_IMM(asm.BPF_ADD, asm.BPF_REG_0, 1),
		asm.BPF_JMP_IMM(asm.BPF_JLT, asm.BPF_REG_0, 64, -2),
		asm.BPF_EXIT_INSN())
	p := load(t, &asm.ProgramSpec{Type: "xdp", Insns: prog}, nil)
	out, err := p.TestRun(RunInput{Data: make([]byte, 14), Repeat: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if out.Retval != 64 || out.Duration <= 0 {
		t.Errorf("retval %d, duration %v; want 64 and a positive mean", out.Retval, out.Duration)
	}
}

// TestKernelLoadAttachType checks that the expected attach type reaches the
// kernel through both loaders: cgroup_sock_addr programs need one.
func TestKernelLoadAttachType(t *testing.T) {
	requireKernel(t)
	prog := asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1), asm.BPF_EXIT_INSN())
	for _, raw := range []bool{false, true} {
		forceRawLoad = raw
		without := load(t, &asm.ProgramSpec{Type: "cgroup_sock_addr", Insns: prog}, nil)
		with := load(t, &asm.ProgramSpec{Type: "cgroup_sock_addr", Insns: prog}, &LoadOptions{AttachType: "cgroup_inet4_connect"})
		forceRawLoad = false
		if without.Accepted || without.Errno != syscall.EINVAL || !with.Accepted {
			t.Errorf("raw=%v: without attach type accepted=%v (%v), with it accepted=%v (%s)", raw, without.Accepted, without.Errno, with.Accepted, with.ErrorLine)
		}
	}
}
