package asm

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/cilium/ebpf"
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
