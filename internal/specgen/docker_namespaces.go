package specgen

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// withNamespaces starts from Docker's mount, network, uts, pid and ipc
// namespaces plus a private cgroup namespace (Docker's default on cgroup v2
// hosts; hull uses it on v1 hosts too), then shares the host's or joins a
// network namespace as the modes ask. There is no user namespace.
func withNamespaces(s *specs.Spec, rc *RunConfig, _ *SecurityOptions) error {
	if err := checkModes(rc); err != nil {
		return err
	}
	ns := s.Linux.Namespaces
	switch {
	case rc.NetworkMode == "host":
		ns = removeNamespace(ns, specs.NetworkNamespace)
	case strings.HasPrefix(rc.NetworkMode, "container:") && rc.NetNSPath == "":
		return fmt.Errorf("network mode %s: no network namespace path to join", rc.NetworkMode)
	case rc.NetNSPath != "":
		ns = setNamespacePath(ns, specs.NetworkNamespace, rc.NetNSPath)
	}
	if rc.IPCMode == "host" {
		ns = removeNamespace(ns, specs.IPCNamespace)
	}
	if rc.PIDMode == "host" {
		ns = removeNamespace(ns, specs.PIDNamespace)
	}
	if rc.UTSMode == "host" {
		ns = removeNamespace(ns, specs.UTSNamespace)
		rc.Hostname = ""
		s.Hostname = ""
	}
	s.Linux.Namespaces = ns
	return nil
}

// checkModes refuses pid, ipc and uts modes hull cannot honour.
func checkModes(rc *RunConfig) error {
	valid := map[string][]string{
		"PID": {"", "host", "private"},
		"IPC": {"", "host", "private", "shareable", "none"},
		"UTS": {"", "host", "private"},
	}
	for kind, mode := range map[string]string{"PID": rc.PIDMode, "IPC": rc.IPCMode, "UTS": rc.UTSMode} {
		if !slices.Contains(valid[kind], mode) {
			return fmt.Errorf("invalid %s mode: %s", kind, mode)
		}
	}
	return nil
}

// ownNetwork reports whether a container in mode gets a network namespace
// of its own (moby's NetworkMode.IsPrivate).
func ownNetwork(mode string) bool {
	return mode != "host" && !strings.HasPrefix(mode, "container:")
}

func removeNamespace(list []specs.LinuxNamespace, t specs.LinuxNamespaceType) []specs.LinuxNamespace {
	return slices.DeleteFunc(list, func(n specs.LinuxNamespace) bool { return n.Type == t })
}

func setNamespacePath(list []specs.LinuxNamespace, t specs.LinuxNamespaceType, path string) []specs.LinuxNamespace {
	for i := range list {
		if list[i].Type == t {
			list[i].Path = path
		}
	}
	return list
}
