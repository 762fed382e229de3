package network

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParsePublish(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	cases := []struct {
		spec string
		want []Port
	}{
		{"80", []Port{{Proto: "tcp", ContainerPort: 80}}},
		{"8080:80", []Port{{Proto: "tcp", HostPort: 8080, ContainerPort: 80}}},
		{"127.0.0.1:8080:80/udp", []Port{{Proto: "udp", HostIP: lo, HostPort: 8080, ContainerPort: 80}}},
		{"127.0.0.1::80", []Port{{Proto: "tcp", HostIP: lo, ContainerPort: 80}}},
		{"0.0.0.0:53:53/UDP", []Port{{Proto: "udp", HostPort: 53, ContainerPort: 53}}},
		{"8080-8081:80-81", []Port{{Proto: "tcp", HostPort: 8080, ContainerPort: 80}, {Proto: "tcp", HostPort: 8081, ContainerPort: 81}}},
	}
	for _, c := range cases {
		got, err := ParsePublish(c.spec)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.spec, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %+v, want %+v", c.spec, got[i], c.want[i])
			}
		}
	}
	for _, bad := range []string{"", "x", "80/sctp", "1.2.3:80:80", "::1:80:80", "8080:0", "8080-8082:80-81", "70000:80", "80-70:80-70", "a:b:c:d"} {
		if _, err := ParsePublish(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPortStrings(t *testing.T) {
	p := Port{Proto: "tcp", HostPort: 8080, ContainerPort: 80}
	if p.String() != "0.0.0.0:8080->80/tcp" || p.Key() != "80/tcp" {
		t.Fatalf("got %s, %s", p, p.Key())
	}
	q := Port{Proto: "tcp", HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 8080, ContainerPort: 81}
	if !p.overlaps(q) || p.overlaps(Port{Proto: "udp", HostPort: 8080}) {
		t.Fatal("overlap is wrong")
	}
	r := Port{Proto: "tcp", HostIP: netip.MustParseAddr("127.0.0.2"), HostPort: 8080}
	if q.overlaps(r) {
		t.Fatal("distinct addresses overlap")
	}
}

func TestAllocate(t *testing.T) {
	subnet := netip.MustParsePrefix("10.88.0.0/16")
	gw := gatewayFor(subnet)
	if gw.String() != "10.88.0.1" {
		t.Fatalf("gateway %s", gw)
	}
	used := map[netip.Addr]bool{}
	var got []string
	for i := 0; i < 3; i++ {
		a, err := allocate(subnet, gw, used, netip.Addr{})
		if err != nil {
			t.Fatal(err)
		}
		used[a] = true
		got = append(got, a.String())
	}
	if strings.Join(got, " ") != "10.88.0.2 10.88.0.3 10.88.0.4" {
		t.Fatalf("got %v", got)
	}
	delete(used, netip.MustParseAddr("10.88.0.3"))
	if a, _ := allocate(subnet, gw, used, netip.Addr{}); a.String() != "10.88.0.3" {
		t.Fatalf("released address not reused: %s", a)
	}
	for _, bad := range []string{"10.88.0.0", "10.88.0.1", "10.88.255.255", "10.89.0.2", "10.88.0.2"} {
		if _, err := allocate(subnet, gw, used, netip.MustParseAddr(bad)); err == nil {
			t.Errorf("%s: allocated", bad)
		}
	}
	small := netip.MustParsePrefix("10.9.0.0/30")
	used = map[netip.Addr]bool{}
	if a, err := allocate(small, gatewayFor(small), used, netip.Addr{}); err != nil || a.String() != "10.9.0.2" {
		t.Fatalf("got %s, %v", a, err)
	}
	used[netip.MustParseAddr("10.9.0.2")] = true
	if _, err := allocate(small, gatewayFor(small), used, netip.Addr{}); err == nil || !strings.Contains(err.Error(), "no free address") {
		t.Fatalf("full subnet: %v", err)
	}
}

func TestNextSubnet(t *testing.T) {
	taken := []netip.Prefix{netip.MustParsePrefix("10.88.0.0/16"), netip.MustParsePrefix("10.89.0.0/24"), netip.MustParsePrefix("10.89.1.128/25")}
	p, err := nextSubnet(taken)
	if err != nil || p.String() != "10.89.2.0/24" {
		t.Fatalf("got %s, %v", p, err)
	}
}

func TestParseRoutes(t *testing.T) {
	const table = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
hull0	0000580A	00000000	0001	0	0	0	0000FFFF	0	0	0
`
	routes, err := parseRoutes(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 2 || routes[netip.MustParsePrefix("192.0.2.0/24")] != "eth0" || routes[netip.MustParsePrefix("10.88.0.0/16")] != "hull0" {
		t.Fatalf("got %v", routes)
	}
}

func TestParseBIP(t *testing.T) {
	subnet, gw, err := ParseBIP("10.99.0.1/16")
	if err != nil || subnet.String() != "10.99.0.0/16" || gw.String() != "10.99.0.1" {
		t.Fatalf("got %s %s %v", subnet, gw, err)
	}
	for _, bad := range []string{"10.99.0.0/16", "10.99.255.255/16", "fd00::1/64", "10.99.0.1", "10.0.0.1/31"} {
		if _, _, err := ParseBIP(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestHostsFile(t *testing.T) {
	extra, err := ParseAddHost("db:10.0.0.5")
	if err != nil {
		t.Fatal(err)
	}
	got := string(HostsFile([]HostsEntry{extra}, &HostsEntry{IP: "10.88.0.2", Names: []string{"abc"}},
		[]HostsEntry{{IP: "10.89.0.3", Names: []string{"web", "www"}}}))
	for _, want := range []string{"127.0.0.1\tlocalhost\n", "db\n", "10.0.0.5\tdb\n10.88.0.2\tabc\n", "10.89.0.3\tweb www\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("hosts lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"db", "db:", ":1.2.3.4", "db:notanip", "a b:1.2.3.4"} {
		if _, err := ParseAddHost(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if h, err := ParseAddHost("gw=host-gateway"); err != nil || h.IP != HostGateway {
		t.Errorf("host-gateway: %v %v", h, err)
	}
}

func TestResolvConf(t *testing.T) {
	host := []byte("# generated\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nsearch example.com\noptions ndots:2\n")
	got, err := ResolvConf(host, DNSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "search example.com\nnameserver 10.255.255.53\noptions ndots:2\n" {
		t.Fatalf("got %q", got)
	}
	got, _ = ResolvConf([]byte("nameserver 127.0.0.1\n"), DNSOptions{})
	if string(got) != "nameserver 8.8.8.8\nnameserver 8.8.4.4\n" {
		t.Fatalf("loopback only: %q", got)
	}
	got, _ = ResolvConf(host, DNSOptions{Servers: []string{"1.1.1.1"}, Search: []string{"."}, Options: []string{"rotate"}})
	if string(got) != "nameserver 1.1.1.1\noptions rotate\n" {
		t.Fatalf("overrides: %q", got)
	}
	if _, err := ResolvConf(host, DNSOptions{Servers: []string{"dns.example"}}); err == nil {
		t.Fatal("bad --dns accepted")
	}
}

func TestPortRanges(t *testing.T) {
	ports, _ := ParsePublish("8080-8082:80-82")
	udp, _ := ParsePublish("127.0.0.1:53:53/udp")
	lone, _ := ParsePublish("9000:90")
	got := strings.Join(PortRanges(append(append(ports, lone...), udp...)), ", ")
	want := "0.0.0.0:8080-8082->80-82/tcp, 0.0.0.0:9000->90/tcp, 127.0.0.1:53->53/udp"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
