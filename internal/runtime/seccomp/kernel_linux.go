package seccomp

import "golang.org/x/sys/unix"

// kernelVersion returns the running kernel's major and minor numbers, or
// zero when uname fails or its answer cannot be read.
func kernelVersion() [2]int {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return [2]int{}
	}
	v, _ := parseKernel(unix.ByteSliceToString(u.Release[:]))
	return v
}
