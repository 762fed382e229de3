package network

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/network/link"
	"github.com/hull-project/hull/internal/network/nat"
)

// Config is what the host's administrator may change, as Docker's
// daemon.json "bridge" and "bip".
type Config struct {
	// DefaultBridge is the default network's Linux bridge.
	DefaultBridge string
	// DefaultSubnet and DefaultGateway are its subnet and the bridge's
	// address.
	DefaultSubnet  netip.Prefix
	DefaultGateway netip.Addr
	// Table is hull's nftables table.
	Table string
}

// DefaultConfig is hull0 on 10.88.0.0/16, rules in table "hull".
func DefaultConfig() Config {
	subnet := netip.MustParsePrefix("10.88.0.0/16")
	return Config{DefaultBridge: "hull0", DefaultSubnet: subnet, DefaultGateway: gatewayFor(subnet), Table: "hull"}
}

// Manager owns a hull root's networks and the containers attached to them.
type Manager struct {
	cfg   Config
	store store
}

// Open opens the network store under root (ROOT/networks).
func Open(root string, cfg Config) (*Manager, error) {
	def := DefaultConfig()
	if cfg.DefaultBridge == "" {
		cfg.DefaultBridge = def.DefaultBridge
	}
	if !cfg.DefaultSubnet.IsValid() {
		cfg.DefaultSubnet, cfg.DefaultGateway = def.DefaultSubnet, def.DefaultGateway
	}
	if !cfg.DefaultGateway.IsValid() {
		cfg.DefaultGateway = gatewayFor(cfg.DefaultSubnet)
	}
	if cfg.Table == "" {
		cfg.Table = def.Table
	}
	m := &Manager{cfg: cfg, store: store{dir: filepath.Join(root, "networks")}}
	return m, m.store.init()
}

// CreateOptions are `hull network create`'s.
type CreateOptions struct {
	Name     string
	Driver   string // "bridge" (the default) is the only one
	Subnet   netip.Prefix
	Gateway  netip.Addr
	Internal bool
	Labels   map[string]string
}

// Create makes a user-defined bridge network, with its bridge and rules.
func (m *Manager) Create(opts CreateOptions) (*Network, error) {
	if opts.Driver != "" && opts.Driver != "bridge" {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("network driver %q is not supported: hull has bridge networks", opts.Driver))
	}
	if Builtin(opts.Name) {
		return nil, errdefs.Conflict(fmt.Sprintf("network with name %s already exists", opts.Name))
	}
	if err := checkName(opts.Name); err != nil {
		return nil, errdefs.InvalidArgument(err.Error())
	}
	unlock, err := m.store.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	n, err := m.newNetwork(opts)
	if err != nil {
		return nil, err
	}
	if err := m.bringUp(n); err != nil {
		m.tearDown(n)
		return nil, err
	}
	if err := writeJSON(m.store.networkPath(n.ID), n); err != nil {
		m.tearDown(n)
		return nil, err
	}
	return n, nil
}

func (m *Manager) newNetwork(opts CreateOptions) (*Network, error) {
	all, err := m.store.networks()
	if err != nil {
		return nil, err
	}
	var taken []netip.Prefix
	for _, n := range all {
		if n.Name == opts.Name {
			return nil, errdefs.Conflict(fmt.Sprintf("network with name %s already exists", opts.Name))
		}
		taken = append(taken, n.Subnet)
	}
	if !hasDefault(all) {
		taken = append(taken, m.cfg.DefaultSubnet)
	}
	routes, _ := hostRoutes()
	n := &Network{ID: randomID(), Name: opts.Name, Driver: "bridge", Internal: opts.Internal, Labels: opts.Labels,
		Created: time.Now().UTC(), Table: m.cfg.Table}
	n.Bridge = bridgeName(n.ID)
	if opts.Subnet.IsValid() {
		for _, t := range taken {
			if t.Overlaps(opts.Subnet) {
				return nil, errdefs.Conflict(fmt.Sprintf("subnet %s overlaps the subnet %s of another network", opts.Subnet, t))
			}
		}
		for p, dev := range routes {
			if p.Overlaps(opts.Subnet) {
				return nil, errdefs.Conflict(fmt.Sprintf("subnet %s overlaps the host's route to %s via %s: choose another --subnet", opts.Subnet, p, dev))
			}
		}
		n.Subnet = opts.Subnet
	} else {
		for p := range routes {
			taken = append(taken, p)
		}
		if n.Subnet, err = nextSubnet(taken); err != nil {
			return nil, err
		}
	}
	n.Gateway = gatewayFor(n.Subnet)
	if opts.Gateway.IsValid() {
		if !n.Subnet.Contains(opts.Gateway) || opts.Gateway == n.Subnet.Addr() || opts.Gateway == lastAddr(n.Subnet) {
			return nil, errdefs.InvalidArgument(fmt.Sprintf("gateway %s is not a host address of subnet %s", opts.Gateway, n.Subnet))
		}
		n.Gateway = opts.Gateway
	}
	return n, nil
}

