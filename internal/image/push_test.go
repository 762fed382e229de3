package image

import (
	"context"
	"testing"
)

func TestPushThenPull(t *testing.T) {
	host := newRegistry(t, nil)
	src := newTestStore(t)
	img := importTest(t, src, host+"/app:v1", map[string]string{"bin/app": "#!/bin/sh\n"})
	var statuses []string
	res, err := src.Push(context.Background(), mustParse(t, host+"/app:v1"), func(p Progress) { statuses = append(statuses, p.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != img.Manifest.Digest.String() || statuses[len(statuses)-1] != "Pushed" {
		t.Fatalf("push = %+v, statuses %v", res, statuses)
	}
	statuses = nil
	if _, err := src.Push(context.Background(), mustParse(t, host+"/app:v1"), func(p Progress) { statuses = append(statuses, p.Status) }); err != nil {
		t.Fatal(err)
	}
	if statuses[len(statuses)-1] != "Layer already exists" {
		t.Fatalf("second push statuses %v", statuses)
	}
	dst := newTestStore(t)
	pulled, err := pull(t, dst, host+"/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if pulled.Image.ID != img.ID || pulled.Digest != res.Digest {
		t.Fatalf("pulled %s@%s, pushed %s@%s", pulled.Image.ID, pulled.Digest, img.ID, res.Digest)
	}
	got, _ := src.Get(img.ID)
	if len(got.RepoDigests) != 1 {
		t.Fatalf("push did not record the repo digest: %v", got.RepoDigests)
	}
}
