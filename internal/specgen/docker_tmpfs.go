package specgen

import (
	"fmt"
	"slices"
	"strings"
)

// tmpfsFlags maps each mount flag option to the flag it sets or clears, so
// that "exec" and "noexec" collide; propagation options share one key.
var tmpfsFlags = map[string]string{
	"ro": "rdonly", "rw": "rdonly",
	"suid": "nosuid", "nosuid": "nosuid",
	"dev": "nodev", "nodev": "nodev",
	"exec": "noexec", "noexec": "noexec",
	"sync": "sync", "async": "sync",
	"dirsync": "dirsync",
	"mand":    "mand", "nomand": "mand",
	"atime": "noatime", "noatime": "noatime",
	"diratime": "nodiratime", "nodiratime": "nodiratime",
	"relatime": "relatime", "norelatime": "relatime",
	"strictatime": "strictatime", "nostrictatime": "strictatime",
	"private": "propagation", "rprivate": "propagation",
	"shared": "propagation", "rshared": "propagation",
	"slave": "propagation", "rslave": "propagation",
	"unbindable": "propagation", "runbindable": "propagation",
}

// tmpfsData are the key=value options tmpfs takes.
var tmpfsData = []string{"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"}

// mergeTmpfsOptions keeps the last of colliding options, in the order they
// were last given, as moby's mount.MergeTmpfsOptions does.
func mergeTmpfsOptions(opts []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, opt := range slices.Backward(opts) {
		key, err := tmpfsKey(opt)
		if err != nil {
			return nil, err
		}
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, opt)
	}
	slices.Reverse(out)
	return out, nil
}

// tmpfsKey returns what opt collides on, "" for "defaults".
func tmpfsKey(opt string) (string, error) {
	if opt == "defaults" {
		return "", nil
	}
	if flag, ok := tmpfsFlags[opt]; ok {
		return "flag:" + flag, nil
	}
	k, _, ok := strings.Cut(opt, "=")
	if !ok || !slices.Contains(tmpfsData, k) {
		return "", fmt.Errorf("invalid tmpfs option %q", opt)
	}
	return "data:" + k, nil
}
