package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/network/link"
	"github.com/hull-project/hull/internal/network/nat"
)

// httpServer is a busybox httpd serving body on port 80.
func httpServer(body string) []string {
	return []string{"sh", "-c", fmt.Sprintf("mkdir -p /www && echo %s > /www/index.html && exec httpd -f -p 80 -h /www", body)}
}

// get fetches url, retrying while the server starts.
func get(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for i := 0; i < 50; i++ {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(body)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", url, last)
	return ""
}

func refused(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
		return false
	}
	return true
}

func inspect(t *testing.T, ref, format string) string {
	t.Helper()
	return strings.TrimSpace(mustHull(t, "inspect", "-f", format, ref))
}

func TestNetworkDefaultBridge(t *testing.T) {
	id := runDetached(t, "--name", "netdefault", "--hostname", "box", "busybox", "sleep", "60")
	ip := inspect(t, id, "{{.NetworkSettings.IPAddress}}")
	if !strings.HasPrefix(ip, "10.201.") {
		t.Fatalf("address %q is not on the test bridge's subnet 10.201.0.0/16", ip)
	}
	if gw := inspect(t, id, "{{.NetworkSettings.Gateway}}"); gw != testGateway {
		t.Fatalf("gateway %q, want %s", gw, testGateway)
	}
	addr := mustHull(t, "exec", id, "ip", "-o", "-4", "addr", "show", "eth0")
	if !strings.Contains(addr, ip+"/16") {
		t.Fatalf("eth0 in the container: %s", addr)
	}
	if route := mustHull(t, "exec", id, "ip", "route"); !strings.Contains(route, "default via "+testGateway+" dev eth0") {
		t.Fatalf("routes in the container:\n%s", route)
	}
	if lo := mustHull(t, "exec", id, "ip", "-o", "link", "show", "lo"); !strings.Contains(lo, "UP") && !strings.Contains(lo, "UNKNOWN") {
		t.Fatalf("lo is down: %s", lo)
	}
	hosts := mustHull(t, "exec", id, "cat", "/etc/hosts")
	if !strings.Contains(hosts, "127.0.0.1\tlocalhost") || !strings.Contains(hosts, ip+"\tbox netdefault\n") {
		t.Fatalf("/etc/hosts:\n%s", hosts)
	}
	if h := strings.TrimSpace(mustHull(t, "exec", id, "cat", "/etc/hostname")); h != "box" {
		t.Fatalf("/etc/hostname %q", h)
	}
	resolv := mustHull(t, "exec", id, "cat", "/etc/resolv.conf")
	if strings.Contains(resolv, "nameserver 127.") || !strings.Contains(resolv, "nameserver ") {
		t.Fatalf("resolv.conf has a loopback resolver or none:\n%s", resolv)
	}
	// The host reaches the container's own address over the bridge.
	mustHull(t, "exec", "-d", id, "sh", "-c", "mkdir /www; echo direct > /www/index.html; httpd -p 80 -h /www")
	if body := get(t, "http://"+ip+"/"); strings.TrimSpace(body) != "direct" {
		t.Fatalf("GET container address: %q", body)
	}
	// A second container gets another address and reaches the first.
	other := runDetached(t, "busybox", "sleep", "60")
	otherIP := inspect(t, other, "{{.NetworkSettings.IPAddress}}")
	if otherIP == ip || otherIP == "" {
		t.Fatalf("second container's address %q (first %s)", otherIP, ip)
	}
	mustHull(t, "exec", other, "ping", "-c", "1", "-W", "2", ip)
	// stats counts the traffic of the container's interfaces.
	stats := mustHull(t, "stats", "--no-stream", other)
	io := regexp.MustCompile(`(\S+) / (\S+)\s+\S+ / \S+\s+\d+\s*$`).FindStringSubmatch(stats)
	if io == nil || io[1] == "0B" || io[2] == "0B" {
		t.Fatalf("stats shows no network traffic (NET I/O %v):\n%s", io, stats)
	}
}

