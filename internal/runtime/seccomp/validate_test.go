package seccomp

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func uintp(v uint) *uint { return &v }

// base returns a valid profile to break in one place per test case.
func base() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: uintp(1),
		Architectures:   []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Flags:           []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "no_such_syscall_yet"}, Action: specs.ActAllow},
			{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0, Op: specs.OpEqualTo},
			}},
			{Names: []string{"clone"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0x7E020000, Op: specs.OpMaskedEqual},
			}},
			{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: uintp(38)},
			{Names: []string{"ptrace"}, Action: specs.ActTrace, ErrnoRet: uintp(7)},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp
		wantErr string // substring; "" means valid
		class   error
	}{
		{name: "base profile", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { return s }},
		{name: "nil", edit: func(*specs.LinuxSeccomp) *specs.LinuxSeccomp { return nil }},
		{name: "empty means disabled", edit: func(*specs.LinuxSeccomp) *specs.LinuxSeccomp { return &specs.LinuxSeccomp{} }},
		{name: "every action", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
			for _, a := range Actions() {
				s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.LinuxSeccompAction(a)})
			}
			return s
		}},
		{name: "every operator", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
			for i, op := range Operators() {
				s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"ioctl"}, Action: specs.ActAllow,
					Args: []specs.LinuxSeccompArg{{Index: uint(i % maxArgs), Value: 1, ValueTwo: 1, Op: specs.LinuxSeccompOperator(op)}}})
			}
			return s
		}},
		{name: "every architecture", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
			s.Architectures = nil
			for _, a := range Archs() {
				s.Architectures = append(s.Architectures, specs.Arch(a))
			}
			return s
		}},
		{name: "every flag", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
			s.Flags = nil
			for _, f := range KnownFlags() {
				s.Flags = append(s.Flags, specs.LinuxSeccompFlag(f))
			}
			return s
		}},
		{name: "unknown syscall names are not an error", edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
			s.Syscalls[0].Names = []string{"syscall_from_2031"}
			return s
		}},
		{
			name:    "unknown default action",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.DefaultAction = "SCMP_ACT_FOO"; return s },
			wantErr: `seccomp: default action: unknown action "SCMP_ACT_FOO"`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name: "rules without a default action",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.DefaultAction = ""
				return s
			},
			wantErr: `unknown action ""`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "unknown rule action",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.Syscalls[1].Action = "SCMP_ACT_FOO"; return s },
			wantErr: `seccomp: syscalls[1] (personality): unknown action "SCMP_ACT_FOO"`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "notify action",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.Syscalls[0].Action = specs.ActNotify; return s },
			wantErr: "seccomp notify (SCMP_ACT_NOTIFY) is not supported",
			class:   errdefs.ErrNotImplemented,
		},
		{
			name:    "notify default action",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.DefaultAction = specs.ActNotify; return s },
			wantErr: "not supported",
			class:   errdefs.ErrNotImplemented,
		},
		{
			name: "listener path",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.ListenerPath = "/run/agent.sock"
				return s
			},
			wantErr: "seccomp: seccomp notify listeners are not supported",
			class:   errdefs.ErrNotImplemented,
		},
		{
			name: "listener path on an otherwise empty profile",
			edit: func(*specs.LinuxSeccomp) *specs.LinuxSeccomp {
				return &specs.LinuxSeccomp{ListenerPath: "/run/agent.sock"}
			},
			wantErr: "listeners are not supported",
			class:   errdefs.ErrNotImplemented,
		},
		{
			name: "unknown architecture",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.Architectures = append(s.Architectures, "SCMP_ARCH_VAX")
				return s
			},
			wantErr: `seccomp: unknown architecture "SCMP_ARCH_VAX"`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name: "unknown flag",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.Flags = append(s.Flags, "SECCOMP_FILTER_FLAG_FOO")
				return s
			},
			wantErr: `seccomp: unknown flag "SECCOMP_FILTER_FLAG_FOO"`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name: "wait killable recv flag",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}
				return s
			},
			wantErr: "seccomp notify",
			class:   errdefs.ErrNotImplemented,
		},
		{
			name: "unknown operator",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.Syscalls[1].Args[0].Op = "SCMP_CMP_ABOUT"
				return s
			},
			wantErr: `unknown operator "SCMP_CMP_ABOUT"`,
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name: "argument index out of range",
			edit: func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp {
				s.Syscalls[1].Args[0].Index = 6
				return s
			},
			wantErr: "argument index 6 out of range 0-5",
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "no names",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.Syscalls[0].Names = nil; return s },
			wantErr: "seccomp: syscalls[0]: no system call names",
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "empty name",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.Syscalls[0].Names = []string{"read", ""}; return s },
			wantErr: "empty system call name",
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "errnoRet too large",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.Syscalls[3].ErrnoRet = uintp(1 << 16); return s },
			wantErr: "errnoRet 65536 does not fit in 16 bits",
			class:   errdefs.ErrInvalidArgument,
		},
		{
			name:    "defaultErrnoRet too large",
			edit:    func(s *specs.LinuxSeccomp) *specs.LinuxSeccomp { s.DefaultErrnoRet = uintp(1 << 20); return s },
			wantErr: "seccomp: default action: errnoRet",
			class:   errdefs.ErrInvalidArgument,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.edit(base()))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate error = %v, want one containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("Validate error %q is not %v", err, tt.class)
			}
		})
	}
}

func TestLists(t *testing.T) {
	if got := Operators(); len(got) != 7 || !slices.IsSorted(got) {
		t.Fatalf("Operators = %v", got)
	}
	acts := Actions()
	if slices.Contains(acts, string(specs.ActNotify)) || !slices.Contains(acts, string(specs.ActKillProcess)) || !slices.IsSorted(acts) {
		t.Fatalf("Actions = %v", acts)
	}
	if got := Archs(); !slices.Contains(got, string(specs.ArchX86_64)) || !slices.IsSorted(got) {
		t.Fatalf("Archs = %v", got)
	}
	if got := KnownFlags(); !slices.Equal(got, []string{
		"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG",
	}) {
		t.Fatalf("KnownFlags = %v", got)
	}
}

func TestDisabled(t *testing.T) {
	for _, s := range []*specs.LinuxSeccomp{nil, {}, {Architectures: []specs.Arch{specs.ArchX86_64}}} {
		if !Disabled(s) {
			t.Errorf("Disabled(%+v) = false", s)
		}
	}
	if Disabled(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow}) {
		t.Error("a profile with a default action is disabled")
	}
}
