package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Packet builders for the test pcaps. Checksums are correct so that
// programs that check or update them see real packets.

var (
	macZero  = []byte{0, 0, 0, 0, 0, 0} // the loopback device's address: PACKET_HOST
	macA     = []byte{2, 0, 0, 0, 0, 1}
	macB     = []byte{2, 0, 0, 0, 0, 2}
	macBcast = []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	macMcast = []byte{0x33, 0x33, 0, 0, 0, 1}
)

func ip4(a, b, c, d byte) []byte { return []byte{a, b, c, d} }

func eth(dst, src []byte, typ uint16, payload []byte) []byte {
	b := append(append(append([]byte(nil), dst...), src...), byte(typ>>8), byte(typ))
	return append(b, payload...)
}

func vlan(tci, typ uint16, payload []byte) []byte {
	return append([]byte{byte(tci >> 8), byte(tci), byte(typ >> 8), byte(typ)}, payload...)
}

func checksum(b []byte, seed uint32) uint16 {
	s := seed
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func ipv4(proto byte, src, dst, payload []byte) []byte {
	h := []byte{0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0}
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	h = append(append(h, src...), dst...)
	binary.BigEndian.PutUint16(h[10:], checksum(h, 0))
	return append(h, payload...)
}

// l4 fills in a UDP or TCP checksum over the IPv4 pseudo header.
func l4(proto byte, src, dst, seg []byte, csumOff int) []byte {
	pseudo := append(append(append([]byte(nil), src...), dst...), 0, proto, byte(len(seg)>>8), byte(len(seg)))
	var s uint32
	for i := 0; i < len(pseudo); i += 2 {
		s += uint32(binary.BigEndian.Uint16(pseudo[i:]))
	}
	binary.BigEndian.PutUint16(seg[csumOff:], checksum(seg, s))
	return seg
}

func udp4(src, dst []byte, sport, dport uint16, data []byte) []byte {
	seg := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint16(seg[0:], sport)
	binary.BigEndian.PutUint16(seg[2:], dport)
	binary.BigEndian.PutUint16(seg[4:], uint16(8+len(data)))
	seg = append(seg, data...)
	return ipv4(17, src, dst, l4(17, src, dst, seg, 6))
}

func tcp4(src, dst []byte, sport, dport uint16, flags byte) []byte {
	seg := make([]byte, 20)
	binary.BigEndian.PutUint16(seg[0:], sport)
	binary.BigEndian.PutUint16(seg[2:], dport)
	binary.BigEndian.PutUint32(seg[4:], 1000)
	seg[12], seg[13] = 5<<4, flags
	binary.BigEndian.PutUint16(seg[14:], 65535)
	return ipv4(6, src, dst, l4(6, src, dst, seg, 16))
}

func icmp4(src, dst []byte) []byte {
	m := []byte{8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'}
	binary.BigEndian.PutUint16(m[2:], checksum(m, 0))
	return ipv4(1, src, dst, m)
}

func arpRequest(sha, spa, tpa []byte) []byte {
	b := []byte{0, 1, 8, 0, 6, 4, 0, 1}
	b = append(append(append(b, sha...), spa...), 0, 0, 0, 0, 0, 0)
	return append(b, tpa...)
}

func udp6(data []byte) []byte {
	src := []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	dst := []byte{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	seg := []byte{0x12, 0x34, 0, 53, 0, byte(8 + len(data)), 0, 0}
	seg = append(seg, data...)
	h := []byte{0x60, 0, 0, 0, 0, byte(len(seg)), 17, 64}
	return append(append(append(h, src...), dst...), seg...)
}

// parityPackets are the inputs of the kernel parity corpus: the common
// protocols, and the shapes test runs treat specially (runts, a header
// cut short, VLAN tags, raw 802.3).
func parityPackets() [][]byte {
	a, b, c := ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), ip4(192, 168, 1, 1)
	return [][]byte{
		eth(macZero, macA, 0x0800, udp4(a, b, 1234, 53, []byte("question"))),
		eth(macB, macA, 0x0800, tcp4(ip4(10, 0, 0, 3), b, 40000, 80, 0x02)),
		eth(macZero, macA, 0x0800, icmp4(c, b)),
		eth(macBcast, macA, 0x0806, arpRequest(macA, a, b)),
		eth(macMcast, macA, 0x86dd, udp6([]byte("v6 data!"))),
		eth(macZero, macA, 0x8100, vlan(100, 0x0800, udp4(a, b, 1234, 53, []byte("tagged")))),
		{0, 0, 0, 0, 0, 0, 2, 0, 0, 0},                     // runt: no full Ethernet header
		eth(macZero, macA, 0x0800, []byte{0x45, 0, 0, 20}), // IPv4 header cut short
		eth(macZero, macA, 0x0800, udp4(a, b, 1234, 53, bytes.Repeat([]byte{0xab}, 64))),
		eth(macZero, macA, 0x0026, append([]byte{0x42, 0x42, 0x03}, make([]byte, 43)...)), // 802.2 LLC frame
		// Big packets: past XDP's 3520-byte linear area (the rest goes to
		// page fragments), and past what skb test runs accept (3712).
		eth(macZero, macA, 0x0800, udp4(a, b, 1234, 53, bytes.Repeat([]byte{0x5a}, 3600))),
		eth(macZero, macA, 0x0800, udp4(a, b, 1234, 53, bytes.Repeat([]byte{0xa5}, 9000))),
	}
}

// demoPackets are the traffic of `bpflab demo`: two flows, a blocked
// host, ARP and IPv6.
func demoPackets() [][]byte {
	a, b, c, bad := ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), ip4(10, 0, 0, 3), ip4(192, 168, 66, 6)
	return [][]byte{
		eth(macBcast, macA, 0x0806, arpRequest(macA, a, b)),
		eth(macZero, macA, 0x0800, udp4(a, b, 5353, 53, []byte("example.org?"))),
		eth(macZero, macA, 0x0800, tcp4(c, b, 40000, 80, 0x02)),
		eth(macZero, macA, 0x0800, udp4(bad, b, 666, 53, []byte("bad"))),
		eth(macZero, macA, 0x0800, tcp4(c, b, 40000, 80, 0x10)),
		eth(macZero, macA, 0x0800, udp4(a, b, 5353, 53, bytes.Repeat([]byte("x"), 100))),
		eth(macMcast, macA, 0x86dd, udp6([]byte("hello v6"))),
		eth(macZero, macA, 0x0800, icmp4(bad, b)),
		eth(macZero, macA, 0x0800, tcp4(c, b, 40000, 80, 0x11)),
	}
}

// TestPcapFiles checks the committed pcaps against the builders above;
// go test ./cmd/bpflab -run TestPcapFiles -update rewrites them.
func TestPcapFiles(t *testing.T) {
	for name, pkts := range map[string][][]byte{"parity.pcap": parityPackets(), "demo.pcap": demoPackets()} {
		path := filepath.Join("..", "..", "testdata", "pcap", name)
		var buf bytes.Buffer
		if err := writePcap(&buf, pkts); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := readPcapFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(pkts, got); diff != "" {
			t.Errorf("%s differs from its builder (go test -run TestPcapFiles -update) (-want +got):\n%s", name, diff)
		}
	}
}

func TestReadPcapErrors(t *testing.T) {
	for _, in := range [][]byte{nil, make([]byte, 24), append([]byte{0xd4, 0xc3, 0xb2, 0xa1}, make([]byte, 20)...)} {
		if _, err := readPcap(bytes.NewReader(in)); err == nil {
			t.Errorf("readPcap(%x) succeeded", in)
		}
	}
}
