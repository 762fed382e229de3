package nat

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/nftables/expr"
	"github.com/hull-project/hull/internal/errdefs"
)

func TestPortRuleRoundTrip(t *testing.T) {
	for _, p := range []PortMapping{
		{Proto: "tcp", HostPort: 18080, ContainerIP: ctr, ContainerPort: 80},
		{Proto: "udp", HostIP: lo, HostPort: 53, ContainerIP: ctr, ContainerPort: 5353},
		{Proto: "tcp", HostIP: any4, HostPort: 1, ContainerIP: ctr, ContainerPort: 65535},
	} {
		r := portRule("c1", p)
		if r.chain != chainPorts || r.tag != (tag{kind: kindPort, subject: "c1"}) {
			t.Errorf("%s: rule in %s tagged %v", p, r.chain, r.tag)
		}
		got, ok := mappingOf(r.exprs)
		if !ok || got != p.normal() {
			t.Errorf("mappingOf(portRule(%s)) = %s, %v", p, got, ok)
		}
	}
}

func TestMappingOfOtherRules(t *testing.T) {
	for _, r := range append(networkRules("br0", netip.MustParsePrefix("10.1.0.0/24"), true), jumpRule(chainOutput)) {
		if m, ok := mappingOf(r.exprs); ok {
			t.Errorf("rule in %s read as mapping %s", r.chain, m)
		}
	}
}

func TestBuildNetworkRules(t *testing.T) {
	subnet := netip.MustParsePrefix("10.1.0.0/24")
	count := func(rs []rule) map[string]int {
		n := map[string]int{}
		for _, r := range rs {
			if r.tag != (tag{kind: kindNet, subject: "br0"}) {
				t.Errorf("rule in %s tagged %v", r.chain, r.tag)
			}
			n[r.chain]++
		}
		return n
	}
	// Outbound masquerade, and masquerade for the host's 127.0.0.1 and
	// for hairpin.
	if got := count(networkRules("br0", subnet, false)); got[chainPostrouting] != 3 || got[chainForward] != 0 {
		t.Errorf("bridged network: rules per chain %v", got)
	}
	// No outbound masquerade; drops both ways instead.
	if got := count(networkRules("br0", subnet, true)); got[chainPostrouting] != 2 || got[chainForward] != 2 {
		t.Errorf("internal network: rules per chain %v", got)
	}
	for _, r := range filterRules("br0") {
		if r.table != filterTable || r.chain != filterForward || !r.insert {
			t.Errorf("filter rule goes to %s %s, insert %v", r.table, r.chain, r.insert)
		}
	}
}

func TestSaddrIn(t *testing.T) {
	es := saddrIn(netip.MustParsePrefix("10.1.0.9/24"))
	if len(es) != 3 {
		t.Fatalf("got %d expressions, want load, mask, compare", len(es))
	}
	if b := es[1].(*expr.Bitwise); string(b.Mask) != "\xff\xff\xff\x00" {
		t.Errorf("mask %x", b.Mask)
	}
	if c := es[2].(*expr.Cmp); string(c.Data) != "\x0a\x01\x00\x00" {
		t.Errorf("address %x, want the masked prefix", c.Data)
	}
	if es := saddrIn(netip.MustParsePrefix("10.1.0.9/32")); len(es) != 2 {
		t.Errorf("a /32 needs no mask, got %d expressions", len(es))
	}
}

// Bad input fails before any netlink traffic, so this needs no root.
func TestInvalidInput(t *testing.T) {
	tb := Table{Name: "hulltest-invalid"}
	subnet := netip.MustParsePrefix("10.1.0.0/24")
	for name, err := range map[string]error{
		"proto":       tb.AddPorts("c1", []PortMapping{{Proto: "icmp", HostPort: 1, ContainerIP: ctr, ContainerPort: 1}}),
		"owner":       tb.AddPorts("", nil),
		"remove":      tb.RemovePorts("a b"),
		"bridge":      tb.EnsureNetwork("this-name-is-too-long", subnet, false),
		"subnet":      tb.EnsureNetwork("br0", netip.MustParsePrefix("fd00::/64"), false),
		"remove net":  tb.RemoveNetwork(""),
		"table":       Table{Name: "a b"}.Delete(),
		"table owner": Table{Name: "a:b"}.RemovePorts("c1"),
	} {
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: got %v, want an invalid argument", name, err)
		}
	}
}
