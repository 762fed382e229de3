package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// deviceRule is one validated OCI device cgroup rule. The rules form an
// ordered list in which a later rule overrides an earlier one.
type deviceRule struct {
	allow  bool
	kind   byte   // 'a' (any), 'c' or 'b'
	major  int64  // -1 matches any
	minor  int64  // -1 matches any
	access string // a non-empty subset of "rwm"
}

// deviceRules validates the OCI rules: type "" means "a", access "" means
// "rwm", a missing major or minor matches any.
func deviceRules(in []specs.LinuxDeviceCgroup) ([]deviceRule, error) {
	rules := make([]deviceRule, 0, len(in))
	for i, d := range in {
		r, err := deviceRuleOf(d)
		if err != nil {
			return nil, fmt.Errorf("devices[%d]: %w", i, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func deviceRuleOf(d specs.LinuxDeviceCgroup) (deviceRule, error) {
	r := deviceRule{allow: d.Allow, kind: 'a', major: -1, minor: -1, access: "rwm"}
	switch d.Type {
	case "", "a":
	case "c", "b":
		r.kind = d.Type[0]
	default:
		return r, fmt.Errorf("device type %q is not one of a, b, c", d.Type)
	}
	for _, n := range []struct {
		p   *int64
		dst *int64
	}{{d.Major, &r.major}, {d.Minor, &r.minor}} {
		if n.p == nil {
			continue
		}
		if *n.p < 0 || *n.p > 1<<32-1 {
			return r, fmt.Errorf("device number %d is out of range", *n.p)
		}
		*n.dst = *n.p
	}
	if d.Access != "" {
		r.access = d.Access
	}
	if strings.Trim(r.access, "rwm") != "" {
		return r, fmt.Errorf("device access %q is not made of r, w, m", d.Access)
	}
	return r, nil
}

// matchesAll reports whether the rule covers every device and access.
func (r deviceRule) matchesAll() bool {
	return r.kind == 'a' && r.major < 0 && r.minor < 0 && hasAll(r.access, "rwm")
}

func hasAll(access, want string) bool {
	for _, c := range want {
		if !strings.ContainsRune(access, c) {
			return false
		}
	}
	return true
}

// v1Lines are what the rule writes to devices.allow or devices.deny. v1
// reads a bare "a" as "every device", whatever follows it, so a narrower
// "a" rule is spelled out for character and block devices.
func (r deviceRule) v1Lines() []string {
	if r.matchesAll() {
		return []string{"a"}
	}
	spec := fmt.Sprintf("%s:%s %s", deviceNumber(r.major), deviceNumber(r.minor), r.access)
	if r.kind == 'a' {
		return []string{"c " + spec, "b " + spec}
	}
	return []string{string(r.kind) + " " + spec}
}

func deviceNumber(n int64) string {
	if n < 0 {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}

// deviceWrite is one line written to a v1 devices file.
type deviceWrite struct {
	file, line string
}

// v1DeviceWrites is the sequence runc writes: deny everything, then each
// rule in order.
func v1DeviceWrites(rules []deviceRule) []deviceWrite {
	writes := []deviceWrite{{"devices.deny", "a"}}
	for _, r := range rules {
		file := "devices.deny"
		if r.allow {
			file = "devices.allow"
		}
		for _, l := range r.v1Lines() {
			writes = append(writes, deviceWrite{file, l})
		}
	}
	return writes
}
