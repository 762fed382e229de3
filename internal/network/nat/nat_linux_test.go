package nat

import (
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/errdefs"
)

// Root tests: each builds its own namespaces (see env) and sends real
// packets through the rules.

var subnet = netip.MustParsePrefix("10.213.0.0/24")

func mapping(proto string, hostIP string, hostPort, ctrPort uint16) PortMapping {
	p := PortMapping{Proto: proto, HostPort: hostPort, ContainerIP: netip.MustParseAddr(ctrAddr), ContainerPort: ctrPort}
	if hostIP != "" {
		p.HostIP = netip.MustParseAddr(hostIP)
	}
	return p
}

func (e *env) ensureNetwork(internal bool) func(Table) error {
	return func(tb Table) error { return tb.EnsureNetwork(e.bridge, subnet, internal) }
}

func addPorts(owner string, ports ...PortMapping) func(Table) error {
	return func(tb Table) error { return tb.AddPorts(owner, ports) }
}

func removePorts(owner string) func(Table) error {
	return func(tb Table) error { return tb.RemovePorts(owner) }
}

func (e *env) owners(t *testing.T) []string {
	t.Helper()
	var got []string
	e.must(t, func(tb Table) (err error) { got, err = tb.Owners(); return err })
	return got
}

func (e *env) networks(t *testing.T) []string {
	t.Helper()
	var got []string
	e.must(t, func(tb Table) (err error) { got, err = tb.Networks(); return err })
	return got
}

// expectAnswer asks addr from ns and wants the server's greeting to a
// client seen as peer.
func expectAnswer(t *testing.T, ns, network, addr, peer string) {
	t.Helper()
	got, err := ask(ns, network, addr, 2*time.Second)
	if err != nil {
		t.Fatalf("%s %s from %s: %v", network, addr, ns, err)
	}
	if want := "hi " + peer; got != want {
		t.Fatalf("%s %s from %s: got %q, want %q", network, addr, ns, got, want)
	}
}

func expectRefused(t *testing.T, ns, network, addr string) {
	t.Helper()
	got, err := ask(ns, network, addr, 2*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("%s %s from %s: got %q, %v; want connection refused", network, addr, ns, got, err)
	}
}

func expectNoAnswer(t *testing.T, ns, network, addr string) {
	t.Helper()
	if got, err := ask(ns, network, addr, 500*time.Millisecond); err == nil {
		t.Fatalf("%s %s from %s: got %q, want no connection", network, addr, ns, got)
	}
}

func TestPublishTCP(t *testing.T) {
	e := newEnv(t)
	serveTCP(t, e.ctr, ":80")
	e.must(t, e.ensureNetwork(false))
	e.must(t, addPorts("c1", mapping("tcp", "", 18080, 80)))

	// From the host's 127.0.0.1: output DNAT, then masquerade so that the
	// container can answer.
	expectAnswer(t, e.host, "tcp4", "127.0.0.1:18080", bridgeAddr)
	// From the host, to another of its addresses: no masquerade needed,
	// the container answers through its default route.
	expectAnswer(t, e.host, "tcp4", hostAddr+":18080", hostAddr)
	// From another machine: prerouting DNAT, no masquerade.
	expectAnswer(t, e.out, "tcp4", hostAddr+":18080", outAddr)
	// Hairpin: the container reaches its own published port through a
	// host address; bridged back by br_netfilter where the kernel has it,
	// and routed back without it.
	expectAnswer(t, e.ctr, "tcp4", hostAddr+":18080", bridgeAddr)
	if exec.Command("ip", "netns", "exec", e.host, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0").Run() == nil {
		expectAnswer(t, e.ctr, "tcp4", hostAddr+":18080", bridgeAddr)
	}
	if got := e.owners(t); !slices.Equal(got, []string{"c1"}) {
		t.Fatalf("Owners() = %v, want [c1]", got)
	}

	e.must(t, removePorts("c1"))
	expectRefused(t, e.host, "tcp4", "127.0.0.1:18080")
	expectRefused(t, e.out, "tcp4", hostAddr+":18080")
	if got := e.owners(t); len(got) != 0 {
		t.Fatalf("Owners() after RemovePorts = %v, want none", got)
	}
	e.must(t, removePorts("c1")) // none is fine
}