func hasDefault(all []*Network) bool {
	for _, n := range all {
		if n.Name == DefaultNetwork {
			return true
		}
	}
	return false
}

func hostRoutes() (map[netip.Prefix]string, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseRoutes(f)
}

// bringUp creates n's bridge and rules; both are idempotent.
func (m *Manager) bringUp(n *Network) error {
	if err := link.EnsureBridge(n.Bridge, netip.PrefixFrom(n.Gateway, n.Subnet.Bits())); err != nil {
		return fmt.Errorf("network %s: %w", n.Name, err)
	}
	if err := tableOf(n.Table).EnsureNetwork(n.Bridge, n.Subnet, n.Internal); err != nil {
		return fmt.Errorf("network %s: firewall rules: %w", n.Name, err)
	}
	return nil
}

func (m *Manager) tearDown(n *Network) error {
	return errors.Join(tableOf(n.Table).RemoveNetwork(n.Bridge), link.DeleteBridge(n.Bridge))
}

// tableOf is the nftables table a record names; records from before
// tables were named use hull's default.
func tableOf(name string) nat.Table {
	if name == "" {
		name = DefaultConfig().Table
	}
	return nat.Table{Name: name}
}

func (m *Manager) defaultNetwork() *Network {
	return &Network{ID: randomID(), Name: DefaultNetwork, Driver: "bridge", Bridge: m.cfg.DefaultBridge,
		Subnet: m.cfg.DefaultSubnet, Gateway: m.cfg.DefaultGateway, Created: time.Now().UTC(), Table: m.cfg.Table}
}

// EnsureDefault returns the default network, creating its record on first
// use; its bridge comes up when a container first joins it.
func (m *Manager) EnsureDefault() (*Network, error) {
	if n, err := m.store.network(DefaultNetwork); err == nil {
		return n, nil
	}
	unlock, err := m.store.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if n, err := m.store.network(DefaultNetwork); err == nil {
		return n, nil
	}
	n := m.defaultNetwork()
	return n, writeJSON(m.store.networkPath(n.ID), n)
}

// Get finds a network by name, id or unique id prefix, "host" and "none"
// included.
func (m *Manager) Get(ref string) (*Network, error) {
	if ref == HostNetwork || ref == NoneNetwork {
		return pseudoNetwork(ref), nil
	}
	if ref == DefaultNetwork {
		return m.EnsureDefault()
	}
	n, err := m.store.network(ref)
	if err == nil {
		return n, nil
	}
	for _, name := range []string{HostNetwork, NoneNetwork} {
		if p := pseudoNetwork(name); strings.HasPrefix(p.ID, ref) {
			return p, nil
		}
	}
	return nil, err
}

// List returns every network: bridge, host, none, then user-defined ones
// oldest first.
func (m *Manager) List() ([]*Network, error) {
	def, err := m.EnsureDefault()
	if err != nil {
		return nil, err
	}
	all, err := m.store.networks()
	if err != nil {
		return nil, err
	}
	out := []*Network{def, pseudoNetwork(HostNetwork), pseudoNetwork(NoneNetwork)}
	for _, n := range all {
		if n.Name != DefaultNetwork {
			out = append(out, n)
		}
	}
	return out, nil
}

// Members returns the sandboxes with an endpoint on the network id.
func (m *Manager) Members(id string) ([]*Sandbox, error) {
	m.Collect()
	all, err := m.store.sandboxes()
	if err != nil {
		return nil, err
	}
	var out []*Sandbox
	for _, sb := range all {
		for _, ep := range sb.Endpoints {
			if ep.NetworkID == id {
				out = append(out, sb)
				break
			}
		}
	}
	return out, nil
}

