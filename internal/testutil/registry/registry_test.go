package registry

import (
	"errors"
	"net/http"
	"testing"
)

func TestStartStop(t *testing.T) {
	if err := Check(); err != nil {
		t.Skip(err)
	}
	r, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + r.Addr + "/v2/")
	if err != nil {
		r.Stop()
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/: %s", resp.Status)
	}
	r.Stop()
	r.Stop() // a second Stop does nothing
	if _, err := http.Get("http://" + r.Addr + "/v2/"); err == nil {
		t.Error("the registry still answers after Stop")
	}
}

func TestStartWithoutRegistry(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Start(t.TempDir()); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start without docker-registry on PATH: %v, want ErrNotInstalled", err)
	}
}
