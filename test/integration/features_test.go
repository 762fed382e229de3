package integration

import (
	"encoding/json"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go/features"
)

func TestFeatures(t *testing.T) {
	setup(t)
	out := mustRun(t, "features")
	var f features.Features
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("features: %v\n%s", err, out)
	}
	if f.OCIVersionMin == "" || f.OCIVersionMax == "" {
		t.Errorf("features: ociVersionMin %q, ociVersionMax %q", f.OCIVersionMin, f.OCIVersionMax)
	}
	for _, h := range []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"} {
		if !contains(f.Hooks, h) {
			t.Errorf("features: hooks lack %s: %v", h, f.Hooks)
		}
	}
	for _, o := range []string{"ro", "rw", "bind", "rbind", "nosuid", "nodev", "noexec", "rprivate", "rslave", "rshared"} {
		if !contains(f.MountOptions, o) {
			t.Errorf("features: mountOptions lack %s", o)
		}
	}
	if f.Linux == nil {
		t.Fatalf("features: no linux section:\n%s", out)
	}
	namespaces := []string{"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"}
	if isRunc {
		namespaces = namespaces[:7] // runc 1.1 has no time namespace (1.2 added it)
	}
	for _, ns := range namespaces {
		if !contains(f.Linux.Namespaces, ns) {
			t.Errorf("features: linux.namespaces lack %s: %v", ns, f.Linux.Namespaces)
		}
	}
	if !contains(f.Linux.Capabilities, "CAP_SYS_ADMIN") || !contains(f.Linux.Capabilities, "CAP_NET_BIND_SERVICE") {
		t.Errorf("features: linux.capabilities = %v", f.Linux.Capabilities)
	}
	if c := f.Linux.Cgroup; c == nil || c.V1 == nil || !*c.V1 || c.V2 == nil || !*c.V2 {
		t.Errorf("features: linux.cgroup = %+v, want v1 and v2", f.Linux.Cgroup)
	}
	if s := f.Linux.Seccomp; s == nil || s.Enabled == nil || !*s.Enabled ||
		!contains(s.Actions, "SCMP_ACT_ERRNO") || !contains(s.Archs, "SCMP_ARCH_X86_64") {
		t.Errorf("features: linux.seccomp = %+v", f.Linux.Seccomp)
	}
}
