package rootfs

import (
	"reflect"
	"testing"
)

func TestParseMountinfo(t *testing.T) {
	in := "36 35 98:0 /mnt1 /mnt\\0402 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
	got, err := parseMountinfo([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []mountInfo{
		{root: "/mnt1", mountpoint: "/mnt 2", optional: []string{"master:1", "shared:2"}, fstype: "ext3", source: "/dev/root", superOpts: []string{"rw", "errors=continue"}},
		{root: "/", mountpoint: "/sys/fs/cgroup/unified", optional: []string{}, fstype: "cgroup2", source: "cgroup2", superOpts: []string{"rw", "nsdelegate"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseMountinfo =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := parseMountinfo([]byte("1 2 3\n")); err == nil {
		t.Fatal("malformed line accepted")
	}
}

func TestMountOf(t *testing.T) {
	mounts, err := parseMountinfo([]byte(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		"/tmp/x/rootfs":      "/",
		"/sys/fs/cgroupx":    "/sys",
		"/sys/fs/cgroup/cpu": "/sys/fs/cgroup",
		"/proc":              "/proc",
	} {
		mi, ok := mountOf(mounts, p)
		if !ok || mi.mountpoint != want {
			t.Errorf("mountOf(%s) = %s, want %s", p, mi.mountpoint, want)
		}
	}
	if mi, _ := mountOf(mounts, "/tmp"); !hasOptional(mi, "shared:") {
		t.Errorf("/ is shared in the fixture but hasOptional says no")
	}
}

func TestHierarchies(t *testing.T) {
	mounts, err := parseMountinfo([]byte(hybridMountinfo +
		"60 27 0:29 /user.slice /elsewhere/cpu rw - cgroup cgroup rw,cpu,cpuacct\n")) // not under /sys/fs/cgroup: ignored
	if err != nil {
		t.Fatal(err)
	}
	got := hierarchies(mounts, parseProcCgroup([]byte(hybridCgroup)))
	want := []hierarchy{
		{mountpoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: "cpu,cpuacct", own: "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1"},
		{mountpoint: "/sys/fs/cgroup/memory", controllers: "memory", own: "/sys/fs/cgroup/memory/user.slice/c1"},
		{mountpoint: "/sys/fs/cgroup/systemd", controllers: "name=systemd", own: "/sys/fs/cgroup/systemd/user.slice/c1"},
		{mountpoint: "/sys/fs/cgroup/unified", v2: true, own: "/sys/fs/cgroup/unified/user.slice/c1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("hierarchies =\n%+v\nwant\n%+v", got, want)
	}
	if unifiedOnly(got) {
		t.Error("hybrid host reported as unified")
	}
}

// A host whose hierarchies are mounted from a subtree (we run nested):
// the bind source is our cgroup relative to the mount's root.
func TestHierarchiesNested(t *testing.T) {
	mounts, err := parseMountinfo([]byte("31 23 0:28 /outer /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := hierarchies(mounts, parseProcCgroup([]byte("0::/outer/inner\n")))
	if len(got) != 1 || got[0].own != "/sys/fs/cgroup/inner" || !unifiedOnly(got) {
		t.Fatalf("hierarchies = %+v", got)
	}
	got = hierarchies(mounts, parseProcCgroup([]byte("0::/\n")))
	if len(got) != 1 || got[0].own != "/sys/fs/cgroup" {
		t.Fatalf("own cgroup outside the mount's root: %+v", got)
	}
}
