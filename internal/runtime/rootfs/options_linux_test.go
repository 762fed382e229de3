package rootfs

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		flags   uintptr
		cleared uintptr
		prop    []uintptr
		attr    unix.MountAttr
		data    string
		bare    []string
		copyUp  bool
		idmap   bool
	}{
		{name: "none"},
		{name: "defaults", in: []string{"defaults"}},
		{
			name:  "runc /dev/shm",
			in:    []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"},
			flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV,
			data:  "mode=1777,size=65536k",
		},
		{
			name:  "devpts keeps bare data words",
			in:    []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"},
			flags: unix.MS_NOSUID | unix.MS_NOEXEC,
			data:  "newinstance,ptmxmode=0666,mode=0620,gid=5",
			bare:  []string{"newinstance"},
		},
		{name: "later rw wins over ro", in: []string{"ro", "rw"}, cleared: unix.MS_RDONLY},
		{name: "later ro wins over rw", in: []string{"rw", "ro"}, flags: unix.MS_RDONLY},
		{
			name:    "clearing options",
			in:      []string{"suid", "dev", "exec", "async", "atime", "diratime", "norelatime", "nostrictatime", "nomand", "symfollow"},
			cleared: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_SYNCHRONOUS | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_MANDLOCK | unix.MS_NOSYMFOLLOW,
		},
		{
			name:  "setting options",
			in:    []string{"sync", "dirsync", "remount", "mand", "noatime", "nodiratime", "relatime", "strictatime", "nosymfollow", "lazytime", "iversion", "silent"},
			flags: unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_REMOUNT | unix.MS_MANDLOCK | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_NOSYMFOLLOW | unix.MS_LAZYTIME | unix.MS_I_VERSION | unix.MS_SILENT,
		},
		{name: "bind", in: []string{"bind"}, flags: unix.MS_BIND},
		{name: "rbind", in: []string{"rbind", "ro"}, flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{
			name: "propagation in order",
			in:   []string{"rprivate", "shared", "rslave", "unbindable", "runbindable", "private", "slave", "rshared"},
			prop: []uintptr{
				unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_SLAVE | unix.MS_REC, unix.MS_UNBINDABLE,
				unix.MS_UNBINDABLE | unix.MS_REC, unix.MS_PRIVATE, unix.MS_SLAVE, unix.MS_SHARED | unix.MS_REC,
			},
		},
		{
			name: "recursive flags",
			in:   []string{"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow"},
			attr: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW},
		},
		{
			name: "recursive clears",
			in:   []string{"rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow"},
			attr: unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV |
				unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW},
		},
		{
			name: "recursive atime is an enum",
			in:   []string{"rnoatime"},
			attr: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "last recursive atime wins",
			in:   []string{"rnoatime", "rstrictatime"},
			attr: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
		},
		{
			name: "ratime means relatime",
			in:   []string{"rnoatime", "ratime"},
			attr: unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RELATIME, Attr_clr: unix.MOUNT_ATTR__ATIME},
		},
		{name: "tmpcopyup", in: []string{"tmpcopyup", "size=1m"}, copyUp: true, data: "size=1m"},
		{name: "idmap", in: []string{"idmap"}, idmap: true},
		{name: "ridmap", in: []string{"rbind", "ridmap"}, flags: unix.MS_BIND | unix.MS_REC, idmap: true},
		{name: "unknown words are data", in: []string{"userxattr", "lowerdir=/a:/b"}, data: "userxattr,lowerdir=/a:/b", bare: []string{"userxattr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := parseOptions(tt.in)
			if o.flags != tt.flags || o.cleared != tt.cleared {
				t.Errorf("flags = %#x cleared = %#x, want %#x and %#x", o.flags, o.cleared, tt.flags, tt.cleared)
			}
			if !reflect.DeepEqual(o.propagation, tt.prop) {
				t.Errorf("propagation = %#x, want %#x", o.propagation, tt.prop)
			}
			if o.recAttr != tt.attr {
				t.Errorf("recAttr = %+v, want %+v", o.recAttr, tt.attr)
			}
			if o.hasRecAttr() != (tt.attr != unix.MountAttr{}) {
				t.Errorf("hasRecAttr = %v", o.hasRecAttr())
			}
			if got := o.dataString(); got != tt.data {
				t.Errorf("data = %q, want %q", got, tt.data)
			}
			if !reflect.DeepEqual(o.bare, tt.bare) {
				t.Errorf("bare = %q, want %q", o.bare, tt.bare)
			}
			if o.copyUp != tt.copyUp || o.idmap != tt.idmap {
				t.Errorf("copyUp, idmap = %v, %v, want %v, %v", o.copyUp, o.idmap, tt.copyUp, tt.idmap)
			}
		})
	}
}

