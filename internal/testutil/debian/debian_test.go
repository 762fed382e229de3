package debian

import (
	"reflect"
	"testing"
)

func TestDeb822URIs(t *testing.T) {
	src := `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
`
	got := deb822URIs(src)
	if want := []string{"http://deb.debian.org/debian"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("deb822URIs = %q, want %q", got, want)
	}
}

func TestOneLineURIs(t *testing.T) {
	src := `# comment
deb http://security.debian.org/debian-security bookworm-security main
deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main
deb-src http://mirror.example/debian bookworm main
`
	got := oneLineURIs(src)
	if want := []string{"http://mirror.example/debian"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("oneLineURIs = %q, want %q", got, want)
	}
	if !isDebianArchive(got[0]) || isDebianArchive("https://packages.cloud.google.com/apt") {
		t.Fatal("isDebianArchive")
	}
}

func TestChanges(t *testing.T) {
	got := Nginx("bookworm").Changes()
	want := []string{
		"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"EXPOSE 80/tcp",
		`CMD ["nginx","-g","daemon off;"]`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Changes = %q, want %q", got, want)
	}
}
