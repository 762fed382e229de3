package e2e

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestExportHoldsImageAndChanges(t *testing.T) {
	t.Cleanup(func() { hull(t, "rm", "export-me") })
	// Not /etc/hostname: as in docker, it is a bind mount and busy.
	mustHull(t, "run", "--name", "export-me", "busybox", "sh", "-c", "echo changed > /root/new; rm /bin/cat")
	r := hull(t, "export", "export-me")
	if r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}
	files := map[string]string{}
	tr := tar.NewReader(bytes.NewReader([]byte(r.stdout)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = string(data)
	}
	if _, ok := files["bin/busybox"]; !ok {
		t.Error("export lacks the image's bin/busybox")
	}
	if files["root/new"] != "changed\n" {
		t.Errorf("export's root/new = %q, want the container's change", files["root/new"])
	}
	if _, ok := files["bin/cat"]; ok {
		t.Error("export still holds bin/cat, which the container deleted")
	}
}

func TestPsSize(t *testing.T) {
	mustHull(t, "run", "--name", "sized", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /big")
	defer hull(t, "rm", "sized")
	out := mustHull(t, "ps", "-a", "-s", "--filter", "name=sized")
	if !strings.Contains(out, "SIZE") || !strings.Contains(out, "100kB (virtual") {
		t.Fatalf("ps -s:\n%s", out)
	}
}
