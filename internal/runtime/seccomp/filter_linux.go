//go:build cgo

package seccomp

import (
	"fmt"
	"io"
	"os"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// optimizeAbove is the rule count above which libseccomp is asked for its
// binary-tree filter layout. libseccomp up to 2.5.4 misbehaves with the tree
// and no rules; runc uses the same threshold.
const optimizeAbove = 32

// Compile validates s and builds its filter program: libseccomp's BPF for
// the rules, behind the -ENOSYS stub runc adds (see enosys_linux.go). A
// profile that Disabled reports gives a nil Program. Compile has no effect
// on the calling process, so the runtime can compile once in the parent and
// hand the Program to the container's init.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	if Disabled(s) {
		return nil, Validate(s)
	}
	if err := Validate(s); err != nil {
		return nil, err
	}
	f, err := newFilter(s)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	raw, err := exportBPF(f)
	if err != nil {
		return nil, err
	}
	body, err := decode(raw)
	if err != nil {
		return nil, err
	}
	stub, err := enosysStub(s)
	if err != nil {
		return nil, err
	}
	return &Program{Instructions: append(stub, body...), Flags: loadFlags(s)}, nil
}

// Load compiles s and loads it into the calling thread (see Program.Load).
// A nil or disabled profile loads nothing.
func Load(s *specs.LinuxSeccomp) error {
	p, err := Compile(s)
	if err != nil {
		return err
	}
	return p.Load()
}

// exportBPF returns the filter's BPF program as libseccomp writes it. It
// goes through a memfd: libseccomp before 2.6 can only write to a file
// descriptor.
func exportBPF(f *libseccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seccomp: export filter: memfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "seccomp-bpf")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("seccomp: export filter: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seccomp: export filter: %w", err)
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("seccomp: export filter: %w", err)
	}
	return raw, nil
}

// newFilter builds the libseccomp filter for a validated profile.
func newFilter(s *specs.LinuxSeccomp) (*libseccomp.ScmpFilter, error) {
	def := scmpAction(s.DefaultAction, s.DefaultErrnoRet)
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("seccomp: create filter: %w", err)
	}
	if err := configure(f, s); err != nil {
		f.Release()
		return nil, err
	}
	for i := range s.Syscalls {
		if err := addRules(f, &s.Syscalls[i], def); err != nil {
			f.Release()
			return nil, err
		}
	}
	return f, nil
}

// configure sets the filter's attributes and architectures.
func configure(f *libseccomp.ScmpFilter, s *specs.LinuxSeccomp) error {
	// The caller controls no_new_privs; the filter must not set it.
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return fmt.Errorf("seccomp: clear no_new_privs attribute: %w", err)
	}
	for _, a := range s.Architectures {
		arch, err := libseccomp.GetArchFromString(archs[a])
		if err == nil {
			err = f.AddArch(arch)
		}
		if err != nil {
			return fmt.Errorf("seccomp: add architecture %s: %w", a, err)
		}
	}
	if ruleCount(s) > optimizeAbove {
		// Not fatal: an older libseccomp builds the linear layout.
		_ = f.SetOptimize(2)
	}
	return nil
}

// ruleCount counts rules as runc does: one per system call name.
func ruleCount(s *specs.LinuxSeccomp) int {
	n := 0
	for _, r := range s.Syscalls {
		n += len(r.Names)
	}
	return n
}

// scmpAction converts a validated OCI action. SCMP_ACT_ERRNO and
// SCMP_ACT_TRACE without errnoRet return EPERM, as runc does.
func scmpAction(a specs.LinuxSeccompAction, errnoRet *uint) libseccomp.ScmpAction {
	ret := int16(unix.EPERM)
	if errnoRet != nil {
		ret = int16(*errnoRet)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess
	case specs.ActTrap:
		return libseccomp.ActTrap
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(ret)
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(ret)
	case specs.ActLog:
		return libseccomp.ActLog
	case specs.ActAllow:
		return libseccomp.ActAllow
	}
	return libseccomp.ActInvalid
}

var scmpOperators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// addRules adds one OCI rule: a rule per system call name. A rule whose
// action is the default action is redundant (and libseccomp refuses it), and
// a name libseccomp cannot resolve is a system call this machine does not
// have: both are skipped, as runc skips them.
func addRules(f *libseccomp.ScmpFilter, r *specs.LinuxSyscall, def libseccomp.ScmpAction) error {
	act := scmpAction(r.Action, r.ErrnoRet)
	if act == def {
		return nil
	}
	groups, err := conditions(r.Args)
	if err != nil {
		return fmt.Errorf("seccomp: rule for %s: %w", r.Names[0], err)
	}
	for _, name := range r.Names {
		call, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			continue
		}
		for _, conds := range groups {
			if err := f.AddRuleConditional(call, act, conds); err != nil {
				return fmt.Errorf("seccomp: add rule for %s: %w", name, err)
			}
		}
	}
	return nil
}

// conditions turns a rule's argument checks into the condition lists of the
// libseccomp rules that implement it. Checks on distinct arguments make one
// rule that needs them all (AND). When two checks share an argument index,
// libseccomp cannot AND them, so, like runc, every check becomes a rule of
// its own and any one of them matches (OR). No checks make one
// unconditional rule.
func conditions(args []specs.LinuxSeccompArg) ([][]libseccomp.ScmpCondition, error) {
	all := make([]libseccomp.ScmpCondition, 0, len(args))
	seen := map[uint]bool{}
	shared := false
	for _, a := range args {
		c, err := libseccomp.MakeCondition(a.Index, scmpOperators[a.Op], a.Value, a.ValueTwo)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", a.Index, err)
		}
		shared = shared || seen[a.Index]
		seen[a.Index] = true
		all = append(all, c)
	}
	if !shared {
		return [][]libseccomp.ScmpCondition{all}, nil
	}
	groups := make([][]libseccomp.ScmpCondition, len(all))
	for i, c := range all {
		groups[i] = []libseccomp.ScmpCondition{c}
	}
	return groups, nil
}

// UnknownSyscalls lists, sorted and without repeats, the system call names
// in s that libseccomp cannot resolve. Compile skips them; the caller may
// log them.
func UnknownSyscalls(s *specs.LinuxSeccomp) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, r := range s.Syscalls {
		for _, name := range r.Names {
			if _, err := libseccomp.GetSyscallFromName(name); err != nil && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}
