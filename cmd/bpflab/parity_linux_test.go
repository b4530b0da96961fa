package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/cilium/ebpf"
	"github.com/google/go-cmp/cmp"
)

// parityCase is one program of the kernel parity corpus, run over every
// packet of testdata/pcap/parity.pcap, in order, with maps kept between
// packets.
type parityCase struct {
	file string // under testdata/progs: a clang object or hand-written .s
	prog string // ELF: the program's name ("" for the only one)
	typ  string // overrides the object's type
	ctx  string // --ctx style ctx_in, "" for none
	sets []string
	skip string // why the case cannot run yet
	// xdpEnd sets xdp_md.data_end of the ctx to each packet's length.
	xdpEnd bool
	// repeat runs each packet this many times on the same context, as
	// BPF_PROG_TEST_RUN's repeat does (changes accumulate).
	repeat int
}

var parityCases = []parityCase{
	{file: "xdp_call.o"},
	{file: "xdp_drop_udp.o"},
	{file: "xdp_loop_csum.o"},
	{file: "xdp_parse_vlan.o"},
	{file: "tc_count.o"},
	{file: "tc_count.o", typ: "sched_act", ctx: "mark=3,priority=9,cb[1]=77"},
	{file: "tc_mark.o"},
	{file: "sock_len.o"},
	{file: "sock_filter_tcp.o"},
	{file: "cgroup_skb_count.o", prog: "count_ingress"},
	{file: "cgroup_skb_count.o", prog: "count_egress"},
	{file: "xdp_firewall.o", sets: []string{"blocklist:c0a80101=0000000000000000", "blocklist:0a000003=0500000000000000"}},
	{file: "tc_traffic.o"},
	{file: "tc_traffic.o", typ: "sched_act", ctx: "mark=1,ifindex=1,cb[4]=4,wire_len=2000,gso_segs=3,gso_size=100,tstamp=5"},
	{file: "xdp_adjust.o", prog: "xdp_pop_vlan"},
	{file: "xdp_adjust.o", prog: "xdp_push_vlan"},
	{file: "xdp_adjust.o", prog: "xdp_trim"},
	{file: "xdp_adjust.o", prog: "xdp_meta"},
	{file: "xdp_adjust.o", prog: "xdp_meta", ctx: "data=8,ingress_ifindex=1", xdpEnd: true},
	{file: "xdp_firewall.o", ctx: "data=4", xdpEnd: true},
	{file: "tc_rewrite.o", prog: "tc_nat", ctx: "priority=1"},
	{file: "tc_rewrite.o", prog: "tc_vlan", ctx: "mark=5"},
	{file: "xdp_tailcall.o", prog: "xdp_dispatch", sets: []string{"jmp:00000000=xdp_udp", "jmp:01000000=xdp_tcp"}},
	{file: "xdp_icmp_echo.o"},
	{file: "sock_ldabs.s"},
	{file: "sock_ldabs.s", ctx: "mark=4,cb[2]=9,ingress_ifindex=1"},
	{file: "xdp_count.s"},
	{file: "tc_redirect.s"},
	{file: "tc_redirect.s", typ: "sched_act", ctx: "priority=2,tstamp=77,hwtstamp=3"},
	{file: "tc_helpers.s", ctx: "mark=1"},
	{file: "tc_helpers.s", typ: "sched_act"},
	{file: "xdp_helpers.s"},
	{file: "xdp_helpers.s", ctx: "data=8,ingress_ifindex=1", xdpEnd: true},
	{file: "maps_helpers.s"},
	{file: "hash_replace.s"},
	{file: "lru_evict.s"},
	{file: "pkt_bytes.s"},
	{file: "sock_relative.s"},
	{file: "xdp_bytes.s"},
	{file: "ringbuf_fill.s"},
	{file: "ringbuf_reserve.s"},
	{file: "sock_load.s"},
	{file: "tc_sock.s"},
	{file: "tc_sock.s", typ: "socket_filter"},
	{file: "xdp_adjust.o", prog: "xdp_push_vlan", repeat: 3},
	{file: "tc_count.o", repeat: 5},
	{file: "tc_rewrite.o", prog: "tc_vlan", ctx: "mark=5", repeat: 3},
	{file: "xdp_helpers.s", repeat: 2},
	{file: "tc_xlat.o", ctx: "priority=1"},
	{file: "xdp_redirect.o", sets: []string{"ports:02000000=01000000", "ports6:06000000=01000000"}},
	{file: "xdp_redirect.o"},
	{file: "tc_maps.o", sets: []string{"routes:180000000a000000=01000000", "routes:20000000c0a80101=02000000", "routes:080000000a000000=03000000"}},
}

