package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/network/link"
	"github.com/hull-project/hull/internal/network/nat"
	"github.com/hull-project/hull/internal/testutil/cgroups"
)

// A peer is one engine driven through its command line: hull, podman or
// docker, each with its own storage under benchDir so the host's engines,
// images and containers are never touched.
type peer struct {
	name   string
	bin    string
	global []string // flags before the command
	env    []string // added to the environment
	image  string   // the busybox image, as this peer names it
	// rmFlags removes running containers at once.
	rmFlags []string
	// isMonitor tells the peer's per-container process (hull-monitor,
	// conmon, containerd-shim-runc-v2) from anything else.
	isMonitor func(exe, cmdline string) bool
	dir       string
}

func (p *peer) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.bin, append(append([]string(nil), p.global...), args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	return cmd
}

// run runs one command and returns its standard output.
func (p *peer) run(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := p.command(args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %v\n%s%s", p.name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// load loads a docker-save archive and takes the name the peer gives the
// image from its "Loaded image: NAME" line.
func (p *peer) load(archive string) error {
	out, err := p.run("load", "-i", archive)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "Loaded image: "); ok {
			p.image = strings.TrimSpace(name)
			return nil
		}
	}
	return fmt.Errorf("%s load: no \"Loaded image:\" line in %q", p.name, out)
}

func requireRoot(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the engines need root")
	}
}

// peers returns hull and whichever of podman and docker can run here,
// logging why a missing one is left out. hull comes first.
func peers(b *testing.B) []*peer {
	requireRoot(b)
	out := []*peer{hullPeer(b)}
	for _, get := range []func(*testing.B) (*peer, error){podmanPeer, dockerPeer} {
		p, err := get(b)
		if err != nil {
			b.Logf("left out: %v", err)
			continue
		}
		out = append(out, p)
	}
	return out
}

func onceFor[T any](f func(*testing.B) (T, error)) func(*testing.B) (T, error) {
	var (
		once sync.Once
		val  T
		err  error
	)
	return func(b *testing.B) (T, error) {
		once.Do(func() { val, err = f(b) })
		return val, err
	}
}

// --- hull -----------------------------------------------------------------

