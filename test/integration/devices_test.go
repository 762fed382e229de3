package integration

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDevicesDefault(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c",
		"for d in null zero full random urandom tty ptmx; do stat -c '%n %F' /dev/$d; done; "+
			"test -d /dev/pts && test -d /dev/shm && echo dirs; echo hi > /dev/null && head -c 4 /dev/zero | wc -c")
	out := c.output()
	for _, d := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if !strings.Contains(out, "/dev/"+d+" character special file") {
			t.Errorf("/dev/%s is not a character device:\n%s", d, out)
		}
	}
	if !strings.Contains(out, "/dev/ptmx") || !strings.Contains(out, "dirs") || !strings.HasSuffix(strings.TrimSpace(out), "4") {
		t.Errorf("default devices:\n%s", out)
	}
}

func TestDevicesExtra(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "stat -c '%F %t %T %a %u %g' /dev/hullnull; echo hi > /dev/hullnull && echo writable")
	mode := os.FileMode(0o666)
	uid, gid := uint32(1000), uint32(1000)
	c.spec.Linux.Devices = []specs.LinuxDevice{{
		Path: "/dev/hullnull", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid,
	}}
	major, minor := int64(1), int64(3)
	c.spec.Linux.Resources.Devices = append(c.spec.Linux.Resources.Devices,
		specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "rwm"})
	c.writeSpec()
	if got := lines(c.output()); len(got) != 2 || got[0] != "character special file 1 3 666 1000 1000" || got[1] != "writable" {
		t.Fatalf("extra device: %q, want [character special file 1 3 666 1000 1000, writable]", got)
	}
}