// Remove deletes a user-defined network that no running container is on.
func (m *Manager) Remove(ref string) error {
	n, err := m.Get(ref)
	if err != nil {
		return err
	}
	if Builtin(n.Name) {
		return errdefs.Classify(errdefs.ErrPermission, fmt.Sprintf("%s is a pre-defined network and cannot be removed", n.Name))
	}
	m.Collect()
	unlock, err := m.store.lock()
	if err != nil {
		return err
	}
	defer unlock()
	all, err := m.store.sandboxes()
	if err != nil {
		return err
	}
	for _, sb := range all {
		for _, ep := range sb.Endpoints {
			if ep.NetworkID == n.ID {
				return errdefs.Conflict(fmt.Sprintf("error while removing network: network %s has active endpoints (container %s): stop or disconnect it first", n.Name, sb.ContainerName))
			}
		}
	}
	if err := m.tearDown(n); err != nil {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	return os.Remove(m.store.networkPath(n.ID))
}

// Prune removes the user-defined networks no running container is on,
// except those keep reports true for (networks stopped containers name),
// and returns their names.
func (m *Manager) Prune(keep func(*Network) bool) ([]string, error) {
	all, err := m.store.networks()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range all {
		if Builtin(n.Name) || (keep != nil && keep(n)) {
			continue
		}
		if err := m.Remove(n.ID); err == nil {
			removed = append(removed, n.Name)
		} else if !errors.Is(err, errdefs.ErrConflict) {
			return removed, err
		}
	}
	return removed, nil
}

// NetworkRequest is a container's wish to be on one network.
type NetworkRequest struct {
	Network string     // name or id
	Aliases []string   // --network-alias
	IP      netip.Addr // --ip; zero for any
}

// AttachRequest is what Attach needs of a container that is created (its
// process exists, in its own network namespace) but not yet started.
type AttachRequest struct {
	ContainerID, ContainerName, Hostname string
	Pid                                  int
	Networks                             []NetworkRequest // the first gets the default route
	Ports                                []Port
	HostsPath                            string
	ExtraHosts                           []HostsEntry
}

// Attach plugs a container into its networks: an address on each, veth
// pairs, published ports, and its /etc/hosts (and those of the others on
// its user-defined networks). On failure nothing of it remains.
func (m *Manager) Attach(req AttachRequest) (*Sandbox, error) {
	m.Collect()
	sb, nets, err := m.reserve(req)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Sandbox, error) {
		m.Detach(req.ContainerID)
		return nil, err
	}
	nsPath := sb.SandboxKey()
	for i, ep := range sb.Endpoints {
		if err := m.plug(nets[i], nsPath, ep, i == 0); err != nil {
			return fail(err)
		}
	}
	if len(sb.Ports) > 0 {
		target := sb.Endpoints[0].Address.Addr()
		var rules []nat.PortMapping
		for _, p := range sb.Ports {
			rules = append(rules, nat.PortMapping{Proto: p.Proto, HostIP: p.HostIP, HostPort: p.HostPort, ContainerIP: target, ContainerPort: p.ContainerPort})
		}
		if err := tableOf(sb.Table).AddPorts(sb.ContainerID, rules); err != nil {
			return fail(fmt.Errorf("publish ports: %w", err))
		}
	}
	if err := m.refreshHosts(sb); err != nil {
		return fail(err)
	}
	return sb, nil
}

// plug brings a network's bridge up if it is not (after a reboot, say) and
// attaches one endpoint.
func (m *Manager) plug(n *Network, nsPath string, ep Endpoint, defaultRoute bool) error {
	// After a reboot the bridge is gone; after `nft flush ruleset` only
	// the rules are: either is brought back before the container joins.
	if !link.Exists(n.Bridge) {
		if err := m.bringUp(n); err != nil {
			return err
		}
	} else if have, err := tableOf(n.Table).Networks(); err == nil && !slices.Contains(have, n.Bridge) {
		if err := tableOf(n.Table).EnsureNetwork(n.Bridge, n.Subnet, n.Internal); err != nil {
			return fmt.Errorf("network %s: firewall rules: %w", n.Name, err)
		}
	}
	mac, _ := net.ParseMAC(ep.MAC)
	err := link.Attach(nsPath, link.Endpoint{Bridge: n.Bridge, HostVeth: ep.HostVeth, IfName: ep.IfName,
		Address: ep.Address, Gateway: ep.Gateway, DefaultRoute: defaultRoute, MAC: mac})
	if err != nil {
		return fmt.Errorf("attach to network %s: %w", n.Name, err)
	}
	return nil
}

