// Package amd64 is an x86-64 instruction encoder for bpflab's JIT. It knows
// nothing of eBPF: it turns method calls such as ALU(ADD, W64, RAX, RCX)
// into bytes, with REX prefixes, ModRM/SIB addressing and forward/backward
// labels resolved when the code is finished. Its output is checked against
// an independent decoder (golang.org/x/arch/x86/x86asm) in tests.
package amd64
