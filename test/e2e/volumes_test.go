package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBindAndNamedVolumes(t *testing.T) {
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "in"), []byte("from host\n"), 0o644)
	out := mustHull(t, "run", "--rm", "-v", host+":/data", "-v", "e2evol:/vol", "busybox",
		"sh", "-c", "cat /data/in; echo kept > /vol/file; echo out > /data/out")
	if out != "from host\n" {
		t.Fatalf("bind mount: container read %q", out)
	}
	if data, _ := os.ReadFile(filepath.Join(host, "out")); string(data) != "out\n" {
		t.Fatalf("bind mount: host sees %q", data)
	}
	if out := mustHull(t, "run", "--rm", "-v", "e2evol:/vol:ro", "busybox", "cat", "/vol/file"); out != "kept\n" {
		t.Fatalf("named volume did not keep its data: %q", out)
	}
	if r := hull(t, "run", "--rm", "-v", "e2evol:/vol:ro", "busybox", "touch", "/vol/x"); r.code == 0 {
		t.Fatal("a :ro volume was writable")
	}
	if !strings.Contains(mustHull(t, "volume", "ls"), "e2evol") {
		t.Fatal("volume ls does not list e2evol")
	}
	mustHull(t, "volume", "rm", "e2evol")
}

func TestAnonymousVolumeGoesWithRmV(t *testing.T) {
	id := strings.TrimSpace(mustHull(t, "create", "-v", "/scratch", "busybox", "true"))
	name := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", id))
	if len(name) != 64 {
		t.Fatalf("anonymous volume name %q", name)
	}
	mustHull(t, "rm", "-v", id)
	if strings.Contains(mustHull(t, "volume", "ls"), name) {
		t.Fatalf("rm -v left the anonymous volume %s", name)
	}
}

// TestNewVolumeHoldsTheImagesFiles: a volume mounted empty over a
// directory of the image starts with the image's files there, as in
// Docker; one that holds data keeps it.
func TestNewVolumeHoldsTheImagesFiles(t *testing.T) {
	t.Cleanup(func() { hull(t, "volume", "rm", "e2ecopy") })
	out := mustHull(t, "run", "--rm", "-v", "e2ecopy:/bin", "busybox", "sh", "-c", "ls -l /bin/sh; echo mine > /bin/mine")
	if !strings.Contains(out, "/bin/sh -> /bin/busybox") {
		t.Fatalf("the new volume over /bin lacks the image's /bin/sh symlink:\n%s", out)
	}
	if out := mustHull(t, "run", "--rm", "-v", "e2ecopy:/bin", "busybox", "cat", "/bin/mine"); out != "mine\n" {
		t.Fatalf("the volume did not keep its data: %q", out)
	}
	// --rm takes the container's anonymous volumes with it.
	before := mustHull(t, "volume", "ls", "-q")
	if out := mustHull(t, "run", "--rm", "-v", "/etc", "busybox", "cat", "/etc/group"); !strings.Contains(out, "root:") {
		t.Fatalf("anonymous volume over /etc: %q", out)
	}
	if after := mustHull(t, "volume", "ls", "-q"); after != before {
		t.Fatalf("run --rm left an anonymous volume:\nbefore %q\nafter %q", before, after)
	}
}
