// Package debian makes Debian images for tests with debootstrap, from the
// Debian mirror the machine's apt sources name: a root file system per
// image (--variant=minbase, apt's caches trimmed), written as a rootfs tar
// for `hull import`, with the Dockerfile-style changes that give it its
// config (CMD, EXPOSE, ENV), or as a docker-archive for `hull load`.
//
// debootstrap takes about half a minute to a minute per image here, mostly
// downloading and unpacking, so a Builder runs every image's debootstrap at
// once, in the background, and each image is made once per test binary.
// Setting HULL_TEST_DEBIAN_CACHE to a directory keeps the rootfs tars there
// across runs (a developer's shortcut; CI leaves it unset and builds fresh).
//
// debootstrap mounts /proc and /sys inside the tree while it works. Nothing
// here removes a tree without first unmounting whatever is mounted under it
// and checking that nothing is left, so a debootstrap that was killed
// half-way can never make a cleanup walk into the host's /proc or /dev.
package debian

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hull-project/hull/internal/archive"
	"github.com/hull-project/hull/internal/testutil/mounts"
)

// DefaultMirror is used when the apt sources name no Debian mirror.
const DefaultMirror = "http://deb.debian.org/debian"

// Image is one test image made with debootstrap.
type Image struct {
	// Name identifies the image in a Builder, e.g. "bookworm" or "nginx".
	Name string
	// Suite is the Debian release debootstrap installs, e.g. "bookworm".
	Suite string
	// Include are packages installed beside minbase's (debootstrap --include).
	Include []string
	// Cmd, Env and ExposedPorts ("80/tcp") are the image's config.
	Cmd          []string
	Env          []string
	ExposedPorts []string
	// Customize, when set, changes the tree after debootstrap, before it
	// is trimmed and written out.
	Customize func(rootfs string) error
}

// Path is the PATH Debian's official images set.
const Path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Release is a plain Debian release: minbase and bash.
func Release(suite string) Image {
	return Image{Name: suite, Suite: suite, Cmd: []string{"bash"}, Env: []string{Path}}
}