// TestKernelParity runs the corpus in the vm and in the live kernel and
// requires equal return values, data_out, ctx_out, errnos and map
// contents for every packet.
func TestKernelParity(t *testing.T) {
	kerneltest.Require(t)
	cpus, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := readPcapFile(filepath.Join("..", "..", "testdata", "pcap", "parity.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	total, agree := 0, 0
	for _, c := range parityCases {
		name := c.name()
		if c.repeat > 1 {
			name += fmt.Sprintf("/repeat=%d", c.repeat)
		}
		t.Run(name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			n, ok := runParityCase(t, c, pkts, cpus)
			total += n
			agree += ok
		})
	}
	progs := map[string]bool{}
	for _, c := range parityCases {
		if c.skip == "" {
			progs[c.file+":"+c.prog] = true
		}
	}
	t.Logf("kernel parity: %d programs in %d cases (type, ctx_in, map contents), %d runs (case × packet) compared, %d agree",
		len(progs), len(parityCases), total, agree)
}

// name is the case's subtest name: FILE[:PROG][/TYPE].
func (c parityCase) name() string {
	name := c.file
	if c.prog != "" {
		name += ":" + c.prog
	}
	if c.typ != "" {
		name += "/" + c.typ
	}
	return name
}

// load reads the case's program, its type and its map entries, as
// bpflab run reads its arguments.
func (c parityCase) load(t *testing.T) (*loadedProgram, *ctx.ProgType, []mapSet) {
	t.Helper()
	lp, err := loadProgram(filepath.Join("..", "..", "testdata", "progs", c.file), c.prog, "")
	if err != nil {
		t.Fatal(err)
	}
	typ, err := ctx.ForType(firstOf(c.typ, lp.Spec.Type, "none"))
	if err != nil {
		t.Fatal(err)
	}
	var sets []mapSet
	for _, s := range c.sets {
		ms, err := parseMapSet(s)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, ms)
	}
	return lp, typ, sets
}

