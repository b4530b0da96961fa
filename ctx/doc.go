// Package ctx describes what a program of each type sees: the program types
// bpflab models (named as bpftool spells them, with the kernel's enum
// bpf_prog_type values), the UAPI layout of their context structures
// (struct __sk_buff, struct xdp_md) as data, which context fields each type
// may read or write at which sizes, which fields the verifier turns into
// packet pointers, and how BPF_PROG_TEST_RUN builds a context from a packet
// and copies results back.
//
// The rules follow the *_is_valid_access functions of net/core/filter.c and
// net/bpf/test_run.c of Linux 6.12; tests check them against the running
// kernel. The verifier takes its context-access rules from here, and the vm
// builds its context and packet regions from here, so that neither needs a
// switch on the program type.
package ctx
