package network

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
)

// HostsEntry is one line of /etc/hosts.
type HostsEntry struct {
	IP    string
	Names []string
}

// hostsHeader is what Docker puts first in every container's /etc/hosts.
const hostsHeader = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::	ip6-localnet
ff00::	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`

// HostsFile renders a container's /etc/hosts in Docker's order: loopback,
// the --add-host entries, the container's own address and hostname, then
// (hull's way of resolving names on user-defined networks) the other
// containers of its networks.
func HostsFile(extra []HostsEntry, own *HostsEntry, peers []HostsEntry) []byte {
	var b bytes.Buffer
	b.WriteString(hostsHeader)
	write := func(e HostsEntry) { fmt.Fprintf(&b, "%s\t%s\n", e.IP, strings.Join(e.Names, " ")) }
	for _, e := range extra {
		write(e)
	}
	if own != nil {
		write(*own)
	}
	if len(peers) > 0 {
		b.WriteString("# other containers on the same networks, kept current by hull\n")
		for _, e := range peers {
			write(e)
		}
	}
	return b.Bytes()
}

// HostGateway is the --add-host value that stands for the default bridge's
// address, as in Docker.
const HostGateway = "host-gateway"

// ParseAddHost parses --add-host "name:ip" (or "name=ip"). The address may
// be HostGateway, which the caller replaces.
func ParseAddHost(s string) (HostsEntry, error) {
	name, ip, ok := strings.Cut(s, "=")
	if !ok {
		name, ip, ok = strings.Cut(s, ":")
	}
	name, ip = strings.TrimSpace(name), strings.Trim(strings.TrimSpace(ip), "[]")
	if !ok || name == "" || ip == "" || strings.ContainsAny(name, " \t") {
		return HostsEntry{}, fmt.Errorf("invalid --add-host %q: expected NAME:IP", s)
	}
	if ip != HostGateway {
		if _, err := netip.ParseAddr(ip); err != nil {
			return HostsEntry{}, fmt.Errorf("invalid --add-host %q: %q is not an IP address", s, ip)
		}
	}
	return HostsEntry{IP: ip, Names: []string{name}}, nil
}

// DNSOptions are a container's --dns, --dns-search and --dns-option.
type DNSOptions struct {
	Servers []string `json:"servers,omitempty"`
	Search  []string `json:"search,omitempty"`
	Options []string `json:"options,omitempty"`
}

// defaultNameservers are what Docker falls back to when the host has only
// loopback resolvers, which a container cannot reach.
var defaultNameservers = []string{"8.8.8.8", "8.8.4.4"}

// ResolvConf derives a container's /etc/resolv.conf from the host's as
// Docker does: --dns, --dns-search and --dns-option replace the host's
// lines; loopback nameservers are dropped (they would be the container's
// own loopback); with none left, Google's public resolvers.
func ResolvConf(host []byte, opts DNSOptions) ([]byte, error) {
	for _, s := range opts.Servers {
		if _, err := netip.ParseAddr(s); err != nil {
			return nil, fmt.Errorf("invalid --dns %q: not an IP address", s)
		}
	}
	var servers, search, options []string
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if ip, err := netip.ParseAddr(f[1]); err == nil && !ip.IsLoopback() {
				servers = append(servers, f[1])
			}
		case "search", "domain":
			search = f[1:]
		case "options":
			options = append(options, f[1:]...)
		}
	}
	if len(opts.Servers) > 0 {
		servers = opts.Servers
	}
	if len(servers) == 0 {
		servers = defaultNameservers
	}
	if len(opts.Search) > 0 {
		search = opts.Search
		if len(search) == 1 && search[0] == "." {
			search = nil
		}
	}
	if len(opts.Options) > 0 {
		options = opts.Options
	}
	var b bytes.Buffer
	if len(search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(search, " "))
	}
	for _, s := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(options, " "))
	}
	return b.Bytes(), nil
}
