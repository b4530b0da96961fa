// Package kernel is bpflab's oracle and the only package that makes bpf()
// system calls: it loads programs into the running kernel to get the real
// verifier's verdict and log (Load), runs them with BPF_PROG_TEST_RUN
// (Program.TestRun, RunWithMemory), reads and writes their maps (Map), and
// probes what the kernel supports (Probe, Helpers). Everything else in
// bpflab is checked against it; package kerneltest wraps it for tests.
//
// Programs are asm.ProgramSpecs: maps are created from spec.Maps (with
// their Contents) and the lddw instructions that refer to them by index get
// the maps' file descriptors. Loading goes through github.com/cilium/ebpf,
// except for programs cilium/ebpf would re-encode (see
// docs/KERNEL-QUIRKS.md), which are loaded byte for byte by a direct
// BPF_PROG_LOAD.
//
// A rejected program is a normal Result (Accepted false, the errno, the
// log, the error line and the instruction it names), not an error. Errors
// are for not being able to ask: every call returns an error wrapping
// ErrNotPermitted when bpf() cannot be used (not root and no CAP_BPF, not
// Linux), and Disable simulates that for tests.
package kernel