// reserve, under the lock, picks addresses and host ports and records the
// sandbox, so that no other container can take them.
func (m *Manager) reserve(req AttachRequest) (*Sandbox, []*Network, error) {
	if len(req.Networks) == 0 {
		return nil, nil, errdefs.InvalidArgument("no network to attach to")
	}
	var ino uint64
	nsPath := fmt.Sprintf("/proc/%d/ns/net", req.Pid)
	var st unix.Stat_t
	if err := unix.Stat(nsPath, &st); err != nil {
		return nil, nil, fmt.Errorf("container network namespace: %w", err)
	}
	ino = st.Ino
	unlock, err := m.store.lock()
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	others, err := m.store.sandboxes()
	if err != nil {
		return nil, nil, err
	}
	sb := &Sandbox{ContainerID: req.ContainerID, ContainerName: req.ContainerName, Hostname: req.Hostname,
		Pid: req.Pid, NetnsInode: ino, HostsPath: req.HostsPath, ExtraHosts: req.ExtraHosts}
	var nets []*Network
	for i, nr := range req.Networks {
		n, err := m.lookupLocked(nr.Network)
		if err != nil {
			return nil, nil, err
		}
		for _, prev := range nets {
			if prev.ID == n.ID {
				return nil, nil, errdefs.InvalidArgument(fmt.Sprintf("container is already on network %s", n.Name))
			}
		}
		ep, err := newEndpoint(n, nr, i, others, sb.ContainerID)
		if err != nil {
			return nil, nil, err
		}
		sb.Endpoints = append(sb.Endpoints, ep)
		nets = append(nets, n)
	}
	sb.Table = nets[0].Table
	if sb.Ports, err = allocatePorts(req.Ports, others); err != nil {
		return nil, nil, err
	}
	if err := m.store.writeSandbox(sb); err != nil {
		return nil, nil, err
	}
	return sb, nets, nil
}

func (m *Manager) lookupLocked(ref string) (*Network, error) {
	if ref == DefaultNetwork {
		if n, err := m.store.network(ref); err == nil {
			return n, nil
		}
		n := m.defaultNetwork()
		return n, writeJSON(m.store.networkPath(n.ID), n)
	}
	if ref == HostNetwork || ref == NoneNetwork {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("network %s cannot be combined with other networks", ref))
	}
	return m.store.network(ref)
}

func newEndpoint(n *Network, nr NetworkRequest, index int, others []*Sandbox, containerID string) (Endpoint, error) {
	used := map[netip.Addr]bool{}
	for _, sb := range others {
		if sb.ContainerID == containerID {
			continue
		}
		for _, ep := range sb.Endpoints {
			if ep.NetworkID == n.ID {
				used[ep.Address.Addr()] = true
			}
		}
	}
	if nr.IP.IsValid() && n.Name == DefaultNetwork {
		return Endpoint{}, errdefs.InvalidArgument("user specified IP address is supported on user defined networks only")
	}
	ip, err := allocate(n.Subnet, n.Gateway, used, nr.IP)
	if err != nil {
		return Endpoint{}, errdefs.Conflict(fmt.Sprintf("network %s: %v", n.Name, err))
	}
	return Endpoint{NetworkID: n.ID, NetworkName: n.Name, EndpointID: randomID(),
		HostVeth: hostVeth(containerID, index), IfName: "eth" + strconv.Itoa(index),
		Address: netip.PrefixFrom(ip, n.Subnet.Bits()), Gateway: n.Gateway,
		MAC: link.MACFor(ip).String(), Aliases: nr.Aliases}, nil
}

// allocatePorts checks the wanted host ports against other containers'
// and the host's sockets, and picks free ones where none was given.
func allocatePorts(want []Port, others []*Sandbox) ([]Port, error) {
	var taken []Port
	for _, sb := range others {
		taken = append(taken, sb.Ports...)
	}
	out := make([]Port, 0, len(want))
	for _, p := range want {
		if p.HostPort == 0 {
			port, err := freePort(p, taken)
			if err != nil {
				return nil, err
			}
			p.HostPort = port
		} else {
			for _, t := range taken {
				if t.overlaps(p) {
					return nil, errdefs.Conflict(fmt.Sprintf("Bind for %s:%d failed: port is already allocated", p.HostIPString(), p.HostPort))
				}
			}
			if err := hostPortFree(p); err != nil {
				return nil, errdefs.Conflict(fmt.Sprintf("Bind for %s:%d failed: %v", p.HostIPString(), p.HostPort, err))
			}
		}
		taken = append(taken, p)
		out = append(out, p)
	}
	return out, nil
}

