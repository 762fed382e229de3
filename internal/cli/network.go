package cli

import (
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/network"
)

func init() { register(newNetworkCommand) }

// newNetworkCommand is docker's `network`: create, ls, inspect, rm,
// connect, disconnect, prune.
func newNetworkCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "network", Short: "Manage networks", Args: cobra.NoArgs}
	cmd.AddCommand(newNetworkCreate(), newNetworkLs(), newNetworkInspect(), newNetworkRm(),
		newNetworkConnect(), newNetworkDisconnect(), newNetworkPrune())
	return cmd
}

func newNetworkCreate() *cobra.Command {
	var driver, subnet, gateway string
	var internal bool
	var labels []string
	cmd := &cobra.Command{
		Use: "create [OPTIONS] NETWORK", Short: "Create a network", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := network.CreateOptions{Name: args[0], Driver: driver, Internal: internal}
			var err error
			if subnet != "" {
				if opts.Subnet, err = network.ParseSubnet(subnet); err != nil {
					return err
				}
			}
			if gateway != "" {
				if opts.Gateway, err = netip.ParseAddr(gateway); err != nil {
					return fmt.Errorf("invalid --gateway %q: not an IP address", gateway)
				}
				if subnet == "" {
					return fmt.Errorf("--gateway needs --subnet")
				}
			}
			for _, l := range labels {
				k, v, _ := strings.Cut(l, "=")
				if opts.Labels == nil {
					opts.Labels = map[string]string{}
				}
				opts.Labels[k] = v
			}
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			n, err := eng.NetworkCreate(opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), n.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&driver, "driver", "d", "bridge", "Driver to manage the Network")
	fl.StringVar(&subnet, "subnet", "", "Subnet in CIDR format that represents a network segment")
	fl.StringVar(&gateway, "gateway", "", "IPv4 Gateway for the master subnet")
	fl.BoolVar(&internal, "internal", false, "Restrict external access to the network")
	stringList(fl, &labels, "label", "", "Set metadata on a network")
	return cmd
}

func newNetworkLs() *cobra.Command {
	var quiet, noTrunc bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use: "ls [OPTIONS]", Aliases: []string{"list"}, Short: "List networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			nets, err := eng.NetworkList()
			if err != nil {
				return err
			}
			nets, err = filterNetworks(nets, filters)
			if err != nil {
				return err
			}
			type row struct{ ID, Name, Driver, Scope, Internal, CreatedAt string }
			var rows []any
			for _, n := range nets {
				id := n.ID
				if !noTrunc {
					id = id[:12]
				}
				rows = append(rows, row{ID: id, Name: n.Name, Driver: n.Driver, Scope: "local",
					Internal: fmt.Sprint(n.Internal), CreatedAt: n.Created.Local().Format("2006-01-02 15:04:05 -0700 MST")})
			}
			w := cmd.OutOrStdout()
			if quiet {
				for _, r := range rows {
					fmt.Fprintln(w, r.(row).ID)
				}
				return nil
			}
			if format == "" || format == "table" {
				format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
			}
			return printRows(w, format, rows, map[string]string{"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Internal": "INTERNAL", "CreatedAt": "CREATED AT"})
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display network IDs")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "Do not truncate the output")
	cmd.Flags().StringVar(&format, "format", "", "Format output using a Go template")
	stringList(cmd.Flags(), &filters, "filter", "f", "Provide filter values (e.g. 'name=bridge')")
	return cmd
}

func filterNetworks(nets []*network.Network, filters []string) ([]*network.Network, error) {
	out := nets[:0:0]
	for _, n := range nets {
		keep := true
		for _, f := range filters {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "name":
				keep = keep && strings.Contains(n.Name, v)
			case "id":
				keep = keep && strings.HasPrefix(n.ID, v)
			case "driver":
				keep = keep && n.Driver == v
			case "type":
				keep = keep && (v == "custom") != network.Builtin(n.Name)
			case "label":
				lk, lv, hasValue := strings.Cut(v, "=")
				got, ok := n.Labels[lk]
				keep = keep && ok && (!hasValue || got == lv)
			default:
				return nil, fmt.Errorf("invalid filter '%s'", k)
			}
		}
		if keep {
			out = append(out, n)
		}
	}
	return out, nil
}

// printRows prints rows through a docker-style format: "table ..." with
// headers, or a plain template per row.
func printRows(w io.Writer, format string, rows []any, headers map[string]string) error {
	table := strings.HasPrefix(format, "table")
	body := formatEscapes.Replace(strings.TrimSpace(strings.TrimPrefix(format, "table")))
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	if table {
		fmt.Fprintln(tw, tableHeader(body, headers))
	}
	if err := printTemplate(tw, body, rows); err != nil {
		return err
	}
	return tw.Flush()
}

