package bench

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// registryAddr starts Debian's docker-registry on a free 127.0.0.1 port,
// its storage under benchDir, once; it is stopped when the run ends. (A
// copy of test/imagetest's helper: benchmarks import nothing from tests.)
var registrySetup = onceFor(func(b *testing.B) (string, error) {
	if _, err := exec.LookPath("docker-registry"); err != nil {
		return "", fmt.Errorf("docker-registry is not installed (scripts/packages.txt lists it)")
	}
	dir := filepath.Join(benchDir(b), "registry")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n",
		filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return "", err
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return "", err
	}
	defer logf.Close()
	cmd := exec.Command("docker-registry", "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start docker-registry: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	atExit(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
	return "", fmt.Errorf("registry on %s did not answer /v2/\n%s", addr, log)
})

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
