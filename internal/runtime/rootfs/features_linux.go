package rootfs

import "sort"

// MountOptions lists every mount option this package understands, for the
// runtime's `features` report.
func MountOptions() []string {
	var out []string
	for name := range flagOptions {
		out = append(out, name)
	}
	for name := range propagationOptions {
		out = append(out, name)
	}
	for name := range recAttrOptions {
		out = append(out, name)
	}
	out = append(out, "tmpcopyup")
	sort.Strings(out)
	return out
}
