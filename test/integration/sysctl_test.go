package integration

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSysctl(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shm_rmid_forced")
	c.spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}
	c.writeSpec()
	if got := lines(c.output()); strings.Join(got, ",") != "1,1" {
		t.Fatalf("sysctls inside = %q, want 1 1", got)
	}
}

// TestSysctlRefused: a sysctl the container does not own is refused.
func TestSysctlRefused(t *testing.T) {
	for name, sysctl := range map[string]map[string]string{
		"not namespaced":    {"kernel.panic": "1"},
		"net without netns": {"net.ipv4.ip_forward": "1"},
	} {
		t.Run(strings.ReplaceAll(name, " ", "-"), func(t *testing.T) {
			e := setup(t)
			c := e.newContainer("true")
			c.spec.Linux.Sysctl = sysctl
			if name == "net without netns" {
				c.removeNamespace(specs.NetworkNamespace)
			}
			c.writeSpec()
			if _, errOut, code := c.runForeground(); code == 0 {
				t.Fatalf("run with sysctl %v succeeded\nstderr:\n%s", sysctl, errOut)
			}
		})
	}
}
