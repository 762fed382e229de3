package seccomp

import (
	"sync"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// seccompGetActionAvail is SECCOMP_GET_ACTION_AVAIL, the seccomp(2)
// operation that asks whether the kernel has a filter return action.
const seccompGetActionAvail = 2

// retActions maps each action to the kernel return value that implements it.
var retActions = map[specs.LinuxSeccompAction]uint32{
	specs.ActKill:        unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillThread:  unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillProcess: unix.SECCOMP_RET_KILL_PROCESS,
	specs.ActTrap:        unix.SECCOMP_RET_TRAP,
	specs.ActErrno:       unix.SECCOMP_RET_ERRNO,
	specs.ActTrace:       unix.SECCOMP_RET_TRACE,
	specs.ActLog:         unix.SECCOMP_RET_LOG,
	specs.ActAllow:       unix.SECCOMP_RET_ALLOW,
}

// supportedActions lists, sorted, the actions the running kernel has.
var supportedActions = sync.OnceValue(func() []string {
	var out []string
	for _, a := range Actions() {
		ret := retActions[specs.LinuxSeccompAction(a)]
		_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, seccompGetActionAvail, 0, uintptr(unsafe.Pointer(&ret)))
		if errno == 0 {
			out = append(out, a)
		}
	}
	return out
})

// supportedFlags lists the known flags the running kernel accepts. Asking
// to install a NULL program fails with EFAULT once the flags have passed the
// kernel's check, and with EINVAL when they have not; nothing is installed.
var supportedFlags = sync.OnceValue(func() []string {
	var out []string
	for _, f := range knownFlags {
		_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, seccompSetModeFilter, uintptr(flagBits[f]), 0)
		if errno == unix.EFAULT {
			out = append(out, string(f))
		}
	}
	return out
})
