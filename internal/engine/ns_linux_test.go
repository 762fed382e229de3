package engine

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseProcCgroup(t *testing.T) {
	in := "2:cpu,cpuacct:/hull/abc\n0::/hull/abc\n1:name=systemd:/hull/abc\n"
	got, err := parseProcCgroup(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []CgroupLine{
		{Hierarchy: 0, Controllers: []string{}, Path: "/hull/abc"},
		{Hierarchy: 1, Controllers: []string{"name=systemd"}, Path: "/hull/abc"},
		{Hierarchy: 2, Controllers: []string{"cpu", "cpuacct"}, Path: "/hull/abc"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Fatal("a bad line parsed")
	}
}

func TestFindMount(t *testing.T) {
	table := `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
101 22 0:60 / /run/c\0401/rootfs rw,relatime shared:50 - overlay overlay rw,lowerdir=/l/b\:x:/l/a,upperdir=/s/c1/upper,workdir=/s/c1/work,index=off
102 22 0:61 / /run/c2/rootfs rw - overlay overlay rw,lowerdir=0:1,upperdir=/s/c2/upper,workdir=/s/c2/work
`
	fs, ok := findMount(strings.NewReader(table), "/run/c 1/rootfs")
	if !ok {
		t.Fatal("mount not found")
	}
	want := RootFS{Type: "overlay", LowerDirs: []string{"/l/b:x", "/l/a"}, UpperDir: "/s/c1/upper", WorkDir: "/s/c1/work"}
	if !reflect.DeepEqual(fs, want) {
		t.Fatalf("got %+v\nwant %+v", fs, want)
	}
	fs, ok = findMount(strings.NewReader(table), "/")
	if !ok || fs.Type != "ext4" || len(fs.LowerDirs) != 0 {
		t.Fatalf("/ = %+v, %v", fs, ok)
	}
	if _, ok := findMount(strings.NewReader(table), "/nowhere"); ok {
		t.Fatal("found a mount that is not there")
	}
}

func TestSplitLowerdir(t *testing.T) {
	for in, want := range map[string][]string{
		"/a:/b":     {"/a", "/b"},
		`/a\:b:/c`:  {"/a:b", "/c"},
		"/a::/data": {"/a", "/data"},
		"0:1:2":     {"0", "1", "2"},
		"/only":     {"/only"},
	} {
		if got := splitLowerdir(in); !reflect.DeepEqual(got, want) {
			t.Errorf("splitLowerdir(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNsInode(t *testing.T) {
	if n := nsInode("net:[4026532183]", ""); n != 4026532183 {
		t.Fatalf("nsInode = %d", n)
	}
	link, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Skip(err)
	}
	if n := nsInode("not a link", "/proc/self/ns/net"); fmt.Sprintf("net:[%d]", n) != link {
		t.Fatalf("stat gave inode %d, the link says %s", n, link)
	}
}

// TestCompareNamespacesSelf compares this test's own process with the
// reference: the test runs in the host's namespaces, so none is its own.
func TestCompareNamespacesSelf(t *testing.T) {
	pairs, ref, note, err := compareNamespaces(fmt.Sprintf("/proc/%d", os.Getpid()))
	if err != nil {
		t.Skip(err) // e.g. /proc/self/ns unreadable in a sandbox
	}
	if ref != "/proc/1" && note == "" {
		t.Fatalf("reference %s without a note", ref)
	}
	if len(pairs) == 0 {
		t.Fatal("no namespaces")
	}
	for _, p := range pairs {
		if p.ReferenceFailed != "" {
			continue
		}
		if ref != "/proc/1" && !p.Shared {
			t.Errorf("%s: compared with itself, yet not shared: %+v", p.Type, p)
		}
		if p.ContainerInode == 0 {
			t.Errorf("%s: no inode", p.Type)
		}
	}
	if _, _, _, err := compareNamespaces("/proc/999999999"); !os.IsNotExist(err) {
		t.Fatalf("a gone process: %v, want not exist", err)
	}
}
