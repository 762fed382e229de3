package specgen

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// withMounts builds the mount list as moby's WithMounts does: the default
// mounts (adjusted for the IPC and network modes), the init binary, then
// the user's mounts (network files, binds and volumes, tmpfs) sorted by
// depth, which replace default mounts at the same place. Then --read-only,
// --privileged and the security options change the flags.
func withMounts(s *specs.Spec, rc *RunConfig, sec *SecurityOptions) error {
	user, err := userMounts(rc)
	if err != nil {
		return err
	}
	mounts := keptMounts(s.Mounts, rc, user)
	if rc.Init && isPrivate(rc.PIDMode) {
		if !path.IsAbs(rc.InitPath) {
			return fmt.Errorf("--init: the init binary's host path %q is not absolute", rc.InitPath)
		}
		mounts = append(mounts, specs.Mount{Destination: InitInContainer, Type: "bind", Source: rc.InitPath, Options: []string{"bind", "ro"}})
	}
	if rc.ReadOnly {
		readOnlyMounts(mounts)
	}
	s.Mounts = append(mounts, user...)
	relax(s, rc, sec)
	return nil
}

// keptMounts returns the default mounts not replaced by a user mount,
// with /dev/shm sized or dropped and /sys bound from the host for a
// container in the host's network namespace.
func keptMounts(defaults []specs.Mount, rc *RunConfig, user []specs.Mount) []specs.Mount {
	replaced := map[string]bool{}
	for _, m := range user {
		replaced[m.Destination] = true
	}
	var out []specs.Mount
	for _, m := range defaults {
		if replaced[m.Destination] || (replaced["/dev"] && strings.HasPrefix(m.Destination, "/dev/")) {
			continue
		}
		switch {
		case m.Destination == "/dev/shm" && rc.IPCMode == "none":
			continue
		case m.Destination == "/dev/shm" && rc.IPCMode == "host":
			m = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind", "rprivate"}}
		case m.Destination == "/dev/shm":
			m.Options = append(m.Options, "size="+strconv.FormatInt(cmp.Or(rc.ShmSize, defaultShmSize), 10))
		case m.Destination == "/sys" && rc.NetworkMode == "host":
			m = specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
		}
		out = append(out, m)
	}
	return out
}

// userMounts returns the network files, rc.Mounts and the tmpfs mounts,
// sorted so that a parent is mounted before what is under it.
func userMounts(rc *RunConfig) ([]specs.Mount, error) {
	out := networkFileMounts(rc)
	out = append(out, rc.Mounts...)
	tmpfs, err := tmpfsMounts(rc.Tmpfs)
	if err != nil {
		return nil, err
	}
	out = append(out, tmpfs...)
	slices.SortStableFunc(out, func(a, b specs.Mount) int {
		return cmp.Compare(depth(a.Destination), depth(b.Destination))
	})
	return out, nil
}

func depth(p string) int { return len(strings.Split(path.Clean(p), "/")) }

// networkFileMounts binds the engine's resolv.conf, hostname and hosts
// files, read-only with --read-only, as moby's NetworkMounts does.
func networkFileMounts(rc *RunConfig) []specs.Mount {
	var out []specs.Mount
	for _, f := range []struct{ src, dst string }{
		{rc.ResolvConf, "/etc/resolv.conf"},
		{rc.HostnameFile, "/etc/hostname"},
		{rc.Hosts, "/etc/hosts"},
	} {
		if f.src == "" {
			continue
		}
		opts := []string{"rbind", "rprivate"}
		if rc.ReadOnly {
			opts = []string{"rbind", "ro", "rprivate"}
		}
		out = append(out, specs.Mount{Destination: f.dst, Type: "bind", Source: f.src, Options: opts})
	}
	return out
}

// tmpfsMounts turns --tmpfs into mounts with moby's defaults, "noexec",
// "nosuid", "nodev" and "rprivate", which the user's options override.
func tmpfsMounts(tmpfs map[string]string) ([]specs.Mount, error) {
	var out []specs.Mount
	for _, dst := range slices.Sorted(maps.Keys(tmpfs)) {
		if !path.IsAbs(dst) {
			return nil, fmt.Errorf("invalid --tmpfs %s: the mount point must be an absolute path", dst)
		}
		opts := []string{"noexec", "nosuid", "nodev", "rprivate"}
		if data := tmpfs[dst]; data != "" {
			opts = append(opts, strings.Split(data, ",")...)
		}
		merged, err := mergeTmpfsOptions(opts)
		if err != nil {
			return nil, fmt.Errorf("invalid --tmpfs %s: %w", dst, err)
		}
		out = append(out, specs.Mount{Destination: path.Clean(dst), Type: "tmpfs", Source: "tmpfs", Options: merged})
	}
	return out, nil
}

// readOnlyMounts adds "ro" to default mounts other than the ones a
// read-only container still writes (moby keeps /proc, /dev and its
// children writable).
func readOnlyMounts(mounts []specs.Mount) {
	for i, m := range mounts {
		switch m.Destination {
		case "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue":
			continue
		}
		if !slices.Contains(m.Options, "ro") {
			mounts[i].Options = append(m.Options, "ro")
		}
	}
}

// relax applies --privileged and the security options to mounts and
// paths: /sys and the cgroup mount writable, nothing masked.
func relax(s *specs.Spec, rc *RunConfig, sec *SecurityOptions) {
	for i := range s.Mounts {
		m := &s.Mounts[i]
		if (rc.Privileged && m.Destination == "/sys") || ((rc.Privileged || sec.WritableCgroups) && m.Type == "cgroup") {
			m.Options = slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "ro" })
		}
	}
	if rc.Privileged || sec.UnconfinedPaths {
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
	}
}
