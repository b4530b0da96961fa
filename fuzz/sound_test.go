package fuzz

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
	"github.com/bpflab/bpflab/verifier"
	"github.com/bpflab/bpflab/vm"
)

// soundBudget bounds one run: generated loops are short, so running out
// means a verifier-accepted loop the generator did not intend; that is not
// a memory-safety question and counts as a clean run.
const soundBudget = 200000

// soundStats counts what the soundness check did.
type soundStats struct {
	tried, accepted, execs, inputsRefused atomic.Int64
}

func (s *soundStats) String() string {
	return fmt.Sprintf("programs tried %d, accepted %d (%.1f%%), executions %d (inputs the test run refuses: %d)",
		s.tried.Load(), s.accepted.Load(), 100*float64(s.accepted.Load())/float64(max(s.tried.Load(), 1)), s.execs.Load(), s.inputsRefused.Load())
}

// randPacket returns a packet of a size drawn from runts (below an
// Ethernet header), small, typical and large frames; bytes are random,
// with now and then an IPv4 or IPv6 Ethernet type and a plausible header.
func randPacket(rng *rand.Rand) []byte {
	var n int
	switch rng.IntN(8) {
	case 0:
		n = rng.IntN(14) // runt
	case 1:
		n = 14 + rng.IntN(8)
	case 2, 3:
		n = 22 + rng.IntN(60)
	case 4:
		n = 60 + rng.IntN(200)
	case 5:
		n = 1000 + rng.IntN(600)
	case 6:
		n = 3000 + rng.IntN(713) // up to the largest skb test run (3712)
	default:
		n = 34 + rng.IntN(30)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	if n >= 14 {
		switch rng.IntN(3) {
		case 0:
			if n >= 34 {
				b[12], b[13] = 0x08, 0x00
				b[14] = 0x45
			} else {
				b[12] = 0x01 // an 802.3 length: no network header needed
			}
		case 1:
			if n >= 54 {
				b[12], b[13] = 0x86, 0xdd
				b[14] = 0x60
			} else {
				b[12] = 0x02
			}
		default:
			if b[12] == 0x08 || b[12] == 0x86 {
				b[12] = 0x03 // keep random types clear of IP
			}
		}
	}
	return b
}

// randCtxIn returns a ctx_in BPF_PROG_TEST_RUN accepts for the type (the
// fields ctx.ProgType.TestRunFields lists), nil or empty now and then.
func randCtxIn(rng *rand.Rand, t *ctx.ProgType, pktLen int) []byte {
	switch rng.IntN(4) {
	case 0:
		return nil
	case 1:
		if t.Name != "xdp" { // an empty xdp ctx_in sets data_end 0: all fragments
			return []byte{}
		}
	}
	img := make([]byte, t.Ctx.Size)
	le := binary.LittleEndian
	for _, f := range t.TestRunFields() {
		switch f.Name {
		case "data": // the metadata length
			le.PutUint32(img[f.Off:], uint32(4*rng.IntN(9)))
		case "data_end":
			// data_end below data is refused; below the whole packet the
			// rest goes to fragments.
			end := pktLen
			if rng.IntN(4) == 0 && pktLen > 0 {
				end = rng.IntN(pktLen + 1)
			}
			le.PutUint32(img[f.Off:], uint32(end))
			if meta := le.Uint32(img[0:]); int(meta) > end {
				le.PutUint32(img[0:], uint32(end&^3))
			}
		case "ingress_ifindex", "ifindex":
			le.PutUint32(img[f.Off:], uint32(rng.IntN(3)))
		case "rx_queue_index":
		case "wire_len":
			if rng.IntN(2) == 0 {
				le.PutUint32(img[f.Off:], uint32(pktLen+rng.IntN(100)))
			}
		case "gso_segs":
			le.PutUint32(img[f.Off:], uint32(rng.IntN(64)))
		default:
			if rng.IntN(2) == 0 {
				for i := f.Off; i < f.End(); i++ {
					img[i] = byte(rng.Uint32())
				}
			}
		}
	}
	return img
}

// newMaps creates the interpreter's maps for spec, some of them with
// entries so that lookups both hit and miss.
func newMaps(spec *asm.ProgramSpec, rng *rand.Rand) ([]vm.Map, error) {
	var ms []vm.Map
	for _, s := range spec.Maps {
		m, err := vm.NewMap(s, vm.MapOptions{})
		if err != nil {
			return nil, err
		}
		for range rng.IntN(int(s.MaxEntries) + 1) {
			k := make([]byte, s.KeySize)
			binary.LittleEndian.PutUint32(k, uint32(rng.IntN(10)))
			v := make([]byte, s.ValueSize)
			for i := range v {
				v[i] = byte(rng.Uint32())
			}
			_ = m.Update(k, v, 0) // a full hash map refuses: fine
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// checkSound verifies spec and, when the verifier accepts it, runs it runs
// times on random packets, contexts and maps. It returns an error for the
// first run that traps (anything but budget exhaustion), with the program
// and the input.
func checkSound(spec *asm.ProgramSpec, seed uint64, runs int, st *soundStats) error {
	st.tried.Add(1)
	res, err := verifier.VerifySpec(spec, verifier.Options{})
	if res == nil {
		return fmt.Errorf("verifier failed without a verdict: %v", err)
	}
	if !res.Accepted {
		return nil
	}
	st.accepted.Add(1)
	prog, err := vm.Prepare(spec.Insns)
	if err != nil {
		return fmt.Errorf("accepted program refused by vm.Prepare: %v\n%s", err, spec.Insns.Format(asm.SyntaxLLVM))
	}
	t, err := ctx.ForType(spec.Type)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	maps, err := newMaps(spec, rng)
	if err != nil {
		return err
	}
	for range runs {
		pkt := randPacket(rng)
		ctxIn := randCtxIn(rng, t, len(pkt))
		env, _, err := vm.NewPacketEnv(t, pkt, ctxIn)
		if err != nil {
			st.inputsRefused.Add(1) // the kernel refuses the test run too (EINVAL)
			continue
		}
		env.Maps = maps
		env.Budget = soundBudget
		st.execs.Add(1)
		_, err = prog.Run(env)
		var re *vm.RuntimeError
		switch {
		case err == nil:
		case errors.As(err, &re) && re.Fault == vm.FaultBudget:
		default:
			return fmt.Errorf("verifier accepted a %s program that traps: %v\npacket (%d bytes) %x\nctx_in %x\n%s",
				spec.Type, err, len(pkt), pkt, ctxIn, spec.Insns.Format(asm.SyntaxLLVM))
		}
	}
	return nil
}

// seedBytes returns the generator input of program i of the corpus.
func seedBytes(i uint64) []byte {
	rng := rand.New(rand.NewPCG(i, 0xb9f))
	b := make([]byte, 160+rng.IntN(160))
	for j := range b {
		b[j] = byte(rng.Uint32())
	}
	return b
}

// TestVerifierSoundCorpus is the deterministic version of
// FuzzVerifierSound: programs generated from fixed seeds, each accepted
// one run on random inputs; not one may trap.
func TestVerifierSoundCorpus(t *testing.T) {
	n, runs := 3000, 8
	if testing.Short() {
		n = 500
	}
	var st soundStats
	start := time.Now()
	fails := 0
	for i := range n {
		spec := NewVerifierGen(seedBytes(uint64(i))).Spec()
		if err := checkSound(spec, uint64(i), runs, &st); err != nil {
			t.Errorf("seed %d: %v", i, err)
			if fails++; fails == 5 {
				t.Fatal("stopping after 5 failures")
			}
		}
	}
	t.Logf("%v in %v", &st, time.Since(start).Round(time.Millisecond))
	// The generator is only useful if the verifier accepts a fair share.
	if acc := st.accepted.Load(); acc*10 < int64(n) {
		t.Errorf("only %d of %d generated programs accepted; the generator has drifted from what the verifier takes", acc, n)
	}
}

// fuzzStats, when BPFLAB_FUZZ_STATS names a file, gets one line per 500
// programs from each fuzz worker, so a long run can report its totals.
var fuzzStats soundStats

// FuzzVerifierSound is the soundness oracle: whatever the verifier
// accepts never traps in the interpreter (out of bounds, null pointer,
// bad address), on any packet, context or map contents.
func FuzzVerifierSound(f *testing.F) {
	for i := range 64 {
		f.Add(seedBytes(uint64(i)))
	}
	statsFile := os.Getenv("BPFLAB_FUZZ_STATS")
	f.Fuzz(func(t *testing.T, data []byte) {
		spec := NewVerifierGen(data).Spec()
		h := fnv.New64a()
		h.Write(data)
		if err := checkSound(spec, h.Sum64(), 8, &fuzzStats); err != nil {
			t.Fatal(err)
		}
		if statsFile != "" && fuzzStats.tried.Load()%500 == 0 {
			if fh, err := os.OpenFile(statsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				fmt.Fprintf(fh, "%d %d %d %d\n", os.Getpid(), fuzzStats.tried.Load(), fuzzStats.accepted.Load(), fuzzStats.execs.Load())
				fh.Close()
			}
		}
	})
}
