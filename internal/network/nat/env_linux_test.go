package nat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// env is a small world of network namespaces, so that root tests change
// nothing on the machine running them (nftables tables, sysctls and
// interfaces are all per namespace):
//
//	host (10.214.0.1 on vo; bridge BR 10.213.0.1/24 with port vc)
//	  ├─ ctr  eth0 10.213.0.2/24 on BR, default route via 10.213.0.1
//	  └─ out  eth0 10.214.0.2/24, no route to 10.213.0.0/24
//
// host plays the machine hull runs on, ctr a container on network BR, out
// some other machine. All traffic is to 127.0.0.1 or to these namespaces.
type env struct {
	host, ctr, out string // namespace names
	bridge         string
	table          Table
}

const (
	hostAddr   = "10.214.0.1" // host's address towards out
	outAddr    = "10.214.0.2"
	ctrAddr    = "10.213.0.2"
	bridgeAddr = "10.213.0.1"
)

var envSeq atomic.Int32

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces and nftables rules")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s to set up and inspect the test network", tool)
		}
	}
}

// newEnv builds the namespaces; t.Cleanup deletes the table and the
// namespaces, and with them every interface and rule.
func newEnv(t *testing.T) *env {
	needRoot(t)
	p := fmt.Sprintf("hnt%d-%d", os.Getpid(), envSeq.Add(1))
	e := &env{host: p + "h", ctr: p + "c", out: p + "o",
		bridge: fmt.Sprintf("hnt%d", os.Getpid()), table: Table{Name: fmt.Sprintf("hulltest%d", os.Getpid())}}
	for _, ns := range []string{e.host, e.ctr, e.out} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	t.Cleanup(func() {
		if err := e.do(Table.Delete); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	h, c, o := e.host, e.ctr, e.out
	for _, args := range [][]string{
		{"-n", h, "link", "set", "lo", "up"},
		{"-n", h, "link", "add", e.bridge, "type", "bridge"},
		{"-n", h, "addr", "add", bridgeAddr + "/24", "dev", e.bridge},
		{"-n", h, "link", "set", e.bridge, "up"},
		{"-n", h, "link", "add", "vc", "type", "veth", "peer", "name", "eth0", "netns", c},
		{"-n", h, "link", "set", "vc", "master", e.bridge, "up"},
		// With br_netfilter, a container's packet to its own published
		// port is bridged back out the port it came in on: hull's link
		// setup turns hairpin on, as Docker does.
		{"-n", h, "link", "set", "vc", "type", "bridge_slave", "hairpin", "on"},
		{"-n", c, "link", "set", "lo", "up"},
		{"-n", c, "addr", "add", ctrAddr + "/24", "dev", "eth0"},
		{"-n", c, "link", "set", "eth0", "up"},
		{"-n", c, "route", "add", "default", "via", bridgeAddr},
		{"-n", h, "link", "add", "vo", "type", "veth", "peer", "name", "eth0", "netns", o},
		{"-n", h, "addr", "add", hostAddr + "/24", "dev", "vo"},
		{"-n", h, "link", "set", "vo", "up"},
		{"-n", o, "link", "set", "lo", "up"},
		{"-n", o, "addr", "add", outAddr + "/24", "dev", "eth0"},
		{"-n", o, "link", "set", "eth0", "up"},
		{"netns", "exec", h, "sysctl", "-qw", "net.ipv4.ip_forward=1",
			"net.ipv4.conf." + e.bridge + ".route_localnet=1"},
	} {
		run(t, "ip", args...)
	}
	return e
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// inNetns runs fn on a thread in namespace ns. The thread stays locked,
// so it exits with the goroutine and is never reused elsewhere.
func inNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		h, err := netns.GetFromName(ns)
		if err != nil {
			errc <- fmt.Errorf("open netns %s: %w", ns, err)
			return
		}
		defer h.Close()
		if err := netns.Set(h); err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", ns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// do runs op on the test's table in the host namespace.
func (e *env) do(op func(Table) error) error {
	return inNetns(e.host, func() error { return op(e.table) })
}

// must is do, failing the test on error.
func (e *env) must(t *testing.T, op func(Table) error) {
	t.Helper()
	if err := e.do(op); err != nil {
		t.Fatal(err)
	}
}

// serveTCP listens on addr in ns and answers each connection with "hi
// PEER", so a test sees which source address arrived.
func serveTCP(t *testing.T, ns, addr string) {
	var l net.Listener
	if err := inNetns(ns, func() (err error) { l, err = net.Listen("tcp4", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "hi %s\n", c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	}()
}

// serveUDP answers each datagram on addr in ns with "hi PEER".
func serveUDP(t *testing.T, ns, addr string) {
	var pc net.PacketConn
	if err := inNetns(ns, func() (err error) { pc, err = net.ListenPacket("udp4", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(fmt.Appendf(nil, "hi %s\n", from.(*net.UDPAddr).IP), from)
		}
	}()
}

// ask connects from ns to addr over network (tcp4, udp4), sends a line
// and returns the first line of the answer.
func ask(ns, network, addr string, timeout time.Duration) (string, error) {
	var answer string
	err := inNetns(ns, func() error {
		c, err := net.DialTimeout(network, addr, timeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(timeout))
		if _, err := io.WriteString(c, "hello\n"); err != nil {
			return err
		}
		answer, err = bufio.NewReader(c).ReadString('\n')
		answer = strings.TrimSpace(answer)
		return err
	})
	return answer, err
}

// nftRule is a rule as `nft -j` lists it.
type nftRule struct {
	Chain   string `json:"chain"`
	Comment string `json:"comment"`
}

// rules lists the rules of table (or of one chain of it) in ns with nft,
// as an independent check on what the package reads itself.
func rules(t *testing.T, ns string, object ...string) []nftRule {
	t.Helper()
	args := append([]string{"netns", "exec", ns, "nft", "-j", "list"}, object...)
	out, err := exec.Command("ip", args...).Output()
	if err != nil {
		t.Fatalf("nft list %s: %v", strings.Join(object, " "), err)
	}
	var doc struct {
		Nftables []struct {
			Rule *nftRule `json:"rule"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("nft list %s: %v\n%s", strings.Join(object, " "), err, out)
	}
	var rs []nftRule
	for _, x := range doc.Nftables {
		if x.Rule != nil {
			rs = append(rs, *x.Rule)
		}
	}
	return rs
}

// tableRules lists the rules of the test's table.
func (e *env) tableRules(t *testing.T) []nftRule {
	return rules(t, e.host, "table", "ip", e.table.Name)
}

// countRules counts the rules in chain with the given comment.
func countRules(rs []nftRule, chain, comment string) int {
	n := 0
	for _, r := range rs {
		if r.Chain == chain && r.Comment == comment {
			n++
		}
	}
	return n
}
