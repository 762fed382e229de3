package cli

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/network"
)

func init() { register(newInspectCommand) }

func newInspectCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return inspectEach(cmd, args, format, func(eng *engine.Engine, ref string) (any, error) {
				c, err := eng.Get(ref)
				if err != nil {
					return nil, err
				}
				return containerJSON(eng, c), nil
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a Go template")
	return cmd
}

// containerJSON is docker's container inspect shape, plus hull's view of
// the process: its host pid, the runtime's state file and namespaces.
func containerJSON(eng *engine.Engine, c *engine.Container) map[string]any {
	stateInfo := eng.RuntimeInfo(c)
	return map[string]any{
		"Id":      c.ID,
		"Created": c.Created.Format(time.RFC3339Nano),
		"Path":    c.Path,
		"Args":    nonNil(c.Args),
		"State": map[string]any{
			"Status": c.State.Status, "Running": c.State.Running, "Paused": c.State.Paused,
			"Restarting": c.State.Restarting, "OOMKilled": c.State.OOMKilled, "Dead": c.State.Dead,
			"Pid": c.State.Pid, "ExitCode": c.State.ExitCode, "Error": c.State.Error,
			"StartedAt": dockerTime(c.State.StartedAt), "FinishedAt": dockerTime(c.State.FinishedAt),
		},
		"Image":          c.Image,
		"Name":           "/" + c.Name,
		"RestartCount":   c.RestartCount,
		"Driver":         "overlay2",
		"Platform":       "linux",
		"LogPath":        eng.LogPath(c),
		"HostnamePath":   c.HostnamePath,
		"HostsPath":      c.HostsPath,
		"ResolvConfPath": c.ResolvConfPath,
		"HostConfig": map[string]any{
			"NetworkMode": c.Host.NetworkMode, "AutoRemove": c.Host.AutoRemove,
			"RestartPolicy": map[string]any{"Name": c.Host.RestartPolicy.Name, "MaximumRetryCount": c.Host.RestartPolicy.MaximumRetryCount},
			"Binds":         c.Host.Binds, "ReadonlyRootfs": c.Host.ReadonlyRootfs, "Privileged": c.Host.Privileged,
			"CapAdd": c.Host.CapAdd, "CapDrop": c.Host.CapDrop, "SecurityOpt": c.Host.SecurityOpt,
			"Memory": c.Host.Memory, "MemorySwap": c.Host.MemorySwap, "NanoCpus": c.Host.NanoCPUs,
			"CpuShares": c.Host.CPUShares, "CpusetCpus": c.Host.CpusetCpus, "PidsLimit": c.Host.PidsLimit,
			"Init": c.Host.Init, "Tmpfs": c.Host.Tmpfs,
			"PortBindings": portBindingsJSON(c.Host.PortBindings, false), "PublishAllPorts": c.Host.PublishAllPorts,
			"Dns": nonNil(c.Host.DNS.Servers), "DnsSearch": nonNil(c.Host.DNS.Search), "DnsOptions": nonNil(c.Host.DNS.Options),
			"ExtraHosts": c.Host.ExtraHosts,
		},
		"GraphDriver": map[string]any{"Name": "overlay2", "Data": eng.GraphDriverData(c)},
		"Mounts":      eng.MountPoints(c),
		"Config": map[string]any{
			"Hostname": c.Config.Hostname, "Domainname": c.Config.Domainname, "User": c.Config.User,
			"AttachStdin": c.Config.AttachStdin, "AttachStdout": c.Config.AttachStdout, "AttachStderr": c.Config.AttachStderr,
			"Tty": c.Config.Tty, "OpenStdin": c.Config.OpenStdin, "StdinOnce": c.Config.StdinOnce,
			"Env": c.Config.Env, "Cmd": c.Config.Cmd, "Image": c.ImageName, "WorkingDir": c.Config.WorkingDir,
			"Entrypoint": c.Config.Entrypoint, "Labels": nonNilMap(c.Config.Labels), "StopSignal": c.Config.StopSignal,
			"ExposedPorts": c.Config.ExposedPorts,
		},
		"NetworkSettings": networkSettingsJSON(c, stateInfo.NetNS),
		"Hull":            stateInfo,
	}
}

func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.Format(time.RFC3339Nano)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// portBindingsJSON is docker's port map: {"80/tcp": [{"HostIp": "",
// "HostPort": "8080"}]}. Requested bindings leave "" for any address or
// port; given ones say 0.0.0.0.
func portBindingsJSON(ports []network.Port, given bool) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, p := range ports {
		ip, port := "", ""
		if p.HostIP.IsValid() || given {
			ip = p.HostIPString()
		}
		if p.HostPort != 0 {
			port = strconv.Itoa(int(p.HostPort))
		}
		out[p.Key()] = append(out[p.Key()], map[string]string{"HostIp": ip, "HostPort": port})
	}
	return out
}

// networkSettingsJSON is docker's NetworkSettings: the published ports
// (exposed ones with null), and one entry per network.
func networkSettingsJSON(c *engine.Container, sandboxKey string) map[string]any {
	ports := map[string]any{}
	if c.State.Running {
		for k := range c.Config.ExposedPorts {
			ports[k] = nil
		}
		for k, v := range portBindingsJSON(c.Network.Ports, true) {
			ports[k] = v
		}
	}
	networks := map[string]any{}
	out := map[string]any{
		"Bridge": "", "SandboxID": "", "Ports": ports, "SandboxKey": sandboxKey,
		"IPAddress": "", "IPPrefixLen": 0, "Gateway": "", "MacAddress": "", "Networks": networks,
	}
	if mode := c.Host.NetworkMode; mode == "host" || mode == "none" {
		networks[mode] = map[string]any{"IPAMConfig": nil, "Links": nil, "Aliases": nil, "NetworkID": "", "EndpointID": "",
			"Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "MacAddress": "", "DNSNames": nil}
	}
	for name, ep := range c.Network.Networks {
		var ipam any
		if ep.IPAMAddress != "" {
			ipam = map[string]string{"IPv4Address": ep.IPAMAddress}
		}
		var dnsNames []string
		if ep.IPAddress != "" && name != "bridge" {
			dnsNames = append([]string{c.Name}, ep.Aliases...)
			dnsNames = append(dnsNames, c.ID[:12])
		}
		networks[name] = map[string]any{
			"IPAMConfig": ipam, "Links": nil, "Aliases": ep.Aliases, "MacAddress": ep.MacAddress,
			"NetworkID": ep.NetworkID, "EndpointID": ep.EndpointID, "Gateway": ep.Gateway,
			"IPAddress": ep.IPAddress, "IPPrefixLen": ep.IPPrefixLen, "IPv6Gateway": "",
			"GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": dnsNames,
		}
		if name == "bridge" {
			out["IPAddress"], out["IPPrefixLen"], out["Gateway"], out["MacAddress"] = ep.IPAddress, ep.IPPrefixLen, ep.Gateway, ep.MacAddress
			out["EndpointID"] = ep.EndpointID
		}
	}
	return out
}
