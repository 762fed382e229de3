// Package reference parses image references the way Docker reads them:
// "busybox" is docker.io/library/busybox:latest, "host:port/repo:tag" names
// another registry, and "repo@sha256:..." pins a manifest digest.
package reference

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hull-project/hull/internal/errdefs"
)

// DefaultDomain is the registry a name without a domain refers to.
const DefaultDomain = "docker.io"

// DefaultTag is the tag a name without tag or digest refers to.
const DefaultTag = "latest"

const (
	legacyDomain  = "index.docker.io"
	officialRepo  = "library/"
	maxNameLength = 255
)

var (
	domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	domainRe        = lazyRegexp(`^(?:` + domainComponent + `(?:\.` + domainComponent + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
	pathComponentRe = lazyRegexp(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	digestRe        = lazyRegexp(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
)

// validTag is `^[\w][\w.-]{0,127}$`, by hand: a bounded repetition makes
// a regexp that takes longer to compile than every other check of a run.
func validTag(tag string) bool {
	if tag == "" || len(tag) > 128 || !isWord(tag[0]) {
		return false
	}
	for i := 1; i < len(tag); i++ {
		if c := tag[i]; !isWord(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func isWord(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isHex64 reports whether s is 64 lower-case hex digits (a sha256).
func isHex64(s string) bool { return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" }

func isSHA256Digest(s string) bool {
	hex, ok := strings.CutPrefix(s, "sha256:")
	return ok && isHex64(hex)
}

// Reference is a parsed, normalized image reference. Tag and Digest may
// both be set ("repo:tag@sha256:..."); a reference parsed with Parse has at
// least one of them.
type Reference struct {
	Domain string // registry host[:port], "docker.io" for Docker Hub
	Path   string // repository path, "library/busybox" for official images
	Tag    string
	Digest string // "sha256:<hex>"
}

// lazyRegexp compiles on first use: every hull command links this
// package, and most never parse a reference.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Parse reads s as Docker does and fills in the default domain and, when
// neither tag nor digest is given, the "latest" tag.
func Parse(s string) (Reference, error) {
	r, err := ParseName(s)
	if err != nil {
		return Reference{}, err
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = DefaultTag
	}
	return r, nil
}

// ParseName reads s like Parse but leaves the tag empty when none is given.
func ParseName(s string) (Reference, error) {
	if s == "" {
		return Reference{}, invalid("", "")
	}
	rest, dgst, err := splitDigest(s)
	if err != nil {
		return Reference{}, err
	}
	name, tag, err := splitTag(s, rest)
	if err != nil {
		return Reference{}, err
	}
	domain, path, err := splitDomain(s, name)
	if err != nil {
		return Reference{}, err
	}
	return Reference{Domain: domain, Path: path, Tag: tag, Digest: dgst}, nil
}

func splitDigest(s string) (rest, dgst string, err error) {
	i := strings.Index(s, "@")
	if i < 0 {
		return s, "", nil
	}
	dgst = s[i+1:]
	if !digestRe().MatchString(dgst) {
		return "", "", invalid(s, "")
	}
	if strings.HasPrefix(dgst, "sha256:") && !isSHA256Digest(dgst) {
		return "", "", invalid(s, "invalid checksum digest length")
	}
	return s[:i], dgst, nil
}

func splitTag(s, rest string) (name, tag string, err error) {
	i := strings.LastIndex(rest, ":")
	if i < 0 || strings.Contains(rest[i+1:], "/") {
		return rest, "", nil
	}
	tag = rest[i+1:]
	if !validTag(tag) {
		return "", "", invalid(s, "")
	}
	return rest[:i], tag, nil
}

func splitDomain(s, name string) (domain, path string, err error) {
	if len(name) > maxNameLength {
		return "", "", errdefs.InvalidArgument(fmt.Sprintf("invalid reference format: repository name must not be more than %d characters", maxNameLength))
	}
	domain, path = DefaultDomain, name
	if i := strings.Index(name, "/"); i >= 0 && looksLikeDomain(name[:i]) {
		domain, path = name[:i], name[i+1:]
		if !domainRe().MatchString(domain) {
			return "", "", invalid(s, "")
		}
	}
	if domain == legacyDomain {
		domain = DefaultDomain
	}
	if domain == DefaultDomain && !strings.Contains(path, "/") {
		path = officialRepo + path
	}
	if err := checkPath(s, path); err != nil {
		return "", "", err
	}
	if domain == DefaultDomain && isHex64(strings.TrimPrefix(path, officialRepo)) {
		return "", "", errdefs.InvalidArgument(fmt.Sprintf("invalid repository name (%s), cannot specify 64-byte hexadecimal strings", name))
	}
	return domain, path, nil
}

// looksLikeDomain is Docker's rule: the first component names a registry
// when it has a dot or a port, is "localhost", or has upper-case letters.
func looksLikeDomain(c string) bool {
	return strings.ContainsAny(c, ".:") || c == "localhost" || strings.ToLower(c) != c
}

func checkPath(s, path string) error {
	for _, c := range strings.Split(path, "/") {
		if pathComponentRe().MatchString(c) {
			continue
		}
		if pathComponentRe().MatchString(strings.ToLower(c)) {
			return invalid(s, fmt.Sprintf("repository name (%s) must be lowercase", path))
		}
		return invalid(s, "")
	}
	return nil
}

func invalid(s, why string) error {
	if why == "" {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid reference format: %q", s))
	}
	return errdefs.InvalidArgument("invalid reference format: " + why)
}

// Name is the full repository name, "docker.io/library/busybox".
func (r Reference) Name() string { return r.Domain + "/" + r.Path }

// String is the full reference, "docker.io/library/busybox:latest".
func (r Reference) String() string { return r.Name() + r.suffix() }

func (r Reference) suffix() string {
	s := ""
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// FamiliarName is the short name Docker shows: "busybox", "user/app",
// "127.0.0.1:5000/app".
func (r Reference) FamiliarName() string {
	if r.Domain != DefaultDomain {
		return r.Name()
	}
	return strings.TrimPrefix(r.Path, officialRepo)
}

// FamiliarString is FamiliarName with the tag or digest: "busybox:latest".
func (r Reference) FamiliarString() string { return r.FamiliarName() + r.suffix() }

// Tagged returns r with the given tag and no digest.
func (r Reference) Tagged(tag string) Reference {
	r.Tag, r.Digest = tag, ""
	return r
}

// Digested returns r with the given digest and no tag.
func (r Reference) Digested(dgst string) Reference {
	r.Tag, r.Digest = "", dgst
	return r
}

// IsDigest reports whether s is a full "sha256:<64 hex>" digest.
func IsDigest(s string) bool { return isSHA256Digest(s) }
