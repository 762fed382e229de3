// hull's processes size themselves (GOMAXPROCS) by the machine, not by
// cgroup CPU limits: reading those costs every start a few files, and
// re-reading them every second would wake every idle container monitor.
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command hull is the Docker-compatible container engine.
package main

import (
	"fmt"
	"os"

	"github.com/hull-project/hull/internal/cli"
	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/runtime"
	_ "github.com/hull-project/hull/internal/runtime/nsenter"
)

func main() {
	phase.Mark("hull: main")

	// hull runs containers with its built-in runtime, which re-executes
	// this binary as the container's init.
	if len(os.Args) > 1 && os.Args[1] == runtime.InitArg {
		runtime.Init()
	}
	if len(os.Args) > 1 && os.Args[1] == engine.MonitorArg {
		os.Exit(engine.RunMonitor(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "run" {
		// The container's monitor starts before the command line is read,
		// so that its own start up is over by the time the container exists.
		engine.WarmMonitor()
	}
	if err := cli.NewRoot().Execute(); err != nil {
		code, msg := cli.ExitCode(err)
		if msg != "" {
			fmt.Fprintln(os.Stderr, "hull:", msg)
		}
		os.Exit(code)
	}
}
