// Package asm owns the eBPF instruction set as the Linux kernel encodes it:
// the 8-byte struct bpf_insn (Insn), programs in which lddw takes two slots
// (Program), the kernel's opcode constants and instruction-building macros,
// binary encoding and validation, the text syntaxes people write eBPF in
// (LLVM/bpftool pseudo-C, kernel C macros, the uBPF/bpf_conformance
// mnemonics) and clang-built ELF objects.
//
// Builders and constants deliberately keep the kernel's spelling
// (BPF_MOV64_IMM, BPF_LDX_MEM, BPF_REG_0, BPF_ADD …; see include/linux/filter.h
// and include/uapi/linux/bpf.h as of v6.12) so that kernel selftests and
// kernel documentation can be read side by side with Go code and translated
// line by line. This is the one package where underscores in names are
// intended.
//
// Every index printed anywhere in bpflab is an index into a Program, exactly
// as the kernel counts instructions: "insn 5" means the same thing in our
// output and in the kernel's verifier log.
package asm
