package link

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	gw24 = netip.MustParseAddr("10.214.0.1")
	ep1  = netip.MustParsePrefix("10.214.0.2/24")
	ep2  = netip.MustParsePrefix("10.214.0.3/24")
)

// endpoint is a test endpoint on br with the default route via gw24.
func endpoint(br, veth string, addr netip.Prefix) Endpoint {
	return Endpoint{Bridge: br, HostVeth: veth, IfName: "eth0", Address: addr, Gateway: gw24, DefaultRoute: true}
}

func TestAttach(t *testing.T) {
	requireNet(t)
	br := mustBridge(t, "hlt", "10.214.0.1/24")
	c1, c2 := startContainer(t), startContainer(t)
	e1 := endpoint(br, name("hla"), ep1)
	e2 := endpoint(br, name("hlb"), ep2)
	e2.MAC, e2.MTU = net.HardwareAddr{0x02, 0xaa, 0, 0, 0, 3}, 1400
	mustAttach(t, c1, e1)
	mustAttach(t, c2, e2)

	checkContainer(t, c1, ep1, "02:42:0a:d6:00:02", 1500)
	checkContainer(t, c2, ep2, "02:aa:00:00:00:03", 1400)
	for _, veth := range []string{e1.HostVeth, e2.HostVeth} {
		checkPort(t, br, veth)
	}

	for _, p := range []struct {
		from *container // nil: the host
		to   netip.Addr
	}{
		{c1, ep2.Addr()}, {c2, ep1.Addr()}, {c1, gw24}, {nil, ep1.Addr()}, {nil, ep2.Addr()},
	} {
		var err error
		if p.from == nil {
			err = ping(p.to)
		} else {
			err = p.from.ping(p.to)
		}
		if err != nil {
			t.Errorf("ping %s: %v", p.to, err)
		}
	}

	if err := Detach(e1.HostVeth); err != nil {
		t.Fatal(err)
	}
	if Exists(e1.HostVeth) || linkExistsIn(c1.nsPath, "eth0") {
		t.Errorf("after Detach: host end exists %v, peer exists %v", Exists(e1.HostVeth), linkExistsIn(c1.nsPath, "eth0"))
	}
	if err := Detach(e1.HostVeth); err != nil {
		t.Errorf("Detach of a missing veth: %v", err)
	}
}

// checkContainer checks eth0, lo and the default route inside c.
func checkContainer(t *testing.T, c *container, addr netip.Prefix, mac string, mtu int) {
	t.Helper()
	links := ipJSON(t, c.nsPath, "addr", "show")
	byName := map[string]map[string]any{}
	for _, l := range links {
		byName[l["ifname"].(string)] = l
	}
	eth0, lo := byName["eth0"], byName["lo"]
	if eth0 == nil || lo == nil {
		t.Fatalf("want eth0 and lo in the container, have %v", links)
	}
	if !hasFlag(lo, "UP") || !hasFlag(eth0, "UP") {
		t.Errorf("lo flags %v, eth0 flags %v: want both UP", lo["flags"], eth0["flags"])
	}
	if eth0["address"] != mac || int(eth0["mtu"].(float64)) != mtu {
		t.Errorf("eth0 mac %v mtu %v, want %s %d", eth0["address"], eth0["mtu"], mac, mtu)
	}
	if got := addrsOf(eth0); !slices.Equal(got, []string{addr.String()}) {
		t.Errorf("eth0 addresses %v, want %s", got, addr)
	}
	routes := ipJSON(t, c.nsPath, "route", "show", "default")
	if len(routes) != 1 || routes[0]["gateway"] != gw24.String() || routes[0]["dev"] != "eth0" {
		t.Errorf("default routes %v, want one via %s dev eth0", routes, gw24)
	}
}

// checkPort checks that veth is an up port of br with hairpin on.
func checkPort(t *testing.T, br, veth string) {
	t.Helper()
	l := ipJSON(t, "", "-d", "link", "show", "dev", veth)[0]
	info, _ := l["linkinfo"].(map[string]any)
	slave, _ := info["info_slave_data"].(map[string]any)
	if l["master"] != br || !hasFlag(l, "UP") || slave["hairpin"] != true {
		t.Errorf("%s: master %v flags %v hairpin %v; want master %s, UP, hairpin on", veth, l["master"], l["flags"], slave["hairpin"], br)
	}
}

