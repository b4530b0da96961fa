package main

import (
	"bytes"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"

	"github.com/bpflab/bpflab/asm"
	"github.com/bpflab/bpflab/ctx"
)

// The demo's programs and traffic, copies of testdata/progs/{xdp_firewall,
// tc_traffic}.o and testdata/pcap/demo.pcap (TestDemoFilesCurrent keeps
// them equal), embedded so that `bpflab demo` works anywhere.
//
//go:embed demo/xdp_firewall.o demo/tc_traffic.o demo/demo.pcap
var demoFiles embed.FS

func init() {
	register(command{name: "demo", summary: "run an XDP firewall and a tc traffic counter over sample traffic", run: runDemo})
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	pcapBytes, _ := demoFiles.ReadFile("demo/demo.pcap")
	pkts, err := readPcap(bytes.NewReader(pcapBytes))
	if err != nil {
		return fmt.Errorf("demo traffic: %w", err)
	}
	blocked := netip.AddrFrom4([4]byte{192, 168, 66, 6})
	fw, err := demoRunner("xdp_firewall.o", ctx.XDP, []mapSet{{Map: "blocklist", Key: blocked.AsSlice(), Value: make([]byte, 8)}})
	if err != nil {
		return err
	}
	tc, err := demoRunner("tc_traffic.o", ctx.SchedCLS, nil)
	if err != nil {
		return err
	}

	fmt.Fprintln(stdout, "bpflab demo: every packet of demo.pcap goes through an XDP firewall (blocklist:")
	fmt.Fprintf(stdout, "%s); what it passes goes on to a tc program that counts traffic per\n", blocked)
	fmt.Fprintln(stdout, "IPv4 address pair. Both are clang-built objects run in bpflab's interpreter.")
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "%3s %4s  %-44s %-10s %s\n", "#", "len", "packet", "xdp", "tc")
	for i, p := range pkts {
		x := fw.run(p, nil, 1)
		verdict := ctx.XDP.RetvalName(x.Retval)
		tcText := "-"
		if x.Err != nil {
			verdict = "error: " + x.Err.Error()
		} else if x.Retval == 2 { // XDP_PASS: on to tc
			t := tc.run(x.DataOut, nil, 1)
			tcText = ctx.SchedCLS.RetvalName(t.Retval)
			if t.Err != nil {
				tcText = "error: " + t.Err.Error()
			}
		}
		fmt.Fprintf(stdout, "%3d %4d  %-44s %-10s %s\n", i+1, len(p), describePacket(p), verdict, tcText)
	}

	fmt.Fprintln(stdout, "\nxdp_firewall maps:")
	for _, m := range fw.dumpMaps() {
		for _, e := range m.Entries {
			n := binary.LittleEndian.Uint64(e.Value)
			switch m.Name {
			case "blocklist":
				fmt.Fprintf(stdout, "  blocklist  %-15s %d packets dropped\n", netip.AddrFrom4([4]byte(e.Key)), n)
			case "verdicts":
				if n > 0 {
					fmt.Fprintf(stdout, "  verdicts   %-15s %d packets\n", ctx.XDP.RetvalName(uint64(binary.LittleEndian.Uint32(e.Key))), n)
				}
			}
		}
	}
	fmt.Fprintln(stdout, "\ntc_traffic map (traffic per address pair):")
	for _, m := range tc.dumpMaps() {
		for _, e := range m.Entries {
			src, dst := netip.AddrFrom4([4]byte(e.Key[0:4])), netip.AddrFrom4([4]byte(e.Key[4:8]))
			fmt.Fprintf(stdout, "  %-15s -> %-15s %d packets, %d bytes\n", src, dst,
				binary.LittleEndian.Uint64(e.Value), binary.LittleEndian.Uint64(e.Value[8:]))
		}
	}
	fmt.Fprintln(stdout, "\nTry: bpflab run --pcap testdata/pcap/demo.pcap --map-set blocklist:c0a84206=0000000000000000 testdata/progs/xdp_firewall.o")
	return nil
}

func demoRunner(file string, t *ctx.ProgType, sets []mapSet) (*vmRunner, error) {
	obj, _ := demoFiles.ReadFile("demo/" + file)
	coll, err := asm.ParseELF(bytes.NewReader(obj))
	if err != nil {
		return nil, fmt.Errorf("demo %s: %w", file, err)
	}
	if len(coll.Programs) != 1 {
		return nil, fmt.Errorf("demo %s: want one program, found %d", file, len(coll.Programs))
	}
	r, err := newVMRunner(&loadedProgram{Spec: coll.Programs[0], Coll: coll, Name: file}, t, sets, 1)
	if err != nil {
		return nil, fmt.Errorf("demo %s: %w", file, err)
	}
	return r, nil
}

// describePacket summarises an Ethernet frame in one line.
func describePacket(p []byte) string {
	if len(p) < 14 {
		return fmt.Sprintf("runt (%d bytes)", len(p))
	}
	typ, l3 := binary.BigEndian.Uint16(p[12:]), p[14:]
	for typ == 0x8100 && len(l3) >= 4 {
		typ, l3 = binary.BigEndian.Uint16(l3[2:]), l3[4:]
	}
	switch {
	case typ == 0x0806 && len(l3) >= 28:
		return fmt.Sprintf("ARP who-has %s tell %s", netip.AddrFrom4([4]byte(l3[24:28])), netip.AddrFrom4([4]byte(l3[14:18])))
	case typ == 0x86dd && len(l3) >= 40:
		return fmt.Sprintf("IPv6 %s -> %s", netip.AddrFrom16([16]byte(l3[8:24])), netip.AddrFrom16([16]byte(l3[24:40])))
	case typ == 0x0800 && len(l3) >= 20:
		src, dst := netip.AddrFrom4([4]byte(l3[12:16])), netip.AddrFrom4([4]byte(l3[16:20]))
		l4 := l3[int(l3[0]&0xf)*4:]
		ports := func() string {
			if len(l4) < 4 {
				return ""
			}
			return fmt.Sprintf(" %d -> %d", binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:]))
		}
		switch l3[9] {
		case 1:
			return fmt.Sprintf("ICMP %s -> %s", src, dst)
		case 6:
			return fmt.Sprintf("TCP %s -> %s%s", src, dst, ports())
		case 17:
			return fmt.Sprintf("UDP %s -> %s%s", src, dst, ports())
		}
		return fmt.Sprintf("IPv4 proto %d %s -> %s", l3[9], src, dst)
	}
	return fmt.Sprintf("EtherType %#04x", typ)
}
