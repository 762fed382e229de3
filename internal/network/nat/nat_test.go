package nat

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

var (
	ctr  = netip.MustParseAddr("10.213.0.2")
	lo   = netip.MustParseAddr("127.0.0.1")
	any4 = netip.MustParseAddr("0.0.0.0")
)

func TestPortMappingValidate(t *testing.T) {
	ok := PortMapping{Proto: "tcp", HostPort: 8080, ContainerIP: ctr, ContainerPort: 80}
	with := func(f func(*PortMapping)) PortMapping { p := ok; f(&p); return p }
	for _, tc := range []struct {
		name  string
		p     PortMapping
		valid bool
	}{
		{"tcp on every address", ok, true},
		{"udp", with(func(p *PortMapping) { p.Proto = "udp" }), true},
		{"one host address", with(func(p *PortMapping) { p.HostIP = lo }), true},
		{"0.0.0.0", with(func(p *PortMapping) { p.HostIP = any4 }), true},
		{"sctp", with(func(p *PortMapping) { p.Proto = "sctp" }), false},
		{"upper case", with(func(p *PortMapping) { p.Proto = "TCP" }), false},
		{"host port 0", with(func(p *PortMapping) { p.HostPort = 0 }), false},
		{"container port 0", with(func(p *PortMapping) { p.ContainerPort = 0 }), false},
		{"IPv6 host", with(func(p *PortMapping) { p.HostIP = netip.MustParseAddr("::1") }), false},
		{"IPv4-mapped host", with(func(p *PortMapping) { p.HostIP = netip.MustParseAddr("::ffff:127.0.0.1") }), false},
		{"IPv6 container", with(func(p *PortMapping) { p.ContainerIP = netip.MustParseAddr("fd00::2") }), false},
		{"no container address", with(func(p *PortMapping) { p.ContainerIP = netip.Addr{} }), false},
		{"container 0.0.0.0", with(func(p *PortMapping) { p.ContainerIP = any4 }), false},
	} {
		err := tc.p.validate()
		if (err == nil) != tc.valid {
			t.Errorf("%s: validate(%s) = %v, want valid %v", tc.name, tc.p, err, tc.valid)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: %v is not an invalid argument", tc.name, err)
		}
	}
}

func TestOverlaps(t *testing.T) {
	m := func(proto string, ip netip.Addr, port uint16) PortMapping {
		return PortMapping{Proto: proto, HostIP: ip, HostPort: port, ContainerIP: ctr, ContainerPort: 80}
	}
	other := netip.MustParseAddr("192.0.2.1")
	for _, tc := range []struct {
		a, b PortMapping
		want bool
	}{
		{m("tcp", netip.Addr{}, 80), m("tcp", netip.Addr{}, 80), true},
		{m("tcp", netip.Addr{}, 80), m("tcp", lo, 80), true},
		{m("tcp", any4, 80), m("tcp", lo, 80), true},
		{m("tcp", lo, 80), m("tcp", lo, 80), true},
		{m("tcp", lo, 80), m("tcp", other, 80), false},
		{m("tcp", netip.Addr{}, 80), m("udp", netip.Addr{}, 80), false},
		{m("tcp", netip.Addr{}, 80), m("tcp", netip.Addr{}, 81), false},
	} {
		if got := tc.a.overlaps(tc.b); got != tc.want {
			t.Errorf("(%s).overlaps(%s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.overlaps(tc.a); got != tc.want {
			t.Errorf("(%s).overlaps(%s) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestValidateMappingsRejectsOverlap(t *testing.T) {
	ports := []PortMapping{
		{Proto: "tcp", HostPort: 8080, ContainerIP: ctr, ContainerPort: 80},
		{Proto: "udp", HostPort: 8080, ContainerIP: ctr, ContainerPort: 80},
		{Proto: "tcp", HostIP: lo, HostPort: 8080, ContainerIP: ctr, ContainerPort: 81},
	}
	if err := validateMappings(ports[:2]); err != nil {
		t.Fatalf("tcp and udp on one port: %v", err)
	}
	if err := validateMappings(ports); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("overlapping mappings: got %v, want an invalid argument", err)
	}
}

func TestValidateNames(t *testing.T) {
	for _, tc := range []struct {
		what  string
		err   error
		valid bool
	}{
		{"owner: container id", validateOwner("4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"), true},
		{"owner: name", validateOwner("web_1.a-b"), true},
		{"owner: empty", validateOwner(""), false},
		{"owner: colon", validateOwner("a:b"), false},
		{"owner: space", validateOwner("a b"), false},
		{"owner: 81 bytes", validateOwner(string(make([]byte, 81))), false},
		{"bridge: hull0", validateBridge("hull0"), true},
		{"bridge: 15 bytes", validateBridge("br-0123456789ab"), true},
		{"bridge: 16 bytes", validateBridge("br-0123456789abc"), false},
		{"bridge: empty", validateBridge(""), false},
		{"bridge: slash", validateBridge("a/b"), false},
		{"bridge: dot", validateBridge("."), false},
		{"subnet: v4", validateSubnet(netip.MustParsePrefix("10.88.0.0/16")), true},
		{"subnet: v6", validateSubnet(netip.MustParsePrefix("fd00::/64")), false},
		{"subnet: zero", validateSubnet(netip.Prefix{}), false},
		{"table: default", Table{}.validate(), true},
		{"table: test", Table{Name: "hulltest_12-3"}.validate(), true},
		{"table: colon", Table{Name: "a:b"}.validate(), false},
		{"table: 33 bytes", Table{Name: "abcdefghijklmnopqrstuvwxyz0123456"}.validate(), false},
	} {
		if (tc.err == nil) != tc.valid {
			t.Errorf("%s: got %v, want valid %v", tc.what, tc.err, tc.valid)
		}
		if tc.err != nil && !errors.Is(tc.err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: %v is not an invalid argument", tc.what, tc.err)
		}
	}
}

func TestPortMappingString(t *testing.T) {
	p := PortMapping{Proto: "udp", HostPort: 53, ContainerIP: ctr, ContainerPort: 5353}
	if got, want := p.String(), "udp 0.0.0.0:53 -> 10.213.0.2:5353"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