func TestPublishUDP(t *testing.T) {
	e := newEnv(t)
	serveUDP(t, e.ctr, ":5353")
	e.must(t, e.ensureNetwork(false))
	e.must(t, addPorts("c1", mapping("udp", "", 18053, 5353)))
	expectAnswer(t, e.host, "udp4", "127.0.0.1:18053", bridgeAddr)
	expectAnswer(t, e.out, "udp4", hostAddr+":18053", outAddr)

	e.must(t, removePorts("c1"))
	expectRefused(t, e.host, "udp4", "127.0.0.1:18053")
}

func TestPublishOnOneHostAddress(t *testing.T) {
	e := newEnv(t)
	serveTCP(t, e.ctr, ":80")
	e.must(t, e.ensureNetwork(false))
	e.must(t, addPorts("c1", mapping("tcp", "127.0.0.1", 18081, 80)))
	expectAnswer(t, e.host, "tcp4", "127.0.0.1:18081", bridgeAddr)
	expectRefused(t, e.host, "tcp4", hostAddr+":18081")
	expectRefused(t, e.out, "tcp4", hostAddr+":18081")
}

func TestAddPortsIdempotentAndConflicts(t *testing.T) {
	e := newEnv(t)
	p := mapping("tcp", "", 18080, 80)
	e.must(t, addPorts("c1", p))
	e.must(t, addPorts("c1", p)) // a retry adds nothing
	rs := e.tableRules(t)
	if n := countRules(rs, chainPorts, e.table.Name+":port:c1"); n != 1 {
		t.Fatalf("%d rules for c1 after adding one mapping twice, want 1", n)
	}
	for _, c := range []string{chainPrerouting, chainOutput} {
		if n := countRules(rs, c, e.table.Name+":jump:ports"); n != 1 {
			t.Fatalf("%d jumps in %s, want 1", n, c)
		}
	}
	for _, q := range []PortMapping{p, mapping("tcp", "127.0.0.1", 18080, 81)} {
		err := e.do(addPorts("c2", q))
		if !errors.Is(err, errdefs.ErrConflict) {
			t.Fatalf("c2 publishing %s over c1's: got %v, want a conflict", q, err)
		}
	}
	if err := e.do(addPorts("c1", mapping("tcp", "", 18080, 81))); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("c1 moving its port: got %v, want a conflict", err)
	}
	e.must(t, addPorts("c2", mapping("udp", "", 18080, 80))) // another protocol is free
	if got := e.owners(t); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Fatalf("Owners() = %v, want [c1 c2]", got)
	}
}

