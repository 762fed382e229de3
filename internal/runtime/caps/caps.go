// Package caps turns an OCI process's capability lists into the five Linux
// capability sets of the container's process and applies them to the calling
// thread, with the semantics of runc's libcontainer/capabilities.
//
// The container's init calls Parse once at the edge, then, on a thread locked
// with runtime.LockOSThread: DropBounding while it still holds CAP_SETPCAP
// (before switching user), and Apply right before execve. Capability sets are
// per thread in Linux; execve carries the calling thread's sets into the new
// program.
package caps

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Cap is a capability number as the kernel numbers it (CAP_CHOWN is 0).
type Cap uint

// Last is the highest capability this package knows (CAP_CHECKPOINT_RESTORE).
const Last Cap = 40

// names[i] is the name of capability i; the index is the kernel's number.
var names = [Last + 1]string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

var byName = func() map[string]Cap {
	m := make(map[string]Cap, len(names))
	for i, n := range names {
		m[n] = Cap(i)
	}
	return m
}()

// String returns the capability's name, "CAP_CHOWN", or "CAP_<n>" for a
// number this package does not know.
func (c Cap) String() string {
	if c <= Last {
		return names[c]
	}
	return fmt.Sprintf("CAP_%d", uint(c))
}

// Names returns every capability name this package knows, sorted.
func Names() []string {
	out := slices.Clone(names[:])
	slices.Sort(out)
	return out
}

// Lookup normalises name ("chown", "CAP_CHOWN", "cap_chown") and returns its
// capability. ok is false when no capability has that name.
func Lookup(name string) (c Cap, canonical string, ok bool) {
	canonical = Normalize(name)
	c, ok = byName[canonical]
	return c, canonical, ok
}

// Normalize returns name upper-cased with the "CAP_" prefix, the form the
// OCI specification uses.
func Normalize(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "CAP_") {
		n = "CAP_" + n
	}
	return n
}

// Mask is a capability set as a bit mask: bit n stands for capability n, the
// layout of the kernel and of /proc/<pid>/status.
type Mask uint64

// MaskOf returns the mask holding exactly cs.
func MaskOf(cs ...Cap) Mask {
	var m Mask
	for _, c := range cs {
		m = m.With(c)
	}
	return m
}

// Has reports whether c is in m.
func (m Mask) Has(c Cap) bool { return c < 64 && m&(1<<c) != 0 }

// With returns m with c added.
func (m Mask) With(c Cap) Mask {
	if c >= 64 {
		return m
	}
	return m | 1<<c
}

// Len is the number of capabilities in m.
func (m Mask) Len() int { return bits.OnesCount64(uint64(m)) }

// Caps lists the capabilities in m in ascending order.
func (m Mask) Caps() []Cap {
	var out []Cap
	for c := Cap(0); c < 64; c++ {
		if m.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// Names lists the names of the capabilities in m in ascending number order.
func (m Mask) Names() []string {
	var out []string
	for _, c := range m.Caps() {
		out = append(out, c.String())
	}
	return out
}

// String formats m the way /proc/<pid>/status does (16 hex digits).
func (m Mask) String() string { return fmt.Sprintf("%016x", uint64(m)) }

// upTo returns the mask of every capability numbered 0..last.
func upTo(last Cap) Mask {
	if last >= 63 {
		return ^Mask(0)
	}
	return Mask(1)<<(last+1) - 1
}

// Set is a validated OCI capability configuration: the five capability sets
// of a process as bit masks.
type Set struct {
	Bounding    Mask
	Effective   Mask
	Inheritable Mask
	Permitted   Mask
	Ambient     Mask

	// Unknown lists, sorted and without repeats, the capabilities the
	// configuration asked for that the running kernel does not know (numbered
	// above /proc/sys/kernel/cap_last_cap). They were left out, as runc does;
	// the caller should log them.
	Unknown []string
}

// Parse validates c and returns its sets. A nil c gives empty sets: the
// process keeps no capability. A name no Linux capability has is an error;
// a capability newer than the running kernel is left out and listed in
// Set.Unknown.
func Parse(c *specs.LinuxCapabilities) (*Set, error) {
	return parse(c, lastCap())
}

// parse is Parse against a kernel whose highest capability is last.
func parse(c *specs.LinuxCapabilities, last Cap) (*Set, error) {
	s := &Set{}
	if c == nil {
		return s, nil
	}
	unknown := map[string]bool{}
	lists := []struct {
		set   string
		names []string
		dst   *Mask
	}{
		{"bounding", c.Bounding, &s.Bounding},
		{"effective", c.Effective, &s.Effective},
		{"inheritable", c.Inheritable, &s.Inheritable},
		{"permitted", c.Permitted, &s.Permitted},
		{"ambient", c.Ambient, &s.Ambient},
	}
	for _, l := range lists {
		m, err := parseList(l.names, last, unknown)
		if err != nil {
			return nil, fmt.Errorf("caps: %s set: %w", l.set, err)
		}
		*l.dst = m
	}
	for n := range unknown {
		s.Unknown = append(s.Unknown, n)
	}
	slices.Sort(s.Unknown)
	return s, nil
}

// parseList returns the mask of names, leaving out (and recording in
// unknown) capabilities above last.
func parseList(list []string, last Cap, unknown map[string]bool) (Mask, error) {
	var m Mask
	for _, name := range list {
		c, canonical, ok := Lookup(name)
		if !ok {
			return 0, fmt.Errorf("unknown capability %q", canonical)
		}
		if c > last {
			unknown[canonical] = true
			continue
		}
		m = m.With(c)
	}
	return m, nil
}

// Strings returns s as OCI capability lists (canonical names, ascending
// number order). Unknown is not part of the result.
func (s *Set) Strings() *specs.LinuxCapabilities {
	return &specs.LinuxCapabilities{
		Bounding:    s.Bounding.Names(),
		Effective:   s.Effective.Names(),
		Inheritable: s.Inheritable.Names(),
		Permitted:   s.Permitted.Names(),
		Ambient:     s.Ambient.Names(),
	}
}

// raisableAmbient is the part of the ambient set the kernel lets a thread
// raise: a capability must be both permitted and inheritable.
func (s *Set) raisableAmbient() Mask {
	return s.Ambient & s.Permitted & s.Inheritable
}