func newNetworkInspect() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "inspect [OPTIONS] NETWORK [NETWORK...]", Short: "Display detailed information on one or more networks", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return inspectEach(cmd, args, format, func(eng *engine.Engine, ref string) (any, error) {
				n, members, err := eng.NetworkInspect(ref)
				if err != nil {
					return nil, err
				}
				return networkJSON(n, members), nil
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a Go template")
	return cmd
}

// networkJSON is docker's network inspect shape.
func networkJSON(n *network.Network, members map[string]engine.NetworkMember) map[string]any {
	ipam := map[string]any{"Driver": "default", "Options": nil, "Config": []any{}}
	options := map[string]string{}
	if n.Subnet.IsValid() {
		ipam["Config"] = []any{map[string]string{"Subnet": n.Subnet.String(), "Gateway": n.Gateway.String()}}
		options["com.docker.network.bridge.name"] = n.Bridge
	}
	created := n.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	return map[string]any{
		"Name": n.Name, "Id": n.ID, "Created": created.Format(time.RFC3339Nano), "Scope": "local",
		"Driver": n.Driver, "EnableIPv6": false, "IPAM": ipam, "Internal": n.Internal, "Attachable": false,
		"Ingress": false, "ConfigOnly": false, "Containers": members, "Options": options, "Labels": nonNilMap(n.Labels),
	}
}

func newNetworkRm() *cobra.Command {
	return &cobra.Command{
		Use: "rm NETWORK [NETWORK...]", Aliases: []string{"remove"}, Short: "Remove one or more networks", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			var failed []string
			for _, ref := range args {
				if err := eng.NetworkRemove(ref); err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "hull:", err)
					failed = append(failed, ref)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), ref)
			}
			if len(failed) > 0 {
				return withCode(nil, 1)
			}
			return nil
		},
	}
}

func newNetworkConnect() *cobra.Command {
	var aliases []string
	var ip string
	cmd := &cobra.Command{
		Use: "connect [OPTIONS] NETWORK CONTAINER", Short: "Connect a container to a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			return eng.NetworkConnect(args[0], args[1], engine.NetworkRequest{Aliases: aliases, IP: ip})
		},
	}
	stringList(cmd.Flags(), &aliases, "alias", "", "Add network-scoped alias for the container")
	cmd.Flags().StringVar(&ip, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	return cmd
}

func newNetworkDisconnect() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "disconnect [OPTIONS] NETWORK CONTAINER", Short: "Disconnect a container from a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			return eng.NetworkDisconnect(args[0], args[1])
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the container to disconnect from a network")
	return cmd
}

func newNetworkPrune() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove all unused networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			removed, err := eng.NetworkPrune()
			if len(removed) > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "Deleted Networks:")
				for _, name := range removed {
					fmt.Fprintln(cmd.OutOrStdout(), name)
				}
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

// portsColumn is `docker ps`'s PORTS: published ports while the container
// runs, and exposed ones that are not published.
func portsColumn(c *engine.Container) string {
	if !c.State.Running {
		return ""
	}
	published := map[string]bool{}
	for _, p := range c.Network.Ports {
		published[p.Key()] = true
	}
	parts := network.PortRanges(c.Network.Ports)
	var exposed []string
	for key := range c.Config.ExposedPorts {
		if !published[key] {
			exposed = append(exposed, key)
		}
	}
	sort.Strings(exposed)
	return strings.Join(append(parts, exposed...), ", ")
}

// printPorts is `hull port`: every published port ("80/tcp -> 0.0.0.0:8080")
// or, given PRIVATE_PORT[/PROTO], that port's host addresses.
func printPorts(w io.Writer, c *engine.Container, want []string) error {
	ports := c.Network.Ports
	if len(want) == 0 {
		for _, p := range ports {
			fmt.Fprintf(w, "%s -> %s:%d\n", p.Key(), p.HostIPString(), p.HostPort)
		}
		return nil
	}
	key := want[0]
	if !strings.Contains(key, "/") {
		key += "/tcp"
	}
	found := false
	for _, p := range ports {
		if p.Key() == key {
			fmt.Fprintf(w, "%s:%d\n", p.HostIPString(), p.HostPort)
			found = true
		}
	}
	if !found {
		return fmt.Errorf("no public port '%s' published for %s", want[0], c.ID[:12])
	}
	return nil
}
