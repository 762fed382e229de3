package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/snapshot"
	"github.com/hull-project/hull/internal/specgen"
)

func imageConfig(entrypoint, cmd, env []string, workdir, user string, ports map[string]struct{}, labels map[string]string, stopSignal string) specgen.ImageConfig {
	return specgen.ImageConfig{
		Entrypoint: entrypoint, Cmd: cmd, Env: env, WorkingDir: workdir, User: user,
		ExposedPorts: ports, Labels: labels, StopSignal: stopSignal,
	}
}

// mountRootfs mounts the container's overlay root, then resolves the
// container's user against the image's /etc/passwd now that it is there.
// It returns the bundle's config as it wrote it.
func (m *monitor) mountRootfs(c *Container) (*specs.Spec, error) {
	mounts, err := m.eng.snapshots.Mounts(m.id)
	if err != nil {
		return nil, fmt.Errorf("root file system: %w", err)
	}
	target := filepath.Join(m.dir, "rootfs")
	apply := snapshot.Apply
	if c.Host.AutoRemove {
		apply = snapshot.ApplyVolatile
	}
	if err := apply(mounts, target); err != nil {
		return nil, fmt.Errorf("mount root file system: %w", err)
	}
	spec, err := resolveBundleUser(filepath.Join(m.dir, "bundle", "config.json"), target, c.Config.User)
	if err != nil {
		m.unmountRootfs()
		return nil, err
	}
	if err := m.eng.copyUpVolumes(c, target); err != nil {
		m.unmountRootfs()
		return nil, err
	}
	return spec, nil
}

func (m *monitor) unmountRootfs() {
	snapshot.Unmount(filepath.Join(m.dir, "rootfs"))
}

// resolveBundleUser writes the uid, gid and groups of user (a name or
// number, as --user and the image's User give it) into the bundle, and
// returns the bundle's config.
func resolveBundleUser(configPath, rootfs, user string) (*specs.Spec, error) {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return nil, err
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, err
	}
	u, home, err := specgen.ResolveUser(rootfs, user)
	if err != nil {
		return nil, fmt.Errorf("unable to find user %s: %w", user, err)
	}
	specgen.SetUser(&spec, u)
	if !hasEnv(spec.Process.Env, "HOME") && home != "" {
		spec.Process.Env = append(spec.Process.Env, "HOME="+home)
	}
	out, err := json.Marshal(&spec)
	if err != nil {
		return nil, err
	}
	return &spec, os.WriteFile(configPath, out, 0o600)
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if len(kv) > len(key) && kv[:len(key)+1] == key+"=" {
			return true
		}
	}
	return false
}

// bringUpLoopback sets "lo" up in the network namespace of pid, as docker's
// none network has it.
func bringUpLoopback(pid int) error {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(self)
	target, err := unix.Open(fmt.Sprintf("/proc/%d/ns/net", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("enter network namespace: %w", err)
	}
	defer unix.Setns(self, unix.CLONE_NEWNET)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