// TestNetworkRules checks outbound masquerade, the internal network's
// isolation and the accept rules for an iptables-nft FORWARD chain with
// policy drop, as dockerd leaves one.
func TestNetworkRules(t *testing.T) {
	e := newEnv(t)
	serveTCP(t, e.out, outAddr+":80")
	run(t, "ip", "netns", "exec", e.host, "nft",
		"add table ip filter; add chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }")
	expectNoAnswer(t, e.ctr, "tcp4", outAddr+":80")

	// out has no route back to the container: only masquerade gets the
	// answer back, and out sees the host's address.
	e.must(t, e.ensureNetwork(false))
	e.must(t, e.ensureNetwork(false))
	expectAnswer(t, e.ctr, "tcp4", outAddr+":80", hostAddr)
	tag := e.table.Name + ":net:" + e.bridge
	fw := rules(t, e.host, "chain", "ip", "filter", "FORWARD")
	if n := countRules(fw, "FORWARD", tag); n != 2 || len(fw) != 2 {
		t.Fatalf("ip filter FORWARD after EnsureNetwork twice: %+v, want our 2 accepts", fw)
	}
	if n := countRules(e.tableRules(t), chainPostrouting, tag); n != 3 {
		t.Fatalf("%d postrouting rules, want 3", n)
	}
	if _, err := exec.LookPath("iptables"); err == nil {
		// iptables-nft still reads the chain it owns.
		out := run(t, "ip", "netns", "exec", e.host, "iptables", "-S", "FORWARD")
		if !strings.Contains(out, fmt.Sprintf("-A FORWARD -i %s -m comment --comment %q -j ACCEPT", e.bridge, tag)) {
			t.Fatalf("iptables -S FORWARD:\n%s", out)
		}
	}
	if got := e.networks(t); !slices.Equal(got, []string{e.bridge}) {
		t.Fatalf("Networks() = %v, want [%s]", got, e.bridge)
	}

	// The same network made internal: nothing leaves it.
	e.must(t, e.ensureNetwork(true))
	expectNoAnswer(t, e.ctr, "tcp4", outAddr+":80")

	e.must(t, func(tb Table) error { return tb.RemoveNetwork(e.bridge) })
	if rs := e.tableRules(t); len(rs) != 0 {
		t.Fatalf("rules left after RemoveNetwork: %+v", rs)
	}
	if rs := rules(t, e.host, "chain", "ip", "filter", "FORWARD"); len(rs) != 0 {
		t.Fatalf("ip filter FORWARD rules left after RemoveNetwork: %+v", rs)
	}
	if got := e.networks(t); len(got) != 0 {
		t.Fatalf("Networks() after RemoveNetwork = %v", got)
	}
	e.must(t, func(tb Table) error { return tb.RemoveNetwork(e.bridge) }) // missing is fine

	// Delete takes the table's accept rules out of ip filter FORWARD too.
	e.must(t, e.ensureNetwork(false))
	e.must(t, Table.Delete)
	if rs := rules(t, e.host, "chain", "ip", "filter", "FORWARD"); len(rs) != 0 {
		t.Fatalf("ip filter FORWARD rules left after Delete: %+v", rs)
	}
}

func TestMissingTable(t *testing.T) {
	e := newEnv(t)
	e.must(t, removePorts("c1"))
	e.must(t, func(tb Table) error { return tb.RemoveNetwork(e.bridge) })
	if got := e.owners(t); len(got) != 0 {
		t.Fatalf("Owners() = %v", got)
	}
	e.must(t, Table.Delete)
	e.must(t, addPorts("c1", mapping("tcp", "", 18080, 80)))
	e.must(t, Table.Delete)
	e.must(t, Table.Delete)
	if out := run(t, "ip", "netns", "exec", e.host, "nft", "list", "tables"); strings.Contains(out, e.table.Name) {
		t.Fatalf("table left after Delete:\n%s", out)
	}
}

// TestConcurrent has owners publish and withdraw ports at once, as
// several hull processes would (the flock is per open file, so goroutines
// contend for it like processes do).
func TestConcurrent(t *testing.T) {
	e := newEnv(t)
	const owners = 12
	var wg sync.WaitGroup
	errs := make(chan error, 3*owners)
	for i := range owners {
		wg.Go(func() {
			owner := fmt.Sprintf("c%02d", i)
			port := uint16(20000 + 2*i)
			errs <- e.do(addPorts(owner, mapping("tcp", "", port, 80), mapping("udp", "", port+1, 53)))
			errs <- e.do(func(tb Table) error { return tb.EnsureNetwork(fmt.Sprintf("br%02d", i), subnet, i%3 == 0) })
			if i%2 == 1 {
				errs <- e.do(removePorts(owner))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	rs := e.tableRules(t)
	for i := range owners {
		owner := fmt.Sprintf("c%02d", i)
		n := countRules(rs, chainPorts, e.table.Name+":port:"+owner)
		if i%2 == 0 {
			want = append(want, owner)
			if n != 2 {
				t.Errorf("%s has %d rules, want 2", owner, n)
			}
		} else if n != 0 {
			t.Errorf("%s has %d rules after RemovePorts, want 0", owner, n)
		}
	}
	if got := e.owners(t); !slices.Equal(got, want) {
		t.Errorf("Owners() = %v, want %v", got, want)
	}
	if got := e.networks(t); len(got) != owners {
		t.Errorf("Networks() = %v, want %d bridges", got, owners)
	}
	for _, c := range []string{chainPrerouting, chainOutput} {
		if n := countRules(rs, c, e.table.Name+":jump:ports"); n != 1 {
			t.Errorf("%d jumps in %s, want 1", n, c)
		}
	}
}
