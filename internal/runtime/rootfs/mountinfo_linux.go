package rootfs

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/hull-project/hull/internal/mountinfo"
)

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	root       string   // the path inside the file system that is mounted
	mountpoint string   // where, as this process sees it
	optional   []string // shared:N, master:N, ...
	fstype     string
	source     string
	superOpts  []string
}

// parseMountinfo reads /proc/<pid>/mountinfo (see proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
func parseMountinfo(b []byte) ([]mountInfo, error) {
	var out []mountInfo
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		mi, err := parseMountinfoLine(sc.Text())
		if err != nil {
			return nil, err
		}
		out = append(out, mi)
	}
	return out, sc.Err()
}

func parseMountinfoLine(line string) (mountInfo, error) {
	fields := strings.Fields(line)
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || len(fields) < sep+3 {
		return mountInfo{}, fmt.Errorf("malformed mountinfo line %q", line)
	}
	mi := mountInfo{
		root:       mountinfo.Unescape(fields[3]),
		mountpoint: mountinfo.Unescape(fields[4]),
		optional:   fields[6:sep],
		fstype:     fields[sep+1],
		source:     mountinfo.Unescape(fields[sep+2]),
	}
	if len(fields) > sep+3 {
		mi.superOpts = strings.Split(fields[sep+3], ",")
	}
	return mi, nil
}

// mountOf returns the mount that holds the host path p: the longest
// mountpoint that is p or a parent of it (the last such line if stacked).
func mountOf(mounts []mountInfo, p string) (mountInfo, bool) {
	var best mountInfo
	found := false
	for _, mi := range mounts {
		if !pathHasPrefix(p, mi.mountpoint) {
			continue
		}
		if !found || len(mi.mountpoint) >= len(best.mountpoint) {
			best, found = mi, true
		}
	}
	return best, found
}

// pathHasPrefix reports whether p is dir or below it.
func pathHasPrefix(p, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

func hasOptional(mi mountInfo, prefix string) bool {
	for _, o := range mi.optional {
		if strings.HasPrefix(o, prefix) {
			return true
		}
	}
	return false
}
