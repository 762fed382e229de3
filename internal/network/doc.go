// Package network gives containers Docker's networks: the default bridge
// (hull0, 10.88.0.0/16), user-defined bridge networks where containers find
// each other by name, published ports, and the /etc/hosts, /etc/hostname
// and /etc/resolv.conf a container sees.
//
// It is built on netlink (package link: bridges, veth pairs, addresses,
// routes, all inside the container's namespace through a handle bound to
// it) and nftables (package nat: masquerade and DNAT rules, one netlink
// transaction per container), not on the CNI plugins. CNI would run four
// plugin processes per container (bridge, host-local, portmap, firewall),
// each of which re-reads its state and shells out to iptables; that is most
// of what podman spends on a network. Here setup is a few netlink round
// trips in the process that starts the container.
//
// Names resolve through /etc/hosts entries kept current: on a user-defined
// network every member's hosts file lists the other members (name, aliases,
// short id), and is rewritten in place when a member joins or leaves. That
// needs no resolver process per network, and works for every libc.
//
// State lives under ROOT/networks: one JSON record per network and one per
// attached container ("sandbox"), written atomically under one file lock.
// Addresses in use are those the sandboxes hold, so the allocator can never
// hand out an address twice and survives restarts of hull; a sandbox whose
// network namespace is gone (its container or monitor was killed) is
// released by the next hull command that looks.
package network
