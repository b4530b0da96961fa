// Package testenv decides, for tests, whether a missing outside resource
// (the live kernel's bpf(), clang, the kernel source package) means skip or
// fail. Developers' laptops skip with a reason; CI sets the BPFLAB_REQUIRE_*
// variables so that nothing it is meant to check can be skipped silently.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Environment variables that turn skips into failures.
const (
	RequireKernel = "BPFLAB_REQUIRE_KERNEL" // live kernel: bpf() and BPF_PROG_TEST_RUN
	RequireTools  = "BPFLAB_REQUIRE_TOOLS"  // clang-19/llvm-objdump-19 and linux-source-6.12
)

// SkipOrFail skips the test with reason, unless the variable env is "1", in
// which case the test fails with the same reason.
func SkipOrFail(t testing.TB, env, reason string) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf("%s (required because %s=1)", reason, env)
	}
	t.Skip(reason)
}

// ClangVersion is the clang and LLVM release our committed objects are built with.
const ClangVersion = "19"

// Tool returns the path of an LLVM tool of ClangVersion ("clang",
// "llvm-objdump"), or skips/fails the test when it is not installed.
func Tool(t testing.TB, name string) string {
	t.Helper()
	for _, cand := range []string{name + "-" + ClangVersion, "/usr/lib/llvm-" + ClangVersion + "/bin/" + name} {
		if p, err := exec.LookPath(cand); err == nil {
			return p
		}
	}
	SkipOrFail(t, RequireTools, name+"-"+ClangVersion+" is not installed (apt-get install clang-"+ClangVersion+" llvm-"+ClangVersion+")")
	return ""
}

// LinuxSource returns the root of an unpacked linux-source-6.12 tree
// ($BPFLAB_LINUX_SRC, or /usr/src/linux-source-6.12), or skips/fails.
func LinuxSource(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("BPFLAB_LINUX_SRC")
	if dir == "" {
		dir = "/usr/src/linux-source-6.12"
	}
	if _, err := os.Stat(filepath.Join(dir, "tools/testing/selftests/bpf/verifier")); err != nil {
		SkipOrFail(t, RequireTools, "kernel source not found at "+dir+" (apt-get install linux-source-6.12 and unpack it, or set BPFLAB_LINUX_SRC)")
		return ""
	}
	return dir
}

// Shared returns the path of the shared material beside the repository
// (../shared from the module root), or skips/fails when it is absent.
func Shared(t testing.TB, sub string) string {
	t.Helper()
	root, err := moduleRoot()
	if err == nil {
		p := filepath.Join(root, "..", "shared", sub)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	SkipOrFail(t, RequireTools, "shared material ../shared/"+sub+" not found beside the repository")
	return ""
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
