// Package kernel is bpflab's oracle and the only package that makes bpf()
// system calls (through github.com/cilium/ebpf): it loads programs into the
// running kernel to get the real verifier's verdict and log, runs them with
// BPF_PROG_TEST_RUN, reads and writes their maps, and probes what the kernel
// supports. Everything else in bpflab is checked against it.
package kernel
