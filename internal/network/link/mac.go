package link

import (
	"net"
	"net/netip"
)

// MACFor returns the MAC Docker gives a container with address ip: the
// locally administered prefix 02:42 followed by the four IPv4 bytes, so the
// MAC is stable for an address and unique on the bridge. For an address that
// is not IPv4 it returns nil, and the kernel picks a random MAC.
func MACFor(ip netip.Addr) net.HardwareAddr {
	ip = ip.Unmap()
	if !ip.Is4() {
		return nil
	}
	b := ip.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}
}
