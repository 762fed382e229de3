package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// runInit is `hull run --init`: this binary, bind-mounted into the
// container as /sbin/docker-init, runs as its PID 1, starts the command
// after "--", passes it every signal, reaps every orphan, and exits as
// the command did. It is static, so it runs in any image.
func runInit(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "docker-init: no command given after --")
		return 1
	}
	signals := make(chan os.Signal, 32)
	signal.Notify(signals)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "docker-init:", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	child := cmd.Process.Pid
	go func() {
		for s := range signals {
			if s != syscall.SIGCHLD && s != syscall.SIGURG {
				unix.Kill(child, s.(syscall.Signal))
			}
		}
	}()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 1
		}
		if pid != child {
			continue // an orphan: reaped, as an init must
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