// hostPortFree reports whether a host process holds the port: traffic to
// it would otherwise be taken from that process without a word.
func hostPortFree(p Port) error {
	addr := net.JoinHostPort(p.HostIPString(), strconv.Itoa(int(p.HostPort)))
	if p.Proto == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// freePort picks a host port from the kernel's ephemeral range, as Docker
// does, that neither a container nor a host process holds.
func freePort(p Port, taken []Port) (uint16, error) {
	lo, hi := ephemeralRange()
	span := int(hi - lo + 1)
	start := int(randomUint32() % uint32(span))
	for i := 0; i < span; i++ {
		p.HostPort = lo + uint16((start+i)%span)
		clash := false
		for _, t := range taken {
			if t.overlaps(p) {
				clash = true
				break
			}
		}
		if !clash && hostPortFree(p) == nil {
			return p.HostPort, nil
		}
	}
	return 0, errdefs.Conflict(fmt.Sprintf("no free host port for %s", p.Key()))
}

func ephemeralRange() (uint16, uint16) {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(data)); err == nil && len(f) == 2 {
		lo, err1 := strconv.ParseUint(f[0], 10, 16)
		hi, err2 := strconv.ParseUint(f[1], 10, 16)
		if err1 == nil && err2 == nil && lo > 0 && hi >= lo {
			return uint16(lo), uint16(hi)
		}
	}
	return 32768, 60999
}

// Detach releases everything Attach gave a container: veths, port rules,
// addresses, and its entries in others' hosts files. Done already is fine.
func (m *Manager) Detach(containerID string) error {
	return m.detachIf(containerID, nil)
}

