package fuzz

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bpflab/bpflab"

// rule lists the project packages (exact paths below the module, or "*")
// and the external modules a package may import.
type rule struct{ project, external []string }

// allowed gives every package its place in the layering. A package not
// listed here fails the test, so a new package has to be placed on purpose.
var allowed = map[string]rule{
	"asm":                 {nil, []string{"github.com/cilium/ebpf"}},
	"verifier/tnum":       {},
	"jit/amd64":           {},
	"ctx":                 {[]string{"asm"}, nil},
	"vm":                  {[]string{"asm", "ctx"}, nil},
	"verifier":            {[]string{"asm", "ctx", "verifier/tnum"}, nil},
	"jit":                 {[]string{"asm", "ctx", "vm", "jit/amd64"}, []string{"golang.org/x/sys"}},
	"kernel":              {[]string{"asm", "ctx"}, []string{"github.com/cilium/ebpf", "golang.org/x/sys"}},
	"kernel/kerneltest":   {[]string{"asm", "ctx", "kernel", "internal/testenv"}, []string{"github.com/google/go-cmp"}},
	"internal/testenv":    {},
	"internal/testcase":   {[]string{"asm", "ctx"}, nil},
	"internal/kselftest":  {[]string{"asm"}, nil},
	"internal/callbacks":  {[]string{"asm"}, nil},
	"internal/bpfcheck":   {[]string{"kernel"}, nil},
	"internal/enginetest": {[]string{"asm", "vm", "internal/testcase", "internal/testenv"}, nil},
	"fuzz":                {[]string{"*"}, []string{"github.com/google/go-cmp", "golang.org/x/arch"}},
	"cmd/bpflab":          {[]string{"*"}, []string{"github.com/spf13/pflag", "github.com/google/go-cmp", "golang.org/x/arch"}},
}

// TestImportRules checks every package's non-test imports against allowed:
// vm and verifier never import each other, only kernel reaches bpf() through
// cilium/ebpf, only cmd uses pflag.
func TestImportRules(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no buildable Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		r, ok := allowed[rel]
		if !ok {
			t.Errorf("package %s has no place in the import rules (add it to fuzz/imports_test.go and docs/ARCHITECTURE.md)", rel)
			return nil
		}
		seen++
		for _, imp := range pkg.Imports {
			if !r.permits(imp) {
				t.Errorf("%s imports %s, which the layering does not allow", rel, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 3 {
		t.Fatalf("walked only %d packages; is the test running inside the module?", seen)
	}
}

func (r rule) permits(imp string) bool {
	if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
		return slices.Contains(r.project, "*") || slices.Contains(r.project, rest)
	}
	if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
		return true // standard library
	}
	for _, e := range r.external {
		if imp == e || strings.HasPrefix(imp, e+"/") {
			return true
		}
	}
	return false
}
