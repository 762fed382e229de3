package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
)

// manager is a container's cgroup: one directory per v1 hierarchy and/or
// one on the unified hierarchy.
type manager struct {
	v1 map[string]string // v1 controller or "name=systemd" -> cgroup dir
	v2 string            // cgroup dir on the unified hierarchy, "" without one
}

// manager places the cgroup path of container id on the hierarchies the
// layout uses: the v1 ones (Legacy), the unified one (Unified), or both.
func (h *host) manager(cgroupsPath, id string) (*manager, error) {
	p, err := cleanPath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	layout, err := h.layout()
	if err != nil {
		return nil, err
	}
	m := &manager{v1: map[string]string{}}
	for _, hy := range h.hierarchies {
		if !hy.unified && layout == Unified {
			continue // a named v1 hierarchy beside cgroup2 holds nothing of ours
		}
		dir, err := h.dir(hy, p)
		if err != nil {
			return nil, err
		}
		if hy.unified {
			m.v2 = dir
			continue
		}
		for _, n := range hy.names {
			m.v1[n] = dir
		}
	}
	return m, nil
}

func loadManager(paths map[string]string) (*manager, error) {
	if len(paths) == 0 {
		return nil, errdefs.InvalidArgument("no cgroup paths to load")
	}
	m := &manager{v1: map[string]string{}}
	for k, dir := range paths {
		if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir {
			return nil, errdefs.InvalidArgument(fmt.Sprintf("cgroup path %q of %q is not a clean absolute path", dir, k))
		}
		if k == "" {
			m.v2 = dir
		} else {
			m.v1[k] = dir
		}
	}
	return m, nil
}

// dirs lists the cgroup's distinct directories, v1 ones sorted, then v2.
func (m *manager) dirs() []string {
	ds := slices.Sorted(maps.Values(m.v1))
	ds = slices.Compact(ds)
	if m.v2 != "" {
		ds = append(ds, m.v2)
	}
	return ds
}

func (m *manager) Paths() map[string]string {
	p := maps.Clone(m.v1)
	if m.v2 != "" {
		p[""] = m.v2
	}
	return p
}

func (m *manager) ProcsFiles() []string {
	var fs []string
	for _, d := range m.dirs() {
		fs = append(fs, filepath.Join(d, "cgroup.procs"))
	}
	return fs
}

func (m *manager) Create(r *specs.LinuxResources) error {
	created, err := m.makeDirs()
	if err == nil {
		err = m.Set(r)
	}
	if err != nil {
		slices.Reverse(created)
		for _, d := range created {
			_ = rmdir(d)
		}
		return fmt.Errorf("create cgroup: %w", err)
	}
	return nil
}

// makeDirs makes the cgroup on every hierarchy and returns the directories
// it made, parents first.
func (m *manager) makeDirs() ([]string, error) {
	var created []string
	for _, d := range m.dirs() {
		var h treeHooks
		switch {
		case d == m.v2:
			h.before = enableControllers
		case d == m.v1["cpuset"]:
			h.after = inheritCpuset
		}
		made, err := makeTree(d, h)
		created = append(created, made...)
		if err != nil {
			return created, err
		}
	}
	return created, nil
}

func (m *manager) Apply(pid int) error {
	for _, f := range m.ProcsFiles() {
		if err := writeFile(filepath.Dir(f), filepath.Base(f), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("add pid %d to cgroup: %w", pid, err)
		}
	}
	return nil
}

func (m *manager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	for _, g := range resourceGroups {
		if !g.isSet(r) {
			continue
		}
		t, err := m.locate(g.ctl)
		if err != nil {
			return fmt.Errorf("%s: %w", g.setting, err)
		}
		set := g.v1
		if t.v2 {
			set = g.v2
		}
		if err := set(t.dir, r); err != nil {
			return err
		}
	}
	return m.setUnified(r.Unified)
}

// controller names a controller on each version; core marks what v2 does
// without a controller of that name (freezing, the device filter, cpu.stat).
type controller struct {
	v1, v2 string
	core   bool
}

