package integration

import (
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The suite is a child subreaper, like containerd's shim: container
// processes whose runtime exited become its children. It must reap them
// promptly (a zombie can keep a cgroup from being removed) without stealing
// the exit status of commands that are waited for: it reaps only zombies
// from a nested pid namespace (container processes) that startCmd did not
// start. Commands started elsewhere (exec.Command in a helper package) run
// in our pid namespace and are never touched.
var (
	// reapMu is held for reading while a command starts and registers
	// itself, and for writing while the reaper reaps.
	reapMu sync.RWMutex
	// ownChildren holds the pids of commands started with startCmd and not
	// yet waited for.
	ownChildren sync.Map
)

// startCmd starts cmd and registers it so the reaper leaves it alone.
func startCmd(cmd *exec.Cmd) error {
	reapMu.RLock()
	defer reapMu.RUnlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	ownChildren.Store(cmd.Process.Pid, true)
	return nil
}

// startReaper reaps re-parented zombies on SIGCHLD and every 100ms.
func startReaper() {
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGCHLD)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		for {
			select {
			case <-sigc:
			case <-tick.C:
			}
			reapOrphans()
		}
	}()
}

// reapOrphans reaps every zombie child that is not one of our own commands.
func reapOrphans() {
	reapMu.Lock()
	defer reapMu.Unlock()
	me := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if _, own := ownChildren.Load(pid); own {
			continue
		}
		stat, err := os.ReadFile("/proc/" + ent.Name() + "/stat")
		if err != nil || statPPID(string(stat)) != me || procState(string(stat)) != "Z" || !nestedPidNS(pid) {
			continue
		}
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}

// nestedPidNS reports whether pid lives in a pid namespace below ours: its
// NSpid line lists more than one pid.
func nestedPidNS(pid int) bool {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(l, "NSpid:"); ok {
			return len(strings.Fields(rest)) > 1
		}
	}
	return false
}
