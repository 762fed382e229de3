package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

func init() { register(newNsCommand) }

// newNsCommand shows a running container as the process it is: its host
// pid, the runtime's state file, each namespace beside the host's (shared
// or its own), its cgroup and the overlay its root is made of.
func newNsCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ns [OPTIONS] CONTAINER",
		Aliases: []string{"namespaces"},
		Short:   "Show a running container as a process: its namespaces beside the host's, its cgroup and its root file system",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			v, err := eng.ProcessView(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				data, err := json.MarshalIndent(v, "", "    ")
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(data))
				return nil
			}
			return printProcessView(cmd.OutOrStdout(), v)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print JSON")
	return cmd
}

func printProcessView(w io.Writer, v *engine.ProcessView) error {
	short := v.ID
	if len(short) > 12 {
		short = short[:12]
	}
	row := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-13s"+format+"\n", append([]any{label}, args...)...)
	}
	row("CONTAINER", "%s (%s)", short, v.Name)
	row("HOST PID", "%d  %s", v.HostPid, strings.Join(v.Command, " "))
	if v.MonitorPid > 0 {
		row("MONITOR PID", "%d", v.MonitorPid)
	}
	row("STATE FILE", "%s", v.StateFile)

	fmt.Fprintln(w)
	reference := "HOST (pid 1)"
	if v.Reference != "/proc/1" {
		reference = "HOST (hull, pid " + strings.TrimPrefix(v.Reference, "/proc/") + ")"
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "NAMESPACE\tCONTAINER (pid %d)\t%s\n", v.HostPid, reference) // no tab after HOST: the mark column has no header
	var own, shared []string
	for _, n := range v.Namespaces {
		host, mark := n.Host, "own"
		switch {
		case n.ReferenceFailed != "":
			host, mark = "?", "?"
		case n.Shared:
			mark = "shared"
			shared = append(shared, n.Type)
		default:
			own = append(own, n.Type)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Type, n.Container, host, mark)
	}
	tw.Flush()
	fmt.Fprintf(w, "own: %s; shared with the host: %s\n", orNone(own), orNone(shared))
	if v.ReferenceNote != "" {
		fmt.Fprintf(w, "note: %s\n", v.ReferenceNote)
	}

	fmt.Fprintln(w)
	for _, g := range groupCgroups(v.Cgroups) {
		row("CGROUP", "%s", g.path)
		row("", "in %s", strings.Join(g.where, "; "))
	}
	if dir := v.CgroupPaths[""]; dir != "" {
		row("", "%s", dir)
	} else if dir := v.CgroupPaths["memory"]; dir != "" {
		row("", "%s", dir)
	}

	fmt.Fprintln(w)
	fs := v.RootFS
	row("ROOT FS", "%s on %s", fs.Type, fs.MergedDir)
	row("", "(from %s)", fs.Source)
	for i, l := range fs.LowerDirs {
		label := ""
		if i == 0 {
			label = "  lowerdir"
		}
		row(label, "%s", l)
	}
	if fs.UpperDir != "" {
		row("  upperdir", "%s", fs.UpperDir)
	}
	if fs.WorkDir != "" {
		row("  workdir", "%s", fs.WorkDir)
	}
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}

type cgroupGroup struct {
	path  string
	v2    bool
	v1    []string
	where []string
}

// groupCgroups folds /proc/<pid>/cgroup's lines by path: on a hybrid host
// the unified hierarchy and every v1 controller usually name one path.
func groupCgroups(lines []engine.CgroupLine) []cgroupGroup {
	var out []cgroupGroup
	index := map[string]int{}
	for _, l := range lines {
		i, ok := index[l.Path]
		if !ok {
			i = len(out)
			index[l.Path] = i
			out = append(out, cgroupGroup{path: l.Path})
		}
		if l.Hierarchy == 0 && len(l.Controllers) == 0 {
			out[i].v2 = true
		} else {
			out[i].v1 = append(out[i].v1, l.Controllers...)
		}
	}
	for i := range out {
		sort.Strings(out[i].v1)
		if out[i].v2 {
			out[i].where = append(out[i].where, "v2 (unified)")
		}
		if len(out[i].v1) > 0 {
			out[i].where = append(out[i].where, "v1 "+strings.Join(out[i].v1, ","))
		}
	}
	return out
}
