package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpflab/bpflab/ctx"
)

// udpPacket is an IPv4 UDP packet to 10.0.0.2:53 (parity.pcap's first).
const udpPacket = "000000000000 020000000001 0800 4500002412344000401114930a0000010a000002 04d200350010 2c04 7175657374696f6e"

func TestRunGolden(t *testing.T) {
	progs := filepath.Join("..", "..", "testdata", "progs")
	pcaps := filepath.Join("..", "..", "testdata", "pcap")
	runCLICases(t, []cliCase{
		{name: "run-xdp-firewall", args: []string{"run", "--pcap", filepath.Join(pcaps, "demo.pcap"), "--map-set", "blocklist:c0a84206=0000000000000000", filepath.Join(progs, "xdp_firewall.o")}},
		{name: "run-json", args: []string{"run", "--json", "--ctx", "mark=7", "--pcap", filepath.Join(pcaps, "demo.pcap"), filepath.Join(progs, "tc_traffic.o")}},
		{name: "run-trace", args: []string{"run", "--trace", "--packet", "ffffffffffff020000000001 0806 0001", filepath.Join(progs, "xdp_count.s")}},
		{name: "run-rewrite", args: []string{"run", "--prog", "tc_nat", "--pcap", filepath.Join(pcaps, "parity.pcap"), filepath.Join(progs, "tc_rewrite.o")}},
		{name: "run-tailcall", args: []string{"run", "--prog", "xdp_dispatch", "--map-set", "jmp:00000000=xdp_udp", "--map-set", "jmp:01000000=xdp_tcp", "--pcap", filepath.Join(pcaps, "demo.pcap"), filepath.Join(progs, "xdp_tailcall.o")}},
		{name: "run-mem", args: []string{"run", "--mem", "2a000000", "-"}, stdin: "r0 = *(u32 *)(r1 + 0)\nr0 += r2\nexit\n"},
		{name: "run-printk", args: []string{"run", "--type", "xdp", "--packet", udpPacket, "-"},
			stdin: "r1 = 0x0a64252078 ll // \"x %d\\n\"\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 6\nr3 = 42\ncall bpf_trace_printk#6\nr0 = 2\nexit\n"},
		{name: "run-fault", args: []string{"run", "--mem", "01", "-"}, stdin: "r0 = *(u32 *)(r1 + 0)\nexit\n"},
		{name: "run-bad-type", args: []string{"run", "--type", "kprobe", "--packet", "00", filepath.Join(progs, "xdp_count.s")}},
		{name: "run-bad-ctx", args: []string{"run", "--ctx", "nosuch=1", "--packet", "00", filepath.Join(progs, "xdp_count.s")}},
		{name: "run-two-progs", args: []string{"run", "--packet", "00", filepath.Join(progs, "xdp_adjust.o")}},
		// Helper edge cases, kernel-checked by TestKernelParity; the goldens
		// keep them checked where no kernel is available.
		{name: "run-tc-helpers", args: []string{"run", "--packet", udpPacket, filepath.Join(progs, "tc_helpers.s")}},
		{name: "run-xdp-helpers", args: []string{"run", "--packet", udpPacket, filepath.Join(progs, "xdp_helpers.s")}},
		{name: "run-maps-helpers", args: []string{"run", "--packet", udpPacket, filepath.Join(progs, "maps_helpers.s")}},
		{name: "run-hash-replace", args: []string{"run", "--packet", udpPacket, filepath.Join(progs, "hash_replace.s")}},
		{name: "run-xlat", args: []string{"run", "--packet", udpPacket, "--ctx", "priority=1", filepath.Join(progs, "tc_xlat.o")}},
		{name: "run-tc-maps", args: []string{"run", "--pcap", filepath.Join(pcaps, "demo.pcap"), "--cpus", "2", "--map-set", "routes:180000000a000000=01000000", filepath.Join(progs, "tc_maps.o")}},
		{name: "demo", args: []string{"demo"}},
	})
}

// TestDemoFilesCurrent keeps the demo's embedded copies equal to the
// test data they come from.
func TestDemoFilesCurrent(t *testing.T) {
	for embedded, orig := range map[string]string{
		"demo/xdp_firewall.o": "../../testdata/progs/xdp_firewall.o",
		"demo/tc_traffic.o":   "../../testdata/progs/tc_traffic.o",
		"demo/demo.pcap":      "../../testdata/pcap/demo.pcap",
	} {
		a, err := demoFiles.ReadFile(embedded)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("cmd/bpflab/%s differs from %s: copy it over", embedded, orig)
		}
	}
}

func TestParseCtxFields(t *testing.T) {
	if _, err := parseCtxFields("cb[5]=1", mustType(t, "sched_cls")); err == nil {
		t.Errorf("cb[5] accepted")
	}
	if _, err := parseCtxFields("mark=0x100000000", mustType(t, "sched_cls")); err == nil {
		t.Errorf("a 33-bit mark accepted")
	}
	img, err := parseCtxFields("mark=7, cb[1]=0x10,tstamp=1", mustType(t, "sched_cls"))
	if err != nil || img[8] != 7 || img[52] != 0x10 || img[152] != 1 {
		t.Errorf("parseCtxFields: %x, %v", img, err)
	}
}

func mustType(t *testing.T, name string) *ctx.ProgType {
	t.Helper()
	pt, err := ctx.ForType(name)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}
