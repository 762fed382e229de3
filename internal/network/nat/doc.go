// Package nat keeps hull's nftables rules: outbound masquerade and
// isolation for bridge networks, and the DNAT rules that publish container
// ports on the host.
//
// Everything lives in one table of family ip ("hull" unless told
// otherwise):
//
//	postrouting  nat, hook postrouting, srcnat   masquerade per network
//	forward      filter, hook forward, filter    drops for internal networks
//	prerouting   nat, hook prerouting, dstnat    fib daddr type local jump ports
//	output       nat, hook output, dstnat        fib daddr type local jump ports
//	ports        regular chain                   one dnat rule per published port
//
// Every rule carries a comment (nftables user data) naming its owner:
// TABLE:net:BRIDGE for a network's rules, TABLE:port:OWNER for a
// container's published ports. Removal, listing and garbage collection find
// rules by that tag, never by position. When an iptables-nft "ip filter"
// table with a FORWARD chain exists (dockerd leaves one, usually with
// policy drop), each network also gets two tagged accept rules at its top,
// as netavark and the CNI firewall plugin add theirs.
//
// Two settings outside nftables are the caller's (package link makes
// them): route_localnet on the bridge, without which the kernel will not
// route a packet from 127.0.0.1 out of it, and hairpin mode on each
// container's bridge port, without which a container cannot reach its own
// published port while br_netfilter is active (the DNATed packet is then
// bridged back out of the port it came in on).
//
// The rules are written over netlink with github.com/google/nftables, not
// by running iptables or nft, and not through the CNI portmap plugin:
// publishing a container's ports is one netlink transaction of a few
// messages, which takes milliseconds and spawns no process, where portmap
// costs a plugin process plus several iptables runs, each re-reading and
// rewriting a whole table. A transaction is atomic, so a packet sees either
// the old rules or the new ones.
//
// Several hull processes may change the rules at once. Each change reads
// the current rules and commits one batch while holding an flock on
// /run/hull/nat.lock, so two processes never both add the same chain jump
// or delete the same rule; creating the table and base chains in every
// batch is idempotent, and nothing is ever flushed.
package nat
