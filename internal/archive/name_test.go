package archive

import (
	"archive/tar"
	"reflect"
	"testing"
)

func TestCleanName(t *testing.T) {
	tests := []struct {
		name, want string
		bad        bool
	}{
		{name: "a/b", want: "a/b"},
		{name: "./a/b/", want: "a/b"},
		{name: "/etc/passwd", want: "etc/passwd"},
		{name: "//etc//passwd", want: "etc/passwd"},
		{name: "a/../b", want: "b"},
		{name: "./", want: "."},
		{name: "/", want: "."},
		{name: "a/./b/../../c", want: "c"},
		{name: "..", bad: true},
		{name: "../x", bad: true},
		{name: "a/../../x", bad: true},
		{name: "/../x", bad: true},
		{name: "a/b/../../../etc", bad: true},
		{name: "", bad: true},
		{name: "a\x00b", bad: true},
	}
	for _, tt := range tests {
		got, err := cleanName(tt.name)
		if tt.bad {
			if err == nil {
				t.Errorf("cleanName(%q) = %q, want error", tt.name, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		rel    string
		kind   whiteoutKind
		target string
		bad    bool
	}{
		{rel: "a/b", kind: notWhiteout},
		{rel: "a/.wh.b", kind: whiteoutFile, target: "a/b"},
		{rel: ".wh.b", kind: whiteoutFile, target: "b"},
		{rel: "a/.wh..wh..opq", kind: whiteoutDirOpaque, target: "a"},
		{rel: ".wh..wh..opq", kind: whiteoutDirOpaque, target: "."},
		{rel: "a/.wh..wh.plnk", kind: whiteoutIgnored},
		{rel: "a/x.wh.b", kind: notWhiteout},
		{rel: "a/.wh.", bad: true},
		{rel: "a/.wh..", bad: true},
		{rel: "a/.wh...", bad: true},
	}
	for _, tt := range tests {
		kind, target, err := classify(tt.rel)
		if tt.bad {
			if err == nil {
				t.Errorf("classify(%q): want error", tt.rel)
			}
			continue
		}
		if err != nil || kind != tt.kind || target != tt.target {
			t.Errorf("classify(%q) = %v, %q, %v; want %v, %q", tt.rel, kind, target, err, tt.kind, tt.target)
		}
	}
}

func TestEntryXattrs(t *testing.T) {
	hdr := &tar.Header{PAXRecords: map[string]string{
		"SCHILY.xattr.user.b":                   "2",
		"SCHILY.xattr.user.a":                   "1",
		"SCHILY.xattr.trusted.overlay.opaque":   "y",
		"SCHILY.xattr.trusted.overlay.redirect": "/etc",
		"SCHILY.xattr.security.capability":      "\x01",
		"mtime":                                 "1.5",
	}}
	want := []xattr{
		{"security.capability", []byte("\x01")},
		{"trusted.overlay.opaque", []byte("y")},
		{"user.a", []byte("1")},
		{"user.b", []byte("2")},
	}
	if got := entryXattrs(hdr); !reflect.DeepEqual(got, want) {
		t.Errorf("entryXattrs = %q, want %q", got, want)
	}
}

func TestCheckHeader(t *testing.T) {
	tests := []struct {
		hdr tar.Header
		bad bool
	}{
		{hdr: tar.Header{Uid: 0, Gid: 0}},
		{hdr: tar.Header{Uid: 65534, Gid: 1 << 31}},
		{hdr: tar.Header{Uid: -1}, bad: true},
		{hdr: tar.Header{Gid: 1 << 32}, bad: true},
		{hdr: tar.Header{Size: -1}, bad: true},
		{hdr: tar.Header{Typeflag: tar.TypeGNUSparse}, bad: true},
		{hdr: tar.Header{PAXRecords: map[string]string{"GNU.sparse.major": "1"}}, bad: true},
	}
	for i, tt := range tests {
		if err := checkHeader(&tt.hdr); (err != nil) != tt.bad {
			t.Errorf("case %d: checkHeader = %v, want error %v", i, err, tt.bad)
		}
	}
}
