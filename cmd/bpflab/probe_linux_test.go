package main

import (
	"testing"

	"github.com/bpflab/bpflab/kernel/kerneltest"
)

func TestKernelProbeCommand(t *testing.T) {
	kerneltest.Require(t)
	rep, err := buildProbeReport([]string{"xdp"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(rows []probeRow, name string) probeRow {
		for _, r := range rows {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no row %q", name)
		return probeRow{}
	}
	for _, c := range []struct {
		got  probeRow
		want probeRow
	}{
		{row(rep.ISA, "sdiv/smod (v4)"), probeRow{Name: "sdiv/smod (v4)", Kernel: "yes", Bpflab: "yes", JIT: row(rep.ISA, "sdiv/smod (v4)").JIT}},
		{row(rep.ProgTypes, "xdp"), probeRow{Name: "xdp", Kernel: "yes", Bpflab: "yes"}},
		{row(rep.MapTypes, "hash"), probeRow{Name: "hash", Kernel: "yes", Bpflab: "yes"}},
		{row(rep.Helpers["xdp"], "bpf_xdp_adjust_head"), probeRow{Name: "bpf_xdp_adjust_head", Kernel: "yes", Bpflab: row(rep.Helpers["xdp"], "bpf_xdp_adjust_head").Bpflab}},
		{row(rep.Helpers["xdp"], "bpf_skb_load_bytes"), probeRow{Name: "bpf_skb_load_bytes", Kernel: "no", Bpflab: row(rep.Helpers["xdp"], "bpf_skb_load_bytes").Bpflab}},
	} {
		if c.got != c.want {
			t.Errorf("got %+v, want %+v", c.got, c.want)
		}
	}
}
