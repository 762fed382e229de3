package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/units"
)

func init() {
	register(newExportCommand)
	register(newTopCommand)
	register(newRenameCommand)
	register(newPortCommand)
	register(newAttachCommand)
	register(newStatsCommand)
	register(newContainerCommand)
}

func newExportCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] CONTAINER",
		Short: "Export a container's filesystem as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			} else if isTerminal(os.Stdout) {
				return fmt.Errorf("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			return eng.Export(args[0], w)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}

// newTopCommand lists the container's processes as docker top does, with
// one more column: each process's pid inside the container beside its
// host PID.
func newTopCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			procs, err := eng.Top(args[0])
			if err != nil {
				return err
			}
			return printTop(cmd.OutOrStdout(), procs, args[1:])
		},
	}
}

func printTop(w io.Writer, procs []engine.Process, psArgs []string) error {
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	header := strings.Fields(lines[0])
	pidCol := -1
	for i, h := range header {
		if h == "PID" {
			pidCol = i
		}
	}
	if pidCol < 0 {
		return fmt.Errorf("ps %s printed no PID column", strings.Join(psArgs, " "))
	}
	inContainer := map[string]int{}
	for _, p := range procs {
		inContainer[strconv.Itoa(p.HostPid)] = p.ContainerPid
	}
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER PID\t"+strings.Join(header, "\t"))
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) <= pidCol {
			continue
		}
		cpid, ok := inContainer[f[pidCol]]
		if !ok {
			continue
		}
		// The command may hold spaces: keep it whole as the last column.
		cols := append(f[:len(header)-1:len(header)-1], strings.Join(f[len(header)-1:], " "))
		fmt.Fprintf(tw, "%d\t%s\n", cpid, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

func newRenameCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Rename a container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			return eng.Rename(args[0], args[1])
		},
	}
}

func newPortCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List port mappings or a specific mapping for the container",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			c, err := eng.Get(args[0])
			if err != nil {
				return err
			}
			return printPorts(cmd.OutOrStdout(), c, args[1:])
		},
	}
}

func newAttachCommand() *cobra.Command {
	var noStdin bool
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			c, err := eng.Get(args[0])
			if err != nil {
				return err
			}
			if !c.State.Running {
				return fmt.Errorf("You cannot attach to a stopped container, start it first")
			}
			stdin := !noStdin && c.Config.OpenStdin
			att, err := eng.Attach(c.ID, engine.AttachOptions{Stdin: stdin, Stdout: true, Stderr: true})
			if err != nil {
				return err
			}
			defer att.Close()
			stream := newStreamer(att, c.Config.Tty, stdin)
			defer stream.restore()
			if detached := stream.run(cmd.OutOrStdout(), cmd.ErrOrStderr()); detached {
				return nil
			}
			st, err := eng.Wait(c.ID)
			if err != nil {
				return err
			}
			if st.ExitCode != 0 {
				return &exitCode{code: st.ExitCode}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noStdin, "no-stdin", false, "Do not attach STDIN")
	return cmd
}

func newStatsCommand() *cobra.Command {
	var noStream, all bool
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container(s) resource usage statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				list, err := eng.List()
				if err != nil {
					return err
				}
				for _, c := range list {
					if all || c.State.Running {
						args = append(args, c.ID)
					}
				}
			}
			return printStats(cmd.OutOrStdout(), eng, args)
		},
	}
	cmd.Flags().BoolVar(&noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Show all containers (default shows just running)")
	return cmd
}

// printStats samples every container twice, half a second apart, for the
// CPU share, as docker stats --no-stream does with its two samples.
func printStats(w io.Writer, eng *engine.Engine, refs []string) error {
	first := map[string]*engine.Stats{}
	for _, ref := range refs {
		st, err := eng.Stats(ref)
		if err != nil {
			return err
		}
		first[ref] = st
	}
	time.Sleep(500 * time.Millisecond)
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	for _, ref := range refs {
		st, err := eng.Stats(ref)
		if err != nil {
			return err
		}
		printStatsRow(tw, first[ref], st)
	}
	return tw.Flush()
}

func printStatsRow(w io.Writer, before, now *engine.Stats) {
	c := now.Container
	var mem, limit, pids uint64
	cpu := 0.0
	if cg := now.Cgroup; cg != nil {
		mem, limit, pids = cg.Memory.Usage.Usage, cg.Memory.Usage.Limit, cg.Pids.Current
		if before.Cgroup != nil && cg.CPU.Usage.Total >= before.Cgroup.CPU.Usage.Total {
			used := float64(cg.CPU.Usage.Total - before.Cgroup.CPU.Usage.Total)
			cpu = used / float64(now.Read.Sub(before.Read).Nanoseconds()) * 100
		}
	}
	memPct := 0.0
	limitText := "0B"
	if limit > 0 && limit < 1<<62 {
		memPct = float64(mem) / float64(limit) * 100
		limitText = units.BytesSize(float64(limit))
	} else if total := totalMemory(); total > 0 {
		// No limit: docker shows the host's memory.
		limitText = units.BytesSize(float64(total))
		memPct = float64(mem) / float64(total) * 100
	}
	var rx, tx, read, written uint64
	for _, n := range now.Networks {
		rx, tx = rx+n.RxBytes, tx+n.TxBytes
	}
	if cg := now.Cgroup; cg != nil {
		for _, e := range cg.Blkio.IoServiceBytesRecursive {
			switch strings.ToLower(e.Op) {
			case "read":
				read += e.Value
			case "write":
				written += e.Value
			}
		}
	}
	// docker prints I/O in decimal units (kB, MB), memory in binary.
	fmt.Fprintf(w, "%s\t%s\t%.2f%%\t%s / %s\t%.2f%%\t%s / %s\t%s / %s\t%d\n", c.ID[:12], c.Name, cpu,
		units.BytesSize(float64(mem)), limitText, memPct, units.HumanSize(float64(rx)), units.HumanSize(float64(tx)),
		units.HumanSize(float64(read)), units.HumanSize(float64(written)), pids)
}

// newContainerCommand is docker's `container` management command.
func newContainerCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "container", Short: "Manage containers"}
	prune := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			removed, space, err := eng.Prune()
			if len(removed) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "Deleted Containers:")
				for _, id := range removed {
					fmt.Fprintln(cmd.OutOrStdout(), id)
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Total reclaimed space: %s\n", units.HumanSize(float64(space)))
			return err
		},
	}
	prune.Flags().BoolP("force", "f", false, "Do not prompt for confirmation")
	cmd.AddCommand(prune)
	for _, sub := range []func() *cobra.Command{newRunCommand, newCreateCommand, newStartCommand, newStopCommand,
		newRestartCommand, newKillCommand, newRmCommand, newWaitCommand, newLogsCommand, newExecCommand,
		newInspectCommand, newExportCommand, newTopCommand, newRenameCommand, newPortCommand, newAttachCommand, newStatsCommand, newPsCommand} {
		c := sub()
		if c.Name() == "ps" {
			c.Use, c.Aliases = "ls [OPTIONS]", []string{"ps", "list"}
		}
		cmd.AddCommand(c)
	}
	return cmd
}
