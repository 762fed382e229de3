package rootfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// mountOptions is an OCI mount's option list turned into what the kernel
// takes: mount(2) flags, propagation changes, recursive attributes for
// mount_setattr(2) and the file-system-specific data string.
type mountOptions struct {
	flags       uintptr        // MS_* flags to set
	cleared     uintptr        // MS_* flags the options explicitly clear (rw, suid, dev, ...)
	propagation []uintptr      // MS_SHARED, MS_SLAVE|MS_REC, ..., applied one by one after the mount
	recAttr     unix.MountAttr // rro, rnosuid, ...: applied with AT_RECURSIVE after the mount
	data        []string       // everything else, for the file system
	bare        []string       // the words in data that have no "=": unknown unless the file system knows them
	copyUp      bool           // tmpcopyup: copy what the destination held into the new tmpfs
	idmap       bool           // idmap or ridmap was asked for
}

type flagOption struct {
	clear bool
	flag  uintptr
}

// flagOptions are mount(8)'s flag options, as runc reads them.
var flagOptions = map[string]flagOption{
	"acl":           {false, unix.MS_POSIXACL},
	"noacl":         {true, unix.MS_POSIXACL},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"noatime":       {false, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"nodev":         {false, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"noexec":        {false, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"noiversion":    {true, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"silent":        {false, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"nomand":        {true, unix.MS_MANDLOCK},
	"relatime":      {false, unix.MS_RELATIME},
	"norelatime":    {true, unix.MS_RELATIME},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"nosuid":        {false, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
}

// propagationOptions map the OCI propagation words to mount(2) flags; they
// are also the values RootfsPropagation accepts.
var propagationOptions = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

type attrOption struct {
	clear bool
	attr  uint64
}

// recAttrOptions are the recursive options of runc 1.1+, applied with
// mount_setattr(2) and AT_RECURSIVE. The atime ones are an enum in the
// kernel: setting one clears the others.
var recAttrOptions = map[string]attrOption{
	"rro":            {false, unix.MOUNT_ATTR_RDONLY},
	"rrw":            {true, unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {false, unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {true, unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {false, unix.MOUNT_ATTR_NODEV},
	"rdev":           {true, unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {false, unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {true, unix.MOUNT_ATTR_NOEXEC},
	"rnodiratime":    {false, unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {true, unix.MOUNT_ATTR_NODIRATIME},
	"rnosymfollow":   {false, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {true, unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rrelatime":      {false, unix.MOUNT_ATTR_RELATIME},
	"rnoatime":       {false, unix.MOUNT_ATTR_NOATIME},
	"rstrictatime":   {false, unix.MOUNT_ATTR_STRICTATIME},
	"ratime":         {false, unix.MOUNT_ATTR_RELATIME},    // clears noatime: back to the default
	"rnostrictatime": {false, unix.MOUNT_ATTR_RELATIME},    // likewise
	"rnorelatime":    {false, unix.MOUNT_ATTR_STRICTATIME}, // the only other full-atime mode
}

// parseOptions reads an OCI option list. Later options override earlier
// ones, as with mount(8). It never fails: what it does not know becomes
// file-system data, and Validate decides what is acceptable.
func parseOptions(options []string) mountOptions {
	var o mountOptions
	for _, opt := range options {
		o.add(opt)
	}
	return o
}

func (o *mountOptions) add(opt string) {
	if f, ok := flagOptions[opt]; ok {
		o.setFlag(f)
		return
	}
	if p, ok := propagationOptions[opt]; ok {
		o.propagation = append(o.propagation, p)
		return
	}
	if a, ok := recAttrOptions[opt]; ok {
		o.setAttr(a)
		return
	}
	switch opt {
	case "tmpcopyup":
		o.copyUp = true
	case "idmap", "ridmap":
		o.idmap = true
	default:
		o.data = append(o.data, opt)
		if !strings.Contains(opt, "=") {
			o.bare = append(o.bare, opt)
		}
	}
}

func (o *mountOptions) setFlag(f flagOption) {
	if f.clear {
		o.flags &^= f.flag
		o.cleared |= f.flag
		return
	}
	o.flags |= f.flag
	o.cleared &^= f.flag
}

func (o *mountOptions) setAttr(a attrOption) {
	isAtime := a.attr&^unix.MOUNT_ATTR__ATIME == 0
	switch {
	case isAtime:
		// The kernel wants the whole atime field cleared to set a value in it.
		o.recAttr.Attr_set = o.recAttr.Attr_set&^unix.MOUNT_ATTR__ATIME | a.attr
		o.recAttr.Attr_clr |= unix.MOUNT_ATTR__ATIME
	case a.clear:
		o.recAttr.Attr_clr |= a.attr
		o.recAttr.Attr_set &^= a.attr
	default:
		o.recAttr.Attr_set |= a.attr
		o.recAttr.Attr_clr &^= a.attr
	}
}

// hasRecAttr reports whether any recursive option was given.
func (o *mountOptions) hasRecAttr() bool {
	return o.recAttr.Attr_set != 0 || o.recAttr.Attr_clr != 0
}

// isBind reports whether the options say bind or rbind.
func (o *mountOptions) isBind() bool { return o.flags&unix.MS_BIND != 0 }

// dataString is the data argument for mount(2).
func (o *mountOptions) dataString() string { return strings.Join(o.data, ",") }

// needsBindRemount reports whether a bind mount needs the second
// MS_BIND|MS_REMOUNT call: the first call ignores every flag but MS_REC.
// As in runc, explicitly cleared flags (rw, suid, ...) count too.
func (o *mountOptions) needsBindRemount() bool {
	return o.flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || o.cleared != 0
}

const (
	// defaultMountFlags are what runc gives the mounts it makes up itself.
	defaultMountFlags = unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NODEV
	// atimeEnumFlags are mutually exclusive in the kernel.
	atimeEnumFlags = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME
	atimeFlags     = atimeEnumFlags | unix.MS_NODIRATIME
	// lockFlags can be locked on a mount inherited into another user
	// namespace (MNT_LOCK_*): a remount that drops them fails with EPERM.
	lockFlags = unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | atimeFlags
	// stNoSymfollow is ST_NOSYMFOLLOW from <linux/statfs.h>.
	stNoSymfollow = 0x2000
)

// statfsFlags turns statfs(2)'s f_flags into the MS_* flags of that mount.
func statfsFlags(stFlags int64) uintptr {
	var flags uintptr
	for _, f := range []struct {
		st int64
		ms uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY},
		{unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_MANDLOCK, unix.MS_MANDLOCK},
		{unix.ST_SYNCHRONOUS, unix.MS_SYNCHRONOUS},
		{unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{stNoSymfollow, unix.MS_NOSYMFOLLOW},
	} {
		if stFlags&f.st != 0 {
			flags |= f.ms
		}
	}
	// strictatime is not stored as a flag: it is what no other atime flag means.
	if flags&atimeEnumFlags == 0 {
		flags |= unix.MS_STRICTATIME
	}
	return flags
}

// bindRemountFlags are the flags of the MS_BIND|MS_REMOUNT call that applies
// o to a bind of a mount whose flags are src. The source's lockable flags are
// kept unless the options clear them, so a bind of a nosuid or read-only
// mount stays so (and the remount does not fail with EPERM in a user
// namespace); the source's atime mode is kept unless the options set one.
func bindRemountFlags(o mountOptions, src uintptr) uintptr {
	keep := src & lockFlags &^ o.cleared
	if (o.flags|o.cleared)&atimeFlags != 0 {
		keep &^= atimeFlags
	}
	return o.flags&^unix.MS_REC | keep | unix.MS_BIND | unix.MS_REMOUNT
}
