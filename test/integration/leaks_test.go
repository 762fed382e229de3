package integration

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// checkLeaks fails the test if anything it made outlived its cleanups:
// mounts under its temporary directories or the state root, cgroups named
// after its containers, child processes, network namespaces or links.
func (e *env) checkLeaks() {
	e.mu.Lock()
	ids, netns := e.ids, e.netns
	e.mu.Unlock()
	var leaks []string
	leaks = append(leaks, mountLeaks(e.tmp)...)
	leaks = append(leaks, cgroupLeaks(func(name string) bool { return contains(ids, name) })...)
	leaks = append(leaks, childLeaks()...)
	leaks = append(leaks, netnsLeaks(netns)...)
	leaks = append(leaks, linkLeaks()...)
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(stateRoot, id)); err == nil {
			leaks = append(leaks, "state directory "+filepath.Join(stateRoot, id))
		}
	}
	if len(leaks) > 0 {
		e.t.Errorf("leaked after the test:\n  %s", strings.Join(leaks, "\n  "))
	}
}

// finalLeaks is the check after the whole run.
func finalLeaks(buildDir string) []string {
	var leaks []string
	for _, dir := range append(tempDirs, stateRoot, buildDir) {
		leaks = append(leaks, mountLeaks(dir)...)
	}
	leaks = append(leaks, cgroupLeaks(func(name string) bool { return strings.HasPrefix(name, idPrefix) })...)
	leaks = append(leaks, childLeaks()...)
	leaks = append(leaks, netnsLeaks(nil)...)
	leaks = append(leaks, linkLeaks()...)
	if entries, _ := os.ReadDir(stateRoot); len(entries) > 0 {
		leaks = append(leaks, fmt.Sprintf("%d entries left in %s", len(entries), stateRoot))
	}
	return leaks
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mountLeaks lists host mounts whose mount point or source lies under dir.
func mountLeaks(dir string) []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return []string{err.Error()}
	}
	var leaks []string
	for _, line := range strings.Split(string(data), "\n") {
		if dir != "" && strings.Contains(line, dir) {
			leaks = append(leaks, "mount: "+line)
		}
	}
	return leaks
}

// cgroupLeaks walks every cgroup hierarchy (a few levels deep: the test
// itself may sit in a nested cgroup) for directories whose name matches.
func cgroupLeaks(match func(name string) bool) []string {
	var leaks []string
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.Count(p, "/") > 8 {
			return fs.SkipDir
		}
		if match(d.Name()) {
			leaks = append(leaks, "cgroup "+p)
			return fs.SkipDir
		}
		return nil
	})
	return leaks
}

// childLeaks reports child processes still alive (container processes are
// re-parented to us as subreaper), after giving processes that were just
// killed a moment to die. Zombies are left to the reaper.
func childLeaks() []string {
	deadline := time.Now().Add(3 * time.Second)
	for {
		alive := aliveChildren()
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func aliveChildren() []string {
	me := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	var alive []string
	for _, ent := range entries {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || statPPID(string(stat)) != me {
			continue
		}
		if procState(string(stat)) == "Z" {
			continue // the reaper's job
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		alive = append(alive, fmt.Sprintf("child process %d: %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return alive
}

// statPPID returns the parent pid field of a /proc/<pid>/stat line.
func statPPID(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return -1
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// netnsLeaks lists named network namespaces this run made that remain.
// With names nil, any namespace of this run counts.
func netnsLeaks(names []string) []string {
	entries, _ := os.ReadDir("/run/netns")
	var leaks []string
	for _, ent := range entries {
		n := ent.Name()
		if contains(names, n) || (names == nil && strings.HasPrefix(n, netnsPrefix())) {
			leaks = append(leaks, "network namespace "+n)
		}
	}
	return leaks
}

func netnsPrefix() string { return fmt.Sprintf("hull-test-%d-", os.Getpid()) }

// linkLeaks lists host network links named like the ones tests make.
func linkLeaks() []string {
	entries, _ := os.ReadDir("/sys/class/net")
	var leaks []string
	for _, ent := range entries {
		if strings.HasPrefix(ent.Name(), "hulltest") {
			leaks = append(leaks, "network link "+ent.Name())
		}
	}
	return leaks
}
