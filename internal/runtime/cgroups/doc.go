// Package cgroups places a container's processes in a cgroup and applies its
// OCI resource limits, on the v1 hierarchies, the unified v2 hierarchy, or the
// hybrid layout (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified),
// chosen at run time from /proc/self/mountinfo.
//
// # Where a cgroup lives
//
// A Manager knows one directory per hierarchy: on v1 one per controller
// (co-mounted controllers share it, and systemd's named hierarchy
// "name=systemd" is joined too), on v2 one under the key "". The OCI
// cgroupsPath is placed on each hierarchy as runc's cgroupfs driver does: ""
// means "/<id>", an absolute path hangs under the mount point, a relative one
// under the caller's own cgroup (from /proc/self/cgroup). Paths climbing out
// with "..", and systemd's "slice:prefix:name", are refused.
//
// In the hybrid layout each controller is driven where it is mounted: v1 for
// the v1 controllers, the unified hierarchy for the few it holds (hugetlb on
// the development machines). Processes join every hierarchy, so the unified
// directory also sees all of them (Pids reads it).
//
// # Writing settings
//
// Files are written whole, one value per write(2), and never created: a
// setting whose file is missing fails with an error naming the OCI setting
// ("memory.swap: ..."), as does one whose controller is absent. Nil and zero
// values mean "not set"; the deprecated kernel memory limits are ignored.
// Resources are applied cpuset first, then cpu, memory, pids, blkio/io,
// hugetlb, network, rdma, devices, and the OCI "unified" map last, so it has
// the last word. Some pairs are ordered against the kernel's checks: v1
// memory and memory+swap limits go in whichever order keeps memsw >= limit,
// and a CFS period the kernel refuses before the new quota is retried after
// it. A new v1 cpuset copies its parent's CPUs and memory nodes; a new v2
// cgroup's ancestors get every available controller in
// cgroup.subtree_control.
//
// # Devices
//
// The OCI device rules are an ordered list in which a later rule overrides an
// earlier one. On v1 that is written literally: "a" to devices.deny, then
// each rule to devices.allow or devices.deny. On v2 there is no devices
// controller; the rules become an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, assembled by hand (devicefilter_linux.go),
// attached with BPF_F_ALLOW_MULTI beside the old one, which is then detached.
// The program judges each access bit asked for (r, w, m) on its own: the last
// rule naming that bit and matching the device decides, no rule means deny,
// and the request passes only if every bit does.
//
// Freeze and Thaw wait for the kernel to report the new state (v1
// freezer.state, v2 cgroup.events) and undo a freeze that does not complete.
package cgroups
