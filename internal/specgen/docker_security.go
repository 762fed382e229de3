package specgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	capability "github.com/hull-project/hull/internal/runtime/caps"
	"github.com/hull-project/hull/internal/runtime/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dockerCaps is Docker's capability set, in moby's order.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// SecurityOptions is what --security-opt asks for.
type SecurityOptions struct {
	// Seccomp is "" (Docker's default profile), "unconfined", or a
	// profile's JSON in moby's or the OCI format.
	Seccomp         string
	NoNewPrivileges bool
	// AppArmor is the profile asked for; hull does not apply AppArmor.
	AppArmor string
	// UnconfinedPaths (systempaths=unconfined) drops the masked and
	// read-only paths.
	UnconfinedPaths bool
	// WritableCgroups (writable-cgroups=true) mounts /sys/fs/cgroup rw.
	WritableCgroups bool
}

// ParseSecurityOpt parses --security-opt values as moby does:
// "seccomp=unconfined", "seccomp=builtin", "seccomp=<profile JSON>" (the
// caller reads the file, as the docker CLI does), "no-new-privileges",
// "no-new-privileges=true|false", "apparmor=<profile>" (accepted, not
// applied), "systempaths=unconfined", "writable-cgroups=true|false", and
// "label=disable". Other SELinux labels are refused: hull has no SELinux
// support. The deprecated "key:value" form is accepted too.
func ParseSecurityOpt(opts []string) (SecurityOptions, error) {
	var sec SecurityOptions
	for _, opt := range opts {
		if err := sec.parse(opt); err != nil {
			return sec, err
		}
	}
	return sec, nil
}

func (sec *SecurityOptions) parse(opt string) error {
	switch opt {
	case "no-new-privileges":
		sec.NoNewPrivileges = true
		return nil
	case "disable":
		return nil
	}
	sep := "="
	if !strings.Contains(opt, "=") {
		sep = ":"
	}
	k, v, ok := strings.Cut(opt, sep)
	if !ok {
		return fmt.Errorf("invalid --security-opt 1: %q", opt)
	}
	switch k {
	case "seccomp":
		return sec.parseSeccomp(v)
	case "apparmor":
		sec.AppArmor = v
		return nil
	case "label":
		if v == "disable" {
			return nil
		}
		return fmt.Errorf("--security-opt %s: SELinux labels are not supported by hull", opt)
	case "systempaths":
		if v != "unconfined" {
			return fmt.Errorf("invalid --security-opt 2: %q", opt)
		}
		sec.UnconfinedPaths = true
		return nil
	case "no-new-privileges", "writable-cgroups":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("invalid --security-opt 2: %q", opt)
		}
		if k == "no-new-privileges" {
			sec.NoNewPrivileges = b
		} else {
			sec.WritableCgroups = b
		}
		return nil
	}
	return fmt.Errorf("invalid --security-opt 2: %q", opt)
}

func (sec *SecurityOptions) parseSeccomp(v string) error {
	switch {
	case v == "unconfined":
		sec.Seccomp = v
	case v == "builtin" || v == "default":
		sec.Seccomp = ""
	case strings.HasPrefix(strings.TrimSpace(v), "{"):
		sec.Seccomp = v
	default:
		return fmt.Errorf("--security-opt seccomp=%s: want \"unconfined\", \"builtin\" or a profile's JSON", v)
	}
	return nil
}

// withCapabilities sets Docker's capabilities changed by --cap-add and
// --cap-drop, or every capability for a privileged container.
func withCapabilities(s *specs.Spec, rc *RunConfig, _ *SecurityOptions) error {
	list, err := tweakCapabilities(rc.CapAdd, rc.CapDrop, rc.Privileged)
	if err != nil {
		return err
	}
	setCapabilities(s, list)
	return nil
}

// setCapabilities gives root list as its bounding, effective and permitted
// sets, and anyone else list as the bounding set alone, as moby does.
func setCapabilities(s *specs.Spec, list []string) {
	c := &specs.LinuxCapabilities{Bounding: list}
	if s.Process.User.UID == 0 {
		c.Effective, c.Permitted = slices.Clone(list), slices.Clone(list)
	}
	s.Process.Capabilities = c
}

// tweakCapabilities follows moby's TweakCapabilities: "ALL" in adds gives
// every capability but the dropped ones, "ALL" in drops keeps only the
// added ones, otherwise Docker's set minus drops plus adds.
func tweakCapabilities(adds, drops []string, privileged bool) ([]string, error) {
	if privileged {
		return allCapabilities(), nil
	}
	add, err := normalizeCaps(adds)
	if err != nil {
		return nil, err
	}
	drop, err := normalizeCaps(drops)
	if err != nil {
		return nil, err
	}
	var base []string
	switch {
	case slices.Contains(add, "ALL"):
		return without(allCapabilities(), drop), nil
	case slices.Contains(drop, "ALL"):
		base = nil
	default:
		base = without(dockerCaps, drop)
	}
	for _, c := range add {
		if !slices.Contains(base, c) {
			base = append(base, c)
		}
	}
	return base, nil
}

// normalizeCaps upper-cases names and adds "CAP_", keeping "ALL", and
// refuses names the kernel does not have, with moby's message.
func normalizeCaps(list []string) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, name := range list {
		if strings.EqualFold(name, "ALL") {
			out = append(out, "ALL")
			continue
		}
		_, canonical, ok := capability.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("unknown capability: %q", capability.Normalize(name))
		}
		out = append(out, canonical)
	}
	return out, nil
}

func without(list, drop []string) []string {
	var out []string
	for _, c := range list {
		if !slices.Contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

// allCapabilities returns every capability in number order.
// allCapabilities is every capability this process may hand on: its own
// bounding set, as moby's GetAllCapabilities reads it (a host's root can
// lack some, as CAP_SYS_RESOURCE is missing on some build machines), or
// every known capability when the set cannot be read.
func allCapabilities() []string {
	if cur, err := capability.Current(); err == nil {
		return cur.Bounding.Names()
	}
	out := make([]string, 0, capability.Last+1)
	for c := capability.Cap(0); c <= capability.Last; c++ {
		out = append(out, c.String())
	}
	return out
}

// withSeccomp sets Docker's default profile, or the user's, resolved for
// the container's bounding set; none when privileged or unconfined.
func withSeccomp(s *specs.Spec, rc *RunConfig, sec *SecurityOptions) error {
	if rc.Privileged || sec.Seccomp == "unconfined" {
		return nil
	}
	bounding := s.Process.Capabilities.Bounding
	var err error
	if sec.Seccomp == "" {
		s.Linux.Seccomp, err = seccomp.DockerDefault(bounding)
	} else {
		s.Linux.Seccomp, err = seccomp.ConvertDocker([]byte(sec.Seccomp), bounding)
	}
	if err != nil {
		return fmt.Errorf("seccomp profile: %w", err)
	}
	return nil
}
