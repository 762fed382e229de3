// Package runtime is hull's OCI runtime: it turns a bundle (config.json and
// a root file system) into an ordinary Linux process with its own
// namespaces, root and cgroup, and follows the OCI lifecycle (create,
// start, state, kill, delete) plus runc's exec, pause, resume and update.
// It knows nothing of images, names or networks.
//
// A container starts in four steps, each in its own place:
//
//  1. The caller (hull-runtime, or hull's monitor in process) validates the
//     spec, makes the cgroup and state directory, and re-executes a binary
//     that links this package (Runtime.InitBinary, or its own) from a
//     read-only clone of its mount (exe_linux.go), created inside its v2
//     cgroup (CLONE_INTO_CGROUP).
//  2. Before the Go runtime starts, nsenter.c joins the v1 cgroups (by
//     thread, which costs no RCU grace period: see cgroupJoin) and the
//     namespaces given by path, creates the new ones, and forks into the
//     new pid and time namespaces.
//  3. Init (init_linux.go) mounts the root inside the new mount namespace
//     (package rootfs), runs hooks, pivots, and sets the process up
//     (finalize_linux.go): limits, identity, capabilities, seccomp.
//  4. It blocks on exec.fifo until Start, then executes the program.
//
// The messages between these steps are drawn in sync.go. State lives in
// <root>/<id>/state.json, in the shape runc writes; a container's status is
// read from the kernel each time, never stored.
package runtime
