package cgroups

import (
	"reflect"
	"strings"
	"testing"
)

// hybridMountinfo is this project's development machines: v1 controllers,
// systemd's named hierarchy, and a cgroup2 mount holding hugetlb.
const hybridMountinfo = `22 1 252:1 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

// legacyMountinfo is a v1-only host with co-mounted controllers, optional
// fields, and a bind mount of the memory hierarchy that must be skipped.
const legacyMountinfo = `25 20 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory
31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:15 - cgroup cgroup rw,net_cls,net_prio
90 80 0:27 /docker/abc /mnt/memory rw,nosuid - cgroup cgroup rw,memory
`

const unifiedMountinfo = `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`

func TestLayout(t *testing.T) {
	tests := []struct {
		name      string
		mountinfo string
		want      Layout
		names     [][]string // per hierarchy; nil for cgroup2
		wantErr   bool
	}{
		{"hybrid", hybridMountinfo, Hybrid, [][]string{
			{"cpu"}, {"cpuacct"}, {"cpuset"}, {"memory"}, {"devices"}, {"freezer"}, {"blkio"}, {"pids"},
			{"name=systemd"}, nil,
		}, false},
		{"legacy", legacyMountinfo, Legacy, [][]string{
			{"name=systemd"}, {"cpu", "cpuacct"}, {"memory"}, {"net_cls", "net_prio"},
		}, false},
		{"unified", unifiedMountinfo, Unified, [][]string{nil}, false},
		{"none", "22 1 252:1 / / rw - ext4 /dev/vda rw\n", 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, err := parseMountinfo(strings.NewReader(tt.mountinfo))
			if err != nil {
				t.Fatal(err)
			}
			var names [][]string
			for _, h := range hs {
				names = append(names, h.names)
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("hierarchies = %v, want %v", names, tt.names)
			}
			got, err := (&host{hierarchies: hs}).layout()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("layout() = %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseMountinfoLine(t *testing.T) {
	line := `40 31 0:37 /a\040b /sys/fs/cgroup/with\040space rw - cgroup cgroup rw,name=systemd`
	h, ok, err := parseMountinfoLine(line)
	if err != nil || !ok {
		t.Fatalf("parse: %v %v", ok, err)
	}
	if h.root != "/a b" || h.mountpoint != "/sys/fs/cgroup/with space" {
		t.Errorf("root, mountpoint = %q, %q", h.root, h.mountpoint)
	}
	if _, _, err := parseMountinfoLine("garbage"); err == nil {
		t.Error("garbage line parsed")
	}
}

func TestParseSelfCgroup(t *testing.T) {
	in := "9:name=systemd:/\n4:memory:/process_api/b5\n2:cpu,cpuacct:/x\n0::/user.slice\n"
	got, err := parseSelfCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name=systemd": "/", "memory": "/process_api/b5", "cpu": "/x", "cpuacct": "/x", "": "/user.slice",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
