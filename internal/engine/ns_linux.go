package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/mountinfo"
)

// NamespaceTypes are the entries of /proc/<pid>/ns that `hull ns` compares,
// in the order it shows them.
var NamespaceTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"}

// ProcessView is the whole "a container is just a process" picture of one
// running container: its host pid, the runtime's state file, each of its
// namespaces beside the host's, its cgroups and its root file system.
type ProcessView struct {
	ID         string `json:"Id"`
	Name       string `json:"Name"`
	HostPid    int    `json:"HostPid"`
	MonitorPid int    `json:"MonitorPid"`
	// Command is the process's command line, from /proc/<pid>/cmdline.
	Command   []string `json:"Command"`
	StateFile string   `json:"StateFile"`
	// Reference is the process the namespaces are compared with: the
	// host's init (/proc/1) or, where the kernel refuses to show init's
	// namespaces (some VMs' init is protected), hull's own process.
	Reference     string          `json:"Reference"`
	ReferenceNote string          `json:"ReferenceNote,omitempty"`
	Namespaces    []NamespacePair `json:"Namespaces"`
	Cgroups       []CgroupLine    `json:"Cgroups"`
	// CgroupPaths are the runtime's cgroup directories on the host, by
	// controller ("" for the unified hierarchy), from its state file.
	CgroupPaths map[string]string `json:"CgroupPaths"`
	RootFS      RootFS            `json:"RootFS"`
}

// NamespacePair is one namespace type: the container's and the host's.
type NamespacePair struct {
	Type            string `json:"Type"`
	Container       string `json:"Container"` // readlink of /proc/<pid>/ns/<type>, e.g. "net:[4026532183]"
	ContainerInode  uint64 `json:"ContainerInode"`
	Host            string `json:"Host"`
	HostInode       uint64 `json:"HostInode"`
	Shared          bool   `json:"Shared"`
	ContainerPath   string `json:"ContainerPath"` // /proc/<pid>/ns/<type>
	ReferencePath   string `json:"ReferencePath"`
	ReferenceFailed string `json:"ReferenceError,omitempty"`
}

// CgroupLine is one line of /proc/<pid>/cgroup: hierarchy 0 with no
// controllers is the unified (v2) hierarchy.
type CgroupLine struct {
	Hierarchy   int      `json:"Hierarchy"`
	Controllers []string `json:"Controllers"`
	Path        string   `json:"Path"`
}

// RootFS is how the container's root is made: an overlay of the image's
// layers (top first) and the container's own upper dir.
type RootFS struct {
	Type      string   `json:"Type"`
	MergedDir string   `json:"MergedDir"`
	LowerDirs []string `json:"LowerDirs"`
	UpperDir  string   `json:"UpperDir"`
	WorkDir   string   `json:"WorkDir"`
	// Source says where this was read: the container's own mount table
	// (/proc/<pid>/mountinfo, its "/"), the host's, or hull's records.
	Source string `json:"Source"`
}

// ProcessView reads, from the kernel, what a running container is on the
// host. It fails with a conflict for a container that is not running.
func (e *Engine) ProcessView(ref string) (*ProcessView, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	notRunning := errdefs.Conflict(fmt.Sprintf("container %s is not running (%s): only a running container has a process whose namespaces can be shown", c.ID, c.State.Status))
	if !c.State.Running {
		return nil, notRunning
	}
	info := e.RuntimeInfo(c)
	if info.HostPid <= 0 {
		return nil, notRunning
	}
	v := &ProcessView{
		ID: c.ID, Name: c.Name, HostPid: info.HostPid, MonitorPid: info.MonitorPid,
		StateFile: info.StateFile, CgroupPaths: info.CgroupPaths,
	}
	if v.CgroupPaths == nil {
		v.CgroupPaths = map[string]string{}
	}
	procDir := fmt.Sprintf("/proc/%d", v.HostPid)
	if data, err := os.ReadFile(filepath.Join(procDir, "cmdline")); err == nil {
		v.Command = strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
	}
	v.Namespaces, v.Reference, v.ReferenceNote, err = compareNamespaces(procDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, notRunning
		}
		return nil, err
	}
	if f, err := os.Open(filepath.Join(procDir, "cgroup")); err == nil {
		v.Cgroups, err = parseProcCgroup(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	v.RootFS = e.rootFS(c, procDir)
	return v, nil
}

// compareNamespaces reads the namespaces of the process at procDir and of
// the host's init beside them. Where init's links cannot be read, hull's
// own process is the reference, and note says so.
func compareNamespaces(procDir string) (pairs []NamespacePair, reference, note string, err error) {
	reference = "/proc/1"
	if _, err := os.Readlink("/proc/1/ns/mnt"); err != nil {
		reference = fmt.Sprintf("/proc/%d", os.Getpid())
		note = fmt.Sprintf("the host's init (pid 1) does not let its namespaces be read here (%v); compared with hull's own process, pid %d, instead",
			errors.Unwrap(err), os.Getpid())
	}
	for _, typ := range NamespaceTypes {
		p := NamespacePair{
			Type:          typ,
			ContainerPath: filepath.Join(procDir, "ns", typ),
			ReferencePath: filepath.Join(reference, "ns", typ),
		}
		link, err := os.Readlink(p.ContainerPath)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				if _, serr := os.Stat(procDir); serr != nil {
					return nil, "", "", os.ErrNotExist // the process is gone
				}
				continue // this kernel has no such namespace type
			}
			return nil, "", "", fmt.Errorf("read %s: %w", p.ContainerPath, err)
		}
		p.Container, p.ContainerInode = link, nsInode(link, p.ContainerPath)
		if host, err := os.Readlink(p.ReferencePath); err == nil {
			p.Host, p.HostInode = host, nsInode(host, p.ReferencePath)
			p.Shared = p.HostInode == p.ContainerInode && p.HostInode != 0
		} else {
			p.ReferenceFailed = err.Error()
		}
		pairs = append(pairs, p)
	}
	return pairs, reference, note, nil
}

