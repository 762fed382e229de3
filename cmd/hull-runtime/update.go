package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
)

type updateFlags struct {
	resources                      string
	memory, reservation, swap      string
	cpuShares, cpuPeriod, cpuRTPer string
	cpuQuota, cpuRTRuntime         string
	cpusetCPUs, cpusetMems         string
	pidsLimit, blkioWeight         string
}

func newUpdateCommand() *cobra.Command {
	var f updateFlags
	cmd := &cobra.Command{
		Use:   "update [flags] <container-id>",
		Short: "Change a running container's resource limits",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := f.build(cmd)
			if err != nil {
				return err
			}
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			return c.Update(r)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.resources, "resources", "r", "", "path to a resources.json (linux.resources form), or - for stdin")
	fl.StringVar(&f.memory, "memory", "", "memory limit (bytes, or with k, m, g)")
	fl.StringVar(&f.reservation, "memory-reservation", "", "memory soft limit")
	fl.StringVar(&f.swap, "memory-swap", "", "memory plus swap limit (-1 for unlimited)")
	fl.StringVar(&f.cpuShares, "cpu-share", "", "relative CPU weight (runc's spelling)")
	fl.StringVar(&f.cpuShares, "cpu-shares", "", "relative CPU weight")
	fl.StringVar(&f.cpuPeriod, "cpu-period", "", "CFS period in microseconds")
	fl.StringVar(&f.cpuQuota, "cpu-quota", "", "CFS quota in microseconds (-1 for none)")
	fl.StringVar(&f.cpuRTPer, "cpu-rt-period", "", "realtime period in microseconds")
	fl.StringVar(&f.cpuRTRuntime, "cpu-rt-runtime", "", "realtime runtime in microseconds")
	fl.StringVar(&f.cpusetCPUs, "cpuset-cpus", "", "CPUs the container may use (0-3, 0,1)")
	fl.StringVar(&f.cpusetMems, "cpuset-mems", "", "memory nodes the container may use")
	fl.StringVar(&f.pidsLimit, "pids-limit", "", "maximum number of processes (-1 for none)")
	fl.StringVar(&f.blkioWeight, "blkio-weight", "", "block IO weight (10 to 1000)")
	fl.String("kernel-memory", "", "ignored, as by runc: kernel memory limits are gone from Linux")
	fl.MarkHidden("kernel-memory")
	return cmd
}

func (f *updateFlags) build(cmd *cobra.Command) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	if f.resources != "" {
		if err := readResources(f.resources, r); err != nil {
			return nil, err
		}
	}
	steps := []struct {
		flag string
		set  func(string) error
	}{
		{"memory", func(v string) error { return setBytes(&memoryOf(r).Limit, v) }},
		{"memory-reservation", func(v string) error { return setBytes(&memoryOf(r).Reservation, v) }},
		{"memory-swap", func(v string) error { return setBytes(&memoryOf(r).Swap, v) }},
		{"cpu-share", func(v string) error { return setUint(&cpuOf(r).Shares, v) }},
		{"cpu-shares", func(v string) error { return setUint(&cpuOf(r).Shares, v) }},
		{"cpu-period", func(v string) error { return setUint(&cpuOf(r).Period, v) }},
		{"cpu-quota", func(v string) error { return setInt(&cpuOf(r).Quota, v) }},
		{"cpu-rt-period", func(v string) error { return setUint(&cpuOf(r).RealtimePeriod, v) }},
		{"cpu-rt-runtime", func(v string) error { return setInt(&cpuOf(r).RealtimeRuntime, v) }},
		{"cpuset-cpus", func(v string) error { cpuOf(r).Cpus = v; return nil }},
		{"cpuset-mems", func(v string) error { cpuOf(r).Mems = v; return nil }},
		{"pids-limit", func(v string) error { return setPids(r, v) }},
		{"blkio-weight", func(v string) error { return setBlkioWeight(r, v) }},
	}
	for _, s := range steps {
		if !cmd.Flags().Changed(s.flag) {
			continue
		}
		if err := s.set(cmd.Flags().Lookup(s.flag).Value.String()); err != nil {
			return nil, fmt.Errorf("--%s: %w", s.flag, err)
		}
	}
	return r, nil
}

func readResources(path string, r *specs.LinuxResources) error {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("open resources file: %w", err)
		}
		defer f.Close()
		in = f
	}
	if err := json.NewDecoder(in).Decode(r); err != nil {
		return fmt.Errorf("parse resources %s: %w", path, err)
	}
	return nil
}

func memoryOf(r *specs.LinuxResources) *specs.LinuxMemory {
	if r.Memory == nil {
		r.Memory = &specs.LinuxMemory{}
	}
	return r.Memory
}

func cpuOf(r *specs.LinuxResources) *specs.LinuxCPU {
	if r.CPU == nil {
		r.CPU = &specs.LinuxCPU{}
	}
	return r.CPU
}

func setPids(r *specs.LinuxResources, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid number %q", v)
	}
	r.Pids = &specs.LinuxPids{Limit: &n}
	return nil
}

func setBlkioWeight(r *specs.LinuxResources, v string) error {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return fmt.Errorf("invalid weight %q", v)
	}
	w := uint16(n)
	if r.BlockIO == nil {
		r.BlockIO = &specs.LinuxBlockIO{}
	}
	r.BlockIO.Weight = &w
	return nil
}

func setBytes(dst **int64, v string) error {
	n, err := parseBytes(v)
	if err != nil {
		return err
	}
	*dst = &n
	return nil
}

func setInt(dst **int64, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid number %q", v)
	}
	*dst = &n
	return nil
}

func setUint(dst **uint64, v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid number %q", v)
	}
	*dst = &n
	return nil
}

// parseBytes reads a size such as 1048576, 512k, 64m or 1g (binary
// units, as docker and runc read them); -1 means unlimited.
func parseBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	units := map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "t": 1 << 40, "tb": 1 << 40}
	lower := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(lower, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := lower, ""
	if i >= 0 {
		num, unit = lower[:i], lower[i:]
	}
	mult, ok := units[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q: use bytes or a number with k, m or g", s)
	}
	return int64(f * float64(mult)), nil
}
