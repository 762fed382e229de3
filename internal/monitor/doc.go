// Package monitor is the long-lived half of a container's monitor: while
// the container runs it holds the container's stdio (pipes or a pty),
// writes its log in docker's json-file format, serves attach and wait
// clients on a unix socket, and reaps the container's process.
//
// It is kept small on purpose. hull starts a container from the full hull
// binary (images, runtime, seccomp), then re-executes into the small
// hull-monitor binary, built from this package alone, handing over its
// descriptors; when the container exits, hull-monitor re-executes the full
// binary to record the exit, clean up and apply the restart policy. The
// process keeps one pid throughout, so it stays the container's parent
// (a child subreaper) and the pid hull records stays true. What a running
// container costs the host is what hull-monitor costs: its memory, not the
// full binary's.
package monitor
