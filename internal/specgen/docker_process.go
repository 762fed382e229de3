package specgen

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultPathEnv is the PATH Docker gives a container whose image sets none.
const DefaultPathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// InitInContainer is where --init's binary appears in the container, as
// docker-init does in Docker's containers.
const InitInContainer = "/sbin/docker-init"

// Command returns the process arguments Docker runs for an image and the
// user's --entrypoint and command:
//   - no --entrypoint: the image's Entrypoint, then the user's command or,
//     when there is none, the image's Cmd;
//   - --entrypoint X: X, then the user's command; the image's Cmd is not used;
//   - --entrypoint "": the user's command alone; the image's Entrypoint and
//     Cmd are both dropped.
//
// It fails with Docker's "no command specified" when nothing is left.
func Command(img ImageConfig, entrypoint []string, entrypointSet bool, cmd []string) ([]string, error) {
	if len(entrypoint) == 0 && !entrypointSet {
		entrypoint = img.Entrypoint
		if len(cmd) == 0 {
			cmd = img.Cmd
		}
	}
	if len(entrypoint) == 1 && entrypoint[0] == "" {
		entrypoint = nil
	}
	args := append(append([]string{}, entrypoint...), cmd...)
	if len(args) == 0 {
		return nil, errors.New("no command specified")
	}
	return args, nil
}

// MergeEnv returns a container's configured environment as Docker merges it
// (Config.Env in `docker inspect`): the user's variables in order, then the
// image's whose names the user did not set. Later user entries replace
// earlier ones of the same name.
func MergeEnv(image, user []string) []string {
	out := replaceOrAppend(nil, user)
	set := make(map[string]bool, len(out))
	for _, kv := range out {
		set[envKey(kv)] = true
	}
	for _, kv := range image {
		if !set[envKey(kv)] {
			out = append(out, kv)
		}
	}
	return out
}

// ProcessEnv returns the environment the container's process gets from its
// merged environment env, as moby's CreateDaemonEnvironment builds it:
// PATH (DefaultPathEnv unless env sets it), HOSTNAME=hostname, TERM=xterm
// under a terminal, then env, whose entries replace those defaults in place.
// A bare NAME in env removes that variable.
func ProcessEnv(env []string, hostname string, tty bool) []string {
	out := []string{"PATH=" + DefaultPathEnv, "HOSTNAME=" + hostname}
	if tty {
		out = append(out, "TERM=xterm")
	}
	return replaceOrAppend(out, env)
}

// replaceOrAppend puts each of overrides into defaults, replacing the entry
// of the same name or appending; an entry without "=" removes its name.
func replaceOrAppend(defaults, overrides []string) []string {
	index := make(map[string]int, len(defaults))
	for i, kv := range defaults {
		index[envKey(kv)] = i
	}
	for _, kv := range overrides {
		i, ok := index[envKey(kv)]
		switch {
		case !strings.Contains(kv, "=") && ok:
			defaults[i] = ""
		case !strings.Contains(kv, "="):
		case ok:
			defaults[i] = kv
		default:
			index[envKey(kv)] = len(defaults)
			defaults = append(defaults, kv)
		}
	}
	out := defaults[:0]
	for _, kv := range defaults {
		if kv != "" {
			out = append(out, kv)
		}
	}
	return out
}

func envKey(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

// withProcess sets the process: arguments (behind the init with --init),
// environment, working directory, terminal, user and OOM score.
func withProcess(s *specs.Spec, rc *RunConfig, sec *SecurityOptions) error {
	args, err := Command(rc.Image, rc.Entrypoint, rc.EntrypointSet, rc.Cmd)
	if err != nil {
		return err
	}
	cwd, err := workingDir(rc.WorkingDir)
	if err != nil {
		return err
	}
	if rc.Init && isPrivate(rc.PIDMode) {
		args = append([]string{InitInContainer, "--"}, args...)
	}
	p := s.Process
	p.Args, p.Cwd, p.Terminal = args, cwd, rc.TTY
	p.Env = ProcessEnv(MergeEnv(rc.Image.Env, rc.Env), rc.Hostname, rc.TTY)
	p.User = numericUser(rc.User)
	p.NoNewPrivileges = sec.NoNewPrivileges
	p.OOMScoreAdj = new(int)
	p.Rlimits = rlimits(rc.Ulimits)
	s.Root = &specs.Root{Path: rc.Rootfs, Readonly: rc.ReadOnly}
	s.Hostname = rc.Hostname
	s.Annotations = maps.Clone(rc.Labels)
	s.Linux.CgroupsPath = rc.CgroupsPath
	return nil
}

// workingDir returns dir cleaned, "/" when empty, and Docker's error when it
// is relative.
func workingDir(dir string) (string, error) {
	if dir == "" {
		return "/", nil
	}
	if !path.IsAbs(dir) {
		return "", fmt.Errorf("the working directory '%s' is invalid, it needs to be an absolute path", dir)
	}
	return path.Clean(dir), nil
}

// numericUser returns the ids of a "uid[:gid]" user, or root for a name,
// which only ResolveUser can look up.
func numericUser(user string) specs.User {
	u, g, _ := strings.Cut(user, ":")
	uid, err := strconv.ParseUint(u, 10, 32)
	if err != nil {
		return specs.User{}
	}
	gid, err := strconv.ParseUint(g, 10, 32)
	if err != nil {
		gid = 0
	}
	return specs.User{UID: uint32(uid), GID: uint32(gid)}
}

// isPrivate reports whether a pid, ipc or uts mode gives a new namespace.
func isPrivate(mode string) bool { return mode != "host" }
