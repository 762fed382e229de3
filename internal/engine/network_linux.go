package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/network"
	"github.com/hull-project/hull/internal/specgen"
)

// NetworkRequest is what `hull run` asks of the container's network
// beyond HostConfig: --network-alias and --ip.
type NetworkRequest struct {
	Aliases []string
	IP      string
}

// joinPlaceholder stands in the bundle for the network namespace of a
// --network container:ID container until start, when the other
// container's process, and so the path, is known.
const joinPlaceholder = "/nonexistent/hull-joins-the-network-at-start"

// prepareNetwork settles the container's network mode and writes the
// hosts, hostname and resolv.conf files its spec bind-mounts.
func (e *Engine) prepareNetwork(c *Container, rc *specgen.RunConfig, req CreateRequest) error {
	mode := c.Host.NetworkMode
	if mode == "" || mode == "default" {
		mode = network.DefaultNetwork
	}
	if strings.HasPrefix(mode, "container:") {
		return e.joinNetworkOf(c, rc, strings.TrimPrefix(mode, "container:"))
	}
	extra, err := e.extraHosts(c.Host.ExtraHosts)
	if err != nil {
		return err
	}
	if len(req.Network.Aliases) > 0 || req.Network.IP != "" {
		if mode == network.HostNetwork || mode == network.NoneNetwork || mode == network.DefaultNetwork {
			return errdefs.InvalidArgument("network-scoped aliases and --ip are supported only for containers on user-defined networks")
		}
	}
	switch mode {
	case network.HostNetwork:
		if rc.Hostname == "" {
			rc.Hostname, _ = os.Hostname()
		}
		c.Host.PortBindings, c.Host.PublishAllPorts = nil, false
	case network.NoneNetwork:
	default:
		n, err := e.net.Get(mode)
		if err != nil {
			return err
		}
		if n.Driver != "bridge" {
			mode = n.Name // host or none, named by id
			break
		}
		mode = n.Name
		ep := &EndpointSettings{NetworkID: n.ID, Aliases: req.Network.Aliases}
		if req.Network.IP != "" {
			ip, err := netip.ParseAddr(req.Network.IP)
			if err != nil || !ip.Is4() || !n.Subnet.Contains(ip) {
				return errdefs.InvalidArgument(fmt.Sprintf("invalid --ip %q: an IPv4 address in network %s's subnet %s", req.Network.IP, n.Name, n.Subnet))
			}
			ep.IPAMAddress = ip.String()
		}
		c.Network.Networks = map[string]*EndpointSettings{n.Name: ep}
		c.Network.Order = []string{n.Name}
	}
	c.Host.NetworkMode = mode
	rc.NetworkMode = mode
	if rc.Hostname == "" {
		rc.Hostname = c.ID[:12]
	}
	return e.writeEtcFiles(c, rc, extra)
}

// joinNetworkOf makes the container share another container's network
// namespace and, as Docker does, its hosts, hostname and resolv.conf.
func (e *Engine) joinNetworkOf(c *Container, rc *specgen.RunConfig, ref string) error {
	switch {
	case rc.Hostname != "":
		return errdefs.InvalidArgument("conflicting options: hostname and the network mode")
	case len(c.Host.PortBindings) > 0 || c.Host.PublishAllPorts:
		return errdefs.InvalidArgument("conflicting options: port publishing and the container type network mode")
	case len(c.Host.DNS.Servers) > 0 || len(c.Host.DNS.Search) > 0 || len(c.Host.DNS.Options) > 0:
		return errdefs.InvalidArgument("conflicting options: dns and the network mode")
	case len(c.Host.ExtraHosts) > 0:
		return errdefs.InvalidArgument("conflicting options: custom host-to-IP mapping and the network mode")
	}
	other, err := e.Get(ref)
	if err != nil {
		return err
	}
	c.Host.NetworkMode = "container:" + other.ID
	rc.NetworkMode, rc.NetNSPath = c.Host.NetworkMode, joinPlaceholder
	rc.Hostname = other.Config.Hostname
	c.HostsPath, c.HostnamePath, c.ResolvConfPath = other.HostsPath, other.HostnamePath, other.ResolvConfPath
	rc.Hosts, rc.HostnameFile, rc.ResolvConf = c.HostsPath, c.HostnamePath, c.ResolvConfPath
	return nil
}

// extraHosts parses --add-host, with host-gateway as the default bridge's
// address.
func (e *Engine) extraHosts(specs []string) ([]network.HostsEntry, error) {
	var out []network.HostsEntry
	for _, s := range specs {
		h, err := network.ParseAddHost(s)
		if err != nil {
			return nil, errdefs.InvalidArgument(err.Error())
		}
		if h.IP == network.HostGateway {
			def, err := e.net.EnsureDefault()
			if err != nil {
				return nil, err
			}
			h.IP = def.Gateway.String()
		}
		out = append(out, h)
	}
	return out, nil
}

