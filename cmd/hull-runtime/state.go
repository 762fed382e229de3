package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/runtime"
)

// containerState is what state and list -f json print, in runc's shape.
type containerState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func describe(c *runtime.Container) (*containerState, error) {
	oci, err := c.OCIState()
	if err != nil {
		return nil, err
	}
	st := c.State()
	return &containerState{
		OCIVersion: oci.Version, ID: oci.ID, Pid: oci.Pid, Status: string(oci.Status),
		Bundle: oci.Bundle, Rootfs: st.Rootfs, Created: st.Created, Owner: st.Owner,
		Annotations: oci.Annotations,
	}, nil
}

func newStateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "state <container-id>",
		Short: "Print a container's state as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			st, err := describe(c)
			if err != nil {
				return err
			}
			return printJSON(st)
		},
	}
}

func printJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(os.Stdout, string(data))
	return err
}