func TestNeedsBindRemount(t *testing.T) {
	tests := []struct {
		in   []string
		want bool
	}{
		{[]string{"bind"}, false},
		{[]string{"rbind", "rprivate"}, false},
		{[]string{"rbind", "ro"}, true},
		{[]string{"bind", "nosuid"}, true},
		{[]string{"bind", "rw"}, true}, // explicitly cleared flags count, as in runc
		{[]string{"bind", "rro"}, false},
	}
	for _, tt := range tests {
		o := parseOptions(tt.in)
		if got := o.needsBindRemount(); got != tt.want {
			t.Errorf("needsBindRemount(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBindRemountFlags(t *testing.T) {
	const base = unix.MS_BIND | unix.MS_REMOUNT
	tests := []struct {
		name string
		in   []string
		src  uintptr
		want uintptr
	}{
		{"ro of a plain mount", []string{"rbind", "ro"}, unix.MS_RELATIME, base | unix.MS_RDONLY | unix.MS_RELATIME},
		{"locked flags of the source are kept", []string{"bind", "ro"}, unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOATIME,
			base | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOATIME},
		{"a read-only source stays read-only", []string{"bind", "nosuid"}, unix.MS_RDONLY | unix.MS_RELATIME,
			base | unix.MS_NOSUID | unix.MS_RDONLY | unix.MS_RELATIME},
		{"explicit rw and suid clear them", []string{"bind", "rw", "suid"}, unix.MS_RDONLY | unix.MS_NOSUID,
			base},
		{"an explicit atime mode replaces the source's", []string{"bind", "ro", "strictatime"}, unix.MS_NOATIME | unix.MS_NODIRATIME,
			base | unix.MS_RDONLY | unix.MS_STRICTATIME},
		{"non-lockable source flags are not copied", []string{"bind", "ro"}, unix.MS_SYNCHRONOUS | unix.MS_MANDLOCK | unix.MS_RELATIME,
			base | unix.MS_RDONLY | unix.MS_RELATIME},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bindRemountFlags(parseOptions(tt.in), tt.src); got != tt.want {
				t.Errorf("bindRemountFlags = %s, want %s", flagNames(got), flagNames(tt.want))
			}
		})
	}
}

func TestStatfsFlags(t *testing.T) {
	tests := []struct {
		st   int64
		want uintptr
	}{
		{0, unix.MS_STRICTATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{unix.ST_RDONLY | unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC | unix.ST_NOATIME,
			unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOATIME},
		{unix.ST_NODIRATIME | unix.ST_RELATIME | stNoSymfollow, unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW},
	}
	for _, tt := range tests {
		if got := statfsFlags(tt.st); got != tt.want {
			t.Errorf("statfsFlags(%#x) = %s, want %s", tt.st, flagNames(got), flagNames(tt.want))
		}
	}
}

func TestNewEntry(t *testing.T) {
	tests := []struct {
		m        specs.Mount
		typ      string
		dest     string
		bindFlag uintptr
	}{
		{specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"}, "proc", "/proc", 0},
		{specs.Mount{Destination: "data", Type: "bind", Source: "/src"}, "bind", "/data", unix.MS_BIND},
		{specs.Mount{Destination: "/a/../b/", Type: "none", Source: "/src", Options: []string{"rbind"}}, "bind", "/b", unix.MS_BIND | unix.MS_REC},
		{specs.Mount{Destination: "/c", Source: "/src", Options: []string{"bind"}}, "bind", "/c", unix.MS_BIND},
		{specs.Mount{Destination: "/d", Type: "tmpfs", Source: "/src", Options: []string{"bind"}}, "bind", "/d", unix.MS_BIND},
		{specs.Mount{Destination: "/e", Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/l"}}, "overlay", "/e", 0},
	}
	for _, tt := range tests {
		e := newEntry(tt.m)
		if e.typ != tt.typ || e.dest != tt.dest || e.opts.flags&(unix.MS_BIND|unix.MS_REC) != tt.bindFlag {
			t.Errorf("newEntry(%+v) = %s %s %#x, want %s %s %#x", tt.m, e.typ, e.dest, e.opts.flags, tt.typ, tt.dest, tt.bindFlag)
		}
	}
}

func TestRootPropagation(t *testing.T) {
	tests := map[string]uintptr{
		"":            unix.MS_SLAVE | unix.MS_REC,
		"slave":       unix.MS_SLAVE | unix.MS_REC,
		"rslave":      unix.MS_SLAVE | unix.MS_REC,
		"private":     unix.MS_PRIVATE | unix.MS_REC,
		"shared":      unix.MS_SHARED | unix.MS_REC,
		"rshared":     unix.MS_SHARED | unix.MS_REC,
		"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
	for in, want := range tests {
		if got := rootPropagation(in); got != want {
			t.Errorf("rootPropagation(%q) = %s, want %s", in, flagNames(got), flagNames(want))
		}
	}
}

func TestCheckProcDest(t *testing.T) {
	tests := []struct {
		dest   string
		isProc bool
		ok     bool
	}{
		{"/proc", true, true},
		{"/proc", false, false},
		{"/proc/cpuinfo", false, true},
		{"/proc/sys/kernel/ns_last_pid", false, true},
		{"/proc/net/dev", false, true},
		{"/proc/sys", false, false},
		{"/proc/self/root", false, false},
		{"/proc/cpuinfo/x", false, false},
		{"/procfoo", false, true},
		{"/etc", false, true},
	}
	for _, tt := range tests {
		if err := checkProcDest(tt.dest, tt.isProc); (err == nil) != tt.ok {
			t.Errorf("checkProcDest(%s, %v) = %v, want ok=%v", tt.dest, tt.isProc, err, tt.ok)
		}
	}
}
