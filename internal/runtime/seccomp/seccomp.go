// Package seccomp turns an OCI seccomp profile into a BPF filter with
// libseccomp and loads it into the calling thread, with the semantics of
// runc's libcontainer/seccomp: the same actions, operators, argument rules,
// default errno, and the -ENOSYS stub for system calls newer than the
// profile. It also carries Docker's default profile (DockerDefault).
//
// Validate is pure and can run anywhere, long before a process starts.
// Compile builds the filter program; Program.Load installs it on the calling
// thread with seccomp(2). The container's init runs Load on the locked OS
// thread that execs the container's process, after it has set no_new_privs
// (or while it still holds CAP_SYS_ADMIN): the filter itself never sets
// no_new_privs.
package seccomp

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hull-project/hull/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// flagTsync is accepted as runc accepts it, although the OCI specification
// does not define it.
const flagTsync specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// Linux system calls take at most six arguments.
const maxArgs = 6

// actions are the OCI actions this package implements. SCMP_ACT_NOTIFY is
// known but refused (see Validate).
var actions = map[specs.LinuxSeccompAction]bool{
	specs.ActKill:        true,
	specs.ActKillProcess: true,
	specs.ActKillThread:  true,
	specs.ActTrap:        true,
	specs.ActErrno:       true,
	specs.ActTrace:       true,
	specs.ActAllow:       true,
	specs.ActLog:         true,
}

var operators = map[specs.LinuxSeccompOperator]bool{
	specs.OpNotEqual:     true,
	specs.OpLessThan:     true,
	specs.OpLessEqual:    true,
	specs.OpEqualTo:      true,
	specs.OpGreaterEqual: true,
	specs.OpGreaterThan:  true,
	specs.OpMaskedEqual:  true,
}

// archs maps the OCI architecture names to libseccomp's names.
var archs = map[specs.Arch]string{
	specs.ArchX86:         "x86",
	specs.ArchX86_64:      "amd64",
	specs.ArchX32:         "x32",
	specs.ArchARM:         "arm",
	specs.ArchAARCH64:     "arm64",
	specs.ArchMIPS:        "mips",
	specs.ArchMIPS64:      "mips64",
	specs.ArchMIPS64N32:   "mips64n32",
	specs.ArchMIPSEL:      "mipsel",
	specs.ArchMIPSEL64:    "mipsel64",
	specs.ArchMIPSEL64N32: "mipsel64n32",
	specs.ArchPPC:         "ppc",
	specs.ArchPPC64:       "ppc64",
	specs.ArchPPC64LE:     "ppc64le",
	specs.ArchS390:        "s390",
	specs.ArchS390X:       "s390x",
	specs.ArchPARISC:      "parisc",
	specs.ArchPARISC64:    "parisc64",
	specs.ArchRISCV64:     "riscv64",
	specs.ArchLOONGARCH64: "loong64",
	specs.ArchM68K:        "m68k",
	specs.ArchSH:          "sh",
	specs.ArchSHEB:        "sheb",
}

// knownFlags are the filter flags this package implements, in the order
// `features` lists them.
var knownFlags = []specs.LinuxSeccompFlag{
	flagTsync,
	specs.LinuxSeccompFlagSpecAllow,
	specs.LinuxSeccompFlagLog,
}

// Operators returns the argument operators this package implements, sorted.
func Operators() []string { return sortedKeys(operators) }

// Actions returns the actions this package implements, sorted. The kernel
// may lack some (see Supported).
func Actions() []string { return sortedKeys(actions) }

// Archs returns the OCI architecture names this package knows, sorted. The
// libseccomp in use may lack some (see Supported).
func Archs() []string { return sortedKeys(archs) }

// KnownFlags returns the filter flags this package implements. The kernel
// may lack some (see Supported).
func KnownFlags() []string {
	out := make([]string, len(knownFlags))
	for i, f := range knownFlags {
		out[i] = string(f)
	}
	return out
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, string(k))
	}
	return out
}

// Disabled reports whether s asks for no filter at all: it is nil, or has
// neither a default action nor rules (runc reads such a profile the same way).
func Disabled(s *specs.LinuxSeccomp) bool {
	return s == nil || (s.DefaultAction == "" && len(s.Syscalls) == 0)
}

// Validate checks s without loading anything: actions, architectures, flags,
// argument rules and return values. System call names are not checked
// against any table: a name the kernel or libseccomp does not know is
// skipped when the filter is built, as runc does, because profiles list
// system calls newer than the machine running them. Errors wrap
// errdefs.ErrInvalidArgument, or errdefs.ErrNotImplemented for seccomp
// notify (listenerPath, SCMP_ACT_NOTIFY), which hull does not support.
func Validate(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if s.ListenerPath != "" || s.ListenerMetadata != "" {
		return notImplemented("seccomp: seccomp notify listeners are not supported (listenerPath %q)", s.ListenerPath)
	}
	if Disabled(s) {
		return nil
	}
	if err := checkAction(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return fmt.Errorf("seccomp: default action: %w", err)
	}
	if err := checkArchs(s.Architectures); err != nil {
		return err
	}
	if err := checkFlags(s.Flags); err != nil {
		return err
	}
	for i := range s.Syscalls {
		if err := checkRule(&s.Syscalls[i]); err != nil {
			return fmt.Errorf("seccomp: syscalls[%d]%s: %w", i, ruleLabel(&s.Syscalls[i]), err)
		}
	}
	return nil
}

// ruleLabel names a rule by its first system call, for error messages.
func ruleLabel(r *specs.LinuxSyscall) string {
	if len(r.Names) == 0 {
		return ""
	}
	return " (" + r.Names[0] + ")"
}

func checkAction(a specs.LinuxSeccompAction, errnoRet *uint) error {
	if a == specs.ActNotify {
		return notImplemented("seccomp notify (%s) is not supported", a)
	}
	if !actions[a] {
		return invalid("unknown action %q", a)
	}
	if errnoRet != nil && *errnoRet > 0xffff {
		return invalid("errnoRet %d does not fit in 16 bits", *errnoRet)
	}
	return nil
}

func checkArchs(list []specs.Arch) error {
	for _, a := range list {
		if _, ok := archs[a]; !ok {
			return invalid("seccomp: unknown architecture %q", a)
		}
	}
	return nil
}

func checkFlags(list []specs.LinuxSeccompFlag) error {
	for _, f := range list {
		switch {
		case slices.Contains(knownFlags, f):
		case f == specs.LinuxSeccompFlagWaitKillableRecv:
			return notImplemented("seccomp: flag %s applies to seccomp notify, which is not supported", f)
		default:
			return invalid("seccomp: unknown flag %q", f)
		}
	}
	return nil
}

func checkRule(r *specs.LinuxSyscall) error {
	if len(r.Names) == 0 {
		return invalid("no system call names")
	}
	if slices.Contains(r.Names, "") {
		return invalid("empty system call name")
	}
	if err := checkAction(r.Action, r.ErrnoRet); err != nil {
		return err
	}
	for _, a := range r.Args {
		if a.Index >= maxArgs {
			return invalid("argument index %d out of range 0-%d", a.Index, maxArgs-1)
		}
		if !operators[a.Op] {
			return invalid("unknown operator %q", a.Op)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return errdefs.InvalidArgument(fmt.Sprintf(format, args...))
}

func notImplemented(format string, args ...any) error {
	return errdefs.NotImplemented(fmt.Sprintf(format, args...))
}
