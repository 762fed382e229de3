package link

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestEndpointValidate(t *testing.T) {
	good := Endpoint{
		Bridge: "hull0", HostVeth: "veth0123abcd", IfName: "eth0",
		Address: netip.MustParsePrefix("10.88.0.2/16"), Gateway: netip.MustParseAddr("10.88.0.1"), DefaultRoute: true,
	}
	for _, tc := range []struct {
		name   string
		change func(*Endpoint)
		want   string // substring of the error; "" means valid
	}{
		{"good", func(*Endpoint) {}, ""},
		{"no route no gateway", func(e *Endpoint) { e.DefaultRoute, e.Gateway = false, netip.Addr{} }, ""},
		{"long host name", func(e *Endpoint) { e.HostVeth = "veth0123456789ab" }, "longer than 15"},
		{"empty ifname", func(e *Endpoint) { e.IfName = "" }, "empty interface name"},
		{"slash", func(e *Endpoint) { e.Bridge = "a/b" }, "invalid interface name"},
		{"no address", func(e *Endpoint) { e.Address = netip.Prefix{} }, "no address"},
		{"no gateway", func(e *Endpoint) { e.Gateway = netip.Addr{} }, "needs a gateway"},
		{"gateway family", func(e *Endpoint) { e.Gateway = netip.MustParseAddr("fd00::1") }, "needs a gateway"},
		{"short mac", func(e *Endpoint) { e.MAC = net.HardwareAddr{1, 2} }, "not 6 bytes"},
		{"negative mtu", func(e *Endpoint) { e.MTU = -1 }, "negative MTU"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := good
			tc.change(&ep)
			err := ep.validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("validate() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestEndpointMAC(t *testing.T) {
	ep := Endpoint{Address: netip.MustParsePrefix("10.88.0.2/16")}
	if got := ep.mac().String(); got != "02:42:0a:58:00:02" {
		t.Errorf("derived mac = %s", got)
	}
	ep.MAC = net.HardwareAddr{0x02, 1, 2, 3, 4, 5}
	if got := ep.mac().String(); got != "02:01:02:03:04:05" {
		t.Errorf("explicit mac = %s", got)
	}
}