// detachIf detaches the container if its sandbox, read under the lock,
// still satisfies cond (nil: always).
func (m *Manager) detachIf(containerID string, cond func(*Sandbox) bool) error {
	// Most calls find nothing (a container on no network, a second
	// release on the way out): no need to take the lock for that.
	if _, err := os.Stat(m.store.sandboxPath(containerID)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	unlock, err := m.store.lock()
	if err != nil {
		return err
	}
	defer unlock()
	sb, err := m.store.sandbox(containerID)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if cond != nil && !cond(sb) {
		return nil
	}
	var errs []error
	if len(sb.Ports) > 0 {
		errs = append(errs, tableOf(sb.Table).RemovePorts(containerID))
	}
	for _, ep := range sb.Endpoints {
		errs = append(errs, link.Detach(ep.HostVeth))
	}
	if len(sb.Ports) > 0 {
		// Best effort: stale entries only delay the next container.
		nat.ForgetConnections(sb.Endpoints[0].Address.Addr())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("release network of container %s: %w", containerID[:12], err)
	}
	if err := os.Remove(m.store.sandboxPath(containerID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return m.rewriteHostsLocked(nil, sb)
}

// alive reports whether the sandbox's network namespace is still the one
// its container was given: the process lives, and is the same process.
func (sb *Sandbox) alive() bool {
	var st unix.Stat_t
	return unix.Stat(sb.SandboxKey(), &st) == nil && st.Ino == sb.NetnsInode
}

// Collect releases the sandboxes of containers that are gone without a
// Detach: killed with their monitor, or hull stopped half-way.
func (m *Manager) Collect() {
	all, err := m.store.sandboxes()
	if err != nil {
		return
	}
	for _, sb := range all {
		if !sb.alive() {
			m.detachIf(sb.ContainerID, func(now *Sandbox) bool { return !now.alive() })
		}
	}
}

// Sandbox returns a running container's networking, or nil.
func (m *Manager) Sandbox(containerID string) *Sandbox {
	sb, err := m.store.sandbox(containerID)
	if err != nil || !sb.alive() {
		return nil
	}
	return sb
}

// Connect puts a running container on one more network.
func (m *Manager) Connect(containerID string, nr NetworkRequest) (*Sandbox, error) {
	unlock, err := m.store.lock()
	if err != nil {
		return nil, err
	}
	sb, err := m.store.sandbox(containerID)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("container %s has no network to add to: %w", containerID[:12], err)
	}
	n, err := m.lookupLocked(nr.Network)
	if err != nil {
		unlock()
		return nil, err
	}
	used := map[string]bool{}
	for _, ep := range sb.Endpoints {
		if ep.NetworkID == n.ID {
			unlock()
			return nil, errdefs.Conflict(fmt.Sprintf("container %s is already on network %s", sb.ContainerName, n.Name))
		}
		used[ep.IfName] = true
	}
	index := 0
	for used["eth"+strconv.Itoa(index)] {
		index++
	}
	others, err := m.store.sandboxes()
	if err == nil {
		var ep Endpoint
		if ep, err = newEndpoint(n, nr, index, others, containerID); err == nil {
			sb.Endpoints = append(sb.Endpoints, ep)
			err = m.store.writeSandbox(sb)
		}
	}
	unlock()
	if err != nil {
		return nil, err
	}
	ep := sb.Endpoints[len(sb.Endpoints)-1]
	if err := m.plug(n, sb.SandboxKey(), ep, len(sb.Endpoints) == 1); err != nil {
		m.Disconnect(containerID, n.ID)
		return nil, err
	}
	return sb, m.refreshHosts(sb)
}

// Disconnect takes a running container off one network.
func (m *Manager) Disconnect(containerID, ref string) error {
	unlock, err := m.store.lock()
	if err != nil {
		return err
	}
	defer unlock()
	sb, err := m.store.sandbox(containerID)
	if err != nil {
		return fmt.Errorf("container %s is not connected to network %s", containerID[:12], ref)
	}
	kept := sb.Endpoints[:0:0]
	var gone *Endpoint
	for _, ep := range sb.Endpoints {
		if ep.NetworkID == ref || ep.NetworkName == ref || strings.HasPrefix(ep.NetworkID, ref) {
			gone = &ep
			continue
		}
		kept = append(kept, ep)
	}
	if gone == nil {
		return errdefs.NotFound(fmt.Sprintf("container %s is not connected to network %s", sb.ContainerName, ref))
	}
	if err := link.Detach(gone.HostVeth); err != nil {
		return err
	}
	removed := *sb
	removed.Endpoints = []Endpoint{*gone}
	sb.Endpoints = kept
	if err := m.store.writeSandbox(sb); err != nil {
		return err
	}
	return m.rewriteHostsLocked(sb, &removed)
}

// refreshHosts writes sb's hosts file and those of its peers.
func (m *Manager) refreshHosts(sb *Sandbox) error {
	unlock, err := m.store.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return m.rewriteHostsLocked(sb, sb)
}

// rewriteHostsLocked rewrites, from one reading of the sandboxes, the
// hosts file of self (unless nil) and those of the containers that share
// a name-resolving network with changed.
func (m *Manager) rewriteHostsLocked(self, changed *Sandbox) error {
	all, err := m.store.sandboxes()
	if err != nil {
		return err
	}
	var errs []error
	if self != nil {
		errs = append(errs, writeHosts(self, all))
	}
	for _, other := range all {
		if other.ContainerID != changed.ContainerID && sharesNamedNetwork(changed, other) {
			errs = append(errs, writeHosts(other, all))
		}
	}
	return errors.Join(errs...)
}

func sharesNamedNetwork(a, b *Sandbox) bool {
	for _, ea := range a.Endpoints {
		for _, eb := range b.Endpoints {
			if ea.NetworkID == eb.NetworkID && ea.NetworkName != DefaultNetwork {
				return true
			}
		}
	}
	return false
}

// writeHosts renders sb's /etc/hosts, with the other members of all on
// its user-defined networks, in place: it is bind-mounted into the
// container, so the file must stay the same inode.
func writeHosts(sb *Sandbox, all []*Sandbox) error {
	if sb.HostsPath == "" {
		return nil
	}
	var own *HostsEntry
	if len(sb.Endpoints) > 0 {
		// The hostname, as Docker writes it, and the container's name.
		names := dedupe([]string{sb.Hostname, sb.ContainerName})
		own = &HostsEntry{IP: sb.Endpoints[0].Address.Addr().String(), Names: names}
	}
	var peers []HostsEntry
	for _, ep := range sb.Endpoints {
		if ep.NetworkName == DefaultNetwork {
			continue
		}
		for _, other := range all {
			if other.ContainerID == sb.ContainerID {
				continue
			}
			for _, oep := range other.Endpoints {
				if oep.NetworkID == ep.NetworkID {
					peers = append(peers, other.entryFor(oep))
				}
			}
		}
	}
	f, err := os.OpenFile(sb.HostsPath, os.O_WRONLY|os.O_TRUNC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil // the container is being removed
	}
	if err != nil {
		return fmt.Errorf("write hosts file: %w", err)
	}
	_, err = f.Write(HostsFile(sb.ExtraHosts, own, peers))
	return errors.Join(err, f.Close())
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomUint32() uint32 {
	b := make([]byte, 4)
	rand.Read(b)
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
