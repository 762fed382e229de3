package seccomp

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/hull-project/hull/internal/runtime/caps"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dockerProfile is moby's profile format.
type dockerProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet,omitempty"`
	Architectures   []specs.Arch             `json:"architectures,omitempty"`
	ArchMap         []dockerArchMap          `json:"archMap,omitempty"`
	Flags           []specs.LinuxSeccompFlag `json:"flags,omitempty"`
	Syscalls        []dockerRule             `json:"syscalls"`
}

type dockerArchMap struct {
	Arch      specs.Arch   `json:"architecture"`
	SubArches []specs.Arch `json:"subArchitectures"`
}

// dockerRule is an OCI rule that applies only where Includes holds and
// Excludes does not.
type dockerRule struct {
	specs.LinuxSyscall
	Comment  string        `json:"comment,omitempty"`
	Includes *dockerFilter `json:"includes,omitempty"`
	Excludes *dockerFilter `json:"excludes,omitempty"`
}

// dockerFilter names the conditions of a rule: architectures (libseccomp
// names: "amd64", "x86", "arm64", ...), capabilities in the container's
// bounding set, and a minimum kernel version ("4.8").
type dockerFilter struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// target is what a moby profile is resolved for.
type target struct {
	arch   specs.Arch // the machine's OCI architecture, "" if unknown
	caps   []string   // the container's bounding set, normalised
	kernel [2]int     // running kernel's major.minor; zero when unknown
}

// goArchs maps GOARCH to the OCI architecture moby's archMap is keyed by.
var goArchs = map[string]specs.Arch{
	"386":      specs.ArchX86,
	"amd64":    specs.ArchX86_64,
	"arm":      specs.ArchARM,
	"arm64":    specs.ArchAARCH64,
	"loong64":  specs.ArchLOONGARCH64,
	"mips":     specs.ArchMIPS,
	"mipsle":   specs.ArchMIPSEL,
	"mips64":   specs.ArchMIPS64,
	"mips64le": specs.ArchMIPSEL64,
	"ppc64":    specs.ArchPPC64,
	"ppc64le":  specs.ArchPPC64LE,
	"riscv64":  specs.ArchRISCV64,
	"s390x":    specs.ArchS390X,
}

// DockerDefault returns Docker's default seccomp profile resolved for this
// machine's architecture, the running kernel, and a container whose bounding
// set is caps (names in any form caps.Normalize accepts): rules that need a
// capability the container lacks are left out, and so are rules for other
// architectures.
func DockerDefault(capabilities []string) (*specs.LinuxSeccomp, error) {
	// docker_default.json, compiled in (docker_default_gen.go).
	return dockerDefaultProfile().resolve(target{
		arch:   goArchs[runtime.GOARCH],
		caps:   normalizeCaps(capabilities),
		kernel: kernelVersion(),
	})
}

// ConvertDocker resolves a profile in moby's format (what `docker run
// --security-opt seccomp=FILE` reads) like DockerDefault does.
func ConvertDocker(data []byte, capabilities []string) (*specs.LinuxSeccomp, error) {
	var p dockerProfile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("seccomp: parse docker profile: %w", err)
	}
	return p.resolve(target{
		arch:   goArchs[runtime.GOARCH],
		caps:   normalizeCaps(capabilities),
		kernel: kernelVersion(),
	})
}

func normalizeCaps(list []string) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = caps.Normalize(c)
	}
	return out
}

// resolve turns p into an OCI profile for t, following moby's rules.
func (p *dockerProfile) resolve(t target) (*specs.LinuxSeccomp, error) {
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		return nil, invalid("seccomp: docker profile has both architectures and archMap")
	}
	out := &specs.LinuxSeccomp{
		DefaultAction:   p.DefaultAction,
		DefaultErrnoRet: p.DefaultErrnoRet,
		Architectures:   slices.Clone(p.Architectures),
		Flags:           slices.Clone(p.Flags),
	}
	out.Architectures = append(out.Architectures, p.archesFor(t.arch)...)
	for i := range p.Syscalls {
		r := &p.Syscalls[i]
		ok, err := r.appliesTo(t)
		if err != nil {
			return nil, fmt.Errorf("seccomp: docker profile syscalls[%d]: %w", i, err)
		}
		if ok {
			out.Syscalls = append(out.Syscalls, r.LinuxSyscall)
		}
	}
	return out, nil
}

// archesFor returns the archMap entry of arch: arch and its sub-architectures.
func (p *dockerProfile) archesFor(arch specs.Arch) []specs.Arch {
	for _, m := range p.ArchMap {
		if m.Arch == arch {
			return append([]specs.Arch{m.Arch}, m.SubArches...)
		}
	}
	return nil
}

// appliesTo reports whether r is part of the profile for t: every include
// holds and no exclude does.
func (r *dockerRule) appliesTo(t target) (bool, error) {
	native := archs[t.arch] // libseccomp's name, the one profiles use
	if ex := r.Excludes; ex != nil {
		newer, err := kernelAtLeast(t.kernel, ex.MinKernel)
		if err != nil {
			return false, err
		}
		if slices.Contains(ex.Arches, native) || containsAny(t.caps, ex.Caps) || (ex.MinKernel != "" && newer) {
			return false, nil
		}
	}
	if in := r.Includes; in != nil {
		newer, err := kernelAtLeast(t.kernel, in.MinKernel)
		if err != nil {
			return false, err
		}
		if len(in.Arches) > 0 && !slices.Contains(in.Arches, native) {
			return false, nil
		}
		if !containsAll(t.caps, in.Caps) || (in.MinKernel != "" && !newer) {
			return false, nil
		}
	}
	return true, nil
}

func containsAny(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, caps.Normalize(w)) {
			return true
		}
	}
	return false
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, caps.Normalize(w)) {
			return false
		}
	}
	return true
}

// kernelAtLeast reports whether running (major, minor) is at least min
// ("4.8"). An empty min always holds; an unknown running kernel (zero) is
// taken to be new enough.
func kernelAtLeast(running [2]int, min string) (bool, error) {
	if min == "" {
		return true, nil
	}
	want, ok := parseKernel(min)
	if !ok {
		return false, invalid("bad minKernel %q", min)
	}
	if running == [2]int{} {
		return true, nil
	}
	if running[0] != want[0] {
		return running[0] > want[0], nil
	}
	return running[1] >= want[1], nil
}

// parseKernel reads the major and minor numbers at the start of a kernel
// release ("6.18.0-1-amd64", "4.8").
func parseKernel(release string) ([2]int, bool) {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(leadingDigits(parts[1]))
	if err1 != nil || err2 != nil {
		return [2]int{}, false
	}
	return [2]int{major, minor}, true
}

func leadingDigits(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		return s
	}
	return s[:end]
}