// nsInode is the inode in a namespace link ("net:[4026532183]"), or the
// inode stat finds at path.
func nsInode(link, path string) uint64 {
	if i := strings.LastIndexByte(link, '['); i >= 0 && strings.HasSuffix(link, "]") {
		if n, err := strconv.ParseUint(link[i+1:len(link)-1], 10, 64); err == nil {
			return n
		}
	}
	var st syscall.Stat_t
	if syscall.Stat(path, &st) == nil {
		return st.Ino
	}
	return 0
}

// parseProcCgroup reads /proc/<pid>/cgroup: "hierarchy:controllers:path".
func parseProcCgroup(r io.Reader) ([]CgroupLine, error) {
	var out []CgroupLine
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("bad cgroup line %q", line)
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			return nil, fmt.Errorf("bad cgroup line %q", line)
		}
		cl := CgroupLine{Hierarchy: n, Path: f[2], Controllers: []string{}}
		if f[1] != "" {
			cl.Controllers = strings.Split(f[1], ",")
		}
		out = append(out, cl)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Hierarchy < out[j].Hierarchy })
	return out, sc.Err()
}

// rootFS finds the container's root: the "/" of its own mount table, then
// the host's mount at its merged dir, then hull's records of its snapshot.
func (e *Engine) rootFS(c *Container, procDir string) RootFS {
	gd := e.GraphDriverData(c)
	merged := gd["MergedDir"]
	var lowers []string
	if gd["LowerDir"] != "" {
		lowers = strings.Split(gd["LowerDir"], ":")
	}
	recorded := RootFS{Type: "overlay", MergedDir: merged, LowerDirs: lowers, UpperDir: gd["UpperDir"], WorkDir: gd["WorkDir"], Source: "hull's snapshot records"}
	try := []struct{ file, mountPoint string }{
		{filepath.Join(procDir, "mountinfo"), "/"},
		{"/proc/self/mountinfo", merged},
	}
	for _, t := range try {
		f, err := os.Open(t.file)
		if err != nil {
			continue
		}
		fs, ok := findMount(f, t.mountPoint)
		f.Close()
		if !ok {
			continue
		}
		fs.MergedDir, fs.Source = merged, t.file
		if t.mountPoint == "/" {
			fs.Source += `, the mount at the container's "/"`
		}
		// Long layer chains are mounted by short relative names (see
		// internal/snapshot); the records name them in full.
		for _, l := range fs.LowerDirs {
			if !filepath.IsAbs(l) {
				if len(lowers) == len(fs.LowerDirs) {
					fs.LowerDirs = lowers
				}
				break
			}
		}
		if fs.Type != "overlay" {
			fs.LowerDirs, fs.UpperDir, fs.WorkDir = recorded.LowerDirs, recorded.UpperDir, recorded.WorkDir
		}
		return fs
	}
	return recorded
}

// findMount returns the last mount at mountPoint in a mountinfo table (the
// one on top), with its overlay directories.
func findMount(r io.Reader, mountPoint string) (RootFS, bool) {
	var fs RootFS
	found := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+3 >= len(f) || mountinfo.Unescape(f[4]) != mountPoint {
			continue
		}
		fs, found = RootFS{Type: f[sep+1], LowerDirs: []string{}}, true
		for _, opt := range strings.Split(f[sep+3], ",") {
			key, val, _ := strings.Cut(opt, "=")
			val = mountinfo.Unescape(val)
			switch key {
			case "lowerdir":
				fs.LowerDirs = append(fs.LowerDirs, splitLowerdir(val)...)
			case "lowerdir+":
				fs.LowerDirs = append(fs.LowerDirs, val)
			case "upperdir":
				fs.UpperDir = val
			case "workdir":
				fs.WorkDir = val
			}
		}
	}
	return fs, found
}

// splitLowerdir splits overlay's lowerdir list on ":", honouring "\:"
// escapes; "::" separates data-only layers and is dropped.
func splitLowerdir(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case s[i] == ':':
			if cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
