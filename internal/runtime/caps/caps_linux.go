package caps

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// lastCap is the highest capability the running kernel knows, read once from
// /proc/sys/kernel/cap_last_cap. If the file cannot be read (no /proc), it
// falls back to every capability this package knows.
var lastCap = sync.OnceValue(func() Cap {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return Last
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 8)
	if err != nil {
		return Last
	}
	return Cap(n)
})

// DropBounding removes from the calling thread's bounding set every
// capability the running kernel knows that is not in s.Bounding. It needs
// CAP_SETPCAP, so call it before switching to the container's user, on the
// locked OS thread that will exec. Capabilities already absent are skipped,
// so it succeeds without privilege when there is nothing to drop.
func (s *Set) DropBounding() error {
	for c := Cap(0); c <= lastCap(); c++ {
		if s.Bounding.Has(c) {
			continue
		}
		if err := dropBounding(c); err != nil {
			return err
		}
	}
	return nil
}

// dropBounding drops c from the bounding set if it is still there.
func dropBounding(c Cap) error {
	in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
	if errors.Is(err, unix.EINVAL) {
		return nil // the kernel does not know c
	}
	if err != nil {
		return fmt.Errorf("caps: read bounding set for %s: %w", c, err)
	}
	if in == 0 {
		return nil
	}
	if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
		return fmt.Errorf("caps: drop %s from bounding set: %w", c, err)
	}
	return nil
}

// Apply sets the calling thread's effective, permitted and inheritable sets
// to s (capset(2), version 3), then replaces its ambient set: it clears it
// and raises each ambient capability. The kernel only lets a thread raise an
// ambient capability that is both permitted and inheritable; others are left
// out silently, as runc does. Call it on the locked OS thread that will exec,
// after switching user and after DropBounding.
func (s *Set) Apply() error {
	if err := s.capset(); err != nil {
		return err
	}
	return s.applyAmbient()
}

// capset writes the effective, permitted and inheritable sets.
func (s *Set) capset() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		shift := 32 * i
		data[i].Effective = uint32(s.Effective >> shift)
		data[i].Permitted = uint32(s.Permitted >> shift)
		data[i].Inheritable = uint32(s.Inheritable >> shift)
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("caps: capset effective %s permitted %s inheritable %s: %w",
			s.Effective, s.Permitted, s.Inheritable, err)
	}
	return nil
}

// applyAmbient clears the ambient set and raises the raisable part of
// s.Ambient.
func (s *Set) applyAmbient() error {
	ambient := s.raisableAmbient()
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if errors.Is(err, unix.EINVAL) && ambient == 0 {
		return nil // kernel without ambient capabilities (before 4.3)
	}
	if err != nil {
		return fmt.Errorf("caps: clear ambient set: %w", err)
	}
	for _, c := range ambient.Caps() {
		if c > lastCap() {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("caps: raise ambient %s: %w", c, err)
		}
	}
	return nil
}

// Current returns the capability sets of the calling thread, read from
// /proc/thread-self/status. Lock the OS thread first for a meaningful answer.
func Current() (*Set, error) {
	f, err := os.Open("/proc/thread-self/status")
	if err != nil {
		return nil, fmt.Errorf("caps: %w", err)
	}
	defer f.Close()
	return ParseStatus(f)
}
