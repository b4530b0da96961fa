//go:build linux && amd64

package main

import (
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestJITParity runs the kernel parity corpus (parityCases) on the JIT and
// on the interpreter, packet after packet with maps kept between packets,
// and requires the same return value, error, data_out, ctx_out, context,
// redirects, printk output, map records and map contents. It needs no
// kernel: the interpreter is the reference the kernel test checks.
func TestJITParity(t *testing.T) {
	pkts, err := readPcapFile(filepath.Join("..", "..", "testdata", "pcap", "parity.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, c := range parityCases {
		t.Run(c.name(), func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			lp, typ, sets := c.load(t)
			vr, err := newVMRunner(lp, typ, sets, 2)
			if err != nil {
				t.Fatal(err)
			}
			jr, err := newVMRunner(lp, typ, sets, 2)
			if err != nil {
				t.Fatal(err)
			}
			free, err := jr.useJIT(io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer free()
			var ctxIn []byte
			if c.ctx != "" {
				if ctxIn, err = parseCtxFields(c.ctx, typ); err != nil {
					t.Fatal(err)
				}
			}
			for i, pkt := range pkts {
				if c.xdpEnd {
					ctxIn[4], ctxIn[5], ctxIn[6], ctxIn[7] = byte(len(pkt)), byte(len(pkt)>>8), 0, 0
				}
				want, got := vr.run(pkt, ctxIn, 1), jr.run(pkt, ctxIn, 1)
				runs++
				if we, ge := fmt.Sprint(want.Err), fmt.Sprint(got.Err); we != ge {
					t.Fatalf("packet %d: error: vm %s, jit %s", i+1, we, ge)
				}
				want.NsPerRun, got.NsPerRun, want.Err, got.Err = 0, 0, nil, nil
				vmMaps, jitMaps := vr.dumpMaps(), jr.dumpMaps()
				if reflect.DeepEqual(want, got) && reflect.DeepEqual(vmMaps, jitMaps) {
					continue // the fast path; cmp.Diff explains differences
				}
				opts := []cmp.Option{cmpopts.EquateEmpty()}
				if diff := cmp.Diff(want, got, opts...); diff != "" {
					t.Fatalf("packet %d: jit differs from vm (-vm +jit):\n%s", i+1, diff)
				}
				if diff := cmp.Diff(vmMaps, jitMaps, cmpopts.EquateEmpty()); diff != "" {
					t.Fatalf("packet %d: maps differ (-vm +jit):\n%s", i+1, diff)
				}
			}
		})
	}
	t.Logf("%d runs (case × packet) agree", runs)
}
