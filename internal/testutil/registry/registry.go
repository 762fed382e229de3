// Package registry runs Debian's docker-registry on 127.0.0.1 for tests
// and benchmarks that push and pull images: one process per Start, its
// storage, config and log in the directory given, stopped with Stop.
package registry

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Binary is the registry Debian's docker-registry package installs.
const Binary = "docker-registry"

// ErrNotInstalled is what Start and Check return on a machine without
// docker-registry; its message is a test's skip reason.
var ErrNotInstalled = errors.New("docker-registry is not installed (scripts/packages.txt lists it)")

// Registry is a docker-registry process serving plain HTTP on Addr.
type Registry struct {
	Addr string // host:port, e.g. "127.0.0.1:40123"

	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
}

// Check returns ErrNotInstalled when docker-registry is not on PATH.
func Check() error {
	if _, err := exec.LookPath(Binary); err != nil {
		return ErrNotInstalled
	}
	return nil
}

// Start runs docker-registry on a free 127.0.0.1 port, with its storage
// in dir/data (deleting blobs and manifests allowed), its config in
// dir/config.yml and its output in dir/registry.log, and returns once it
// answers /v2/. The registry is in its own process group, so a Ctrl-C
// meant for the test binary leaves it to the binary's own cleanup, and it
// is killed if the test binary dies first.
func Start(dir string) (*Registry, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, err
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "registry.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(Binary, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	r := &Registry{Addr: addr, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(r.exited) }()
	if err := r.wait(20 * time.Second); err != nil {
		r.Stop()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return r, nil
}

// wait polls /v2/ until the registry answers 200.
func (r *Registry) wait(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + r.Addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.exited:
			return fmt.Errorf("docker-registry on %s exited: %v", r.Addr, r.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("docker-registry on %s did not answer /v2/", r.Addr)
}

// Stop ends the registry: SIGTERM, then SIGKILL after 5 seconds. It
// returns once the process is gone; calling it again does nothing.
func (r *Registry) Stop() {
	r.stopOnce.Do(func() {
		r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.exited:
		case <-time.After(5 * time.Second):
			r.cmd.Process.Kill()
			<-r.exited
		}
	})
}

// FreeAddr returns a 127.0.0.1 address with a port nothing listens on (at
// the moment it returns).
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
