package network

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"sync"
	"time"
)

// Network is one bridge network: a Linux bridge holding the gateway
// address, and the subnet its containers get addresses from.
type Network struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Driver   string            `json:"driver"`
	Bridge   string            `json:"bridge,omitempty"`
	Subnet   netip.Prefix      `json:"subnet,omitzero"`
	Gateway  netip.Addr        `json:"gateway,omitzero"`
	Internal bool              `json:"internal,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Created  time.Time         `json:"created"`
	// Table is the nftables table holding the network's rules.
	Table string `json:"table,omitempty"`
}

// Names of the networks every hull has, as Docker's.
const (
	DefaultNetwork = "bridge"
	HostNetwork    = "host"
	NoneNetwork    = "none"
)

// Builtin reports whether name is one of the networks that cannot be
// created or removed.
func Builtin(name string) bool {
	return name == DefaultNetwork || name == HostNetwork || name == NoneNetwork
}

// ResolvesNames reports whether members of n find each other by name:
// on user-defined networks, not on the default bridge (as in Docker).
func (n *Network) ResolvesNames() bool { return n.Name != DefaultNetwork && n.Driver == "bridge" }

// pseudoNetwork is "host" or "none": listed, never stored.
func pseudoNetwork(name string) *Network {
	driver := name
	if name == NoneNetwork {
		driver = "null"
	}
	sum := sha256.Sum256([]byte("hull-network-" + name))
	return &Network{ID: hex.EncodeToString(sum[:]), Name: name, Driver: driver}
}

var validNetworkName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

func checkName(name string) error {
	if !validNetworkName().MatchString(name) || len(name) > 128 {
		return fmt.Errorf("invalid network name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", name)
	}
	return nil
}

// bridgeName is a user-defined network's Linux bridge: "hull-" and the
// id's first ten hex digits, within the kernel's 15 characters.
func bridgeName(id string) string { return "hull-" + id[:10] }

// hostVeth is the host end of a container's veth on its index'th network.
// Deriving it from the container id lets teardown find it with no record.
func hostVeth(containerID string, index int) string {
	return fmt.Sprintf("veth%s%d", containerID[:8], index)
}

// Endpoint is a container's place on one network.
type Endpoint struct {
	NetworkID   string       `json:"network_id"`
	NetworkName string       `json:"network_name"`
	EndpointID  string       `json:"endpoint_id"`
	HostVeth    string       `json:"host_veth"`
	IfName      string       `json:"if_name"`
	Address     netip.Prefix `json:"address"`
	Gateway     netip.Addr   `json:"gateway"`
	MAC         string       `json:"mac"`
	Aliases     []string     `json:"aliases,omitempty"`
}

// Sandbox is one running container's networking: its endpoints, published
// ports and what its hosts file holds.
type Sandbox struct {
	ContainerID   string       `json:"container_id"`
	ContainerName string       `json:"container_name"`
	Hostname      string       `json:"hostname"`
	Pid           int          `json:"pid"`
	NetnsInode    uint64       `json:"netns_inode"`
	Endpoints     []Endpoint   `json:"endpoints"`
	Ports         []Port       `json:"ports,omitempty"`
	HostsPath     string       `json:"hosts_path,omitempty"`
	ExtraHosts    []HostsEntry `json:"extra_hosts,omitempty"`
	// Table is the nftables table holding the port rules.
	Table string `json:"table,omitempty"`
}

// SandboxKey is the network namespace's path, as Docker's inspect names it.
func (s *Sandbox) SandboxKey() string { return fmt.Sprintf("/proc/%d/ns/net", s.Pid) }

// entryFor is how s appears in the hosts files of the other members of
// the network ep is on.
func (s *Sandbox) entryFor(ep Endpoint) HostsEntry {
	names := []string{s.ContainerName}
	names = append(names, ep.Aliases...)
	if s.Hostname != "" && s.Hostname != s.ContainerName {
		names = append(names, s.Hostname)
	}
	names = append(names, s.ContainerID[:12])
	return HostsEntry{IP: ep.Address.Addr().String(), Names: dedupe(names)}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
