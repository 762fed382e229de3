package engine

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/network"
)

// NetworkCreate makes a user-defined bridge network.
func (e *Engine) NetworkCreate(opts network.CreateOptions) (*network.Network, error) {
	return e.net.Create(opts)
}

// NetworkList returns every network, the built-in ones first.
func (e *Engine) NetworkList() ([]*network.Network, error) { return e.net.List() }

// NetworkMember is one running container on a network, as docker's
// network inspect lists it.
type NetworkMember struct {
	Name        string `json:"Name"`
	EndpointID  string `json:"EndpointID"`
	MacAddress  string `json:"MacAddress"`
	IPv4Address string `json:"IPv4Address"`
	IPv6Address string `json:"IPv6Address"`
}

// NetworkInspect returns a network and its running containers by id.
func (e *Engine) NetworkInspect(ref string) (*network.Network, map[string]NetworkMember, error) {
	n, err := e.net.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	members := map[string]NetworkMember{}
	sandboxes, err := e.net.Members(n.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, sb := range sandboxes {
		for _, ep := range sb.Endpoints {
			if ep.NetworkID == n.ID {
				members[sb.ContainerID] = NetworkMember{Name: sb.ContainerName, EndpointID: ep.EndpointID, MacAddress: ep.MAC, IPv4Address: ep.Address.String()}
			}
		}
	}
	if n.Name == network.HostNetwork {
		all, _ := e.List()
		for _, c := range all {
			if c.State.Running && c.Host.NetworkMode == network.HostNetwork {
				members[c.ID] = NetworkMember{Name: c.Name}
			}
		}
	}
	return n, members, nil
}

// NetworkRemove deletes a user-defined network no running container is on.
func (e *Engine) NetworkRemove(ref string) error { return e.net.Remove(ref) }

// NetworkPrune removes the user-defined networks no container, running or
// stopped, refers to, and returns their names.
func (e *Engine) NetworkPrune() ([]string, error) {
	all, err := e.List()
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, c := range all {
		for _, ep := range c.Network.Networks {
			used[ep.NetworkID] = true
		}
	}
	return e.net.Prune(func(n *network.Network) bool { return used[n.ID] })
}

// NetworkConnect puts a container on one more network: at once if it
// runs, from its next start if not.
func (e *Engine) NetworkConnect(netRef, ref string, req NetworkRequest) error {
	n, err := e.net.Get(netRef)
	if err != nil {
		return err
	}
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	mode := c.Host.NetworkMode
	if n.Driver != "bridge" || mode == network.HostNetwork || mode == network.NoneNetwork || strings.HasPrefix(mode, "container:") {
		return errdefs.Conflict(fmt.Sprintf("container %s cannot be connected to network %s: it uses network mode %s", c.Name, n.Name, mode))
	}
	if _, on := c.Network.Networks[n.Name]; on {
		return errdefs.Conflict(fmt.Sprintf("endpoint with name %s already exists in network %s", c.Name, n.Name))
	}
	if (len(req.Aliases) > 0 || req.IP != "") && n.Name == network.DefaultNetwork {
		return errdefs.InvalidArgument("network-scoped aliases and --ip are supported only for containers on user-defined networks")
	}
	ep := &EndpointSettings{NetworkID: n.ID, Aliases: req.Aliases}
	nr := network.NetworkRequest{Network: n.ID, Aliases: req.Aliases}
	if req.IP != "" {
		ip, err := netip.ParseAddr(req.IP)
		if err != nil || !n.Subnet.Contains(ip) {
			return errdefs.InvalidArgument(fmt.Sprintf("invalid --ip %q: an IPv4 address in network %s's subnet %s", req.IP, n.Name, n.Subnet))
		}
		ep.IPAMAddress, nr.IP = ip.String(), ip
	}
	var sb *network.Sandbox
	if c.State.Running {
		if sb, err = e.net.Connect(c.ID, nr); err != nil {
			return err
		}
	}
	_, err = e.containers.update(c.ID, func(c *Container) error {
		if c.Network.Networks == nil {
			c.Network.Networks = map[string]*EndpointSettings{}
		}
		c.Network.Networks[n.Name] = ep
		c.Network.Order = append(c.Network.Order, n.Name)
		if sb != nil {
			recordSandbox(c, sb)
		}
		return nil
	})
	return err
}

// NetworkDisconnect takes a container off a network.
func (e *Engine) NetworkDisconnect(netRef, ref string) error {
	n, err := e.net.Get(netRef)
	if err != nil {
		return err
	}
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if _, on := c.Network.Networks[n.Name]; !on {
		return errdefs.NotFound(fmt.Sprintf("container %s is not connected to network %s", c.Name, n.Name))
	}
	if c.State.Running {
		if err := e.net.Disconnect(c.ID, n.ID); err != nil {
			return err
		}
	}
	_, err = e.containers.update(c.ID, func(c *Container) error {
		delete(c.Network.Networks, n.Name)
		var order []string
		for _, name := range c.Network.Order {
			if name != n.Name {
				order = append(order, name)
			}
		}
		c.Network.Order = order
		return nil
	})
	return err
}
