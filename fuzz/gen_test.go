package fuzz

import (
	"math/rand/v2"
	"testing"
)

// TestGenValid checks the generator's promise: whatever the bytes, the
// program validates.
func TestGenValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(300))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		g := NewGen(b)
		g.Mem = i%2 == 0
		p := g.Program(64)
		if err := p.Validate(); err != nil {
			t.Fatalf("seed %d: generated program does not validate: %v\n%v", i, err, p)
		}
		if len(p) > 64 {
			t.Fatalf("seed %d: %d slots, want ≤ 64", i, len(p))
		}
	}
}
