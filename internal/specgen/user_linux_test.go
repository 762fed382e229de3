package specgen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const testPasswd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

  www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
app:x:1000:1000::/home/app:/bin/sh
nohome:x:1001:1001::::
`

const testGroup = `root:x:0:
daemon:x:1:
www-data:x:33:
audio:x:29:app
app:x:1000:
staff:x:50:root,app
`

func fakeRoot(t *testing.T, passwd, group string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"passwd": passwd, "group": group} {
		if data == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestResolveUser(t *testing.T) {
	root := fakeRoot(t, testPasswd, testGroup)
	tests := []struct {
		user string
		want specs.User
		home string
	}{
		{"", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 50}}, "/root"},
		{"root", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 50}}, "/root"},
		{"app", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 29, 50}}, "/home/app"},
		{"1000", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 29, 50}}, "/home/app"},
		{"www-data", specs.User{UID: 33, GID: 33, AdditionalGids: []uint32{33}}, "/var/www"},
		{"app:staff", specs.User{UID: 1000, GID: 50, AdditionalGids: []uint32{50}}, "/home/app"},
		{"app:7", specs.User{UID: 1000, GID: 7, AdditionalGids: []uint32{7}}, "/home/app"},
		{"4242", specs.User{UID: 4242, GID: 0, AdditionalGids: []uint32{0}}, "/"},
		{"4242:4343", specs.User{UID: 4242, GID: 4343, AdditionalGids: []uint32{4343}}, "/"},
		{"nohome", specs.User{UID: 1001, GID: 1001, AdditionalGids: []uint32{1001}}, "/"},
	}
	for _, tt := range tests {
		u, home, err := ResolveUser(root, tt.user)
		if err != nil || !reflect.DeepEqual(u, tt.want) || home != tt.home {
			t.Errorf("ResolveUser(%q) = %+v, %q, %v; want %+v, %q", tt.user, u, home, err, tt.want, tt.home)
		}
	}
	for user, msg := range map[string]string{
		"nobody":      "no matching entries in passwd file",
		"app:nogroup": "unable to find group nogroup: no matching entries in group file",
		"9999999999":  "uids and gids must be in range 0-2147483647",
	} {
		if _, _, err := ResolveUser(root, user); err == nil || err.Error() != msg {
			t.Errorf("ResolveUser(%q) error = %v, want %q", user, err, msg)
		}
	}
}

func TestResolveUserWithoutFiles(t *testing.T) {
	root := fakeRoot(t, "", "")
	u, home, err := ResolveUser(root, "1234:5678")
	if err != nil || u.UID != 1234 || u.GID != 5678 || home != "/" {
		t.Errorf("numeric user without passwd: %+v %q %v", u, home, err)
	}
	if u, _, err := ResolveUser(root, ""); err != nil || u.UID != 0 {
		t.Errorf("root without passwd: %+v %v", u, err)
	}
	if _, _, err := ResolveUser(root, "app"); err == nil {
		t.Error("named user without passwd resolved")
	}
}

// TestResolveUserStaysInRoot points the image's /etc/passwd at the host's
// files through absolute and relative symlinks; they must resolve inside
// the root, where nothing is found.
func TestResolveUserStaysInRoot(t *testing.T) {
	outside := fakeRoot(t, "evil:x:0:0::/:/bin/sh\n", "")
	for _, target := range []string{
		filepath.Join(outside, "etc", "passwd"),
		"../../../../../../../../" + strings.TrimPrefix(filepath.Join(outside, "etc", "passwd"), "/"),
	} {
		root := fakeRoot(t, "", "")
		if err := os.Symlink(target, filepath.Join(root, "etc", "passwd")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ResolveUser(root, "evil"); err == nil {
			t.Errorf("symlink to %s read a file outside the root", target)
		}
	}
	root := fakeRoot(t, "", "")
	if err := os.Symlink("/", filepath.Join(root, "etc", "group")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ResolveUser(root, "0:0"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("group file that is a directory: %v", err)
	}
}