func hasFlag(l map[string]any, flag string) bool {
	flags, _ := l["flags"].([]any)
	return slices.Contains(flags, any(flag))
}

func addrsOf(l map[string]any) []string {
	var out []string
	infos, _ := l["addr_info"].([]any)
	for _, a := range infos {
		a := a.(map[string]any)
		if a["family"] == "inet" {
			out = append(out, fmt.Sprintf("%v/%v", a["local"], a["prefixlen"]))
		}
	}
	return out
}

func TestAttachNamespaceDies(t *testing.T) {
	requireNet(t)
	br := mustBridge(t, "hlt", "10.214.0.1/24")
	c := startContainer(t)
	veth := name("hla")
	mustAttach(t, c, endpoint(br, veth, ep1))
	c.kill()
	waitGone(t, veth)
}

func TestAttachFailureLeavesNothing(t *testing.T) {
	requireNet(t)
	br := mustBridge(t, "hlt", "10.214.0.1/24")
	taken := name("hlx")
	ip(t, "link", "add", taken, "type", "veth", "peer", "name", name("hly"))
	t.Cleanup(func() { Detach(taken) })

	for _, tc := range []struct {
		name   string
		change func(*Endpoint)
		want   string
	}{
		{"no such bridge", func(e *Endpoint) { e.Bridge = name("hln") }, "does not exist"},
		{"not a bridge", func(e *Endpoint) { e.Bridge = taken }, "not a bridge"},
		{"peer name taken", func(e *Endpoint) { e.IfName = "lo" }, "lo already exists in /proc/"},
		{"host name taken", func(e *Endpoint) { e.HostVeth = taken }, "host link " + taken + " already exists"},
		{"gateway off link", func(e *Endpoint) { e.Gateway = netip.MustParseAddr("10.99.0.1") }, "add default route"},
		{"bad namespace", func(e *Endpoint) {}, "open network namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startContainer(t)
			ep := endpoint(br, name("hla"), ep1)
			tc.change(&ep)
			nsPath := c.nsPath
			if tc.name == "bad namespace" {
				nsPath = "/proc/self/ns/nonexistent"
			}
			err := Attach(nsPath, ep)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Attach = %v, want error containing %q", err, tc.want)
			}
			if ep.HostVeth != taken && Exists(ep.HostVeth) {
				t.Errorf("%s left behind after %v", ep.HostVeth, err)
			}
			if linkExistsIn(c.nsPath, "eth0") {
				t.Errorf("eth0 left in the container after %v", err)
			}
			if !Exists(taken) {
				t.Errorf("Attach deleted %s, which it did not make", taken)
			}
		})
	}
}

func TestEnsureBridgeConcurrent(t *testing.T) {
	requireNet(t)
	br := name("hlt")
	gw := netip.MustParsePrefix("10.214.0.1/24")
	t.Cleanup(func() { DeleteBridge(br) })
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { errs[i] = EnsureBridge(br, gw) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := EnsureBridge(br, gw); err != nil {
		t.Errorf("EnsureBridge on an existing bridge: %v", err)
	}
	l := ipJSON(t, "", "-d", "addr", "show", "dev", br)[0]
	kind := l["linkinfo"].(map[string]any)["info_kind"]
	if kind != "bridge" || !hasFlag(l, "UP") || !slices.Equal(addrsOf(l), []string{gw.String()}) {
		t.Errorf("%s: kind %v flags %v addresses %v; want an UP bridge with only %s", br, kind, l["flags"], addrsOf(l), gw)
	}
	for _, key := range []string{"net/ipv4/ip_forward", "net/ipv4/conf/" + br + "/route_localnet"} {
		if b, _ := os.ReadFile("/proc/sys/" + key); strings.TrimSpace(string(b)) != "1" {
			t.Errorf("%s = %q, want 1", key, b)
		}
	}

	for range 2 {
		if err := DeleteBridge(br); err != nil {
			t.Errorf("DeleteBridge: %v", err)
		}
	}
	if Exists(br) {
		t.Errorf("%s exists after DeleteBridge", br)
	}
}

func TestEnsureBridgeConflict(t *testing.T) {
	requireNet(t)
	other := name("hld")
	ip(t, "link", "add", other, "type", "veth", "peer", "name", name("hle"))
	t.Cleanup(func() { Detach(other) })
	ip(t, "addr", "add", "10.215.0.1/24", "dev", other)
	ip(t, "link", "set", other, "up")
	ip(t, "link", "set", name("hle"), "up")

	for _, tc := range []struct{ gw, want string }{
		{"10.215.0.1/24", "address 10.215.0.1 is already on " + other},
		{"10.215.128.1/16", "subnet 10.215.0.0/16 overlaps route 10.215.0.0/24 on " + other},
		{"10.215.0.129/25", "overlaps route 10.215.0.0/24 on " + other},
	} {
		br := name("hlt")
		err := EnsureBridge(br, netip.MustParsePrefix(tc.gw))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "choose another subnet") {
			t.Errorf("EnsureBridge(%s) = %v, want error containing %q", tc.gw, err, tc.want)
		}
		if Exists(br) {
			DeleteBridge(br)
			t.Errorf("EnsureBridge(%s) left the bridge behind", tc.gw)
		}
	}
	mustBridge(t, "hlt", "10.216.0.1/24") // a free subnet still works
}