func TestNetworkPublishTCP(t *testing.T) {
	id := runDetached(t, append([]string{"-p", "18080:80", "busybox"}, httpServer("hello-from-hull")...)...)
	if body := get(t, "http://127.0.0.1:18080/"); strings.TrimSpace(body) != "hello-from-hull" {
		t.Fatalf("GET 127.0.0.1:18080: %q", body)
	}
	if port := strings.TrimSpace(mustHull(t, "port", id)); port != "80/tcp -> 0.0.0.0:18080" {
		t.Fatalf("hull port: %q", port)
	}
	if port := strings.TrimSpace(mustHull(t, "port", id, "80")); port != "0.0.0.0:18080" {
		t.Fatalf("hull port 80: %q", port)
	}
	if ps := mustHull(t, "ps", "--filter", "id="+id, "--format", "{{.Ports}}"); strings.TrimSpace(ps) != "0.0.0.0:18080->80/tcp" {
		t.Fatalf("ps PORTS: %q", ps)
	}
	// From another container, through the host's address on the bridge.
	out := mustHull(t, "run", "--rm", "busybox", "wget", "-q", "-O", "-", "http://"+testGateway+":18080/")
	if strings.TrimSpace(out) != "hello-from-hull" {
		t.Fatalf("GET from another container: %q", out)
	}
	// The same port cannot be published twice.
	r := hull(t, "run", "-d", "--name", "dupport", "-p", "18080:80", "busybox", "sleep", "60")
	// As with docker, the container was created; only its start failed.
	hull(t, "rm", "-f", "dupport")
	if r.code != 125 || !strings.Contains(r.stderr, "port is already allocated") {
		t.Fatalf("second -p 18080: exit %d, %s", r.code, r.stderr)
	}
	mustHull(t, "rm", "-f", id)
	if !refused("127.0.0.1:18080") {
		t.Fatal("127.0.0.1:18080 still answers after hull rm -f")
	}
}

func TestNetworkPublishRandomAndAll(t *testing.T) {
	id := runDetached(t, append([]string{"-p", "127.0.0.1::80", "--expose", "81", "-P", "busybox"}, httpServer("random")...)...)
	hostPort := strings.TrimSpace(mustHull(t, "port", id, "80/tcp"))
	if !strings.HasPrefix(hostPort, "127.0.0.1:") {
		t.Fatalf("hull port 80/tcp: %q", hostPort)
	}
	if body := get(t, "http://"+hostPort+"/"); strings.TrimSpace(body) != "random" {
		t.Fatalf("GET %s: %q", hostPort, body)
	}
	all := mustHull(t, "port", id)
	if !strings.Contains(all, "81/tcp -> 0.0.0.0:") {
		t.Fatalf("-P did not publish the exposed port 81:\n%s", all)
	}
}

func TestNetworkPublishUDP(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "udpecho")
	build := exec.Command("go", "build", "-o", bin, "./testdata/udpecho")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build udpecho: %v\n%s", err, out)
	}
	first := runDetached(t, "-p", "127.0.0.1:15353:5353/udp", "-v", bin+":/udpecho:ro", "busybox", "/udpecho", "5353", "first: ")
	conn, err := net.Dial("udp", "127.0.0.1:15353")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	udpReply(t, conn, "first: ping")
	// The same client, from the same port, reaches the next container on
	// that published port: the first one's connection tracking is gone.
	// (Another container takes the first one's address, so the next one
	// gets a new address, which a stale entry would not lead to.)
	firstIP := inspect(t, first, "{{.NetworkSettings.IPAddress}}")
	mustHull(t, "rm", "-f", first)
	filler := runDetached(t, "busybox", "sleep", "60")
	if ip := inspect(t, filler, "{{.NetworkSettings.IPAddress}}"); ip != firstIP {
		t.Logf("the filler got %s, not the first container's %s", ip, firstIP)
	}
	runDetached(t, "-p", "127.0.0.1:15353:5353/udp", "-v", bin+":/udpecho:ro", "busybox", "/udpecho", "5353", "second: ")
	udpReply(t, conn, "second: ping")
}

// udpReply sends "ping" until the reply comes, and checks it.
func udpReply(t *testing.T, conn net.Conn, want string) {
	t.Helper()
	buf := make([]byte, 100)
	for i := 0; ; i++ {
		conn.Write([]byte("ping"))
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := conn.Read(buf)
		if err == nil {
			if string(buf[:n]) != want {
				t.Fatalf("UDP reply %q, want %q", buf[:n], want)
			}
			return
		}
		if i == 30 {
			t.Fatalf("no UDP reply %q on %s: %v", want, conn.RemoteAddr(), err)
		}
	}
}

