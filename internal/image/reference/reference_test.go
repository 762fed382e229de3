package reference

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

func TestParse(t *testing.T) {
	const d = "sha256:2f2dfc4e5bd6d9d8f2f1b2d3dfa1ad0a6c2e93bbb7d3a52f2e4a5b6c7d8e9f01"
	tests := []struct {
		in, full, familiar string
	}{
		{"busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"},
		{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"},
		{"user/app:v1", "docker.io/user/app:v1", "user/app:v1"},
		{"127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"},
		{"localhost/app:dev", "localhost/app:dev", "localhost/app:dev"},
		{"localhost:5000/a/b/c", "localhost:5000/a/b/c:latest", "localhost:5000/a/b/c:latest"},
		{"quay.io/org/my_app.v2-x:tag_1.0-rc", "quay.io/org/my_app.v2-x:tag_1.0-rc", "quay.io/org/my_app.v2-x:tag_1.0-rc"},
		{"busybox@" + d, "docker.io/library/busybox@" + d, "busybox@" + d},
		{"busybox:1@" + d, "docker.io/library/busybox:1@" + d, "busybox:1@" + d},
		{"[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if r.String() != tt.full || r.FamiliarString() != tt.familiar {
			t.Errorf("Parse(%q) = %q / %q, want %q / %q", tt.in, r.String(), r.FamiliarString(), tt.full, tt.familiar)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "invalid reference format"},
		{"Busybox", "repository name (library/Busybox) must be lowercase"},
		{"registry.io/Org/app", "repository name (Org/app) must be lowercase"},
		{"busybox:", "invalid reference format"},
		{"busybox:bad tag", "invalid reference format"},
		{"busybox@sha256:abc", "invalid reference format"},
		{"busybox@sha256:" + strings.Repeat("a", 40), "invalid checksum digest length"},
		{"-busybox", "invalid reference format"},
		{"a//b", "invalid reference format"},
		{"host:port/app", "invalid reference format"},
		{strings.Repeat("a", 64), "cannot specify 64-byte hexadecimal strings"},
		{"a/" + strings.Repeat("b", 260), "must not be more than 255 characters"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tt.in, err, tt.want)
			continue
		}
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Parse(%q): error %v is not invalid argument", tt.in, err)
		}
	}
}

func TestParseNameKeepsEmptyTag(t *testing.T) {
	r, err := ParseName("busybox")
	if err != nil || r.Tag != "" || r.Name() != "docker.io/library/busybox" {
		t.Fatalf("ParseName = %+v, %v", r, err)
	}
	if got := r.Tagged("x").FamiliarString(); got != "busybox:x" {
		t.Fatalf("Tagged = %q", got)
	}
}

// TestHandWrittenChecksMatchTheGrammar holds the hand-written checks to the
// regular expressions of the reference grammar they stand for.
func TestHandWrittenChecksMatchTheGrammar(t *testing.T) {
	tag := regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	sha := regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	h := strings.Repeat("ab12", 16)
	for _, s := range []string{"", "latest", "v1.2.3", "-x", ".x", "_x", "a-b_c.d", "ü", "a b", "a:b", strings.Repeat("a", 128), strings.Repeat("a", 129),
		h, h[:63], h + "0", strings.ToUpper(h), "sha256:" + h, "sha256:" + h[:63], "sha512:" + h, "g" + h[1:]} {
		if got, want := validTag(s), tag.MatchString(s); got != want {
			t.Errorf("validTag(%q) = %v, the grammar says %v", s, got, want)
		}
		if got, want := isHex64(s), hex64.MatchString(s); got != want {
			t.Errorf("isHex64(%q) = %v, the grammar says %v", s, got, want)
		}
		if got, want := IsDigest(s), sha.MatchString(s); got != want {
			t.Errorf("IsDigest(%q) = %v, the grammar says %v", s, got, want)
		}
	}
}
