//go:build !linux

package kernel

import (
	"syscall"

	"github.com/bpflab/bpflab/asm"
	"github.com/cilium/ebpf"
)

type testRunAttr struct {
	retval, dataSizeOut, ctxSizeOut, duration uint32
}

func loadRaw(asm.Program, loadRequest) (*ebpf.Program, string, syscall.Errno, error) {
	return nil, "", 0, ErrNotPermitted
}

func rawTestRun(int, *RunInput, []byte, []byte) (testRunAttr, error) {
	return testRunAttr{}, ErrNotPermitted
}

func release() string { return "" }

func pinThread(int) (func(), error) { return nil, ErrNotPermitted }
