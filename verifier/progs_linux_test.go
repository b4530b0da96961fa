package verifier_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/kernel/kerneltest"
	"github.com/bpflab/bpflab/verifier"
)

// TestClangProgsKernel verifies every program of the clang-built objects in
// testdata/progs with our verifier and the kernel, for the modelled types.
func TestClangProgsKernel(t *testing.T) {
	kerneltest.Require(t)
	objs, _ := filepath.Glob(filepath.Join("..", "testdata", "progs", "*.o"))
	var n, agree, msg, rejects int
	for _, o := range objs {
		coll, err := asm.LoadCollection(o)
		if err != nil {
			t.Logf("%s: %v", o, err)
			continue
		}
		for _, p := range coll.Programs {
			if !modelledTypes[p.Type] {
				continue
			}
			kp, err := kernel.Load(p, &kernel.LoadOptions{LogLevel: kernel.LogLevelInsns})
			if err != nil {
				t.Logf("%s/%s: %v", filepath.Base(o), p.Name, err)
				continue
			}
			kres := kp.Result
			kp.Close()
			_, verr := verifier.VerifySpec(p, verifier.Options{})
			n++
			switch {
			case (verr == nil) == kres.Accepted:
				agree++
			case p.Name == "xdp_bpf_loop":
				t.Logf("known gap: %s needs bpf_loop callbacks: %v", p.Name, verr)
			default:
				t.Errorf("%s/%s (%s): kernel accepted=%v %q; ours %v", filepath.Base(o), p.Name, p.Type, kres.Accepted, kres.ErrorLine, verr)
			}
			if !kres.Accepted {
				rejects++
				var ve *verifier.Error
				if errors.As(verr, &ve) && ve.Msg == kres.ErrorLine {
					msg++
				}
			}
		}
	}
	t.Logf("clang-built programs %d, verdict agreement %d, kernel rejections %d with the same error line %d", n, agree, rejects, msg)
}
