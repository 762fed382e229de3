package link

import (
	"net"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The two requests here are built by hand because the netlink library would
// spend extra round trips on them: its LinkAdd looks the new link up again
// and enslaves it in a second request; its LinkSetHairpin needs the port's
// index, which costs another lookup.

// addVeth creates the pair in one RTM_NEWLINK: the host end hostVeth, up and
// already a port of the bridge with index master; its peer ifName with mac
// (nil: random) and mtu, created directly inside the namespace ns. The peer
// cannot be created up: the kernel opens it before the host end exists, and
// veth_open fails with ENOTCONN without a peer.
// Both requests go through a socket in the calling thread's namespace, which
// is the host's: nothing in this package leaves a thread elsewhere.
func addVeth(hostVeth, ifName string, master, mtu int, mac net.HardwareAddr, ns netns.NsHandle) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	host := nl.NewIfInfomsg(unix.AF_UNSPEC)
	host.Flags, host.Change = unix.IFF_UP, unix.IFF_UP
	req.AddData(host)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(hostVeth)))
	req.AddData(nl.NewRtAttr(unix.IFLA_MTU, nl.Uint32Attr(uint32(mtu))))
	req.AddData(nl.NewRtAttr(unix.IFLA_MASTER, nl.Uint32Attr(uint32(master))))

	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("veth"))
	peer := info.AddRtAttr(nl.IFLA_INFO_DATA, nil).AddRtAttr(nl.VETH_INFO_PEER, nil)
	nl.NewIfInfomsgChild(peer, unix.AF_UNSPEC)
	peer.AddRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(ifName))
	peer.AddRtAttr(unix.IFLA_MTU, nl.Uint32Attr(uint32(mtu)))
	if mac != nil {
		peer.AddRtAttr(unix.IFLA_ADDRESS, mac)
	}
	peer.AddRtAttr(unix.IFLA_NET_NS_FD, nl.Uint32Attr(uint32(ns)))
	req.AddData(info)

	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// setHairpin turns hairpin mode on for the bridge port called name, so a
// container can reach itself through a published port. The port is named,
// not indexed, as `ip link set NAME type bridge_slave hairpin on` does.
func setHairpin(name string) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_SLAVE_KIND, nl.NonZeroTerminated("bridge"))
	info.AddRtAttr(nl.IFLA_INFO_SLAVE_DATA, nil).AddRtAttr(nl.IFLA_BRPORT_MODE, []byte{1})
	req.AddData(info)
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}