var hullSetup = onceFor(func(b *testing.B) (*peer, error) {
	dir := filepath.Join(benchDir(b), "hull")
	bin := filepath.Join(dir, "bin")
	// $HULL_BENCH_BIN names a directory holding hull, hull-monitor and hull-runtime
	// (e.g. ../../bin after `make build`) to measure instead of building
	// this checkout.
	if given := os.Getenv("HULL_BENCH_BIN"); given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return nil, err
		}
		bin = abs
	}
	builds := [][]string{
		{"go", "build", "-trimpath", "-o", filepath.Join(bin, "hull"), "github.com/hull-project/hull/cmd/hull"},
		{"go", "build", "-trimpath", "-o", filepath.Join(bin, "hull-monitor"), "github.com/hull-project/hull/cmd/hull-monitor"},
		// Beside hull, hull-runtime is the small binary containers start from.
		{"go", "build", "-trimpath", "-o", filepath.Join(bin, "hull-runtime"), "github.com/hull-project/hull/cmd/hull-runtime"},
	}
	if os.Getenv("HULL_BENCH_BIN") != "" {
		builds = nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for i, args := range builds {
		cmd := exec.Command(args[0], args[1:]...)
		if i == 1 { // static, as `make build` makes it: it is also --init
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	monitor := filepath.Join(bin, "hull-monitor")
	// Its own bridge, subnet and nftables table: podman's default network
	// is 10.88.0.0/16 too, and both run side by side here.
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"bridge": "hullbench0", "bip": "10.204.0.1/16", "nftables-table": "hullbench"}`), 0o644); err != nil {
		return nil, err
	}
	atExit(func() {
		nat.Table{Name: "hullbench"}.Delete()
		link.DeleteBridge("hullbench0")
		cgroups.RemoveEmptyParents("hull")
	})
	p := &peer{
		name: "hull", bin: filepath.Join(bin, "hull"), dir: dir,
		env:     []string{"HULL_ROOT=" + filepath.Join(dir, "root"), "HULL_CONFIG=" + config},
		image:   "busybox:latest",
		rmFlags: []string{"rm", "-f"},
		isMonitor: func(exe, cmdline string) bool {
			return exe == monitor && strings.HasPrefix(cmdline, "hull-monitor")
		},
	}
	atExit(func() { removeAll(p) })
	if err := p.load(busyboxArchive(b)); err != nil {
		return nil, err
	}
	return p, nil
})

func hullPeer(b *testing.B) *peer {
	p, err := hullSetup(b)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// removeAll removes every container a peer still has.
func removeAll(p *peer) {
	out, err := p.run("ps", "-aq")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return
	}
	if ids := strings.Fields(out); len(ids) > 0 {
		if _, err := p.run(append(append([]string(nil), p.rmFlags...), ids...)...); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
	}
}

// --- podman ---------------------------------------------------------------

// podmanRuntime is the OCI runtime podman uses. crun, podman's default,
// refuses this machine's hybrid cgroup layout unless a v1 hugetlb hierarchy
// is mounted (see /work/shared/PEERS.md); the benchmark does not change the
// host's cgroup mounts, so podman runs with runc, as docker does.
const podmanRuntime = "runc"

var podmanSetup = onceFor(func(b *testing.B) (*peer, error) {
	for _, tool := range []string{"podman", "conmon", podmanRuntime} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("podman: %s is not installed (apt-get install -y podman runc; see test/bench/README.md)", tool)
		}
	}
	dir := filepath.Join(benchDir(b), "podman")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// Root lacks CAP_SYS_RESOURCE here: podman's default ulimits
	// (nofile=1048576) cannot be set, so use the hard limits we have.
	var nofile, nproc syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile)
	syscall.Getrlimit(6 /* RLIMIT_NPROC */, &nproc)
	pidMax := uint64(32768)
	if data, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil {
			pidMax = v
		}
	}
	conf := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=%d:%d", "nproc=%d:%d"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
`, nofile.Max, nofile.Max, min(nproc.Max, pidMax), min(nproc.Max, pidMax))
	if err := os.WriteFile(filepath.Join(dir, "containers.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	// The host's storage.conf is not read; flags override these defaults.
	storage := fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n",
		filepath.Join(dir, "store", "root"), filepath.Join(dir, "store", "run"))
	if err := os.WriteFile(filepath.Join(dir, "storage.conf"), []byte(storage), 0o600); err != nil {
		return nil, err
	}
	// No search registries: short names must never reach out.
	if err := os.WriteFile(filepath.Join(dir, "registries.conf"), []byte("unqualified-search-registries = []\nshort-name-mode = \"disabled\"\n"), 0o600); err != nil {
		return nil, err
	}
	before := cgroups.Existing("libpod_parent")
	// netavark's run directory, made even for --network none; removed
	// after if it was not there before and is left empty.
	var madeRunDirs []string
	for _, d := range []string{"/run/containers", "/run/containers/networks"} {
		if _, err := os.Stat(d); err != nil {
			madeRunDirs = append(madeRunDirs, d)
		}
	}
	// netavark's iptables-nft tables, made by the network benchmark's
	// bridge runs; removed after if the benchmark made them.
	tablesBefore := nftTables()
	p := newPodman(dir, filepath.Join(dir, "store"))
	atExit(func() {
		for table := range nftTables() {
			if !tablesBefore[table] && (table == "ip nat" || table == "ip filter" || table == "ip6 nat" || table == "ip6 filter") {
				exec.Command("nft", "delete", "table", table).Run()
			}
		}
		removeAll(p)
		if _, err := p.run("rmi", "-af"); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		killUnder(dir)
		unmountUnder(dir)
		removeNewCgroups("libpod_parent", before)
		for i := len(madeRunDirs) - 1; i >= 0; i-- {
			os.Remove(madeRunDirs[i]) // only if empty
		}
	})
	if err := p.load(busyboxArchive(b)); err != nil {
		return nil, err
	}
	return p, nil
})

// newPodman is podman with its storage, run and temporary directories under
// store, and its configuration from confDir.
func newPodman(confDir, store string) *peer {
	return &peer{
		name: "podman", bin: "podman", dir: store,
		global: []string{
			"--root", filepath.Join(store, "root"),
			"--runroot", filepath.Join(store, "run"),
			"--tmpdir", filepath.Join(store, "tmp"),
			"--network-config-dir", filepath.Join(store, "net"),
			"--storage-driver", "overlay",
			"--runtime", podmanRuntime,
			"--cgroup-manager", "cgroupfs",
			"--events-backend", "file",
		},
		env: []string{
			"CONTAINERS_CONF=" + filepath.Join(confDir, "containers.conf"),
			"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(confDir, "registries.conf"),
			"CONTAINERS_STORAGE_CONF=" + filepath.Join(confDir, "storage.conf"),
		},
		image:   "docker.io/library/busybox:latest",
		rmFlags: []string{"rm", "-f", "-t", "0"},
		isMonitor: func(exe, cmdline string) bool {
			return filepath.Base(exe) == "conmon" && strings.Contains(cmdline, store+"/")
		},
	}
}