func TestNetworkUserDefinedNames(t *testing.T) {
	mustHull(t, "network", "create", "e2enet")
	t.Cleanup(func() { hull(t, "network", "rm", "e2enet") })
	ls := mustHull(t, "network", "ls")
	for _, want := range []string{"bridge", "host", "none", "e2enet"} {
		if !strings.Contains(ls, want) {
			t.Fatalf("network ls lacks %s:\n%s", want, ls)
		}
	}
	subnet := strings.TrimSpace(mustHull(t, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "e2enet"))
	if !strings.HasSuffix(subnet, "/24") {
		t.Fatalf("e2enet subnet %q", subnet)
	}
	runDetached(t, append([]string{"--name", "web", "--network", "e2enet", "--network-alias", "www", "busybox"}, httpServer("by-name")...)...)
	// busybox-static's wget crashes resolving a name (static glibc
	// without its NSS modules); nc resolves through /etc/hosts fine.
	for _, name := range []string{"web", "www"} {
		out := mustHull(t, "run", "--rm", "--network", "e2enet", "busybox", "sh", "-c",
			`printf 'GET / HTTP/1.0\r\n\r\n' | nc `+name+` 80`)
		if !strings.Contains(out, "200 OK") || !strings.HasSuffix(strings.TrimSpace(out), "by-name") {
			t.Fatalf("GET http://%s/ from a container on e2enet: %q", name, out)
		}
	}
	// A container that joins later is found by the earlier one too.
	late := runDetached(t, "--name", "late", "--network", "e2enet", "busybox", "sleep", "60")
	mustHull(t, "exec", "web", "ping", "-c", "1", "-W", "2", "late")
	// The default bridge does not resolve names, as in Docker.
	if r := hull(t, "run", "--rm", "busybox", "ping", "-c", "1", "-W", "1", "web"); r.code == 0 {
		t.Fatal("a container on the default bridge resolved web")
	}
	members := mustHull(t, "network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "e2enet")
	if !strings.Contains(members, "web") || !strings.Contains(members, "late") {
		t.Fatalf("network inspect members: %q", members)
	}
	if r := hull(t, "network", "rm", "e2enet"); r.code == 0 || !strings.Contains(r.stderr, "active endpoints") {
		t.Fatalf("network rm with members: exit %d %s", r.code, r.stderr)
	}
	// Leaving takes the name away from the others.
	mustHull(t, "rm", "-f", late)
	hosts := mustHull(t, "exec", "web", "cat", "/etc/hosts")
	if strings.Contains(hosts, "late") {
		t.Fatalf("late is still in web's hosts after rm:\n%s", hosts)
	}
}

func TestNetworkConnectDisconnectAndIP(t *testing.T) {
	mustHull(t, "network", "create", "--subnet", "10.202.7.0/24", "e2enet2")
	t.Cleanup(func() { hull(t, "network", "rm", "e2enet2") })
	id := runDetached(t, "--network", "e2enet2", "--ip", "10.202.7.50", "busybox", "sleep", "60")
	if ip := inspect(t, id, `{{(index .NetworkSettings.Networks "e2enet2").IPAddress}}`); ip != "10.202.7.50" {
		t.Fatalf("--ip: got %q", ip)
	}
	mustHull(t, "network", "connect", "bridge", id)
	if out := mustHull(t, "exec", id, "ip", "-o", "-4", "addr", "show", "eth1"); !strings.Contains(out, "10.201.") {
		t.Fatalf("after connect, eth1: %s", out)
	}
	mustHull(t, "network", "disconnect", "bridge", id)
	if r := hull(t, "exec", id, "ip", "link", "show", "eth1"); r.code == 0 {
		t.Fatal("eth1 remains after disconnect")
	}
	if r := hull(t, "run", "--rm", "--ip", "10.201.0.9", "busybox", "true"); r.code != 125 {
		t.Fatalf("--ip on the default bridge: exit %d", r.code)
	}
	if r := hull(t, "run", "--rm", "--network", "nosuchnet", "busybox", "true"); r.code != 125 || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("unknown network: exit %d %s", r.code, r.stderr)
	}
}

