package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capEff returns the container process's effective capability mask.
func capEff(t *testing.T, args ...string) string {
	t.Helper()
	out := mustHull(t, append(append([]string{"run", "--rm"}, args...), "busybox", "grep", "CapEff", "/proc/self/status")...)
	return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:"))
}

func TestCapabilities(t *testing.T) {
	// Docker's default set: chown dac_override fowner fsetid kill setgid
	// setuid setpcap net_bind_service net_raw sys_chroot mknod audit_write
	// setfcap.
	if got := capEff(t); got != "00000000a80425fb" {
		t.Errorf("default CapEff %s, want docker's 00000000a80425fb", got)
	}
	if got := capEff(t, "--cap-drop", "ALL"); got != "0000000000000000" {
		t.Errorf("--cap-drop ALL: CapEff %s", got)
	}
	if got := capEff(t, "--cap-drop", "ALL", "--cap-add", "NET_ADMIN"); got != "0000000000001000" {
		t.Errorf("--cap-add NET_ADMIN: CapEff %s", got)
	}
	if got := capEff(t, "--privileged"); got == "00000000a80425fb" || got == "0000000000000000" {
		t.Errorf("--privileged: CapEff %s, want every capability", got)
	}
}

func TestSeccompProfiles(t *testing.T) {
	if out := mustHull(t, "run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status"); !strings.Contains(out, "2") {
		t.Errorf("default: %q, want a seccomp filter (mode 2)", out)
	}
	if out := mustHull(t, "run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "^Seccomp:", "/proc/self/status"); !strings.Contains(out, "0") {
		t.Errorf("seccomp=unconfined: %q, want no filter", out)
	}
	profile := filepath.Join(t.TempDir(), "deny-mkdir.json")
	os.WriteFile(profile, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`), 0o644)
	r := hull(t, "run", "--rm", "--security-opt", "seccomp="+profile, "busybox", "mkdir", "/tmp/x")
	if r.code == 0 || !strings.Contains(r.stderr, "Function not implemented") {
		t.Errorf("profile denying mkdir: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := mustHull(t, "run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status"); !strings.Contains(out, "1") {
		t.Errorf("no-new-privileges: %q", out)
	}
}

func TestReadOnlyTmpfsAndLimits(t *testing.T) {
	if r := hull(t, "run", "--rm", "--read-only", "busybox", "touch", "/x"); r.code == 0 {
		t.Error("--read-only root was writable")
	}
	if out := mustHull(t, "run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c", "touch /scratch/x && echo ok"); out != "ok\n" {
		t.Errorf("--tmpfs on a read-only root: %q", out)
	}
	r := hull(t, "run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait")
	if !strings.Contains(r.stderr, "can't fork") && !strings.Contains(r.stderr, "Resource temporarily unavailable") {
		t.Errorf("--pids-limit 5 did not stop 8 children: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := mustHull(t, "run", "--rm", "--ulimit", "nofile=512:512", "busybox", "sh", "-c", "ulimit -n"); out != "512\n" {
		t.Errorf("--ulimit nofile=512: %q", out)
	}
}
