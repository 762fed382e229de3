package link

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Endpoint is one container's interface on a bridge: a veth pair whose host
// end is plugged into Bridge and whose peer is IfName inside the container.
type Endpoint struct {
	Bridge       string           // host bridge to plug into
	HostVeth     string           // host-side name (<=15 chars), e.g. "veth" + 8 hex
	IfName       string           // name inside the container, e.g. "eth0"
	Address      netip.Prefix     // e.g. 10.88.0.2/16
	Gateway      netip.Addr       // default route via this when DefaultRoute
	DefaultRoute bool             // add the default route via Gateway
	MAC          net.HardwareAddr // nil: MACFor(Address.Addr()), as Docker does
	MTU          int              // 0: the bridge's MTU
}

// maxNameLen is the longest interface name the kernel accepts (IFNAMSIZ-1).
const maxNameLen = 15

// validName reports why name cannot be an interface name, or nil.
// It mirrors the kernel's dev_valid_name.
func validName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s: empty interface name", what)
	case len(name) > maxNameLen:
		return fmt.Errorf("%s: interface name %q is longer than %d bytes", what, name, maxNameLen)
	case name == "." || name == "..", strings.ContainsAny(name, "/: \t\n"):
		return fmt.Errorf("%s: invalid interface name %q", what, name)
	}
	return nil
}

// validate checks the endpoint before anything is created.
func (ep Endpoint) validate() error {
	for _, n := range []struct{ what, name string }{
		{"bridge", ep.Bridge}, {"host veth", ep.HostVeth}, {"container interface", ep.IfName},
	} {
		if err := validName(n.what, n.name); err != nil {
			return err
		}
	}
	if !ep.Address.IsValid() {
		return fmt.Errorf("endpoint %s: no address", ep.HostVeth)
	}
	if ep.MAC != nil && len(ep.MAC) != 6 {
		return fmt.Errorf("endpoint %s: MAC %s is not 6 bytes", ep.HostVeth, ep.MAC)
	}
	if ep.MTU < 0 {
		return fmt.Errorf("endpoint %s: negative MTU %d", ep.HostVeth, ep.MTU)
	}
	if ep.DefaultRoute && (!ep.Gateway.IsValid() || ep.Gateway.Is4() != ep.Address.Addr().Is4()) {
		return fmt.Errorf("endpoint %s: default route needs a gateway of the address's family, have %v", ep.HostVeth, ep.Gateway)
	}
	return nil
}

// mac is the MAC the container interface gets.
func (ep Endpoint) mac() net.HardwareAddr {
	if ep.MAC != nil {
		return ep.MAC
	}
	return MACFor(ep.Address.Addr())
}
