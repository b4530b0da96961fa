package verifier_test

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/internal/testenv"
	"github.com/bpflab/bpflab/kernel"
	"github.com/bpflab/bpflab/verifier"
)

// TestVectorsAgainstKernel verifies every shared test vector as a socket
// filter and an xdp program with our verifier and with the live kernel, and
// reports how often verdicts and error lines agree.
func TestVectorsAgainstKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("kernel cross-check skipped in -short mode")
	}
	if err := kernel.Available(); err != nil {
		testenv.SkipOrFail(t, testenv.RequireKernel, err.Error())
	}
	dir := testenv.Shared(t, "vectors")
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var n, verdict, msgN, msg int
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var vec struct {
				Name       string `json:"name"`
				ProgramHex string `json:"program_hex"`
			}
			if err := json.Unmarshal(sc.Bytes(), &vec); err != nil {
				t.Fatal(err)
			}
			b, err := hex.DecodeString(vec.ProgramHex)
			if err != nil || len(b)%8 != 0 || len(b) == 0 {
				continue
			}
			var p asm.Program
			for i := 0; i < len(b); i += 8 {
				var ins asm.Insn
				ins.Code = b[i]
				ins.Dst = asm.Reg(b[i+1] & 0xf)
				ins.Src = asm.Reg(b[i+1] >> 4)
				ins.Off = int16(uint16(b[i+2]) | uint16(b[i+3])<<8)
				ins.Imm = int32(uint32(b[i+4]) | uint32(b[i+5])<<8 | uint32(b[i+6])<<16 | uint32(b[i+7])<<24)
				p = append(p, ins)
			}
			for _, typ := range []string{"socket_filter", "xdp"} {
				spec := &asm.ProgramSpec{Name: "v", Type: typ, License: "GPL", Insns: p}
				res, verr := verifier.VerifySpec(spec, verifier.Options{})
				if res != nil && res.Processed > 100000 {
					// The kernel's log of such a run takes it most of a
					// minute; these programs are checked by TestVerify.
					continue
				}
				kp, err := kernel.Load(spec, nil)
				if err != nil {
					continue
				}
				kres := kp.Result
				kp.Close()
				n++
				ours := verr == nil
				if ours == kres.Accepted {
					verdict++
				} else {
					t.Logf("%s/%s [%s]: kernel accepted=%v %q; ours %v", filepath.Base(f), vec.Name, typ, kres.Accepted, kres.ErrorLine, verr)
				}
				if !kres.Accepted {
					msgN++
					var ve *verifier.Error
					if errors.As(verr, &ve) && ve.Msg == kres.ErrorLine {
						msg++
					} else if ours == kres.Accepted {
						t.Logf("%s/%s [%s]: message kernel %q ours %v", filepath.Base(f), vec.Name, typ, kres.ErrorLine, verr)
					}
				}
			}
		}
		fh.Close()
	}
	t.Logf("programs %d, verdict agreement %d/%d, kernel rejections %d with equal error line %d", n, verdict, n, msgN, msg)
}