func TestNetworkModes(t *testing.T) {
	out := mustHull(t, "run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
	if strings.Contains(out, "eth0") || !strings.Contains(out, "lo") {
		t.Fatalf("--network none links:\n%s", out)
	}
	host, _ := os.Hostname()
	out = mustHull(t, "run", "--rm", "--network", "host", "busybox", "sh", "-c", "hostname; ip -o link")
	if !strings.HasPrefix(out, host+"\n") || !strings.Contains(out, testBridge) {
		t.Fatalf("--network host: hostname and links:\n%s", out)
	}
	id := runDetached(t, "busybox", "sleep", "60")
	ip := inspect(t, id, "{{.NetworkSettings.IPAddress}}")
	out = mustHull(t, "run", "--rm", "--network", "container:"+id, "busybox", "ip", "-o", "-4", "addr", "show", "eth0")
	if !strings.Contains(out, ip+"/") {
		t.Fatalf("--network container: sees %s, want %s", out, ip)
	}
	out = mustHull(t, "run", "--rm", "--add-host", "db:10.1.2.3", "--add-host", "gw:host-gateway", "--dns", "10.9.9.9",
		"--dns-search", "example.test", "busybox", "cat", "/etc/hosts", "/etc/resolv.conf")
	for _, want := range []string{"10.1.2.3\tdb", testGateway + "\tgw", "nameserver 10.9.9.9", "search example.test"} {
		if !strings.Contains(out, want) {
			t.Fatalf("--add-host/--dns: %q missing in\n%s", want, out)
		}
	}
}

// TestNetworkChurn starts and removes 50 containers with published ports
// and checks that nothing of their networking is left: the suite's leak
// check (veths, rules, addresses) runs after it.
func TestNetworkChurn(t *testing.T) {
	var wg sync.WaitGroup
	ids := make([]string, 50)
	errs := make(chan error, 50)
	sem := make(chan struct{}, 5)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := hullCmd("run", "-d", "-p", fmt.Sprintf("%d:80", 19000+i), "busybox", "sleep", "60").CombinedOutput()
			if err != nil {
				errs <- fmt.Errorf("run %d: %v: %s", i, err, out)
				return
			}
			ids[i] = strings.TrimSpace(string(out))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		ip := inspect(t, id, "{{.NetworkSettings.IPAddress}}")
		if seen[ip] {
			t.Errorf("address %s given twice", ip)
		}
		seen[ip] = true
	}
	args := []string{"rm", "-f"}
	for _, id := range ids {
		if id != "" {
			args = append(args, id)
		}
	}
	mustHull(t, args...)
	if leaks := networkLeftovers(); len(leaks) > 0 {
		t.Fatalf("after 50 containers: %s", strings.Join(leaks, "\n"))
	}
}

// TestNetworkCrashCleanup kills a container together with its monitor:
// nothing is left to release its network, until the next hull command
// notices.
func TestNetworkCrashCleanup(t *testing.T) {
	id := runDetached(t, "-p", "18090:80", "busybox", "sleep", "60")
	monitor := inspect(t, id, "{{.Hull.MonitorPid}}")
	pid := inspect(t, id, "{{.State.Pid}}")
	exec.Command("kill", "-9", monitor, pid).Run()
	waitFor(t, "the container to be gone", func() bool { _, err := os.Stat("/proc/" + pid); return err != nil })
	mustHull(t, "ps", "-a")
	if leaks := networkLeftovers(); len(leaks) > 0 {
		t.Fatalf("after the crash and hull ps: %s", strings.Join(leaks, "\n"))
	}
	if st := inspect(t, id, "{{.State.Status}}"); st != "exited" {
		t.Fatalf("status %s", st)
	}
}

// TestNetworkRecoversAfterReboot removes the default network's bridge and
// rules, as a reboot or `nft flush ruleset` would, and starts a container
// with a published port: hull brings both back.
func TestNetworkRecoversAfterReboot(t *testing.T) {
	if running := strings.TrimSpace(mustHull(t, "ps", "-q")); running != "" {
		t.Skipf("containers still running: %s", running)
	}
	if err := (nat.Table{Name: testTable}).Delete(); err != nil {
		t.Fatal(err)
	}
	if err := link.DeleteBridge(testBridge); err != nil {
		t.Fatal(err)
	}
	runDetached(t, append([]string{"-p", "18095:80", "busybox"}, httpServer("back")...)...)
	if body := get(t, "http://127.0.0.1:18095/"); strings.TrimSpace(body) != "back" {
		t.Fatalf("GET after the bridge and rules were removed: %q", body)
	}
	// Rules gone, bridge kept: the rules come back too.
	mustHull(t, "rm", "-f", strings.TrimSpace(mustHull(t, "ps", "-q")))
	if err := (nat.Table{Name: testTable}).Delete(); err != nil {
		t.Fatal(err)
	}
	runDetached(t, append([]string{"-p", "18096:80", "busybox"}, httpServer("again")...)...)
	if body := get(t, "http://127.0.0.1:18096/"); strings.TrimSpace(body) != "again" {
		t.Fatalf("GET after the rules were flushed: %q", body)
	}
}
