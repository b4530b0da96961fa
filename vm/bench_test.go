package vm_test

import (
	"runtime"
	"testing"

	"github.com/bpflab/bpflab/internal/enginetest"
)

// BenchmarkInterp runs the shared benchmark programs (bench/*.data) and
// reports, besides ns/op, ns per executed instruction.
func BenchmarkInterp(b *testing.B) { enginetest.Bench(b, enginetest.Interpreter) }

// BenchmarkFloor is a calibration, not a test of package vm: a bare Go
// switch over pre-decoded instructions (no memory, no checks, no budget)
// running alu_loop's loop. On a shared machine, compare BenchmarkInterp's
// cpu-ns/insn with this one's rather than with absolute targets.
func BenchmarkFloor(b *testing.B) {
	type ins struct {
		op       uint8
		dst, src uint8
		off      int32
		imm      int64
	}
	code := []ins{
		{op: 0, dst: 6, imm: 0x123456789}, {op: 0, dst: 0}, {op: 0, dst: 7},
		{op: 1, dst: 3, src: 6}, {op: 2, dst: 3, imm: 13}, {op: 4, dst: 6, src: 3},
		{op: 1, dst: 3, src: 6}, {op: 3, dst: 3, imm: 7}, {op: 4, dst: 6, src: 3},
		{op: 1, dst: 3, src: 6}, {op: 2, dst: 3, imm: 17}, {op: 4, dst: 6, src: 3},
		{op: 5, dst: 0, src: 6}, {op: 6, dst: 7, imm: 1}, {op: 7, dst: 7, imm: 50000, off: 3},
		{op: 8},
	}
	run := func(r *[16]uint64) int {
		pc, n := 0, 0
		for {
			in := &code[pc]
			pc++
			n++
			switch in.op {
			case 0:
				r[in.dst&15] = uint64(in.imm)
			case 1:
				r[in.dst&15] = r[in.src&15]
			case 2:
				r[in.dst&15] <<= uint64(in.imm) & 63
			case 3:
				r[in.dst&15] >>= uint64(in.imm) & 63
			case 4:
				r[in.dst&15] ^= r[in.src&15]
			case 5:
				r[in.dst&15] += r[in.src&15]
			case 6:
				r[in.dst&15] += uint64(in.imm)
			case 7:
				if r[in.dst&15] < uint64(in.imm) {
					pc = int(in.off)
				}
			case 8:
				return n
			case 9:
				r[in.dst&15] -= uint64(in.imm)
			case 10:
				r[in.dst&15] |= uint64(in.imm)
			case 11:
				r[in.dst&15] &= uint64(in.imm)
			}
		}
	}
	var r [16]uint64
	n := 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := enginetest.ThreadCPU()
	for b.Loop() {
		n = run(&r)
	}
	cpu := enginetest.ThreadCPU() - cpu0
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/insn")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/insn")
	}
}
