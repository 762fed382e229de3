package engine

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
)

// processAlive reports whether pid still runs the process that started
// at start (clock ticks since boot).
func processAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	got, err := processStartTime(pid)
	return err == nil && got == start
}

func processStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" {
		return 0, fmt.Errorf("process %d is gone", pid)
	}
	var start uint64
	_, err = fmt.Sscan(f[19], &start)
	return start, err
}

// ParseSignal reads "KILL", "SIGKILL" or "9".
func ParseSignal(s string) (unix.Signal, error) {
	var n int
	if _, err := fmt.Sscan(s, &n); err == nil && fmt.Sprint(n) == s {
		if n <= 0 || n > 64 {
			return 0, errdefs.InvalidArgument(fmt.Sprintf("invalid signal: %s", s))
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, errdefs.InvalidArgument(fmt.Sprintf("invalid signal: %s", s))
}