// writeEtcFiles writes the container's hostname, hosts and resolv.conf,
// which the spec bind-mounts; on a bridge network hosts is rewritten at
// start with the container's address.
func (e *Engine) writeEtcFiles(c *Container, rc *specgen.RunConfig, extra []network.HostsEntry) error {
	dir := e.containers.path(c.ID)
	c.HostsPath, c.HostnamePath, c.ResolvConfPath = filepath.Join(dir, "hosts"), filepath.Join(dir, "hostname"), filepath.Join(dir, "resolv.conf")
	hostResolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read the host's resolv.conf: %w", err)
	}
	var hosts, resolv []byte
	dns := c.Host.DNS
	if c.Host.NetworkMode == network.HostNetwork {
		// The host's own files: its loopback resolver is reachable here.
		hosts, _ = os.ReadFile("/etc/hosts")
		for _, h := range extra {
			hosts = append(hosts, fmt.Sprintf("%s\t%s\n", h.IP, strings.Join(h.Names, " "))...)
		}
		resolv = hostResolv
		if len(dns.Servers)+len(dns.Search)+len(dns.Options) > 0 {
			resolv, err = network.ResolvConf(hostResolv, dns)
		}
	} else {
		hosts = network.HostsFile(extra, nil, nil)
		resolv, err = network.ResolvConf(hostResolv, dns)
	}
	if err != nil {
		return errdefs.InvalidArgument(err.Error())
	}
	for path, data := range map[string][]byte{c.HostsPath: hosts, c.ResolvConfPath: resolv, c.HostnamePath: []byte(rc.Hostname + "\n")} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
	}
	rc.Hosts, rc.HostnameFile, rc.ResolvConf = c.HostsPath, c.HostnamePath, c.ResolvConfPath
	return nil
}

// publishedPorts are the ports to publish at start: -p's, and with -P
// every exposed port not already published, on a free host port.
func publishedPorts(c *Container) []network.Port {
	ports := append([]network.Port(nil), c.Host.PortBindings...)
	if c.Host.PublishAllPorts {
		for key := range c.Config.ExposedPorts {
			p, err := network.ParseExposed(key)
			if err != nil {
				continue
			}
			bound := false
			for _, b := range c.Host.PortBindings {
				bound = bound || b.Key() == p.Key()
			}
			if !bound {
				ports = append(ports, p)
			}
		}
	}
	network.SortPorts(ports)
	return ports
}

// attachNetwork gives a created container (process pid, not yet started)
// the network it asked for; the returned function records what it got.
func (e *Engine) attachNetwork(c *Container, pid int) (func(*Container), error) {
	switch mode := c.Host.NetworkMode; {
	case mode == network.HostNetwork, strings.HasPrefix(mode, "container:"):
		return func(*Container) {}, nil
	case mode == "" || mode == network.NoneNetwork || len(c.Network.Order) == 0:
		return func(*Container) {}, bringUpLoopback(pid)
	}
	extra, err := e.extraHosts(c.Host.ExtraHosts)
	if err != nil {
		return nil, err
	}
	req := network.AttachRequest{ContainerID: c.ID, ContainerName: c.Name, Hostname: c.Config.Hostname,
		Pid: pid, Ports: publishedPorts(c), HostsPath: c.HostsPath, ExtraHosts: extra}
	for _, name := range c.Network.Order {
		ep := c.Network.Networks[name]
		nr := network.NetworkRequest{Network: ep.NetworkID, Aliases: ep.Aliases}
		if ep.IPAMAddress != "" {
			nr.IP, _ = netip.ParseAddr(ep.IPAMAddress)
		}
		req.Networks = append(req.Networks, nr)
	}
	sb, err := e.net.Attach(req)
	if err != nil {
		return nil, err
	}
	return func(c *Container) { recordSandbox(c, sb) }, nil
}

func recordSandbox(c *Container, sb *network.Sandbox) {
	c.Network.Ports, c.Network.SandboxKey = sb.Ports, sb.SandboxKey()
	for _, ep := range sb.Endpoints {
		s := c.Network.Networks[ep.NetworkName]
		if s == nil {
			s = &EndpointSettings{NetworkID: ep.NetworkID, Aliases: ep.Aliases}
			if c.Network.Networks == nil {
				c.Network.Networks = map[string]*EndpointSettings{}
			}
			c.Network.Networks[ep.NetworkName] = s
			c.Network.Order = append(c.Network.Order, ep.NetworkName)
		}
		s.EndpointID, s.Gateway, s.MacAddress = ep.EndpointID, ep.Gateway.String(), ep.MAC
		s.IPAddress, s.IPPrefixLen = ep.Address.Addr().String(), ep.Address.Bits()
	}
}

// forgetSandbox clears what a stopped container no longer has.
func forgetSandbox(c *Container) {
	c.Network.Ports, c.Network.SandboxKey = nil, ""
	for _, s := range c.Network.Networks {
		s.EndpointID, s.Gateway, s.MacAddress, s.IPAddress, s.IPPrefixLen = "", "", "", "", 0
	}
}

// detachNetwork releases a stopped container's network: veths, port
// rules, address and hosts entries.
func (e *Engine) detachNetwork(id string) error { return e.net.Detach(id) }

// joinPath points a --network container:ID container's bundle at the
// other container's network namespace, now that it runs.
func (e *Engine) joinPath(c *Container) error {
	if !strings.HasPrefix(c.Host.NetworkMode, "container:") {
		return nil
	}
	other, err := e.Get(strings.TrimPrefix(c.Host.NetworkMode, "container:"))
	if err != nil {
		return fmt.Errorf("join the network of container: %w", err)
	}
	if !other.State.Running {
		return errdefs.Conflict(fmt.Sprintf("cannot join network namespace of a non running container %s", other.ID[:12]))
	}
	path := filepath.Join(e.containers.path(c.ID), "bundle", "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("read bundle: %w", err)
	}
	for i, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			spec.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/net", other.State.Pid)
		}
	}
	return writeBundle(e.containers.path(c.ID), &spec)
}
