//go:build linux && amd64

package jit

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/jit/amd64"
	"github.com/bpflab/bpflab/vm"
)

// TestEnter runs a tiny piece of generated code through the trampoline: it
// writes R0 into the state and returns, while the GC runs concurrently.
func TestEnter(t *testing.T) {
	var a amd64.Asm
	a.MovImm64(amd64.RAX, 0x1122334455667788)
	a.Store(amd64.W64, amd64.Ptr(amd64.R12, offRegs), amd64.RAX)
	a.Push(amd64.RBX) // the native stack works
	a.Pop(amd64.RBX)
	a.Ret()
	code, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := newExecMem(code)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.close()
	stack, err := newNativeStack(64 << 10)
	if err != nil {
		t.Fatal(err)
	}
	st := &state{stackTop: uintptr(unsafe.Pointer(&stack[len(stack)-16]))}
	for i := 0; i < 10000; i++ {
		st.regs[0] = 0
		enter(mem.addr(), st)
		if st.regs[0] != 0x1122334455667788 {
			t.Fatalf("run %d: r0 = %#x", i, st.regs[0])
		}
		if i%1000 == 0 {
			runtime.GC()
		}
	}
}

// TestExecMemWX maps and frees code thousands of times and checks, from the
// process's own mappings, that no page is ever writable and executable and
// that nothing is leaked.
func TestExecMemWX(t *testing.T) {
	code := []byte{0xc3}
	before := countMappings(t)
	for i := 0; i < 3000; i++ {
		m, err := newExecMem(code)
		if err != nil {
			t.Fatal(err)
		}
		if i%500 == 0 {
			perm := mappingPerm(t, m.addr())
			if perm[:3] != "r-x" {
				t.Fatalf("code mapping has permissions %q, want r-x", perm)
			}
		}
		if err := m.close(); err != nil {
			t.Fatal(err)
		}
	}
	checkNoWX(t)
	if after := countMappings(t); after > before+8 {
		t.Errorf("mappings grew from %d to %d over 3000 compile/close cycles", before, after)
	}
}

func readMaps(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines
}

func countMappings(t *testing.T) int { return len(readMaps(t)) }

func mappingPerm(t *testing.T, addr uintptr) string {
	t.Helper()
	for _, l := range readMaps(t) {
		var lo, hi uintptr
		var perm string
		if _, err := fmt.Sscanf(l, "%x-%x %s", &lo, &hi, &perm); err == nil && addr >= lo && addr < hi {
			return perm
		}
	}
	t.Fatalf("address %#x not mapped", addr)
	return ""
}

func checkNoWX(t *testing.T) {
	t.Helper()
	for _, l := range readMaps(t) {
		f := strings.Fields(l)
		if len(f) > 1 && strings.Contains(f[1], "w") && strings.Contains(f[1], "x") {
			t.Errorf("writable and executable mapping: %s", l)
		}
	}
}

// TestCompileCloseWX compiles, runs and closes real programs thousands of
// times and checks, from /proc/self/maps, that code is mapped read+execute
// only, that no mapping is ever writable and executable, and that closing
// releases the code and the native stacks.
func TestCompileCloseWX(t *testing.T) {
	progs := []asm.Program{
		asm.Prog(asm.BPF_MOV64_IMM(asm.BPF_REG_0, 1), asm.BPF_EXIT_INSN()),
		asm.Prog(asm.BPF_ST_MEM(asm.BPF_DW, asm.BPF_REG_10, -8, 7), asm.BPF_LDX_MEM(asm.BPF_DW, asm.BPF_REG_0, asm.BPF_REG_10, -8),
			asm.BPF_JMP_IMM(asm.BPF_JGT, asm.BPF_REG_0, 3, 1), asm.BPF_MOV64_IMM(asm.BPF_REG_0, 0), asm.BPF_EXIT_INSN()),
		asm.Prog(asm.BPF_CALL_REL(1), asm.BPF_EXIT_INSN(), asm.BPF_MOV64_IMM(asm.BPF_REG_0, 7), asm.BPF_EXIT_INSN()),
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	before := countMappings(t)
	for i := 0; i < n; i++ {
		code, err := CompileInsns(progs[i%len(progs)])
		if err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			if _, err := code.Run(vm.NewEnv()); err != nil {
				t.Fatal(err)
			}
		}
		if i%500 == 0 {
			if perm := mappingPerm(t, code.mem.addr()); perm[:3] != "r-x" {
				t.Fatalf("code mapping has permissions %q, want r-x", perm)
			}
			checkNoWX(t)
		}
		if err := code.Close(); err != nil {
			t.Fatal(err)
		}
	}
	checkNoWX(t)
	if after := countMappings(t); after > before+8 {
		t.Errorf("mappings grew from %d to %d over %d compile/run/close cycles", before, after, n)
	}
}
