package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/runtime/cgroups"
	"github.com/hull-project/hull/internal/units"
)

func init() { register(newInfoCommand) }

func newInfoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Display system-wide information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			return printInfo(cmd.OutOrStdout(), eng)
		},
	}
}

func printInfo(w io.Writer, eng *engine.Engine) error {
	containers, err := eng.List()
	if err != nil {
		return err
	}
	images, err := eng.Images.List()
	if err != nil {
		return err
	}
	var running, paused, stopped int
	for _, c := range containers {
		switch {
		case c.State.Paused:
			paused++
		case c.State.Running:
			running++
		default:
			stopped++
		}
	}
	var uts unix.Utsname
	unix.Uname(&uts)
	host, _ := os.Hostname()
	fmt.Fprintf(w, "Client:\n Version:    %s\n Context:    default\n\n", Version)
	fmt.Fprintf(w, "Server:\n Containers: %d\n  Running: %d\n  Paused: %d\n  Stopped: %d\n Images: %d\n", len(containers), running, paused, stopped, len(images))
	fmt.Fprintf(w, " Server Version: %s\n Storage Driver: overlay2\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Cgroup Version: %s\n", Version, cgroupVersion())
	fmt.Fprintf(w, " Runtimes: hull (built in, in process)\n Default Runtime: %s\n", defaultRuntime())
	fmt.Fprintf(w, " Kernel Version: %s\n Operating System: %s\n OSType: linux\n Architecture: %s\n", unix.ByteSliceToString(uts.Release[:]), osName(), unix.ByteSliceToString(uts.Machine[:]))
	fmt.Fprintf(w, " CPUs: %d\n Total Memory: %s\n Name: %s\n Docker Root Dir: %s\n", goruntime.NumCPU(), units.BytesSize(float64(totalMemory())), host, eng.Root())
	return nil
}

func cgroupVersion() string {
	mode, err := cgroups.Mode()
	if err != nil {
		return "unknown"
	}
	switch mode {
	case cgroups.Unified:
		return "2"
	case cgroups.Hybrid:
		return "1 (hybrid: v1 controllers and a cgroup2 hierarchy)"
	}
	return "1"
}

func defaultRuntime() string {
	if config.Runtime != "" {
		return config.Runtime
	}
	return "hull"
}

func osName() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

func totalMemory() int64 {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
