package nat

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ForgetConnections deletes the kernel's connection tracking entries to
// and from a container's address. A UDP client that keeps sending to a
// published port would otherwise stay bound, by its conntrack entry, to
// the address of a container that is gone, and never reach the next one
// published on that port (Docker flushes them for the same reason).
func ForgetConnections(ip netip.Addr) error {
	if !ip.Is4() {
		return nil
	}
	filter := &netlink.ConntrackFilter{}
	if err := filter.AddIP(netlink.ConntrackReplyAnyIP, net.IP(ip.AsSlice())); err != nil {
		return err
	}
	if _, err := netlink.ConntrackDeleteFilters(netlink.ConntrackTable, unix.AF_INET, filter); err != nil {
		return fmt.Errorf("forget connections of %s: %w", ip, err)
	}
	return nil
}