func podmanPeer(b *testing.B) (*peer, error) { return podmanSetup(b) }

// --- docker ---------------------------------------------------------------

var dockerSetup = onceFor(func(b *testing.B) (*peer, error) {
	for _, tool := range []string{"dockerd", "docker", "containerd", "containerd-shim-runc-v2", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("docker: %s is not installed (apt-get install -y docker.io containerd; see test/bench/README.md)", tool)
		}
	}
	dir := filepath.Join(benchDir(b), "docker")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "docker.sock")
	// Its own everything, and no change to the host's networking: no
	// bridge, no iptables rules, no forwarding or masquerading.
	conf := fmt.Sprintf(`{
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "insecure-registries": ["127.0.0.0/8"],
  "bridge": "none",
  "iptables": false,
  "ip-forward": false,
  "ip-masq": false,
  "userland-proxy": false,
  "data-root": %q,
  "exec-root": %q,
  "pidfile": %q,
  "hosts": [%q]
}
`, filepath.Join(dir, "data"), filepath.Join(dir, "exec"), filepath.Join(dir, "dockerd.pid"), "unix://"+sock)
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	before := cgroups.Existing("docker")
	daemon := exec.Command("dockerd", "--config-file", filepath.Join(dir, "daemon.json"))
	daemon.Stdout, daemon.Stderr = logf, logf
	// Its own process group: ^C reaches the benchmark, which stops dockerd
	// after its containers, not dockerd first.
	daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := daemon.Start(); err != nil {
		return nil, fmt.Errorf("start dockerd: %w", err)
	}
	exited := make(chan struct{})
	go func() { daemon.Wait(); close(exited) }()
	p := &peer{
		name: "docker", bin: "docker", dir: dir,
		env:     []string{"DOCKER_HOST=unix://" + sock, "DOCKER_CONFIG=" + filepath.Join(dir, "cli")},
		image:   "busybox:latest",
		rmFlags: []string{"rm", "-f"},
		isMonitor: func(exe, cmdline string) bool {
			return filepath.Base(exe) == "containerd-shim-runc-v2" && strings.Contains(cmdline, dir+"/")
		},
	}
	atExit(func() {
		removeAll(p)
		daemon.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			fmt.Fprintln(os.Stderr, "bench: dockerd did not stop in 30s; killing it")
			daemon.Process.Kill()
			<-exited
		}
		killUnder(dir) // its containerd, should it outlive dockerd
		unmountUnder(dir)
		removeNewCgroups("docker", before)
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := p.run("info"); err == nil {
			break
		} else if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			return nil, fmt.Errorf("dockerd did not answer in 60s: %v\n%s", err, log)
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			return nil, fmt.Errorf("dockerd exited: %v\n%s", daemon.ProcessState, log)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := p.load(busyboxArchive(b)); err != nil {
		return nil, err
	}
	return p, nil
})

func dockerPeer(b *testing.B) (*peer, error) { return dockerSetup(b) }

// --- processes --------------------------------------------------------------

type proc struct {
	pid     int
	exe     string
	cmdline string
}

func processes() []proc {
	entries, _ := os.ReadDir("/proc")
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		out = append(out, proc{pid: pid, exe: exe, cmdline: strings.TrimRight(strings.ReplaceAll(string(raw), "\x00", " "), " ")})
	}
	return out
}

// killUnder ends, by PID, the processes this benchmark started whose
// command line names a path under dir (a containerd, a shim or a conmon
// that outlived its engine). Nothing else is touched.
func killUnder(dir string) {
	self := os.Getpid()
	for _, p := range processes() {
		if p.pid != self && strings.Contains(p.cmdline, dir+"/") {
			fmt.Fprintf(os.Stderr, "bench: %d outlived its engine; killing it: %s\n", p.pid, p.cmdline)
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}

// nftTables lists the host's nftables tables ("ip nat", ...).
func nftTables() map[string]bool {
	out, _ := exec.Command("nft", "list", "tables").Output()
	tables := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "table "); ok {
			tables[name] = true
		}
	}
	return tables
}