func TestDeleteRefusesOtherKinds(t *testing.T) {
	requireNet(t)
	v := name("hlx")
	ip(t, "link", "add", v, "type", "veth", "peer", "name", name("hly"))
	t.Cleanup(func() { Detach(v) })
	if err := DeleteBridge(v); err == nil || !strings.Contains(err.Error(), "not a bridge") {
		t.Errorf("DeleteBridge(veth) = %v, want not a bridge", err)
	}
	br := mustBridge(t, "hlt", "10.214.0.1/24")
	if err := Detach(br); err == nil || !strings.Contains(err.Error(), "not a veth") {
		t.Errorf("Detach(bridge) = %v, want not a veth", err)
	}
	if !Exists(v) || !Exists(br) {
		t.Error("a refused delete removed the link")
	}
}

func TestLoopbackUp(t *testing.T) {
	requireNet(t)
	c := startContainer(t)
	if err := LoopbackUp(c.nsPath); err != nil {
		t.Fatal(err)
	}
	if lo := ipJSON(t, c.nsPath, "link", "show", "dev", "lo")[0]; !hasFlag(lo, "UP") {
		t.Errorf("lo flags %v, want UP", lo["flags"])
	}
	if err := c.ping(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Error(err)
	}
}

func TestHostVeths(t *testing.T) {
	requireNet(t)
	br := mustBridge(t, "hlt", "10.214.0.1/24")
	prefix := name("hl") + "v"
	var want []string
	for i, addr := range []netip.Prefix{ep1, ep2} {
		veth := fmt.Sprintf("%s%d", prefix, i)
		mustAttach(t, startContainer(t), endpoint(br, veth, addr))
		want = append(want, veth)
	}
	got, err := HostVeths(prefix)
	slices.Sort(got)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("HostVeths(%s) = %v, %v; want %v", prefix, got, err, want)
	}
	for _, v := range want {
		if err := Detach(v); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := HostVeths(prefix); err != nil || len(got) != 0 {
		t.Errorf("after Detach, HostVeths(%s) = %v, %v; want none", prefix, got, err)
	}
}

// BenchmarkAttachDetach times one Attach and Detach into a fresh namespace,
// and reports the two halves: Detach is mostly the kernel's rcu_barrier
// when it unregisters a device, which `ip link del` pays as well.
func BenchmarkAttachDetach(b *testing.B) {
	requireNet(b)
	br := mustBridge(b, "hlt", "10.214.0.1/24")
	ep := endpoint(br, name("hla"), ep1)
	var attach, detach time.Duration
	for b.Loop() {
		b.StopTimer()
		c := startContainer(b)
		b.StartTimer()
		t0 := time.Now()
		if err := Attach(c.nsPath, ep); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := Detach(ep.HostVeth); err != nil {
			b.Fatal(err)
		}
		attach, detach = attach+t1.Sub(t0), detach+time.Since(t1)
		b.StopTimer()
		c.kill()
		b.StartTimer()
	}
	b.ReportMetric(float64(attach.Microseconds())/float64(b.N), "attach-µs/op")
	b.ReportMetric(float64(detach.Microseconds())/float64(b.N), "detach-µs/op")
}
