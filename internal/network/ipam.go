package network

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// allocate picks an address in subnet for a container: want if given
// (which must be free, inside the subnet, and neither the network address,
// the gateway nor the broadcast address), else the lowest free one. used
// holds the addresses live containers hold.
func allocate(subnet netip.Prefix, gateway netip.Addr, used map[netip.Addr]bool, want netip.Addr) (netip.Addr, error) {
	first := subnet.Masked().Addr()
	broadcast := lastAddr(subnet)
	usable := func(a netip.Addr) bool {
		return subnet.Contains(a) && a != first && a != broadcast && a != gateway
	}
	if want.IsValid() {
		switch {
		case !usable(want):
			return netip.Addr{}, fmt.Errorf("address %s is not usable in subnet %s (gateway %s)", want, subnet, gateway)
		case used[want]:
			return netip.Addr{}, fmt.Errorf("address %s is already in use on subnet %s", want, subnet)
		}
		return want, nil
	}
	for a := first.Next(); a.IsValid() && a != broadcast; a = a.Next() {
		if usable(a) && !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no free address left in subnet %s", subnet)
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) | (1<<(32-p.Bits()) - 1)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// gatewayFor is a subnet's first host address, the bridge's.
func gatewayFor(subnet netip.Prefix) netip.Addr { return subnet.Masked().Addr().Next() }

// nextSubnet picks a /24 for a new user-defined network from 10.89.0.0
// upward (as podman does), skipping those that overlap taken: other
// networks' subnets and the host's routes.
func nextSubnet(taken []netip.Prefix) (netip.Prefix, error) {
	for second := 89; second < 255; second++ {
		for third := 0; third < 256; third++ {
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(second), byte(third), 0}), 24)
			if !overlapsAny(p, taken) {
				return p, nil
			}
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free /24 subnet left in 10.89.0.0-10.254.255.0: pass --subnet")
}

func overlapsAny(p netip.Prefix, taken []netip.Prefix) bool {
	for _, t := range taken {
		if t.Bits() > 0 && p.Overlaps(t) {
			return true
		}
	}
	return false
}

// parseRoutes reads /proc/net/route: the host's IPv4 routes other than the
// default one, with the interface each goes through.
func parseRoutes(r io.Reader) (map[netip.Prefix]string, error) {
	out := map[netip.Prefix]string{}
	sc := bufio.NewScanner(r)
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 {
			continue
		}
		dst, err1 := hexAddr(f[1])
		mask, err2 := hexAddr(f[7])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("parse route %q", sc.Text())
		}
		m := mask.As4()
		bits := 0
		for _, b := range m {
			for ; b != 0; b <<= 1 {
				bits++
			}
		}
		if bits == 0 {
			continue
		}
		out[netip.PrefixFrom(dst, bits).Masked()] = f[0]
	}
	return out, sc.Err()
}

// hexAddr decodes /proc/net/route's little-endian hex addresses.
func hexAddr(s string) (netip.Addr, error) {
	if len(s) != 8 {
		return netip.Addr{}, fmt.Errorf("bad address %q", s)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.AddrFrom4([4]byte{b[3], b[2], b[1], b[0]}), nil
}

// ParseSubnet parses a CIDR for a network and checks it can hold one.
func ParseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("invalid subnet %q: expected an IPv4 CIDR such as 10.89.0.0/24", s)
	}
	if p.Bits() > 30 || p.Bits() < 8 {
		return netip.Prefix{}, fmt.Errorf("invalid subnet %q: the prefix length must be between 8 and 30", s)
	}
	return p.Masked(), nil
}

// ParseBIP parses docker's "bip" setting, the bridge's own address with
// the subnet's length (10.88.0.1/16).
func ParseBIP(s string) (netip.Prefix, netip.Addr, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, netip.Addr{}, fmt.Errorf("invalid bridge address %q: expected an IPv4 CIDR such as 10.88.0.1/16", s)
	}
	subnet, err := ParseSubnet(p.Masked().String())
	if err != nil {
		return netip.Prefix{}, netip.Addr{}, err
	}
	gw := p.Addr()
	if gw == subnet.Addr() || gw == lastAddr(subnet) {
		return netip.Prefix{}, netip.Addr{}, fmt.Errorf("invalid bridge address %q: the network or broadcast address", s)
	}
	return subnet, gw, nil
}
