package nat

import (
	"encoding/binary"
	"net"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The chains of hull's table.
const (
	chainPostrouting = "postrouting"
	chainForward     = "forward"
	chainPrerouting  = "prerouting"
	chainOutput      = "output"
	chainPorts       = "ports"
)

// filterTable and filterForward name the chain iptables-nft (and dockerd
// through it) filters forwarded packets in.
const (
	filterTable   = "filter"
	filterForward = "FORWARD"
)

// baseChains are the hooked chains of hull's table (ports is a regular
// chain, jumped to).
var baseChains = map[string]nftables.Chain{
	chainPostrouting: {Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource},
	chainForward:     {Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter},
	chainPrerouting:  {Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest},
	chainOutput:      {Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest},
	chainPorts:       {},
}

// rule is one rule to add: where it goes, whose it is, what it does.
type rule struct {
	table, chain string // table "" is hull's
	insert       bool   // at the top of the chain rather than the end
	tag          tag
	exprs        []expr.Any
}

// networkRules are a bridge network's rules in hull's table.
func networkRules(bridge string, subnet netip.Prefix, internal bool) []rule {
	g := tag{kind: kindNet, subject: bridge}
	masq := &expr.Masq{}
	var rs []rule
	if !internal {
		// ip saddr SUBNET oifname != BRIDGE masquerade
		rs = append(rs, rule{chain: chainPostrouting, tag: g, exprs: join(
			saddrIn(subnet), ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, bridge), masq)})
	}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	for _, from := range []netip.Prefix{loopback, subnet} {
		// oifname BRIDGE ct status dnat ip saddr FROM masquerade
		rs = append(rs, rule{chain: chainPostrouting, tag: g, exprs: join(
			ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq, bridge), ctStatusDNAT(), saddrIn(from), masq)})
	}
	if internal {
		drop := &expr.Verdict{Kind: expr.VerdictDrop}
		// iifname BRIDGE oifname != BRIDGE drop, and the other way round
		rs = append(rs,
			rule{chain: chainForward, tag: g, exprs: join(
				ifname(expr.MetaKeyIIFNAME, expr.CmpOpEq, bridge), ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, bridge), drop)},
			rule{chain: chainForward, tag: g, exprs: join(
				ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq, bridge), ifname(expr.MetaKeyIIFNAME, expr.CmpOpNeq, bridge), drop)})
	}
	return rs
}

// filterRules are a bridge network's accept rules for the top of ip
// filter FORWARD, written as iptables-nft writes `-i BRIDGE -j ACCEPT`
// (interface name with its NUL, a counter) so that `iptables -S` still
// reads the chain.
func filterRules(bridge string) []rule {
	g := tag{kind: kindNet, subject: bridge}
	var rs []rule
	for _, key := range []expr.MetaKey{expr.MetaKeyOIFNAME, expr.MetaKeyIIFNAME} {
		rs = append(rs, rule{table: filterTable, chain: filterForward, insert: true, tag: g, exprs: join(
			ifname(key, expr.CmpOpEq, bridge), &expr.Counter{}, &expr.Verdict{Kind: expr.VerdictAccept})})
	}
	return rs
}

// jumpRule is `fib daddr type local jump ports`, for prerouting and
// output.
func jumpRule(chain string) rule {
	return rule{chain: chain, tag: tag{kind: kindJump, subject: chainPorts}, exprs: []expr.Any{
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)},
		&expr.Verdict{Kind: expr.VerdictJump, Chain: chainPorts},
	}}
}

// portRule is `[ip daddr HOSTIP] meta l4proto PROTO th dport HOSTPORT dnat
// to CONTAINERIP:CONTAINERPORT` for a valid mapping.
func portRule(owner string, p PortMapping) rule {
	p = p.normal()
	var es []expr.Any
	if p.HostIP.IsValid() {
		es = append(es, load(expr.PayloadBaseNetworkHeader, 16, 4), cmpEq(p.HostIP.AsSlice()))
	}
	es = append(es,
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, cmpEq([]byte{protoNumber(p.Proto)}),
		load(expr.PayloadBaseTransportHeader, 2, 2), cmpEq(binaryutil.BigEndian.PutUint16(p.HostPort)),
		&expr.Immediate{Register: 1, Data: p.ContainerIP.AsSlice()},
		&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(p.ContainerPort)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2})
	return rule{chain: chainPorts, tag: tag{kind: kindPort, subject: owner}, exprs: es}
}

