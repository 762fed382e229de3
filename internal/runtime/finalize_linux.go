package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime/caps"
)

// prepareProcess turns the current process into the user's process in all
// but the program: limits, working directory, identity, capabilities. It
// returns the program's path, found now so that a missing program fails
// create rather than start.
func prepareProcess(cfg *initConfig) (string, error) {
	p := cfg.Process
	if err := setRlimits(cfg); err != nil {
		return "", err
	}
	if err := applyApparmor(p.ApparmorProfile); err != nil {
		return "", err
	}
	if err := unix.Chdir(p.Cwd); err != nil {
		return "", fmt.Errorf("chdir to cwd (%q) set in config.json: %w", p.Cwd, err)
	}
	ensureHome(p)
	path, err := lookPath(p.Args[0], p.Env)
	if err != nil {
		return "", err
	}
	if !p.NoNewPrivileges {
		// Without no_new_privs, loading a filter needs CAP_SYS_ADMIN,
		// which the process is about to lose.
		if err := cfg.Seccomp.Load(); err != nil {
			return "", fmt.Errorf("load seccomp profile: %w", err)
		}
	}
	if err := setIdentity(cfg); err != nil {
		return "", err
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return "", fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	return path, nil
}

// execProgram loads seccomp as late as it can be and executes the program.
func execProgram(cfg *initConfig, path string) error {
	p := cfg.Process
	if p.NoNewPrivileges {
		if err := cfg.Seccomp.Load(); err != nil {
			return fmt.Errorf("load seccomp profile: %w", err)
		}
	}
	err := unix.Exec(path, p.Args, p.Env)
	code := 126
	if errors.Is(err, unix.ENOENT) {
		code = 127
	}
	return &execFailure{err: fmt.Errorf("exec %q: %w", p.Args[0], err), code: code}
}

func setRlimits(cfg *initConfig) error {
	for _, r := range cfg.Process.Rlimits {
		limit := &syscall.Rlimit{Cur: r.Soft, Max: r.Hard}
		// syscall.Setrlimit, not unix's: the Go runtime restores its own
		// RLIMIT_NOFILE at exec unless told through this call.
		if err := syscall.Setrlimit(rlimitTypes[r.Type], limit); err != nil {
			if errors.Is(err, syscall.EPERM) {
				var cur syscall.Rlimit
				syscall.Getrlimit(rlimitTypes[r.Type], &cur)
				return fmt.Errorf("set %s to soft %d, hard %d: %w (the runtime's hard limit is %d and it lacks CAP_SYS_RESOURCE to raise it; lower the limit in config.json)", r.Type, r.Soft, r.Hard, err, cur.Max)
			}
			return fmt.Errorf("set %s to soft %d, hard %d: %w", r.Type, r.Soft, r.Hard, err)
		}
	}
	return nil
}

func applyApparmor(profile string) error {
	if profile == "" {
		return nil
	}
	enabled, _ := os.ReadFile("/sys/module/apparmor/parameters/enabled")
	if !strings.HasPrefix(string(enabled), "Y") {
		return nil // as runc: a profile is honoured only where AppArmor runs
	}
	if err := writeExisting("/proc/self/attr/apparmor/exec", "exec "+profile); err != nil {
		return fmt.Errorf("apply apparmor profile %q: %w", profile, err)
	}
	return nil
}

// setIdentity switches to the process's user and groups and leaves it the
// capabilities the spec lists. The calls act on this thread only, which is
// locked and is the one that executes the program.
func setIdentity(cfg *initConfig) error {
	p := cfg.Process
	set, err := caps.Parse(p.Capabilities)
	if err != nil {
		return err
	}
	if err := set.DropBounding(); err != nil {
		return fmt.Errorf("drop bounding capabilities: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keep capabilities across setuid: %w", err)
	}
	if err := setUser(cfg); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keep-capabilities: %w", err)
	}
	if err := set.Apply(); err != nil {
		return fmt.Errorf("apply capabilities: %w", err)
	}
	if p.User.Umask != nil {
		unix.Umask(int(*p.User.Umask))
	}
	return nil
}

func setUser(cfg *initConfig) error {
	u := cfg.Process.User
	groups := make([]int, len(u.AdditionalGids))
	for i, g := range u.AdditionalGids {
		groups[i] = int(g)
	}
	if err := setgroups(groups); err != nil {
		// A user namespace whose setgroups is "deny" cannot change groups;
		// without extra groups asked for, that is fine.
		if !(errors.Is(err, unix.EPERM) && len(groups) == 0) {
			return fmt.Errorf("set additional groups %v: %w", groups, err)
		}
	}
	if err := unix.Setresgid(int(u.GID), int(u.GID), int(u.GID)); err != nil {
		return fmt.Errorf("set gid %d: %w (is it mapped in the user namespace?)", u.GID, err)
	}
	if err := unix.Setresuid(int(u.UID), int(u.UID), int(u.UID)); err != nil {
		return fmt.Errorf("set uid %d: %w (is it mapped in the user namespace?)", u.UID, err)
	}
	return nil
}

// ensureHome adds HOME from the container's /etc/passwd when the spec's
// environment has none, as runc does; programs such as shells expect it.
func ensureHome(p *specs.Process) {
	for _, kv := range p.Env {
		if strings.HasPrefix(kv, "HOME=") {
			return
		}
	}
	home := "/"
	if data, err := os.ReadFile("/etc/passwd"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) >= 6 && f[2] == strconv.FormatUint(uint64(p.User.UID), 10) {
				home = f[5]
				break
			}
		}
	}
	p.Env = append(p.Env, "HOME="+home)
}

// setgroups calls the system call for this thread only.
func setgroups(gids []int) error {
	var ptr uintptr
	g := make([]uint32, len(gids))
	for i, v := range gids {
		g[i] = uint32(v)
	}
	if len(g) > 0 {
		ptr = uintptrOf(&g[0])
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(g)), ptr, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// lookPath finds the program as execvp would, with the PATH of the
// process's own environment, inside the container.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	pathVar := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathVar = v
		}
	}
	var denied error
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			dir = "."
		}
		candidate := filepath.Join(dir, name)
		err := checkExecutable(candidate)
		if err == nil {
			return candidate, nil
		}
		if errors.Is(err, unix.EACCES) && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return "", denied
	}
	return "", &execFailure{err: fmt.Errorf("exec: %q: executable file not found in $PATH", name), code: 127}
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return &execFailure{err: fmt.Errorf("exec: %q: %w", path, unwrapPathError(err)), code: code}
	}
	if fi.IsDir() {
		return &execFailure{err: fmt.Errorf("exec: %q: is a directory", path), code: 126}
	}
	if err := unix.Access(path, unix.X_OK); err != nil {
		return &execFailure{err: fmt.Errorf("exec: %q: %w", path, err), code: 126}
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