func runParityCase(t *testing.T, c parityCase, pkts [][]byte, cpus int) (compared, agreed int) {
	lp, typ, sets := c.load(t)
	r, err := newVMRunner(lp, typ, sets, cpus)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := kernel.Load(lp.Spec, &kernel.LoadOptions{Type: typ.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer kp.Close()
	if !kp.Accepted {
		t.Fatalf("kernel rejected the program: %s", kp.ErrorLine)
	}
	for _, s := range sets {
		i := slices.IndexFunc(lp.Spec.Maps, func(m *asm.MapSpec) bool { return m.Name == s.Map })
		if i < 0 {
			t.Fatalf("map %s is not used by the program", s.Map)
		}
		v := s.Value
		if s.Prog != "" {
			callee := lp.Coll.Program(s.Prog)
			cp, err := kernel.Load(callee, &kernel.LoadOptions{Type: typ.Name})
			if err != nil || !cp.Accepted {
				t.Fatalf("loading tail-call target %s: %v %s", s.Prog, err, cp.ErrorLine)
			}
			defer cp.Close()
			v = binary.LittleEndian.AppendUint32(nil, uint32(cp.FD()))
		}
		if err := kp.Maps[i].Update(s.Key, v); err != nil {
			t.Fatalf("kernel map %s: %v", s.Map, err)
		}
	}
	var ctxIn []byte
	if c.ctx != "" {
		if ctxIn, err = parseCtxFields(c.ctx, typ); err != nil {
			t.Fatal(err)
		}
	}
	for i, pkt := range pkts {
		compared++
		if c.xdpEnd {
			binary.LittleEndian.PutUint32(ctxIn[4:], uint32(len(pkt)))
		}
		// Per-CPU maps: the vm runs on CPU 0, so the kernel must too.
		kout, kerr := kp.TestRun(kernel.RunInput{Data: pkt, Ctx: ctxIn, Pin: true, CPU: 0, Repeat: uint32(c.repeat)})
		res := r.run(pkt, ctxIn, c.repeat)
		if d := parityDiff(lp.Spec, r, kout, kerr, res); d != "" {
			t.Errorf("packet %d (%d bytes): vm and kernel differ:\n%s", i+1, len(pkt), d)
			continue
		}
		agreed++
	}
	return compared, agreed
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// parityDiff describes every difference between the kernel's run and the
// vm's, "" when they agree.
func parityDiff(spec *asm.ProgramSpec, r *vmRunner, kout *kernel.RunOutput, kerr error, res *runResult) string {
	var d bytes.Buffer
	if kerr != nil || res.Err != nil {
		if ke, ve := errnoOf(kerr), errnoOf(res.Err); kerr == nil || res.Err == nil || ke != ve {
			fmt.Fprintf(&d, "  error: kernel %v, vm %v\n", kerr, res.Err)
		}
		return d.String()
	}
	if uint32(res.Retval) != kout.Retval {
		fmt.Fprintf(&d, "  retval: kernel %#x, vm %#x\n", kout.Retval, uint32(res.Retval))
	}
	if !bytes.Equal(kout.Data, res.DataOut) {
		fmt.Fprintf(&d, "  data_out:\n    kernel %x\n    vm     %x\n", kout.Data, res.DataOut)
	}
	if !bytes.Equal(kout.Ctx, res.CtxOut) {
		fmt.Fprintf(&d, "  ctx_out:\n    kernel %x\n    vm     %x\n", kout.Ctx, res.CtxOut)
	}
	dumps := r.dumpMaps()
	for i, m := range spec.Maps {
		if kout.Maps[i] == nil {
			continue // keyless or fd maps: the kernel cannot list them
		}
		j := slices.IndexFunc(dumps, func(x mapDump) bool { return x.Name == m.Name })
		if j < 0 {
			fmt.Fprintf(&d, "  map %s: missing in the vm\n", m.Name)
			continue
		}
		got := slices.Clone(dumps[j].Entries)
		slices.SortFunc(got, func(a, b asm.MapEntry) int { return bytes.Compare(a.Key, b.Key) })
		if diff := cmp.Diff(kout.Maps[i], got); diff != "" {
			fmt.Fprintf(&d, "  map %s (-kernel +vm):\n%s", m.Name, diff)
		}
	}
	return d.String()
}

// TestKernelCases runs the case files of testdata/cases in the kernel: the
// expected retval (its low 32 bits, which is what BPF_PROG_TEST_RUN
// reports) or the refused run must be the kernel's too.
func TestKernelCases(t *testing.T) {
	kerneltest.Require(t)
	for _, c := range caseFiles(t) {
		t.Run(filepath.Base(c.Name), func(t *testing.T) {
			kp, err := kernel.Load(c.Spec(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer kp.Close()
			if !kp.Accepted {
				t.Fatalf("kernel rejected the program: %s", kp.ErrorLine)
			}
			out, err := kp.TestRun(kernel.RunInput{Data: c.Mem})
			switch {
			case c.ExpectError && err == nil:
				t.Errorf("%s: kernel ran it (retval %#x)", c.Descr, out.Retval)
			case !c.ExpectError && err != nil:
				t.Errorf("%s: kernel: %v", c.Descr, err)
			case !c.ExpectError && c.HasResult && out.Retval != uint32(c.Result):
				t.Errorf("%s: kernel retval %#x, case says %#x", c.Descr, out.Retval, c.Result)
			}
		})
	}
}
