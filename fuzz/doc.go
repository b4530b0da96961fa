// Package fuzz owns bpflab's cross-package checks: generators that turn fuzz
// bytes into well-formed programs, differential fuzz targets between engines
// (interpreter, JIT, verifier, live kernel), and the import-rule test that
// keeps the package layering of docs/ARCHITECTURE.md true.
//
// Generators: Gen writes plain ALU, stack and memory programs (every
// instruction class, forward jumps); VerifierGen writes XDP, tc and
// socket-filter programs shaped like compiled ones, with deliberate
// mistakes in half of them, so that the verifier accepts a useful share.
//
// Targets, with the deterministic tests that run in go test:
//
//   - FuzzVMvsJIT: the JIT and the interpreter agree (its seed corpus runs
//     in go test).
//   - FuzzVerifierSound (TestVerifierSoundCorpus): whatever the verifier
//     accepts never traps in the interpreter, on random packets (runts to
//     3.7 kB), BPF_PROG_TEST_RUN contexts and map contents.
//   - FuzzVerifierVsKernel (TestVerifierVsKernelCorpus, Linux): our verdict
//     against the live kernel's; accepting what the kernel refuses for
//     memory safety fails, other disagreements are logged.
//   - FuzzVMvsKernel (TestVMvsKernelCorpus, Linux): on programs the kernel
//     accepts, the interpreter and BPF_PROG_TEST_RUN return the same retval
//     and data_out.
//
// FuzzVerifierSound appends running totals (pid, programs, accepted,
// executions) to the file named by BPFLAB_FUZZ_STATS, for reports on long
// runs.
package fuzz
