package network

import (
	"strings"
	"testing"
)

// FuzzParsePublish: any -p value parses or fails, never panics, and what
// parses round-trips to the ports asked for.
func FuzzParsePublish(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:8080:80/udp", "127.0.0.1::80", "8080-8081:80-81", "0.0.0.0:1:65535/tcp", ":::80", "1-0:1", "[::1]:80:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ports, err := ParsePublish(spec)
		if err != nil {
			return
		}
		if len(ports) == 0 || len(ports) > 65536 {
			t.Fatalf("%q: %d ports", spec, len(ports))
		}
		for _, p := range ports {
			if p.ContainerPort == 0 || (p.Proto != "tcp" && p.Proto != "udp") {
				t.Fatalf("%q: bad port %+v", spec, p)
			}
			if p.HostIP.IsValid() && !p.HostIP.Is4() {
				t.Fatalf("%q: host address %s", spec, p.HostIP)
			}
		}
	})
}

// FuzzResolvConf: any host resolv.conf gives a file with at least one
// nameserver and no loopback one.
func FuzzResolvConf(f *testing.F) {
	f.Add("nameserver 10.0.0.1\nsearch a b\noptions ndots:2\n")
	f.Add("nameserver 127.0.0.53\n")
	f.Add("# comment\n;x\nnameserver\nnameserver ::1\ndomain example\n")
	f.Fuzz(func(t *testing.T, host string) {
		out, err := ResolvConf([]byte(host), DNSOptions{})
		if err != nil {
			t.Fatalf("no options given, yet: %v", err)
		}
		text := string(out)
		if !strings.Contains(text, "nameserver ") {
			t.Fatalf("no nameserver in %q from %q", text, host)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "nameserver 127.") || line == "nameserver ::1" {
				t.Fatalf("loopback resolver kept: %q from %q", text, host)
			}
		}
	})
}
