package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

func newPsCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ps [flags] <container-id> [-- ps options]",
		Short: "List a container's processes (host pids)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			pids, err := c.Processes()
			if err != nil {
				return err
			}
			switch format {
			case "json":
				if pids == nil {
					pids = []int{}
				}
				return printJSON(pids)
			case "table":
				return printProcessTable(pids, args[1:])
			}
			return fmt.Errorf("invalid --format %q: use table or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

// printProcessTable runs the host's ps, as runc does, and keeps the header
// and the rows of the container's processes.
func printProcessTable(pids []int, psArgs []string) error {
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return fmt.Errorf("run ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	pidCol := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			pidCol = i
		}
	}
	if pidCol < 0 {
		return fmt.Errorf("ps %s printed no PID column", strings.Join(psArgs, " "))
	}
	want := map[string]bool{}
	for _, p := range pids {
		want[strconv.Itoa(p)] = true
	}
	var buf bytes.Buffer
	buf.WriteString(lines[0] + "\n")
	for _, line := range lines[1:] {
		if f := strings.Fields(line); len(f) > pidCol && want[f[pidCol]] {
			buf.WriteString(line + "\n")
		}
	}
	_, err = os.Stdout.Write(buf.Bytes())
	return err
}
