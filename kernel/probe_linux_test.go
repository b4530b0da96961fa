package kernel

import (
	"fmt"
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
	// A kernel at least as new as the release that brought an extension
	// must load its probe (a miss is a broken probe, not a skip); callx is
	// in no release.
	since := map[string][2]int{
		"jump extensions jlt/jle/jslt/jsle (v2)": {4, 14}, "jmp32 (v3)": {5, 1}, "bounded loops": {5, 3},
		"atomic fetch/and/or/xor (v3)": {5, 12}, "atomic xchg (v3)": {5, 12}, "atomic cmpxchg (v3)": {5, 12},
		"atomic32 (v3)": {5, 12}, "sdiv/smod (v4)": {6, 6}, "movsx (v4)": {6, 6}, "ldsx (v4)": {6, 6},
		"bswap (v4)": {6, 6}, "gotol (v4)": {6, 6}, "may_goto": {6, 9}, "load-acquire/store-release": {6, 15},
		"callx": {99, 0},
	}
	var major, minor int
	fmt.Sscanf(s.Release, "%d.%d", &major, &minor)
	for _, f := range s.ISA {
		v := since[f.Name] // zero: in every kernel bpflab supports
		want := major > v[0] || major == v[0] && minor >= v[1]
		if f.Supported != want {
			t.Errorf("ISA %q on %s: supported=%v (%s), want %v", f.Name, s.Release, f.Supported, f.Detail, want)
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
