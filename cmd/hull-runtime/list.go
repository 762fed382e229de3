package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newListCommand() *cobra.Command {
	var format string
	var quiet bool
	cmd := &cobra.Command{
		Use:     "list [flags]",
		Aliases: []string{"ls"},
		Short:   "List the containers under --root",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("invalid --format %q: use table or json", format)
			}
			rt, err := openRuntime()
			if err != nil {
				return err
			}
			containers, err := rt.List()
			if err != nil {
				return err
			}
			states := []*containerState{}
			for _, c := range containers {
				if st, err := describe(c); err == nil {
					states = append(states, st)
				}
			}
			return printList(states, format, quiet)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the ids")
	return cmd
}

func printList(states []*containerState, format string, quiet bool) error {
	if quiet {
		for _, s := range states {
			fmt.Println(s.ID)
		}
		return nil
	}
	if format == "json" {
		return printJSON(states)
	}
	w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
	fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
	for _, s := range states {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
	}
	return w.Flush()
}
