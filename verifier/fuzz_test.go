package verifier

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testcase"
)

// decodeFuzz turns bytes into instruction slots, eight bytes each.
func decodeFuzz(b []byte) asm.Program {
	var p asm.Program
	for i := 0; i+8 <= len(b) && len(p) < 512; i += 8 {
		p = append(p, asm.Insn{
			Code: b[i],
			Dst:  asm.Reg(b[i+1] & 0xf),
			Src:  asm.Reg(b[i+1] >> 4),
			Off:  int16(binary.LittleEndian.Uint16(b[i+2:])),
			Imm:  int32(binary.LittleEndian.Uint32(b[i+4:])),
		})
	}
	return p
}

func encodeFuzz(p asm.Program) []byte {
	var b []byte
	for _, ins := range p {
		var s [8]byte
		s[0] = ins.Code
		s[1] = byte(ins.Dst&0xf) | byte(ins.Src)<<4
		binary.LittleEndian.PutUint16(s[2:], uint16(ins.Off))
		binary.LittleEndian.PutUint32(s[4:], uint32(ins.Imm))
		b = append(b, s[:]...)
	}
	return b
}

var fuzzTypes = []string{"socket_filter", "sched_cls", "xdp", "cgroup_skb"}

// FuzzVerify feeds arbitrary instruction bytes to the verifier: it must
// neither panic nor run away (the processed-insn limit bounds the work), and
// a rejection must name an instruction of the program.
func FuzzVerify(f *testing.F) {
	cases, _ := testcase.Glob(filepath.Join("testdata", "*.case"))
	for _, c := range cases {
		f.Add(encodeFuzz(c.Program), uint8(0))
	}
	f.Add(encodeFuzz(asm.Program{asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN()}), uint8(2))
	maps := []*asm.MapSpec{
		{Name: "h", Type: asm.BPF_MAP_TYPE_HASH, KeySize: 8, ValueSize: 8, MaxEntries: 4},
		{Name: "a", Type: asm.BPF_MAP_TYPE_ARRAY, KeySize: 4, ValueSize: 16, MaxEntries: 1},
	}
	f.Fuzz(func(t *testing.T, b []byte, typ uint8) {
		p := decodeFuzz(b)
		if len(p) == 0 {
			return
		}
		res, err := Verify(p, Options{ProgType: fuzzTypes[int(typ)%len(fuzzTypes)], Maps: maps, InsnLimit: 20000})
		if res == nil {
			t.Fatalf("nil result: %v", err)
		}
		if res.Processed > 20001 {
			t.Fatalf("processed %d insns", res.Processed)
		}
		if res.Err != nil && (res.Err.Insn < 0 || res.Err.Insn >= len(p)) {
			t.Fatalf("error names insn %d of %d: %v", res.Err.Insn, len(p), res.Err)
		}
	})
}
