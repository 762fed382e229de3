package snapshot

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hull-project/hull/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// Apply mounts ms onto target, in order, in the calling process's mount
// namespace. If one fails, those already made are undone.
func Apply(ms []Mount, target string) error {
	target, err := filepath.Abs(target)
	if err != nil {
		return fmt.Errorf("mount on %s: %w", target, err)
	}
	for i, m := range ms {
		if err := mountOne(m, target); err != nil {
			for ; i > 0; i-- {
				unix.Unmount(target, unix.MNT_DETACH)
			}
			return fmt.Errorf("mount %s on %s: %w", m.Type, target, err)
		}
	}
	return nil
}

// ApplyVolatile is Apply with overlays marked volatile: the overlay never
// syncs its upper layer, unmounting included, where otherwise an unmount
// syncs the whole file system that holds it. For a container that is
// deleted when it ends (run --rm), which nothing needs after a crash; an
// overlay that was volatile at a crash cannot be mounted again. Kernels
// before 5.10 refuse the option: it mounts without it then.
func ApplyVolatile(ms []Mount, target string) error {
	if err := Apply(volatile(ms), target); err == nil {
		return nil
	}
	return Apply(ms, target)
}

func mountOne(m Mount, target string) error {
	flags, data := parseOptions(m.Options)
	typ := m.Type
	if flags&unix.MS_BIND != 0 {
		typ = ""
	}
	do := func() error {
		if err := unix.Mount(m.Source, target, typ, flags&^unix.MS_RDONLY|bindReadOnly(flags), data); err != nil {
			return err
		}
		if flags&unix.MS_BIND != 0 && flags&unix.MS_RDONLY != 0 {
			// A bind mount only becomes read-only on a remount.
			return unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
		}
		return nil
	}
	if m.Chdir == "" {
		return do()
	}
	return inDir(m.Chdir, do)
}

// bindReadOnly keeps MS_RDONLY for non-bind mounts, which take it directly.
func bindReadOnly(flags uintptr) uintptr {
	if flags&unix.MS_BIND != 0 {
		return 0
	}
	return flags & unix.MS_RDONLY
}

// inDir runs fn on a thread of its own whose working directory is dir, so
// that relative paths in mount data resolve there without touching the
// process's working directory. The thread is thrown away afterwards.
func inDir(dir string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the goroutine exits with the thread locked, and
		// the Go runtime then ends the thread instead of reusing it.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare fs attributes: %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			errc <- fmt.Errorf("chdir %s: %w", dir, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// mountFlags are the options that are mount(2) flags, not mount data.
var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro":          {false, unix.MS_RDONLY},
	"rw":          {true, unix.MS_RDONLY},
	"bind":        {false, unix.MS_BIND},
	"rbind":       {false, unix.MS_BIND | unix.MS_REC},
	"nosuid":      {false, unix.MS_NOSUID},
	"suid":        {true, unix.MS_NOSUID},
	"nodev":       {false, unix.MS_NODEV},
	"dev":         {true, unix.MS_NODEV},
	"noexec":      {false, unix.MS_NOEXEC},
	"exec":        {true, unix.MS_NOEXEC},
	"noatime":     {false, unix.MS_NOATIME},
	"relatime":    {false, unix.MS_RELATIME},
	"nodiratime":  {false, unix.MS_NODIRATIME},
	"strictatime": {false, unix.MS_STRICTATIME},
}

// parseOptions splits mount options into flags and the data string.
func parseOptions(opts []string) (uintptr, string) {
	var flags uintptr
	var data []string
	for _, o := range opts {
		f, ok := mountFlags[o]
		switch {
		case !ok:
			data = append(data, o)
		case f.clear:
			flags &^= f.flag
		default:
			flags |= f.flag
		}
	}
	return flags, strings.Join(data, ",")
}

// Unmount undoes Apply on target: every mount stacked there is unmounted,
// lazily (MNT_DETACH) if busy. Nothing mounted is not an error.
func Unmount(target string) error {
	for {
		err := unix.Unmount(target, 0)
		if errors.Is(err, unix.EBUSY) {
			err = unix.Unmount(target, unix.MNT_DETACH)
		}
		switch {
		case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
			return nil
		case err != nil:
			return fmt.Errorf("unmount %s: %w", target, err)
		}
	}
}

// mountEntry is the part of a /proc/self/mountinfo line we look at.
type mountEntry struct {
	dev        string // major:minor
	root       string // path of the mount's root within its file system
	mountPoint string
	fsType     string
	superOpts  []string
}

// parseMountinfo reads /proc/<pid>/mountinfo lines.
func parseMountinfo(r io.Reader) ([]mountEntry, error) {
	var ms []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, s := range f {
			if s == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+4 {
			return nil, fmt.Errorf("bad mountinfo line %q", sc.Text())
		}
		ms = append(ms, mountEntry{
			dev: f[2], root: mountinfo.Unescape(f[3]), mountPoint: mountinfo.Unescape(f[4]),
			fsType: f[sep+1], superOpts: strings.Split(mountinfo.Unescape(f[sep+3]), ","),
		})
	}
	return ms, sc.Err()
}

// usesUpper reports whether m builds a root from the writable layer upper:
// an overlay with that upperdir, a bind mount of upper itself (dev is
// upper's major:minor), or anything mounted on merged.
func (m mountEntry) usesUpper(upper, dev, merged string) bool {
	if m.mountPoint == merged {
		return true
	}
	if m.fsType == "overlay" {
		for _, o := range m.superOpts {
			if o == "upperdir="+upper {
				return true
			}
		}
	}
	return m.dev == dev && m.root != "/" && strings.HasSuffix(upper, m.root)
}

// rootMounted looks in this mount namespace for a mount of a container's
// root and returns where it is mounted.
func rootMounted(upper, merged string) (string, bool, error) {
	var st unix.Stat_t
	if err := unix.Stat(upper, &st); err != nil {
		return "", false, fmt.Errorf("stat %s: %w", upper, err)
	}
	dev := fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false, fmt.Errorf("read mount table: %w", err)
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	if err != nil {
		return "", false, err
	}
	for _, m := range ms {
		if m.usesUpper(upper, dev, merged) {
			return m.mountPoint, true, nil
		}
	}
	return "", false, nil
}
