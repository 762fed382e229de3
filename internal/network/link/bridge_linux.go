package link

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// EnsureBridge creates, if missing, a Linux bridge named name holding the
// gateway address (e.g. 10.88.0.1/16), sets it up, and for an IPv4 gateway
// enables what containers behind it need: net.ipv4.ip_forward=1 and
// net.ipv4.conf.<name>.route_localnet=1 (published ports reached via
// 127.0.0.1).
//
// It is idempotent and safe when two processes call it at once: EEXIST from
// a racing creator is success. If the gateway address is on another
// interface, or the subnet overlaps a route on another interface, it fails
// with an error naming that interface.
func EnsureBridge(name string, gateway netip.Prefix) error {
	if err := validName("bridge", name); err != nil {
		return err
	}
	if !gateway.IsValid() {
		return fmt.Errorf("bridge %s: invalid gateway %v", name, gateway)
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("bridge %s: open netlink: %w", name, err)
	}
	defer h.Close()
	br, err := ensureBridgeLink(h, name, gateway)
	if err == nil {
		err = ensureGateway(h, br, gateway)
	}
	if err == nil && gateway.Addr().Is4() {
		err = enableForwarding(name)
	}
	if err != nil {
		return fmt.Errorf("bridge %s: %w", name, err)
	}
	return nil
}

// ensureBridgeLink returns the bridge, created up if it was missing.
func ensureBridgeLink(h *netlink.Handle, name string, gateway netip.Prefix) (netlink.Link, error) {
	br, err := bridgeByName(h, name)
	if err != nil || br != nil {
		if br != nil && br.Attrs().Flags&net.FlagUp == 0 {
			err = h.LinkSetUp(br)
		}
		return br, err
	}
	// Check before creating, so a conflict leaves nothing behind.
	if err := checkConflicts(h, name, gateway); err != nil {
		return nil, err
	}
	la := netlink.NewLinkAttrs()
	la.Name = name
	la.Flags = net.FlagUp
	// A fixed MAC: otherwise the bridge takes the lowest port MAC, and the
	// gateway's MAC changes under the containers as ports come and go.
	la.HardwareAddr = randomMAC()
	if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: la}); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("create: %w", err)
	}
	if br, err = bridgeByName(h, name); err == nil && br == nil {
		err = errors.New("vanished right after creation")
	}
	return br, err
}

// ensureGateway puts the gateway address on the bridge unless it is there.
func ensureGateway(h *netlink.Handle, br netlink.Link, gateway netip.Prefix) error {
	addrs, err := h.AddrList(br, family(gateway.Addr()))
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range addrs {
		if prefixOf(a.IPNet) == gateway {
			return nil
		}
	}
	if err := checkConflicts(h, br.Attrs().Name, gateway); err != nil {
		return err
	}
	err = h.AddrAdd(br, &netlink.Addr{IPNet: ipNet(gateway)})
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add address %s: %w", gateway, err)
	}
	return nil
}

// checkConflicts fails if the gateway address is on an interface other than
// the bridge, or if its subnet overlaps a route in the main table through
// another interface. Interfaces are compared by name, not index: a racing
// EnsureBridge may have made the bridge since this one looked.
func checkConflicts(h *netlink.Handle, bridge string, gateway netip.Prefix) error {
	fam := family(gateway.Addr())
	addrs, err := h.AddrList(nil, fam)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range addrs {
		if prefixOf(a.IPNet).Addr() != gateway.Addr() {
			continue
		}
		if other := linkName(h, a.LinkIndex); other != bridge {
			return fmt.Errorf("address %s is already on %s; choose another subnet", gateway.Addr(), other)
		}
	}
	routes, err := h.RouteListFiltered(fam, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	subnet := gateway.Masked()
	for _, r := range routes {
		dst := prefixOf(r.Dst)
		if r.LinkIndex == 0 || dst.Bits() <= 0 || !dst.Overlaps(subnet) {
			continue // not through an interface, a default route, or elsewhere
		}
		if other := linkName(h, r.LinkIndex); other != bridge {
			return fmt.Errorf("subnet %s overlaps route %s on %s; choose another subnet", subnet, dst, other)
		}
	}
	return nil
}

// enableForwarding sets the IPv4 sysctls a bridge network needs. They are
// per network namespace; /proc/sys/net shows this process's.
func enableForwarding(bridge string) error {
	for _, key := range []string{"net/ipv4/ip_forward", "net/ipv4/conf/" + bridge + "/route_localnet"} {
		if err := os.WriteFile(filepath.Join("/proc/sys", key), []byte("1"), 0); err != nil {
			return fmt.Errorf("enable %s: %w", key, err)
		}
	}
	return nil
}

// DeleteBridge removes the bridge; missing is fine. A link of that name
// that is not a bridge is left alone and reported.
func DeleteBridge(name string) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("delete bridge %s: open netlink: %w", name, err)
	}
	defer h.Close()
	br, err := bridgeByName(h, name)
	if err == nil && br != nil {
		err = h.LinkDel(br)
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("delete bridge %s: %w", name, err)
	}
	return nil
}

// bridgeByName returns the bridge called name, nil if there is no such
// link, and an error if the link is not a bridge.
func bridgeByName(h *netlink.Handle, name string) (netlink.Link, error) {
	l, err := h.LinkByName(name)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", name, err)
	}
	if l.Type() != "bridge" {
		return nil, fmt.Errorf("%s is a %s, not a bridge", name, l.Type())
	}
	return l, nil
}

// linkName names the link with index i for an error message.
func linkName(h *netlink.Handle, i int) string {
	if l, err := h.LinkByIndex(i); err == nil {
		return l.Attrs().Name
	}
	return fmt.Sprintf("interface #%d", i)
}

// randomMAC returns a random unicast, locally administered MAC.
func randomMAC() net.HardwareAddr {
	mac := make(net.HardwareAddr, 6)
	rand.Read(mac)
	mac[0] = mac[0]&^0x01 | 0x02
	return mac
}
