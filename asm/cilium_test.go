package asm

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	ciliumasm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"
)

// TestCiliumInstructionsBytes checks that the instructions cilium/ebpf
// models in its own way (signed division and modulo, sign-extending moves,
// atomics, lddw, helper calls) survive the trip through its Instruction
// type byte for byte, in both directions.
func TestCiliumInstructionsBytes(t *testing.T) {
	tests := []struct {
		name string
		prog Program
	}{
		{"alu", Prog(
			BPF_MOV64_IMM(BPF_REG_0, 7),
			BPF_ALU64_IMM_OFF(BPF_DIV, BPF_REG_0, 3, 1), // r0 s/= 3
			BPF_ALU32_REG_OFF(BPF_MOD, BPF_REG_0, BPF_REG_1, 1),
			BPF_MOVSX64_REG(BPF_REG_2, BPF_REG_0, 8),
			BPF_MOVSX32_REG(BPF_REG_3, BPF_REG_0, 16),
			BPF_MOVSX64_REG(BPF_REG_4, BPF_REG_0, 32),
			BPF_BSWAP(BPF_REG_4, 64),
			BPF_ENDIAN(BPF_TO_BE, BPF_REG_4, 16),
			BPF_EXIT_INSN(),
		)},
		{"atomics", Prog(
			BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
			BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0),
			BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_2, BPF_REG_1, -8),
			BPF_ATOMIC_OP(BPF_DW, BPF_ADD|BPF_FETCH, BPF_REG_2, BPF_REG_1, -8),
			BPF_ATOMIC_OP(BPF_W, BPF_XCHG, BPF_REG_2, BPF_REG_1, -8),
			BPF_ATOMIC_OP(BPF_DW, BPF_CMPXCHG, BPF_REG_2, BPF_REG_1, -8),
			BPF_MOV64_IMM(BPF_REG_0, 0),
			BPF_EXIT_INSN(),
		)},
		{"lddw and calls", Prog(
			BPF_LD_IMM64(BPF_REG_1, 0x1122334455667788),
			BPF_LD_MAP_FD(BPF_REG_1, 0),
			BPF_LD_MAP_VALUE(BPF_REG_2, 0, 16),
			BPF_EMIT_CALL(BPF_FUNC_ktime_get_ns),
			BPF_CALL_REL(2),
			BPF_JMP32_A(0),
			BPF_EXIT_INSN(),
			BPF_MOV64_IMM(BPF_REG_0, 1),
			BPF_EXIT_INSN(),
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns, err := CiliumInstructions(tt.prog, map[int]string{0: "main"})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := insns.Marshal(&b, binary.LittleEndian); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.prog.Marshal(binary.LittleEndian), b.Bytes()); d != "" {
				t.Errorf("cilium/ebpf bytes: diff (-want +got):\n%s", d)
			}
			back, syms, err := ProgramFromCilium(insns)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.prog, back); d != "" {
				t.Errorf("round trip: diff (-want +got):\n%s", d)
			}
			if d := cmp.Diff(map[int]string{0: "main"}, syms); d != "" {
				t.Errorf("symbols: diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestCiliumInstructionsErrors(t *testing.T) {
	for _, p := range []Program{
		{BPF_LD_IMM64(BPF_REG_1, 1)[0]},                                   // lddw without its second slot
		{BPF_LD_IMM64(BPF_REG_1, 1)[0], BPF_EXIT_INSN(), BPF_EXIT_INSN()}, // second slot is not empty
	} {
		_, err := CiliumInstructions(p, nil)
		if de, ok := err.(*DecodeError); !ok || de.Insn != 0 {
			t.Errorf("CiliumInstructions(%v): got %v, want a DecodeError at insn 0", p, err)
		}
	}
}

// TestToCiliumRoundTrip converts every program of the corpus to
// cilium/ebpf's CollectionSpec and back: nothing may change.
func TestToCiliumRoundTrip(t *testing.T) {
	for _, path := range objects(t) {
		c, err := LoadCollection(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Programs {
			t.Run(filepath.Base(path)+"/"+p.Name, func(t *testing.T) {
				spec, err := ToCilium(p)
				if err != nil {
					t.Fatal(err)
				}
				ps := spec.Programs[p.Name]
				if ps == nil {
					t.Fatalf("program %s missing from %v", p.Name, spec.Programs)
				}
				// Map loads refer to their map by key, with no fd yet.
				pc := 0
				for _, ins := range ps.Instructions {
					if ins.IsLoadFromMap() {
						if want := CiliumMapKey(int(p.Insns[pc].Imm)); ins.Reference() != want {
							t.Errorf("insn %d: reference %q, want %q", pc, ins.Reference(), want)
						}
						if int32(ins.Constant) != 0 || int32(ins.Constant>>32) != p.Insns[pc+1].Imm {
							t.Errorf("insn %d: constant %#x", pc, ins.Constant)
						}
					}
					pc += int(ins.Width())
				}
				back, err := FromCilium(spec)
				if err != nil {
					t.Fatal(err)
				}
				if len(back.Programs) != 1 {
					t.Fatalf("%d programs back", len(back.Programs))
				}
				if d := cmp.Diff(p, back.Programs[0]); d != "" {
					t.Errorf("round trip: diff (-want +got):\n%s", d)
				}
			})
		}
	}
}

func TestToCiliumTypes(t *testing.T) {
	p := &ProgramSpec{Name: "p", Type: "cgroup_skb", AttachType: "cgroup_inet_egress", License: "GPL",
		Insns: Prog(BPF_MOV64_IMM(BPF_REG_0, 1), BPF_EXIT_INSN())}
	spec, err := ToCilium(p)
	if err != nil {
		t.Fatal(err)
	}
	ps := spec.Programs["p"]
	if ps.Type != ebpf.CGroupSKB || ps.AttachType != ebpf.AttachCGroupInetEgress || ps.License != "GPL" {
		t.Errorf("got type %v attach %v license %q", ps.Type, ps.AttachType, ps.License)
	}
	bad := &ProgramSpec{Insns: Prog(BPF_LD_MAP_FD(BPF_REG_1, 3), BPF_EXIT_INSN())}
	if _, err := ToCilium(bad); err == nil {
		t.Error("map index out of range: no error")
	}
}

func TestProgTypeNames(t *testing.T) {
	// The table is indexed by the kernel's enum: spot-check against
	// cilium/ebpf's constants, which carry the kernel's values.
	for _, tt := range []struct {
		typ  ebpf.ProgramType
		name string
	}{
		{ebpf.SocketFilter, "socket_filter"}, {ebpf.SchedCLS, "sched_cls"}, {ebpf.SchedACT, "sched_act"},
		{ebpf.XDP, "xdp"}, {ebpf.CGroupSKB, "cgroup_skb"}, {ebpf.CGroupSockAddr, "cgroup_sock_addr"},
		{ebpf.SkLookup, "sk_lookup"}, {ebpf.Netfilter, "netfilter"}, {ebpf.UnspecifiedProgram, ""},
	} {
		if got := progTypeName(tt.typ); got != tt.name {
			t.Errorf("progTypeName(%v) = %q, want %q", tt.typ, got, tt.name)
		}
	}
	for _, tt := range []struct {
		typ  ebpf.AttachType
		name string
	}{
		{ebpf.AttachCGroupInetEgress, "cgroup_inet_egress"}, {ebpf.AttachXDP, "xdp"},
		{ebpf.AttachTCXIngress, "tcx_ingress"}, {ebpf.AttachSkLookup, "sk_lookup"},
		{ebpf.AttachTraceKprobeSession, "trace_kprobe_session"},
	} {
		if got := attachTypeName(ebpf.UnspecifiedProgram, tt.typ); got != tt.name {
			t.Errorf("attachTypeName(%v) = %q, want %q", tt.typ, got, tt.name)
		}
	}
}

// TestFromCiliumReferences covers each kind of reference cilium/ebpf's ELF
// reader leaves in a program: a map, a data section value, a bpf-to-bpf
// call, a function pointer (bpf_loop's callback) and a jump to a symbol.
func TestFromCiliumReferences(t *testing.T) {
	lddw := func(dst ciliumasm.Register, src ciliumasm.Register, c int64) ciliumasm.Instruction {
		return ciliumasm.Instruction{OpCode: ciliumasm.LoadImmOp(ciliumasm.DWord), Dst: dst, Src: src, Constant: c}
	}
	insns := ciliumasm.Instructions{
		lddw(ciliumasm.R1, ciliumasm.PseudoMapFD, 0).WithReference("counts").WithSymbol("main"), // 0-1
		lddw(ciliumasm.R2, ciliumasm.PseudoMapValue, 8<<32).WithReference(".data"),              // 2-3
		ciliumasm.Call.Label("helper"),                                         // 4
		lddw(ciliumasm.R2, ciliumasm.PseudoFunc, -1).WithReference("callback"), // 5-6
		ciliumasm.FnLoop.Call(),                                                // 7
		ciliumasm.Ja.Label("out"),                                              // 8
		ciliumasm.Mov.Imm(ciliumasm.R0, 1),                                     // 9
		ciliumasm.Return().WithSymbol("out"),                                   // 10
		ciliumasm.Mov.Imm(ciliumasm.R0, 0).WithSymbol("helper"),                // 11
		ciliumasm.Return(),                                                     // 12
		ciliumasm.Mov.Imm(ciliumasm.R0, 0).WithSymbol("callback"),              // 13
		ciliumasm.Return(),                                                     // 14
	}
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			"counts": {Name: "counts", Type: ebpf.Hash, KeySize: 4, ValueSize: 8, MaxEntries: 16},
			".data":  {Name: ".data", Type: ebpf.Array, KeySize: 4, ValueSize: 16, MaxEntries: 1, Contents: []ebpf.MapKV{{Key: uint32(0), Value: make([]byte, 16)}}},
		},
		Programs: map[string]*ebpf.ProgramSpec{"main": {Name: "main", Type: ebpf.XDP, Instructions: insns}},
	}
	c, err := FromCilium(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Programs[0]
	want := Prog(
		BPF_LD_MAP_FD(BPF_REG_1, 0),
		BPF_LD_MAP_VALUE(BPF_REG_2, 1, 8),
		BPF_CALL_REL(6),
		BPF_LD_FUNC(BPF_REG_2, 7),
		BPF_EMIT_CALL(BPF_FUNC_loop),
		BPF_JMP_A(1),
		BPF_MOV64_IMM(BPF_REG_0, 1),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	)
	if d := cmp.Diff(want, p.Insns); d != "" {
		t.Errorf("insns: diff (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[int]string{0: "main", 10: "out", 11: "helper", 13: "callback"}, p.Symbols); d != "" {
		t.Errorf("symbols: diff (-want +got):\n%s", d)
	}
	var names []string
	for _, m := range p.Maps {
		names = append(names, m.Name)
	}
	if d := cmp.Diff([]string{"counts", ".data"}, names); d != "" {
		t.Errorf("maps in order of first use: diff (-want +got):\n%s", d)
	}
	if err := p.Insns.Validate(); err != nil {
		t.Error(err)
	}
	// Without a collection, map loads keep cilium/ebpf's immediates.
	plain, _, err := ProgramFromCilium(insns)
	if err != nil {
		t.Fatal(err)
	}
	want[0].Imm, want[2].Imm = 0, 0
	if d := cmp.Diff(want, plain); d != "" {
		t.Errorf("ProgramFromCilium: diff (-want +got):\n%s", d)
	}

	for _, tt := range []struct {
		name string
		ins  ciliumasm.Instruction
		err  string
	}{
		{"unknown map", lddw(ciliumasm.R1, ciliumasm.PseudoMapFD, 0).WithReference("nope"), `insn 0: reference to unknown map "nope"`},
		{"undefined function", ciliumasm.Call.Label("nope"), `insn 0: call to undefined function "nope"`},
		{"kfunc", ciliumasm.Instruction{OpCode: ciliumasm.OpCode(ciliumasm.JumpClass).SetJumpOp(ciliumasm.Call), Src: ciliumasm.PseudoKfuncCall, Constant: 5}, "insn 0: kfunc calls are not supported"},
	} {
		bad := &ebpf.CollectionSpec{Programs: map[string]*ebpf.ProgramSpec{"p": {Name: "p", Instructions: ciliumasm.Instructions{tt.ins.WithSymbol("p"), ciliumasm.Return()}}}}
		_, err := FromCilium(bad)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: got error %v, want %q", tt.name, err, tt.err)
		}
	}
}

// TestCiliumInstructionsBTFFuncs checks the BTF function records a program
// gets when it takes a function's address, and only then.
func TestCiliumInstructionsBTFFuncs(t *testing.T) {
	callback := Prog(
		BPF_LD_FUNC(BPF_REG_2, 5), // 0-1: address of insn 6
		BPF_CALL_REL(3),           // 2: call insn 6
		BPF_EMIT_CALL(BPF_FUNC_loop),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 0), // 6
		BPF_EXIT_INSN(),
	)
	type rec struct {
		Name    string
		Linkage btf.FuncLinkage
	}
	for _, tt := range []struct {
		name    string
		prog    Program
		symbols map[int]string
		want    map[int]rec
	}{
		{"callback", callback, map[int]string{0: "main", 6: "cb.1"}, map[int]rec{0: {"main", btf.GlobalFunc}, 6: {"cb_1", btf.StaticFunc}}},
		{"unnamed", callback, nil, map[int]rec{0: {"func_0", btf.GlobalFunc}, 6: {"func_6", btf.StaticFunc}}},
		{"calls only", Prog(BPF_CALL_REL(1), BPF_EXIT_INSN(), BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN()), map[int]string{0: "main", 2: "f"}, map[int]rec{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			insns, err := CiliumInstructions(tt.prog, tt.symbols)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]rec{}
			pc := 0
			for _, ins := range insns {
				if fn := btf.FuncMetadata(&ins); fn != nil {
					got[pc] = rec{fn.Name, fn.Linkage}
				}
				pc += int(ins.Width())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("diff (-want +got):\n%s", d)
			}
		})
	}
}
