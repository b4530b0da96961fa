package kernel

import (
	"testing"

	"github.com/bpflab/bpflab/asm"
)

func TestKernelProbe(t *testing.T) {
	requireKernel(t)
	s, err := Probe()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"socket_filter", "xdp", "sched_cls", "cgroup_skb"} {
		if !s.HasProgType(name) {
			t.Errorf("program type %s not supported", name)
		}
	}
	for _, name := range []string{"hash", "array", "percpu_array", "lru_hash", "ringbuf"} {
		if !s.HasMapType(name) {
			t.Errorf("map type %s not supported", name)
		}
	}
	// Every extension but callx has been in the kernel since 6.15; this
	// machine runs a newer one, so a missing one is a broken probe.
	for _, f := range s.ISA {
		want := f.Name != "callx"
		if f.Supported != want {
			t.Errorf("ISA %q: supported=%v (%s), want %v", f.Name, f.Supported, f.Detail, want)
		}
	}
	t.Logf("kernel %s: %d ISA features probed", s.Release, len(s.ISA))

	h, err := Helpers("xdp")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Probed || !h.Has(asm.BPF_FUNC_map_lookup_elem) || !h.Has(asm.BPF_FUNC_xdp_adjust_head) || h.Has(asm.BPF_FUNC_skb_load_bytes) {
		t.Errorf("xdp helpers: probed=%v %d helpers, lookup=%v adjust_head=%v skb_load_bytes=%v (%s)", h.Probed, len(h.Supported),
			h.Has(asm.BPF_FUNC_map_lookup_elem), h.Has(asm.BPF_FUNC_xdp_adjust_head), h.Has(asm.BPF_FUNC_skb_load_bytes), h.Detail)
	}
}