// target is where a controller's files are.
type target struct {
	dir string
	v2  bool
}

// locate finds the directory driving ctl: the v1 hierarchy when it is
// mounted there, else the unified one when ctl is enabled in it.
func (m *manager) locate(ctl controller) (target, error) {
	if d, ok := m.v1[ctl.v1]; ok && ctl.v1 != "" {
		return target{dir: d}, nil
	}
	name := ctl.v1
	if m.v2 != "" {
		if ctl.core || (ctl.v2 != "" && m.v2Enabled(ctl.v2)) {
			return target{dir: m.v2, v2: true}, nil
		}
		if ctl.v2 == "" {
			why := "has no cgroup v2 counterpart"
			if len(m.v1) > 0 {
				why = "is not mounted and " + why
			}
			return target{}, fmt.Errorf("cgroup controller %s %s: %w", name, why, errdefs.ErrNotImplemented)
		}
		name = ctl.v2
	}
	return target{}, fmt.Errorf("cgroup controller %s is not available (%s): %w", name, m.where(), errdefs.ErrNotImplemented)
}

// where says where locate looked, for its errors.
func (m *manager) where() string {
	switch {
	case m.v2 == "":
		return "not mounted"
	case len(m.v1) == 0:
		return "not enabled in " + m.v2
	}
	return "neither mounted as v1 nor enabled in " + m.v2
}

// v2Enabled reports whether the v2 controller name is enabled for the cgroup.
func (m *manager) v2Enabled(name string) bool {
	s, err := readFile(m.v2, "cgroup.controllers")
	return err == nil && slices.Contains(strings.Fields(s), name)
}

// procsDir is the directory whose subtree holds all the cgroup's processes.
func (m *manager) procsDir() string {
	if m.v2 != "" {
		return m.v2
	}
	for _, c := range []string{"pids", "freezer", "memory", "cpu", "devices", systemdName} {
		if d, ok := m.v1[c]; ok {
			return d
		}
	}
	if ds := m.dirs(); len(ds) > 0 {
		return ds[0]
	}
	return ""
}

func (m *manager) Pids() ([]int, error) {
	var pids []int
	err := filepath.WalkDir(m.procsDir(), func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return ignoreGone(err)
		}
		s, err := readFile(dir, "cgroup.procs")
		if err != nil {
			return ignoreGone(err)
		}
		for _, f := range strings.Fields(s) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("parse %s: %w", filepath.Join(dir, "cgroup.procs"), err)
			}
			pids = append(pids, pid)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list cgroup pids: %w", err)
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// ignoreGone drops the error of a child cgroup that went away meanwhile.
func ignoreGone(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

var freezer = controller{v1: "freezer", core: true}

func (m *manager) Freeze() error {
	t, err := m.locate(freezer)
	if err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	if t.v2 {
		return freezeV2(t.dir, true)
	}
	return freezeV1(t.dir, frozen)
}

func (m *manager) Thaw() error {
	t, err := m.locate(freezer)
	if err != nil {
		return fmt.Errorf("thaw: %w", err)
	}
	if t.v2 {
		return freezeV2(t.dir, false)
	}
	return freezeV1(t.dir, thawed)
}

var memoryController = controller{v1: "memory", v2: "memory"}

func (m *manager) OOMKillCount() (uint64, error) {
	t, err := m.locate(memoryController)
	if err != nil {
		return 0, fmt.Errorf("oom kill count: %w", err)
	}
	file := "memory.oom_control"
	if t.v2 {
		file = "memory.events"
	}
	kv, err := readKeyValues(t.dir, file)
	if err != nil {
		return 0, err
	}
	n, ok := kv["oom_kill"]
	if !ok {
		return 0, fmt.Errorf("no oom_kill count in %s", filepath.Join(t.dir, file))
	}
	return n, nil
}

func (m *manager) Destroy() error {
	var errs []error
	for _, d := range m.dirs() {
		errs = append(errs, removeTree(d))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("destroy cgroup: %w", err)
	}
	return nil
}
