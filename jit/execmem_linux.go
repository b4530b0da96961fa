//go:build linux && amd64

package jit

import (
	"fmt"
	"syscall"
	"unsafe"
)

// execMem is a mapping of machine code. It is written while mapped
// read+write, then switched to read+execute before it ever runs: a page is
// never writable and executable at once.
type execMem struct {
	b []byte
}

// newExecMem maps code into fresh pages and seals them read+execute.
func newExecMem(code []byte) (*execMem, error) {
	size := (len(code) + pageSize - 1) &^ (pageSize - 1)
	if size == 0 {
		size = pageSize
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("jit: mmap %d bytes: %w", size, err)
	}
	copy(b, code)
	for i := len(code); i < len(b); i++ {
		b[i] = 0xcc // int3 in the slack
	}
	if err := syscall.Mprotect(b, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		syscall.Munmap(b)
		return nil, fmt.Errorf("jit: mprotect read+exec: %w", err)
	}
	return &execMem{b: b}, nil
}

// addr is the address of the first byte of code.
func (m *execMem) addr() uintptr { return uintptr(unsafe.Pointer(&m.b[0])) }

// close unmaps the code; it must not run afterwards.
func (m *execMem) close() error {
	if m.b == nil {
		return nil
	}
	err := syscall.Munmap(m.b)
	m.b = nil
	return err
}

// newNativeStack maps a read+write stack for generated code, which must not
// run on a goroutine stack (those move when they grow).
func newNativeStack(size int) ([]byte, error) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("jit: mmap native stack: %w", err)
	}
	return b, nil
}

var pageSize = syscall.Getpagesize()
