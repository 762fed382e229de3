package link

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// loIndex is the loopback's ifindex, the same in every network namespace.
const loIndex = 1

// Attach creates the veth pair, plugs the host end into the bridge with
// hairpin mode on and sets it up; the peer is created directly inside the
// network namespace at nsPath (e.g. /proc/PID/ns/net) as ep.IfName with its
// MAC and MTU. It then adds the address, sets the peer and lo up and adds
// the default route. On any failure it removes what it made.
func Attach(nsPath string, ep Endpoint) error {
	if err := ep.validate(); err != nil {
		return err
	}
	if err := attach(nsPath, ep); err != nil {
		return fmt.Errorf("attach %s to bridge %s: %w", ep.HostVeth, ep.Bridge, err)
	}
	return nil
}

func attach(nsPath string, ep Endpoint) error {
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("open network namespace: %w", err)
	}
	defer ns.Close()
	host, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("open netlink: %w", err)
	}
	defer host.Close()

	br, err := bridgeByName(host, ep.Bridge)
	if err == nil && br == nil {
		err = fmt.Errorf("bridge %s does not exist", ep.Bridge)
	}
	if err != nil {
		return err
	}
	mtu := ep.MTU
	if mtu == 0 {
		mtu = br.Attrs().MTU
	}
	if err := addVeth(ep.HostVeth, ep.IfName, br.Attrs().Index, mtu, ep.mac(), ns); err != nil {
		return fmt.Errorf("create veth pair: %w", explainExists(host, err, ep, nsPath))
	}
	if err := configure(ns, ep); err != nil {
		// The pair is ours: deleting the host end takes the peer with it.
		if derr := deleteVeth(host, ep.HostVeth); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove it again: %w", derr))
		}
		return err
	}
	return nil
}

// explainExists says which name was taken when creating the pair failed
// with EEXIST: the host end's on the host or the peer's in the namespace.
func explainExists(host *netlink.Handle, err error, ep Endpoint, nsPath string) error {
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	if _, lerr := host.LinkByName(ep.HostVeth); lerr == nil {
		return fmt.Errorf("host link %s already exists: %w", ep.HostVeth, err)
	}
	return fmt.Errorf("%s already exists in %s: %w", ep.IfName, nsPath, err)
}

// configure finishes a freshly made pair: hairpin on the host end; address,
// lo and default route inside the namespace.
func configure(ns netns.NsHandle, ep Endpoint) error {
	if err := setHairpin(ep.HostVeth); err != nil {
		return fmt.Errorf("set hairpin mode: %w", err)
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("open netlink in namespace: %w", err)
	}
	defer h.Close()
	peer, err := h.LinkByName(ep.IfName)
	if err != nil {
		return fmt.Errorf("find %s in namespace: %w", ep.IfName, err)
	}
	if err := h.AddrAdd(peer, &netlink.Addr{IPNet: ipNet(ep.Address)}); err != nil {
		return fmt.Errorf("add address %s to %s: %w", ep.Address, ep.IfName, err)
	}
	for _, l := range []netlink.Link{peer, loopback()} {
		if err := h.LinkSetUp(l); err != nil {
			return fmt.Errorf("set %s up: %w", cmp.Or(l.Attrs().Name, "lo"), err)
		}
	}
	if !ep.DefaultRoute {
		return nil
	}
	route := &netlink.Route{LinkIndex: peer.Attrs().Index, Gw: ep.Gateway.AsSlice()}
	if err := h.RouteAdd(route); err != nil {
		return fmt.Errorf("add default route via %s: %w", ep.Gateway, err)
	}
	return nil
}

// Detach deletes the host end of a pair; the peer goes with it. Missing is
// fine. A link of that name that is not a veth is left alone and reported.
func Detach(hostVeth string) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("detach %s: open netlink: %w", hostVeth, err)
	}
	defer h.Close()
	if err := deleteVeth(h, hostVeth); err != nil {
		return fmt.Errorf("detach %s: %w", hostVeth, err)
	}
	return nil
}

// deleteVeth deletes the veth called name; missing is fine.
func deleteVeth(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	if err == nil && l.Type() != "veth" {
		return fmt.Errorf("%s is a %s, not a veth", name, l.Type())
	}
	if err == nil {
		err = h.LinkDel(l)
	}
	if err != nil && !notFound(err) {
		return err
	}
	return nil
}

// LoopbackUp sets lo up in the network namespace at nsPath.
func LoopbackUp(nsPath string) error {
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("loopback up: open network namespace: %w", err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("loopback up in %s: open netlink: %w", nsPath, err)
	}
	defer h.Close()
	if err := h.LinkSetUp(loopback()); err != nil {
		return fmt.Errorf("loopback up in %s: %w", nsPath, err)
	}
	return nil
}

// loopback names lo by its fixed index, which spares a lookup.
func loopback() netlink.Link {
	return &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: loIndex}}
}

// Exists reports whether a link of that name exists on the host.
func Exists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}

// HostVeths lists the host links whose names start with prefix.
func HostVeths(prefix string) ([]string, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var names []string
	for _, l := range links {
		if name := l.Attrs().Name; strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	return names, nil
}
