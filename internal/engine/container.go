package engine

import (
	"time"

	"github.com/hull-project/hull/internal/network"
)

// Container is the engine's record of one container: what it was created
// from and what has happened to it. It is stored as JSON in the
// container's directory and read back by every hull command, so one
// command's changes are another's truth.
type Container struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Image is the image's id (sha256:...); ImageName what the user typed.
	Image     string `json:"image"`
	ImageName string `json:"image_name"`
	// Path and Args are the process the container runs.
	Path   string          `json:"path"`
	Args   []string        `json:"args"`
	Config ContainerConfig `json:"config"`
	Host   HostConfig      `json:"host_config"`
	State  State           `json:"state"`
	// RestartCount counts restarts by the restart policy.
	RestartCount int `json:"restart_count"`
	// Layers is the image's layer chain (chain ids, bottom first) the
	// root file system is built from.
	Layers []string `json:"layers"`
	// MonitorPid is the monitor process that owns the container while it
	// runs; 0 when none does.
	MonitorPid   int    `json:"monitor_pid"`
	MonitorStart uint64 `json:"monitor_start"`
	// RuntimeRoot and Runtime say which OCI runtime runs the container:
	// Runtime "" means hull's own, in process.
	Runtime string `json:"runtime,omitempty"`
	// Volumes names the volumes the container mounts; Anonymous those
	// made for it alone, which rm -v removes.
	Volumes   []string `json:"volumes,omitempty"`
	Anonymous []string `json:"anonymous_volumes,omitempty"`
	// Network is what the container asked of its networks and, while it
	// runs, what it was given.
	Network NetworkSettings `json:"network_settings"`
	// HostsPath, HostnamePath and ResolvConfPath are the files bind-mounted
	// over /etc/hosts, /etc/hostname and /etc/resolv.conf.
	HostsPath      string `json:"hosts_path,omitempty"`
	HostnamePath   string `json:"hostname_path,omitempty"`
	ResolvConfPath string `json:"resolv_conf_path,omitempty"`
}

// NetworkSettings is what docker calls a container's NetworkSettings.
type NetworkSettings struct {
	// Networks are the networks the container is on, by name, in the
	// order it joins them (Order).
	Networks map[string]*EndpointSettings `json:"networks,omitempty"`
	Order    []string                     `json:"order,omitempty"`
	// Ports are the published ports while the container runs.
	Ports      []network.Port `json:"ports,omitempty"`
	SandboxKey string         `json:"sandbox_key,omitempty"`
}

// EndpointSettings is a container's place on one network: asked for
// (Aliases, IPAMAddress) and, while it runs, given.
type EndpointSettings struct {
	NetworkID   string   `json:"network_id"`
	Aliases     []string `json:"aliases,omitempty"`
	IPAMAddress string   `json:"ipam_address,omitempty"`
	EndpointID  string   `json:"endpoint_id,omitempty"`
	Gateway     string   `json:"gateway,omitempty"`
	IPAddress   string   `json:"ip_address,omitempty"`
	IPPrefixLen int      `json:"ip_prefix_len,omitempty"`
	MacAddress  string   `json:"mac_address,omitempty"`
}

// ContainerConfig is what docker calls a container's Config.
type ContainerConfig struct {
	Hostname     string              `json:"hostname"`
	Domainname   string              `json:"domainname,omitempty"`
	User         string              `json:"user,omitempty"`
	Env          []string            `json:"env"`
	Cmd          []string            `json:"cmd"`
	Entrypoint   []string            `json:"entrypoint"`
	WorkingDir   string              `json:"working_dir,omitempty"`
	Labels       map[string]string   `json:"labels,omitempty"`
	Tty          bool                `json:"tty"`
	OpenStdin    bool                `json:"open_stdin"`
	StdinOnce    bool                `json:"stdin_once"`
	AttachStdin  bool                `json:"attach_stdin"`
	AttachStdout bool                `json:"attach_stdout"`
	AttachStderr bool                `json:"attach_stderr"`
	StopSignal   string              `json:"stop_signal,omitempty"`
	StopTimeout  *int                `json:"stop_timeout,omitempty"`
	ExposedPorts map[string]struct{} `json:"exposed_ports,omitempty"`
}

// HostConfig is what docker calls a container's HostConfig: how the host
// runs it.
type HostConfig struct {
	AutoRemove     bool              `json:"auto_remove"`
	RestartPolicy  RestartPolicy     `json:"restart_policy"`
	NetworkMode    string            `json:"network_mode"`
	Binds          []string          `json:"binds,omitempty"`
	Tmpfs          map[string]string `json:"tmpfs,omitempty"`
	ReadonlyRootfs bool              `json:"readonly_rootfs"`
	Privileged     bool              `json:"privileged"`
	CapAdd         []string          `json:"cap_add,omitempty"`
	CapDrop        []string          `json:"cap_drop,omitempty"`
	SecurityOpt    []string          `json:"security_opt,omitempty"`
	Init           bool              `json:"init"`
	Memory         int64             `json:"memory"`
	MemorySwap     int64             `json:"memory_swap"`
	NanoCPUs       int64             `json:"nano_cpus"`
	CPUShares      int64             `json:"cpu_shares"`
	CpusetCpus     string            `json:"cpuset_cpus,omitempty"`
	PidsLimit      *int64            `json:"pids_limit,omitempty"`
	Ulimits        []string          `json:"ulimits,omitempty"`
	// PortBindings are -p's ports (host port 0: any free one);
	// PublishAllPorts is -P.
	PortBindings    []network.Port     `json:"port_bindings,omitempty"`
	PublishAllPorts bool               `json:"publish_all_ports,omitempty"`
	DNS             network.DNSOptions `json:"dns,omitzero"`
	ExtraHosts      []string           `json:"extra_hosts,omitempty"`
}

// RestartPolicy is --restart: "no", "on-failure" (with MaximumRetryCount),
// "always" or "unless-stopped".
type RestartPolicy struct {
	Name              string `json:"name"`
	MaximumRetryCount int    `json:"maximum_retry_count"`
}

// State is a container's run state, kept as docker keeps it.
type State struct {
	Status     string    `json:"status"` // created, running, paused, restarting, removing, exited, dead
	Running    bool      `json:"running"`
	Paused     bool      `json:"paused"`
	Restarting bool      `json:"restarting"`
	OOMKilled  bool      `json:"oom_killed"`
	Dead       bool      `json:"dead"`
	Pid        int       `json:"pid"`
	ExitCode   int       `json:"exit_code"`
	Error      string    `json:"error"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// StoppedByUser is set by stop and kill, so that unless-stopped and
	// always know not to restart.
	StoppedByUser bool `json:"stopped_by_user,omitempty"`
}

// Statuses, as docker names them.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusRemoving   = "removing"
	StatusExited     = "exited"
	StatusDead       = "dead"
)
