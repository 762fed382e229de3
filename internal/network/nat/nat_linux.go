package nat

import (
	"cmp"
	"fmt"
	"net/netip"

	"github.com/hull-project/hull/internal/errdefs"
)

// EnsureNetwork installs, idempotently, the rules for one bridge network,
// replacing any it installed before in the same transaction:
//
//   - in postrouting, unless internal, `ip saddr SUBNET oifname != BRIDGE
//     masquerade` (outbound NAT);
//   - in postrouting, `oifname BRIDGE ct status dnat ip saddr 127.0.0.0/8
//     masquerade`, for published ports reached from the host's 127.0.0.1
//     (which also needs route_localnet on the bridge, set elsewhere), and
//     the same with `ip saddr SUBNET`, for hairpin: a container reaching a
//     published port of its own network through a host address;
//   - for internal networks, in forward, drops of traffic between BRIDGE
//     and any other interface;
//   - if a chain FORWARD exists in table ip filter (dockerd and
//     iptables-nft leave one, often with policy drop), `iifname BRIDGE
//     accept` and `oifname BRIDGE accept` at its top, so that container
//     traffic is not dropped there.
func (t Table) EnsureNetwork(bridge string, subnet netip.Prefix, internal bool) error {
	err := cmp.Or(t.validate(), validateBridge(bridge), validateSubnet(subnet))
	if err == nil {
		err = t.update(func(tx *txn) error {
			tx.ensureChains(chainPostrouting)
			if internal {
				tx.ensureChains(chainForward)
			}
			if err := tx.del(tx.tagged(tag{kind: kindNet, subject: bridge})); err != nil {
				return err
			}
			tx.add(networkRules(bridge, subnet, internal)...)
			if tx.forward != nil {
				tx.add(filterRules(bridge)...)
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("install nftables rules for network %s: %w", bridge, err)
	}
	return nil
}

// RemoveNetwork deletes every rule EnsureNetwork added for bridge, in
// hull's table and in ip filter FORWARD. Missing is fine.
func (t Table) RemoveNetwork(bridge string) error {
	err := cmp.Or(t.validate(), validateBridge(bridge))
	if err == nil {
		err = t.update(func(tx *txn) error {
			return tx.del(tx.tagged(tag{kind: kindNet, subject: bridge}))
		})
	}
	if err != nil {
		return fmt.Errorf("remove nftables rules of network %s: %w", bridge, err)
	}
	return nil
}

// AddPorts adds DNAT rules for owner (a container id) in one transaction:
// chains prerouting and output jump to chain ports when `fib daddr type
// local`, and ports gets, per mapping, `[ip daddr HOSTIP] meta l4proto
// PROTO th dport HOSTPORT dnat to CONTAINERIP:CONTAINERPORT`.
//
// A mapping owner already has is skipped, so AddPorts can be retried. One
// that claims a host port already published (by owner or another, to
// any target) fails the whole call with an errdefs.ErrConflict.
func (t Table) AddPorts(owner string, ports []PortMapping) error {
	err := cmp.Or(t.validate(), validateOwner(owner), validateMappings(ports))
	if err == nil && len(ports) > 0 {
		err = t.update(func(tx *txn) error {
			fresh, err := tx.newPorts(owner, ports)
			if err != nil {
				return err
			}
			tx.ensureChains(chainPrerouting, chainOutput, chainPorts)
			tx.ensureJump(chainPrerouting)
			tx.ensureJump(chainOutput)
			for _, p := range fresh {
				tx.add(portRule(owner, p))
			}
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("publish ports of %s: %w", owner, err)
	}
	return nil
}

// newPorts returns the mappings of ports that are not in place yet, or a
// conflict if one claims a host port a different mapping holds.
func (tx *txn) newPorts(owner string, ports []PortMapping) ([]PortMapping, error) {
	var fresh []PortMapping
next:
	for _, p := range ports {
		p = p.normal()
		for _, r := range tx.rules[chainPorts] {
			g, tagged := tx.t.tagOf(r.UserData)
			m, ok := mappingOf(r.Exprs)
			if !tagged || g.kind != kindPort || !ok || !p.overlaps(m) {
				continue
			}
			if g.subject == owner && m == p {
				continue next
			}
			return nil, errdefs.Conflict(fmt.Sprintf("%s: host port already published by %s (%s)", p, g.subject, m))
		}
		fresh = append(fresh, p)
	}
	return fresh, nil
}

// RemovePorts deletes owner's port rules; none is fine.
func (t Table) RemovePorts(owner string) error {
	err := cmp.Or(t.validate(), validateOwner(owner))
	if err == nil {
		err = t.update(func(tx *txn) error {
			return tx.del(tx.tagged(tag{kind: kindPort, subject: owner}))
		})
	}
	if err != nil {
		return fmt.Errorf("remove published ports of %s: %w", owner, err)
	}
	return nil
}

// Owners lists, sorted, the owners (container ids) that have port rules,
// for leak checks and to collect the rules of crashed containers.
func (t Table) Owners() ([]string, error) {
	return t.list(kindPort)
}

// Networks lists, sorted, the bridges that have network rules.
func (t Table) Networks() ([]string, error) {
	return t.list(kindNet)
}

func (t Table) list(kind string) ([]string, error) {
	var out []string
	err := t.validate()
	if err == nil {
		err = t.view(func(tx *txn) { out = tx.subjects(kind) })
	}
	if err != nil {
		return nil, fmt.Errorf("list nftables rules of table %s: %w", t.name(), err)
	}
	return out, nil
}

// Delete removes the whole table, and the rules it tagged in ip filter
// FORWARD (tests and full cleanup). Missing is fine.
func (t Table) Delete() error {
	err := t.validate()
	if err == nil {
		err = t.update(func(tx *txn) error {
			if tx.exists {
				tx.c.DelTable(tx.table)
			}
			return tx.del(tx.fwRules)
		})
	}
	if err != nil {
		return fmt.Errorf("delete nftables table %s: %w", t.name(), err)
	}
	return nil
}