// mappingOf reads back the mapping of a rule portRule built; false if the
// expressions are not such a rule.
func mappingOf(es []expr.Any) (PortMapping, bool) {
	var p PortMapping
	var loaded string // what register 1 holds
	for _, e := range es {
		switch e := e.(type) {
		case *expr.Payload:
			loaded = payloadField(e)
		case *expr.Meta:
			loaded = ""
			if e.Key == expr.MetaKeyL4PROTO {
				loaded = "l4proto"
			}
		case *expr.Cmp:
			if !p.setField(loaded, e) {
				return PortMapping{}, false
			}
		case *expr.Immediate:
			p.setTarget(e)
		}
	}
	return p, p.validate() == nil
}

func payloadField(e *expr.Payload) string {
	switch {
	case e.Base == expr.PayloadBaseNetworkHeader && e.Offset == 16 && e.Len == 4:
		return "daddr"
	case e.Base == expr.PayloadBaseTransportHeader && e.Offset == 2 && e.Len == 2:
		return "dport"
	}
	return ""
}

// setField records what an equality test on field says about p.
func (p *PortMapping) setField(field string, e *expr.Cmp) bool {
	if e.Op != expr.CmpOpEq {
		return false
	}
	switch {
	case field == "daddr" && len(e.Data) == 4:
		p.HostIP = netip.AddrFrom4([4]byte(e.Data))
	case field == "l4proto" && len(e.Data) == 1:
		p.Proto = protoName(e.Data[0])
	case field == "dport" && len(e.Data) == 2:
		p.HostPort = binary.BigEndian.Uint16(e.Data)
	default:
		return false
	}
	return true
}

func (p *PortMapping) setTarget(e *expr.Immediate) {
	switch {
	case e.Register == 1 && len(e.Data) == 4:
		p.ContainerIP = netip.AddrFrom4([4]byte(e.Data))
	case e.Register == 2 && len(e.Data) == 2:
		p.ContainerPort = binary.BigEndian.Uint16(e.Data)
	}
}

func protoNumber(proto string) byte {
	if proto == "udp" {
		return unix.IPPROTO_UDP
	}
	return unix.IPPROTO_TCP
}

func protoName(n byte) string {
	switch n {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	}
	return ""
}

// ifname compares the interface name under key (iifname, oifname) to name.
func ifname(key expr.MetaKey, op expr.CmpOp, name string) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: append([]byte(name), 0)},
	}
}

// saddrIn is `ip saddr PREFIX`.
func saddrIn(p netip.Prefix) []expr.Any {
	p = p.Masked()
	es := []expr.Any{load(expr.PayloadBaseNetworkHeader, 12, 4)}
	if p.Bits() < 32 {
		es = append(es, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: net.CIDRMask(p.Bits(), 32), Xor: make([]byte, 4)})
	}
	return append(es, cmpEq(p.Addr().AsSlice()))
}

// ctStatusDNAT is `ct status dnat`: the connection's destination was
// rewritten, by a published port's rule.
func ctStatusDNAT() []expr.Any {
	return []expr.Any{
		&expr.Ct{Key: expr.CtKeySTATUS, Register: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ipsDstNAT), Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
	}
}

// ipsDstNAT is IPS_DST_NAT of linux/netfilter/nf_conntrack_common.h.
const ipsDstNAT = 1 << 5

func load(base expr.PayloadBase, offset, n uint32) *expr.Payload {
	return &expr.Payload{DestRegister: 1, Base: base, Offset: offset, Len: n}
}

func cmpEq(data []byte) *expr.Cmp { return &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data} }

// join flattens expressions and lists of them into one list.
func join(parts ...any) []expr.Any {
	var es []expr.Any
	for _, p := range parts {
		switch p := p.(type) {
		case []expr.Any:
			es = append(es, p...)
		case expr.Any:
			es = append(es, p)
		}
	}
	return es
}
