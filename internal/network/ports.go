package network

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Port is one published port: HostPort on HostIP (every address when
// HostIP is the zero Addr) forwarded to ContainerPort.
type Port struct {
	Proto         string     `json:"proto"`
	HostIP        netip.Addr `json:"host_ip,omitzero"`
	HostPort      uint16     `json:"host_port"`
	ContainerPort uint16     `json:"container_port"`
}

// Key is the port's name as Docker keys it: "80/tcp".
func (p Port) Key() string { return fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto) }

// HostIPString is the host address as Docker prints it: 0.0.0.0 for all.
func (p Port) HostIPString() string {
	if !p.HostIP.IsValid() {
		return "0.0.0.0"
	}
	return p.HostIP.String()
}

// String is the port as `docker ps` shows it: 0.0.0.0:8080->80/tcp.
func (p Port) String() string {
	return fmt.Sprintf("%s:%d->%s", p.HostIPString(), p.HostPort, p.Key())
}

// ParsePublish parses one -p value, as docker does:
//
//	[ip:][hostPort:]containerPort[/proto]  and  ip::containerPort
//
// with equal-length ranges (8080-8081:80-81). A host port of 0 asks for
// a free one.
func ParsePublish(spec string) ([]Port, error) {
	bad := func(why string) error { return fmt.Errorf("invalid publish spec %q: %s", spec, why) }
	rest, proto, hasProto := strings.Cut(spec, "/")
	if !hasProto {
		proto = "tcp"
	}
	proto = strings.ToLower(proto)
	if proto != "tcp" && proto != "udp" {
		return nil, bad("protocol must be tcp or udp")
	}
	var ipPart, hostPart, ctrPart string
	switch parts := strings.Split(rest, ":"); len(parts) {
	case 1:
		ctrPart = parts[0]
	case 2:
		hostPart, ctrPart = parts[0], parts[1]
	case 3:
		ipPart, hostPart, ctrPart = parts[0], parts[1], parts[2]
	default:
		// An IPv6 host address in brackets is not supported: hull's
		// networks are IPv4.
		return nil, bad("expected [ip:][hostPort:]containerPort[/proto]")
	}
	var hostIP netip.Addr
	if ipPart != "" {
		ip, err := netip.ParseAddr(strings.Trim(ipPart, "[]"))
		if err != nil || !ip.Is4() {
			return nil, bad("host address must be an IPv4 address")
		}
		if !ip.IsUnspecified() {
			hostIP = ip
		}
	}
	ctrLo, ctrHi, err := parsePortRange(ctrPart)
	if err != nil || ctrLo == 0 {
		return nil, bad("container port must be a number from 1 to 65535")
	}
	var hostLo, hostHi uint16
	if hostPart != "" {
		if hostLo, hostHi, err = parsePortRange(hostPart); err != nil {
			return nil, bad("host port must be a number from 0 to 65535")
		}
		if hostHi-hostLo != ctrHi-ctrLo && !(hostLo == hostHi && ctrLo == ctrHi) {
			return nil, bad("host and container port ranges differ in length")
		}
	}
	var out []Port
	for i := 0; i <= int(ctrHi-ctrLo); i++ {
		p := Port{Proto: proto, HostIP: hostIP, ContainerPort: ctrLo + uint16(i)}
		if hostLo != 0 {
			p.HostPort = hostLo + uint16(i)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePortRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	l, err := strconv.ParseUint(a, 10, 16)
	if err != nil {
		return 0, 0, err
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(b, 10, 16); err != nil {
			return 0, 0, err
		}
		if h < l {
			return 0, 0, fmt.Errorf("range %s ends before it starts", s)
		}
	}
	return uint16(l), uint16(h), nil
}

// ParseExposed parses an image's or --expose's "80/tcp" or "80".
func ParseExposed(s string) (Port, error) {
	ports, err := ParsePublish(s)
	if err != nil || len(ports) != 1 || strings.Contains(strings.SplitN(s, "/", 2)[0], ":") {
		return Port{}, fmt.Errorf("invalid exposed port %q: expected PORT[/tcp|/udp]", s)
	}
	return ports[0], nil
}

// SortPorts orders ports by container port, protocol and host port, as
// docker lists them.
func SortPorts(ports []Port) {
	sort.Slice(ports, func(i, j int) bool {
		a, b := ports[i], ports[j]
		if a.ContainerPort != b.ContainerPort {
			return a.ContainerPort < b.ContainerPort
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		return a.HostPort < b.HostPort
	})
}

// overlaps reports whether two published ports would claim the same host
// socket.
func (p Port) overlaps(q Port) bool {
	if p.Proto != q.Proto || p.HostPort != q.HostPort {
		return false
	}
	return !p.HostIP.IsValid() || !q.HostIP.IsValid() || p.HostIP == q.HostIP
}

// PortRanges renders published ports as `docker ps` does, runs of
// consecutive ports on one address and protocol as one range:
// 0.0.0.0:8080-8081->80-81/tcp.
func PortRanges(ports []Port) []string {
	sorted := append([]Port(nil), ports...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.HostIPString() != b.HostIPString() {
			return a.HostIPString() < b.HostIPString()
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		return a.ContainerPort < b.ContainerPort
	})
	var out []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) {
			a, b := sorted[j], sorted[j+1]
			if b.HostIP != a.HostIP || b.Proto != a.Proto || b.ContainerPort != a.ContainerPort+1 || b.HostPort != a.HostPort+1 {
				break
			}
			j++
		}
		first, last := sorted[i], sorted[j]
		if i == j {
			out = append(out, first.String())
		} else {
			out = append(out, fmt.Sprintf("%s:%d-%d->%d-%d/%s", first.HostIPString(), first.HostPort, last.HostPort, first.ContainerPort, last.ContainerPort, first.Proto))
		}
		i = j + 1
	}
	return out
}
