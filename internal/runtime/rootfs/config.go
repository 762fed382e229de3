package rootfs

import specs "github.com/opencontainers/runtime-spec/specs-go"

// Config says how to build one container's root file system. It is the
// runtime's validated view of the OCI spec's root, mounts and linux sections.
type Config struct {
	Rootfs            string              // absolute host path of the root (bundle's root.path resolved)
	Readonly          bool                // root.readonly
	Mounts            []specs.Mount       // in order, OCI form
	Devices           []specs.LinuxDevice // extra devices from linux.devices
	RootfsPropagation string              // "", shared, slave, private, unbindable, or an r-prefixed (recursive) one
	MaskedPaths       []string
	ReadonlyPaths     []string
	NoPivot           bool
	UserNS            bool   // new user namespace: no mknod, devices are bind-mounted from the host
	CgroupNS          bool   // own cgroup namespace: cgroup file systems are mounted fresh
	NetNS             bool   // own network namespace: sysfs can be mounted fresh
	MountLabel        string // SELinux mount label; accepted and ignored
}
