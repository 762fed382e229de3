package integration

import (
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestProcessEnvAndCwd(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", `echo "$FOO"; echo "$HOME"; pwd`)
	c.spec.Process.Env = append(c.spec.Process.Env, "FOO=bar baz")
	c.spec.Process.Cwd = "/etc"
	c.writeSpec()
	// HOME comes from /etc/passwd when the spec leaves it out, as in runc.
	if got := lines(c.output()); strings.Join(got, ",") != "bar baz,/root,/etc" {
		t.Fatalf("env and cwd = %q, want [bar baz /root /etc]", got)
	}
}

func TestProcessUser(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "id -u; id -g; id -G; umask; touch /tmp/f; stat -c %a /tmp/f")
	umask := uint32(0o027)
	c.spec.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 100}, Umask: &umask}
	c.writable()
	got := lines(c.output())
	if len(got) != 5 {
		t.Fatalf("output = %q", got)
	}
	groups := strings.Fields(got[2])
	if got[0] != "1000" || got[1] != "1000" || !contains(groups, "5") || !contains(groups, "100") ||
		got[3] != "0027" || got[4] != "640" {
		t.Fatalf("uid %s gid %s groups %v umask %s file mode %s; want 1000 1000 [.. 5 100] 0027 640",
			got[0], got[1], groups, got[3], got[4])
	}
}

// Capability bit numbers from linux/capability.h.
const (
	capChown          = 0
	capKill           = 5
	capNetBindService = 10
	capAuditWrite     = 29
)

// TestProcessCapabilities sets all five capability sets for a non-root
// user, whose permitted and effective sets after exec are its ambient set.
func TestProcessCapabilities(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/self/status")
	c.spec.Process.User = specs.User{UID: 1000, GID: 1000}
	c.spec.Process.Capabilities = &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"},
		Permitted:   []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"},
		Effective:   []string{"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"},
		Inheritable: []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Ambient:     []string{"CAP_NET_BIND_SERVICE"},
	}
	c.writeSpec()
	status := c.output()
	bit := func(n uint) uint64 { return 1 << n }
	for _, want := range []struct {
		field string
		mask  uint64
	}{
		{"CapBnd", bit(capAuditWrite) | bit(capKill) | bit(capNetBindService) | bit(capChown)},
		{"CapInh", bit(capKill) | bit(capNetBindService)},
		{"CapPrm", bit(capNetBindService)},
		{"CapEff", bit(capNetBindService)},
		{"CapAmb", bit(capNetBindService)},
	} {
		if got := capLine(t, status, want.field); got != want.mask {
			t.Errorf("%s = %016x, want %016x", want.field, got, want.mask)
		}
	}
}

// TestProcessDefaultCapabilities: root gets exactly runc's three defaults.
func TestProcessDefaultCapabilities(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/self/status")
	status := c.output()
	want := uint64(1<<capAuditWrite | 1<<capKill | 1<<capNetBindService)
	for _, f := range []string{"CapBnd", "CapPrm", "CapEff"} {
		if got := capLine(t, status, f); got != want {
			t.Errorf("%s = %016x, want %016x", f, got, want)
		}
	}
}

// TestProcessRlimits sets RLIMIT_NOFILE below the host's hard limit (root
// here lacks CAP_SYS_RESOURCE and cannot raise it).
func TestProcessRlimits(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "grep 'Max open files' /proc/self/limits")
	c.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 256, Hard: 512}}
	c.writeSpec()
	if f := strings.Fields(c.output()); len(f) < 5 || f[3] != "256" || f[4] != "512" {
		t.Fatalf("Max open files = %v, want 256 512", f)
	}
}

func TestProcessNoNewPrivileges(t *testing.T) {
	for nnp, want := range map[bool]string{true: "1", false: "0"} {
		t.Run(fmt.Sprint(nnp), func(t *testing.T) {
			e := setup(t)
			c := e.newContainer("cat", "/proc/self/status")
			c.spec.Process.NoNewPrivileges = nnp
			c.writeSpec()
			if got := statusField(t, c.output(), "NoNewPrivs"); got != want {
				t.Errorf("noNewPrivileges %v: NoNewPrivs %s, want %s", nnp, got, want)
			}
		})
	}
}

func TestProcessOOMScoreAdj(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/self/oom_score_adj")
	adj := 500
	c.spec.Process.OOMScoreAdj = &adj
	c.writeSpec()
	if out := strings.TrimSpace(c.output()); out != "500" {
		t.Fatalf("oom_score_adj = %q, want 500", out)
	}
}

func TestHostnameDomainname(t *testing.T) {
	skipIfRunc(t, "runc 1.1 ignores domainname (runc 1.2 added it)")
	e := setup(t)
	c := e.newContainer("sh", "-c", "hostname; cat /proc/sys/kernel/domainname")
	c.spec.Hostname = "box"
	c.spec.Domainname = "example.org"
	c.writeSpec()
	if got := lines(c.output()); strings.Join(got, ",") != "box,example.org" {
		t.Fatalf("hostname, domainname = %q", got)
	}
}

func TestRootReadonly(t *testing.T) {
	e := setup(t)
	c := e.newContainer("touch", "/newfile")
	if _, errOut, code := c.runForeground(); code == 0 || !strings.Contains(errOut, "Read-only file system") {
		t.Fatalf("touch on a read-only root: exit %d, stderr %q", code, errOut)
	}
	c2 := e.newContainer("touch", "/newfile")
	c2.writable()
	c2.output()
	if _, err := readOptionalErr(c2.rootfs("newfile")); err != nil {
		t.Fatalf("touch on a writable root left no file: %v", err)
	}
}

func TestPersonality(t *testing.T) {
	skipIfRunc(t, "runc 1.1 ignores linux.personality (runc 1.2 added it)")
	e := setup(t)
	c := e.newContainer("uname", "-m")
	c.spec.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	c.writeSpec()
	if out := strings.TrimSpace(c.output()); out != "i686" {
		t.Fatalf("uname -m = %q, want i686", out)
	}
}