// Nginx is Debian's nginx (the nginx package of suite) on minbase, run in
// the foreground as the official image runs it, its logs sent to the
// container's stdout and stderr, port 80 exposed.
func Nginx(suite string) Image {
	return Image{
		Name: "nginx", Suite: suite, Include: []string{"nginx"},
		Cmd: []string{"nginx", "-g", "daemon off;"}, Env: []string{Path}, ExposedPorts: []string{"80/tcp"},
		Customize: func(rootfs string) error {
			logs := filepath.Join(rootfs, "var/log/nginx")
			for name, target := range map[string]string{"access.log": "/dev/stdout", "error.log": "/dev/stderr"} {
				os.Remove(filepath.Join(logs, name))
				if err := os.Symlink(target, filepath.Join(logs, name)); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// Changes are the Dockerfile instructions (`hull import -c`) that give an
// imported rootfs img's config.
func (img Image) Changes() []string {
	var out []string
	for _, e := range img.Env {
		k, v, _ := strings.Cut(e, "=")
		out = append(out, fmt.Sprintf("ENV %s=%s", k, v))
	}
	if len(img.ExposedPorts) > 0 {
		out = append(out, "EXPOSE "+strings.Join(img.ExposedPorts, " "))
	}
	if len(img.Cmd) > 0 {
		cmd, _ := json.Marshal(img.Cmd)
		out = append(out, "CMD "+string(cmd))
	}
	return out
}

// key names what a build of img from mirror produces, for the cache.
func (img Image) key(mirror string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{mirror, img.Suite, strings.Join(img.Include, ",")}, "\n")))
	return fmt.Sprintf("%s-%s-%s", img.Name, img.Suite, hex.EncodeToString(sum[:6]))
}

// Mirror returns the Debian archive the machine's apt sources name (the
// first "deb" source of a Debian release that is not the security archive),
// or DefaultMirror when there is none.
func Mirror() string {
	var files []string
	files = append(files, "/etc/apt/sources.list")
	more, _ := filepath.Glob("/etc/apt/sources.list.d/*.list")
	files = append(files, more...)
	more, _ = filepath.Glob("/etc/apt/sources.list.d/*.sources")
	files = append(files, more...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var uris []string
		if strings.HasSuffix(f, ".sources") {
			uris = deb822URIs(string(data))
		} else {
			uris = oneLineURIs(string(data))
		}
		for _, u := range uris {
			if isDebianArchive(u) {
				return strings.TrimRight(u, "/")
			}
		}
	}
	return DefaultMirror
}

func isDebianArchive(uri string) bool {
	return (strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://")) &&
		strings.HasSuffix(strings.TrimRight(uri, "/"), "/debian")
}

// oneLineURIs reads "deb [opts] URI suite components" lines.
func oneLineURIs(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		i := 1
		if strings.HasPrefix(f[i], "[") {
			for i < len(f) && !strings.HasSuffix(f[i], "]") {
				i++
			}
			i++
		}
		if i+1 < len(f) && !strings.HasSuffix(f[i+1], "-security") {
			out = append(out, f[i])
		}
	}
	return out
}

// deb822URIs reads the URIs of the enabled "Types: deb" stanzas.
func deb822URIs(s string) []string {
	var out []string
	for _, stanza := range strings.Split(s, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if !strings.Contains(" "+fields["types"]+" ", " deb ") || strings.EqualFold(fields["enabled"], "no") {
			continue
		}
		if strings.Contains(fields["suites"], "-security") {
			continue
		}
		out = append(out, strings.Fields(fields["uris"])...)
	}
	return out
}

// SuiteAvailable reports whether mirror serves suite (its Release file).
func SuiteAvailable(mirror, suite string) bool {
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Head(mirror + "/dists/" + suite + "/Release")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Bootstrap runs debootstrap --variant=minbase for img into dir (which
// must not exist or be empty), runs img.Customize and trims the tree as
// Debian's official images are trimmed: no apt caches or lists, an empty
// /dev, no host name or resolver of the build machine.
func Bootstrap(ctx context.Context, img Image, mirror, dir string, log io.Writer) error {
	args := []string{"--variant=minbase"}
	if len(img.Include) > 0 {
		args = append(args, "--include="+strings.Join(img.Include, ","))
	}
	args = append(args, img.Suite, dir, mirror)
	cmd := exec.Command("debootstrap", args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so a cancel ends dpkg and the rest with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("debootstrap: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		err = ctx.Err()
	}
	if uerr := mounts.UnmountUnder(dir); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("debootstrap %s: %w", strings.Join(args, " "), err)
	}
	if img.Customize != nil {
		if err := img.Customize(dir); err != nil {
			return fmt.Errorf("customize %s: %w", img.Name, err)
		}
	}
	return trim(dir)
}

// trim empties what a Debian image does not ship. It refuses to touch a
// tree with anything mounted under it.
func trim(dir string) error {
	if m := mounts.Under(dir); len(m) > 0 {
		return fmt.Errorf("refusing to trim %s: %s still mounted", dir, strings.Join(m, ", "))
	}
	for _, pattern := range []string{"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*", "dev/*", "var/log/*.log"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return err
			}
		}
	}
	for _, f := range []string{"etc/hostname", "etc/resolv.conf"} {
		p := filepath.Join(dir, f)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteRootfsTar writes the tree under dir as a tar stream (what `hull
// import` takes).
func WriteRootfsTar(w io.Writer, dir string) error {
	return archive.WriteTree(w, dir, archive.WriteOptions{})
}

// RemoveTree removes dir after unmounting whatever is mounted under it; it
// removes nothing while a mount is left there.
func RemoveTree(dir string) error {
	if err := mounts.UnmountUnder(dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// Builder makes images once, all at once: Start begins every debootstrap
// in the background, RootfsTar waits for one image's tar.
type Builder struct {
	dir    string
	mirror string
	cache  string
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	builds map[string]*build
}

type build struct {
	img      Image
	done     chan struct{}
	tar      string
	err      error
	duration time.Duration
}

// NewBuilder returns a builder working under dir (a directory the caller
// owns and later removes with Close) from mirror.
func NewBuilder(dir, mirror string) *Builder {
	ctx, cancel := context.WithCancel(context.Background())
	return &Builder{dir: dir, mirror: mirror, cache: os.Getenv("HULL_TEST_DEBIAN_CACHE"),
		ctx: ctx, cancel: cancel, builds: map[string]*build{}}
}

// Mirror is the mirror the builder installs from.
func (b *Builder) Mirror() string { return b.mirror }

// Start begins building each image that is not already being built.
func (b *Builder) Start(imgs ...Image) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, img := range imgs {
		if _, ok := b.builds[img.Name]; ok {
			continue
		}
		bl := &build{img: img, done: make(chan struct{})}
		b.builds[img.Name] = bl
		go func() {
			start := time.Now()
			if b.ctx.Err() != nil {
				bl.err = b.ctx.Err()
			} else {
				bl.tar, bl.err = b.make(img)
			}
			bl.duration = time.Since(start)
			close(bl.done)
		}()
	}
}

// RootfsTar waits for the image named name (started with Start) and
// returns the path of its rootfs tar.
func (b *Builder) RootfsTar(name string) (string, error) {
	b.mu.Lock()
	bl, ok := b.builds[name]
	b.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("debian image %q was never started", name)
	}
	<-bl.done
	return bl.tar, bl.err
}

// Durations reports how long each finished build took.
func (b *Builder) Durations() map[string]time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]time.Duration{}
	for name, bl := range b.builds {
		select {
		case <-bl.done:
			out[name] = bl.duration
		default:
		}
	}
	return out
}

// Cancel stops the debootstraps still running; their images fail with
// context.Canceled. Finished images stay until Close.
func (b *Builder) Cancel() { b.cancel() }

// Close stops builds still running and removes the builder's trees (not
// the cache).
func (b *Builder) Close() error {
	b.cancel()
	b.mu.Lock()
	builds := make([]*build, 0, len(b.builds))
	for _, bl := range b.builds {
		builds = append(builds, bl)
	}
	b.mu.Unlock()
	for _, bl := range builds {
		<-bl.done
	}
	return RemoveTree(b.dir)
}

func (b *Builder) make(img Image) (string, error) {
	key := img.key(b.mirror)
	if b.cache != "" {
		cached := filepath.Join(b.cache, key+".tar")
		if _, err := os.Stat(cached); err == nil {
			return cached, nil
		}
	}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return "", err
	}
	rootfs := filepath.Join(b.dir, key)
	logPath := filepath.Join(b.dir, key+".log")
	log, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	err = Bootstrap(b.ctx, img, b.mirror, rootfs, log)
	log.Close()
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return "", fmt.Errorf("%w\n%s", err, tail)
	}
	tarPath := filepath.Join(b.dir, key+".tar")
	if b.cache != "" {
		if err := os.MkdirAll(b.cache, 0o755); err == nil {
			tarPath = filepath.Join(b.cache, key+".tar")
		}
	}
	if err := writeTarFile(tarPath, rootfs); err != nil {
		return "", err
	}
	// The tree is in the tar now; free the disk early.
	if err := RemoveTree(rootfs); err != nil {
		return "", err
	}
	return tarPath, nil
}

func writeTarFile(path, dir string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = WriteRootfsTar(f, dir)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ErrNoDebootstrap is returned by Check when debootstrap is not installed.
var ErrNoDebootstrap = errors.New("debootstrap is not installed (scripts/packages.txt lists it)")

// Check reports whether images can be made here: root, debootstrap.
func Check() error {
	if os.Geteuid() != 0 {
		return errors.New("debootstrap needs root")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return ErrNoDebootstrap
	}
	return nil
}
