package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/runtime"
)

// event is one line of events' output, in runc's shape.
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

func newEventsCommand() *cobra.Command {
	var stats bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events [flags] <container-id>",
		Short: "Print a container's resource usage and OOM events as JSON lines",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			if stats {
				return emitStats(enc, c)
			}
			return followEvents(enc, c, interval)
		},
	}
	cmd.Flags().BoolVar(&stats, "stats", false, "print the usage once and exit")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "how often to print usage")
	return cmd
}

func emitStats(enc *json.Encoder, c *runtime.Container) error {
	s, err := c.Stats()
	if err != nil {
		return err
	}
	return enc.Encode(event{Type: "stats", ID: c.ID(), Data: s})
}

// followEvents prints usage every interval, and an "oom" event as soon as
// the OOM killer acts, until the container stops.
func followEvents(enc *json.Encoder, c *runtime.Container, interval time.Duration) error {
	ooms, _ := c.OOMKillCount()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Time{}
	for range tick.C {
		if status, err := c.Status(); err != nil || status == runtime.Stopped {
			return err
		}
		if n, err := c.OOMKillCount(); err == nil && n > ooms {
			ooms = n
			if err := enc.Encode(event{Type: "oom", ID: c.ID()}); err != nil {
				return err
			}
		}
		if time.Since(last) >= interval {
			last = time.Now()
			if err := emitStats(enc, c); err != nil {
				return err
			}
		}
	}
	return nil
}
