package cli

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/network"
	"github.com/hull-project/hull/internal/specgen"
	"github.com/hull-project/hull/internal/units"
)

// runFlags are the flags `hull run` and `hull create` share, as docker
// names them.
type runFlags struct {
	detach, interactive, tty, rm, readOnly, privileged, init  bool
	name, workdir, user, entrypoint, hostname, network        string
	memory, memorySwap, cpus, cpusetCPUs, stopSignal, restart string
	cpuShares, pidsLimit, stopTimeout                         int64
	env, envFiles, volumes, tmpfs, ulimits, capAdd, capDrop   []string
	securityOpts, labels                                      []string
	runtime                                                   string
	publish, expose, aliases, dns, dnsSearch, dnsOptions      []string
	addHosts                                                  []string
	publishAll                                                bool
	ip                                                        string
}

func (f *runFlags) register(cmd *cobra.Command, withDetach bool) {
	fl := cmd.Flags()
	fl.SetInterspersed(false)
	// -h is docker's --hostname, so help has no shorthand here.
	fl.Bool("help", false, "Print usage")
	if withDetach {
		fl.BoolVarP(&f.detach, "detach", "d", false, "Run container in background and print container ID")
	}
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	fl.BoolVarP(&f.tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fl.BoolVar(&f.rm, "rm", false, "Automatically remove the container when it exits")
	fl.StringVar(&f.name, "name", "", "Assign a name to the container")
	stringList(fl, &f.env, "env", "e", "Set environment variables")
	stringList(fl, &f.envFiles, "env-file", "", "Read in a file of environment variables")
	fl.StringVarP(&f.workdir, "workdir", "w", "", "Working directory inside the container")
	fl.StringVarP(&f.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	fl.StringVar(&f.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	fl.StringVarP(&f.hostname, "hostname", "h", "", "Container host name")
	stringList(fl, &f.volumes, "volume", "v", "Bind mount a volume (host:container[:ro])")
	stringList(fl, &f.tmpfs, "tmpfs", "", "Mount a tmpfs directory")
	fl.BoolVar(&f.readOnly, "read-only", false, "Mount the container's root filesystem as read only")
	fl.StringVarP(&f.memory, "memory", "m", "", "Memory limit")
	fl.StringVar(&f.memorySwap, "memory-swap", "", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	fl.StringVar(&f.cpus, "cpus", "", "Number of CPUs")
	fl.Int64VarP(&f.cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fl.StringVar(&f.cpusetCPUs, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fl.Int64Var(&f.pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	stringList(fl, &f.ulimits, "ulimit", "", "Ulimit options")
	stringList(fl, &f.capAdd, "cap-add", "", "Add Linux capabilities")
	stringList(fl, &f.capDrop, "cap-drop", "", "Drop Linux capabilities")
	fl.BoolVar(&f.privileged, "privileged", false, "Give extended privileges to this container")
	stringList(fl, &f.securityOpts, "security-opt", "", "Security Options")
	fl.BoolVar(&f.init, "init", false, "Run an init inside the container that forwards signals and reaps processes")
	fl.StringVar(&f.restart, "restart", "no", "Restart policy to apply when a container exits")
	fl.StringVar(&f.stopSignal, "stop-signal", "", "Signal to stop the container")
	fl.Int64Var(&f.stopTimeout, "stop-timeout", 0, "Timeout (in seconds) to stop a container")
	stringList(fl, &f.labels, "label", "l", "Set meta data on a container")
	fl.StringVar(&f.network, "network", "bridge", "Connect a container to a network: bridge, host, none, container:NAME|ID or a network's name")
	fl.StringVar(&f.network, "net", "bridge", "Connect a container to a network")
	fl.MarkHidden("net")
	stringList(fl, &f.publish, "publish", "p", "Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])")
	fl.BoolVarP(&f.publishAll, "publish-all", "P", false, "Publish all exposed ports to random ports")
	stringList(fl, &f.expose, "expose", "", "Expose a port or a range of ports")
	stringList(fl, &f.aliases, "network-alias", "", "Add network-scoped alias for the container")
	stringList(fl, &f.aliases, "net-alias", "", "Add network-scoped alias for the container")
	fl.MarkHidden("net-alias")
	fl.StringVar(&f.ip, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	stringList(fl, &f.dns, "dns", "", "Set custom DNS servers")
	stringList(fl, &f.dnsSearch, "dns-search", "", "Set custom DNS search domains")
	stringList(fl, &f.dnsOptions, "dns-option", "", "Set DNS options")
	stringList(fl, &f.addHosts, "add-host", "", "Add a custom host-to-IP mapping (host:ip)")
	fl.StringVar(&f.runtime, "runtime", config.Runtime, "Runtime to use for this container: a runc-compatible binary (default: hull's own)")
}

// request turns the flags and arguments into an engine create request.
func (f *runFlags) request(cmd *cobra.Command, image string, args []string) (engine.CreateRequest, error) {
	req := engine.CreateRequest{Name: f.name, Image: image, AutoRemove: f.rm, Runtime: f.runtime}
	rc := specgen.RunConfig{
		Cmd: args, WorkingDir: f.workdir, User: f.user, Hostname: f.hostname,
		TTY: f.tty, OpenStdin: f.interactive, Privileged: f.privileged, ReadOnly: f.readOnly,
		CapAdd: f.capAdd, CapDrop: f.capDrop, SecurityOpt: f.securityOpts, StopSignal: f.stopSignal,
		CPUShares: f.cpuShares, CPUSetCPUs: f.cpusetCPUs, NetworkMode: f.network,
	}
	if cmd.Flags().Changed("entrypoint") {
		rc.EntrypointSet = true
		if f.entrypoint != "" {
			rc.Entrypoint = []string{f.entrypoint}
		}
	}
	steps := []func(*specgen.RunConfig, *engine.CreateRequest, *cobra.Command) error{
		f.applyEnv, f.applyResources, f.applyMounts, f.applyPolicy, f.applyLabels, f.applySecurity,
	}
	ports, exposed, err := f.ports()
	if err != nil {
		return req, err
	}
	req.Expose = exposed
	for _, step := range steps {
		if err := step(&rc, &req, cmd); err != nil {
			return req, err
		}
	}
	req.Run = rc
	req.Host = engine.HostConfig{
		NetworkMode: f.network, Binds: f.volumes, ReadonlyRootfs: f.readOnly, Privileged: f.privileged,
		CapAdd: f.capAdd, CapDrop: f.capDrop, SecurityOpt: f.securityOpts, Init: f.init,
		Memory: rc.Memory, MemorySwap: rc.MemorySwap, NanoCPUs: rc.NanoCPUs, CPUShares: f.cpuShares,
		CpusetCpus: f.cpusetCPUs, PidsLimit: rc.PidsLimit, Ulimits: f.ulimits,
		PortBindings: ports, PublishAllPorts: f.publishAll, ExtraHosts: f.addHosts,
		DNS: network.DNSOptions{Servers: f.dns, Search: f.dnsSearch, Options: f.dnsOptions},
	}
	req.Network = engine.NetworkRequest{Aliases: f.aliases, IP: f.ip}
	return req, nil
}

// ports parses -p and --expose; a published port is exposed too.
func (f *runFlags) ports() ([]network.Port, []string, error) {
	var ports []network.Port
	var exposed []string
	for _, spec := range f.publish {
		p, err := network.ParsePublish(spec)
		if err != nil {
			return nil, nil, err
		}
		ports = append(ports, p...)
		for _, one := range p {
			exposed = append(exposed, one.Key())
		}
	}
	for _, spec := range f.expose {
		proto := "tcp"
		if base, pr, ok := strings.Cut(spec, "/"); ok {
			spec, proto = base, pr
		}
		p, err := network.ParsePublish(spec + "/" + proto)
		if err != nil || strings.Contains(spec, ":") {
			return nil, nil, fmt.Errorf("invalid --expose %q: expected PORT[-PORT][/tcp|/udp]", spec)
		}
		for _, one := range p {
			exposed = append(exposed, one.Key())
		}
	}
	return ports, exposed, nil
}

func (f *runFlags) applyEnv(rc *specgen.RunConfig, _ *engine.CreateRequest, _ *cobra.Command) error {
	for _, file := range f.envFiles {
		env, err := readEnvFile(file)
		if err != nil {
			return err
		}
		rc.Env = append(rc.Env, env...)
	}
	for _, kv := range f.env {
		if !strings.Contains(kv, "=") {
			if v, ok := os.LookupEnv(kv); ok {
				kv = kv + "=" + v
			} else {
				continue
			}
		}
		rc.Env = append(rc.Env, kv)
	}
	return nil
}

// readEnvFile reads docker's env-file format: KEY=VALUE lines, comments,
// and bare KEY taken from hull's own environment.
func readEnvFile(path string) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open env file: %w", err)
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(line, "=") {
			if v, ok := os.LookupEnv(line); ok {
				out = append(out, line+"="+v)
			}
			continue
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

func (f *runFlags) applyResources(rc *specgen.RunConfig, _ *engine.CreateRequest, cmd *cobra.Command) error {
	var err error
	if f.memory != "" {
		if rc.Memory, err = units.RAMInBytes(f.memory); err != nil {
			return fmt.Errorf("invalid argument %q for \"-m, --memory\" flag: %w", f.memory, err)
		}
	}
	if f.memorySwap != "" {
		if f.memorySwap == "-1" {
			rc.MemorySwap = -1
		} else if rc.MemorySwap, err = units.RAMInBytes(f.memorySwap); err != nil {
			return fmt.Errorf("invalid argument %q for \"--memory-swap\" flag: %w", f.memorySwap, err)
		}
	}
	if f.cpus != "" {
		cpus, err := strconv.ParseFloat(f.cpus, 64)
		if err != nil || cpus < 0 {
			return fmt.Errorf("invalid argument %q for \"--cpus\" flag: a number of CPUs such as 1.5", f.cpus)
		}
		rc.NanoCPUs = int64(cpus * 1e9)
	}
	if cmd.Flags().Changed("pids-limit") {
		limit := f.pidsLimit
		rc.PidsLimit = &limit
	}
	for _, u := range f.ulimits {
		ul, err := specgen.ParseUlimit(u)
		if err != nil {
			return err
		}
		rc.Ulimits = append(rc.Ulimits, ul)
	}
	return nil
}

func (f *runFlags) applyMounts(rc *specgen.RunConfig, _ *engine.CreateRequest, _ *cobra.Command) error {
	for _, t := range f.tmpfs {
		path, opts, _ := strings.Cut(t, ":")
		if rc.Tmpfs == nil {
			rc.Tmpfs = map[string]string{}
		}
		rc.Tmpfs[path] = opts
	}
	return nil
}

func (f *runFlags) applyPolicy(_ *specgen.RunConfig, req *engine.CreateRequest, cmd *cobra.Command) error {
	policy, err := parseRestart(f.restart)
	if err != nil {
		return err
	}
	if f.rm && policy.Name != "no" {
		return fmt.Errorf("conflicting options: cannot specify both --restart and --rm")
	}
	req.Restart = policy
	if cmd.Flags().Changed("stop-timeout") {
		t := int(f.stopTimeout)
		req.StopTimeout = &t
	}
	return nil
}

func parseRestart(s string) (engine.RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := engine.RestartPolicy{Name: name}
	switch name {
	case "", "no":
		p.Name = "no"
	case "always", "unless-stopped":
	case "on-failure":
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return p, fmt.Errorf("invalid restart policy %q: the retry count must be a number", s)
			}
			p.MaximumRetryCount = n
		}
		return p, nil
	default:
		return p, fmt.Errorf("invalid restart policy %q: use no, always, unless-stopped or on-failure[:max-retries]", s)
	}
	if hasCount {
		return p, fmt.Errorf("invalid restart policy %q: only on-failure takes a retry count", s)
	}
	return p, nil
}

func (f *runFlags) applyLabels(rc *specgen.RunConfig, _ *engine.CreateRequest, _ *cobra.Command) error {
	for _, l := range f.labels {
		k, v, _ := strings.Cut(l, "=")
		if rc.Labels == nil {
			rc.Labels = map[string]string{}
		}
		rc.Labels[k] = v
	}
	return nil
}

// applySecurity reads a seccomp profile named by path, as docker's client
// does, so the engine gets the profile's JSON.
func (f *runFlags) applySecurity(rc *specgen.RunConfig, _ *engine.CreateRequest, _ *cobra.Command) error {
	rc.SecurityOpt = nil
	for _, opt := range f.securityOpts {
		key, value, _ := strings.Cut(opt, "=")
		if key == "seccomp" && value != "unconfined" && value != "builtin" && !strings.HasPrefix(strings.TrimSpace(value), "{") {
			data, err := os.ReadFile(value)
			if err != nil {
				return fmt.Errorf("opening seccomp profile (%s) failed: %w", value, err)
			}
			opt = "seccomp=" + string(data)
		}
		rc.SecurityOpt = append(rc.SecurityOpt, opt)
	}
	return nil
}
