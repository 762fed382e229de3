// hull's processes size themselves (GOMAXPROCS) by the machine, not by
// cgroup CPU limits: reading those costs every start a few files, and
// re-reading them every second would wake every idle container monitor.
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command hull-monitor holds a running container for hull: its stdio, its
// log, its attach clients, its exit. Run as docker-init it is also the
// small init of `hull run --init`. hull starts it by execve, handing
// over descriptors (see internal/monitor); it is small so that each
// running container costs the host little.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/monitor"
)

func main() {
	if filepath.Base(os.Args[0]) == "docker-init" {
		os.Exit(runInit(os.Args[1:]))
	}
	ho, err := monitor.ReadHandoff()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull-monitor:", err)
		os.Exit(2)
	}
	hub, err := monitor.Import(ho)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull-monitor:", err)
		os.Exit(1)
	}
	hub.Resume(ho)
	st := hub.Hold(ho.Pid)
	next, err := hub.Export(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull-monitor:", err)
		os.Exit(1)
	}
	next.Exit, next.Return = &st, ho.Return
	env := append(os.Environ(), next.Encode())
	err = unix.Exec(ho.Return[0], ho.Return, env)
	fmt.Fprintln(os.Stderr, "hull-monitor: return to hull:", err)
	os.Exit(1)
}
