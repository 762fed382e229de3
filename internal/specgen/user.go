package specgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxID is the largest uid or gid runc accepts.
const maxID = 1<<31 - 1

// ResolveUser finds user, as --user and an image's User give it ("name",
// "uid", "name:group", "uid:gid", "" for root), in rootfs's /etc/passwd and
// /etc/group, following runc's GetExecUser and moby's getUser: a numeric
// uid or gid needs no entry; without an explicit group the user's primary
// group is used and the groups listing the user become supplementary
// groups; AdditionalGids always starts with the primary gid. home is the
// user's home directory, "/" when passwd does not say.
//
// The files are opened inside rootfs (openat2 RESOLVE_IN_ROOT), so an
// image's symlinks cannot lead the engine to read host files. Errors read
// like runc's: "no matching entries in passwd file".
func ResolveUser(rootfs, user string) (u specs.User, home string, err error) {
	passwd, err := readInRoot(rootfs, "etc/passwd")
	if err != nil {
		return u, "", err
	}
	group, err := readInRoot(rootfs, "etc/group")
	if err != nil {
		return u, "", err
	}
	return resolveUser(user, passwd, group)
}

type passwdEntry struct {
	name     string
	uid, gid int
	home     string
}

type groupEntry struct {
	name    string
	gid     int
	members []string
}

// resolveUser resolves spec against the contents of passwd and group; nil
// contents stand for a missing file.
func resolveUser(spec string, passwd, group []byte) (specs.User, string, error) {
	userArg, groupArg, _ := strings.Cut(spec, ":")
	uid, gid, home, name, err := findUser(userArg, passwd)
	if err != nil {
		return specs.User{}, "", err
	}
	var sgids []int
	if groupArg != "" {
		if gid, err = findGroup(groupArg, group); err != nil {
			return specs.User{}, "", err
		}
	} else if name != "" {
		sgids = memberOf(name, group)
	}
	u := specs.User{UID: uint32(uid), GID: uint32(gid), AdditionalGids: []uint32{uint32(gid)}}
	for _, g := range sgids {
		u.AdditionalGids = append(u.AdditionalGids, uint32(g))
	}
	return u, home, nil
}

// findUser returns the first passwd entry for arg (a name, a uid, or "" for
// uid 0), or a bare numeric uid that has none.
func findUser(arg string, passwd []byte) (uid, gid int, home, name string, err error) {
	num, numErr := strconv.Atoi(arg)
	for _, e := range parsePasswd(passwd) {
		if (arg == "" && e.uid == 0) || (numErr == nil && e.uid == num) || (numErr != nil && e.name == arg) {
			return e.uid, e.gid, homeOr(e.home), e.name, nil
		}
	}
	switch {
	case arg == "":
		return 0, 0, "/", "", nil
	case numErr != nil:
		return 0, 0, "", "", errors.New("no matching entries in passwd file")
	case num < 0 || num > maxID:
		return 0, 0, "", "", errors.New("uids and gids must be in range 0-2147483647")
	}
	return num, 0, "/", "", nil
}

func homeOr(home string) string {
	if home == "" {
		return "/"
	}
	return home
}

// findGroup returns the gid of the first group named or numbered arg, or
// arg itself when it is a number with no entry.
func findGroup(arg string, group []byte) (int, error) {
	num, numErr := strconv.Atoi(arg)
	for _, g := range parseGroup(group) {
		if (numErr == nil && g.gid == num) || (numErr != nil && g.name == arg) {
			return g.gid, nil
		}
	}
	switch {
	case numErr != nil:
		return 0, fmt.Errorf("unable to find group %s: no matching entries in group file", arg)
	case num < 0 || num > maxID:
		return 0, errors.New("uids and gids must be in range 0-2147483647")
	}
	return num, nil
}

// memberOf returns the gids of the groups that list name as a member.
func memberOf(name string, group []byte) []int {
	var out []int
	for _, g := range parseGroup(group) {
		for _, m := range g.members {
			if m == name {
				out = append(out, g.gid)
				break
			}
		}
	}
	return out
}

func parsePasswd(data []byte) []passwdEntry {
	var out []passwdEntry
	for _, f := range fieldLines(data) {
		e := passwdEntry{name: field(f, 0), uid: atoi(field(f, 2)), gid: atoi(field(f, 3)), home: field(f, 5)}
		out = append(out, e)
	}
	return out
}

func parseGroup(data []byte) []groupEntry {
	var out []groupEntry
	for _, f := range fieldLines(data) {
		g := groupEntry{name: field(f, 0), gid: atoi(field(f, 2))}
		if m := field(f, 3); m != "" {
			g.members = strings.Split(m, ",")
		}
		out = append(out, g)
	}
	return out
}

// fieldLines splits data into trimmed, non-empty lines of ":"-separated
// fields.
func fieldLines(data []byte) [][]string {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, strings.Split(line, ":"))
		}
	}
	return out
}

func field(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// atoi reads a numeric field as runc does: anything unparsable is 0.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
