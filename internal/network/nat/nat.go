package nat

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
)

// DefaultTable is the table's name when Table.Name is empty.
const DefaultTable = "hull"

// Table is hull's nftables table, family ip. Name "hull" by default.
type Table struct{ Name string }

func (t Table) name() string {
	if t.Name == "" {
		return DefaultTable
	}
	return t.Name
}

func (t Table) validate() error {
	n := t.name()
	if len(n) > 32 || strings.Trim(n, nameChars) != "" {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid nftables table name %q: want up to 32 letters, digits, '_' or '-'", n))
	}
	return nil
}

const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// PortMapping is one published port: packets to HostIP:HostPort are sent
// to ContainerIP:ContainerPort.
type PortMapping struct {
	Proto         string     // "tcp" or "udp"
	HostIP        netip.Addr // zero value: every local address of the host (match `fib daddr type local`)
	HostPort      uint16
	ContainerIP   netip.Addr
	ContainerPort uint16
}

// String reads like the mapping's rule: tcp 0.0.0.0:8080 -> 10.88.0.2:80.
func (p PortMapping) String() string {
	host := "0.0.0.0"
	if p.HostIP.IsValid() {
		host = p.HostIP.String()
	}
	return fmt.Sprintf("%s %s:%d -> %s:%d", p.Proto, host, p.HostPort, p.ContainerIP, p.ContainerPort)
}

// normal is p with an unspecified host address (0.0.0.0) read as "every
// address", the zero Addr.
func (p PortMapping) normal() PortMapping {
	if p.HostIP.IsValid() && p.HostIP.IsUnspecified() {
		p.HostIP = netip.Addr{}
	}
	return p
}

func (p PortMapping) validate() error {
	bad := func(why string) error {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid port mapping %s: %s", p, why))
	}
	switch {
	case p.Proto != "tcp" && p.Proto != "udp":
		return bad(fmt.Sprintf("protocol %q is not tcp or udp", p.Proto))
	case p.HostPort == 0:
		return bad("host port is 0")
	case p.ContainerPort == 0:
		return bad("container port is 0")
	case p.HostIP.IsValid() && !p.HostIP.Is4():
		return bad("host address is not IPv4")
	case !p.ContainerIP.Is4() || p.ContainerIP.IsUnspecified():
		return bad("container address is not an IPv4 unicast address")
	}
	return nil
}

// overlaps reports whether p and q claim some of the same packets.
func (p PortMapping) overlaps(q PortMapping) bool {
	p, q = p.normal(), q.normal()
	return p.Proto == q.Proto && p.HostPort == q.HostPort &&
		(!p.HostIP.IsValid() || !q.HostIP.IsValid() || p.HostIP == q.HostIP)
}

// validateMappings checks each mapping and that no two of them overlap.
func validateMappings(ports []PortMapping) error {
	for i, p := range ports {
		if err := p.validate(); err != nil {
			return err
		}
		for _, q := range ports[:i] {
			if p.overlaps(q) {
				return errdefs.InvalidArgument(fmt.Sprintf("port mappings %s and %s claim the same host port", q, p))
			}
		}
	}
	return nil
}

// validateOwner accepts container ids and similar names: letters, digits,
// '_', '.', '-', up to 80 of them. With the table name (up to 32) the tag
// stays under the 128 bytes nft allows a comment.
func validateOwner(owner string) error {
	if owner == "" || len(owner) > 80 || strings.Trim(owner, nameChars+".") != "" {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid port owner %q: want up to 80 letters, digits, '_', '.' or '-'", owner))
	}
	return nil
}

// validateBridge accepts what the kernel accepts as an interface name,
// less ':' (which tags use as a separator).
func validateBridge(bridge string) error {
	if bridge == "" || len(bridge) > 15 || bridge == "." || bridge == ".." ||
		strings.ContainsAny(bridge, "/: \t\n\r\x00") {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid bridge name %q", bridge))
	}
	return nil
}

func validateSubnet(subnet netip.Prefix) error {
	if !subnet.IsValid() || !subnet.Addr().Is4() {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid subnet %s: want an IPv4 prefix", subnet))
	}
	return nil
}
