//go:build cgo

package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// The -ENOSYS stub.
//
// A profile lists the system calls it knows. Under a default action that
// refuses (EPERM, kill, trap), a system call newer than the profile would be
// refused too, and programs that probe for a new call (glibc trying clone3,
// then falling back to clone) see EPERM and give up instead of falling back.
// Like runc, hull puts a short program in front of libseccomp's filter: for
// each architecture of the profile, a system call numbered above the highest
// one the profile names returns ENOSYS, as the kernel would for a call it
// does not have. Everything else falls through to the filter, which starts
// over by loading the architecture itself.
//
//	    ld  [4]                      ; seccomp_data.arch
//	    jeq AUDIT_ARCH_X, 0, next    ; one section per architecture
//	    ld  [0]                      ; seccomp_data.nr
//	    jgt MAX_X, enosys, filter
//	next: ...
//	    ja  filter
//	enosys:
//	    ret ERRNO(ENOSYS)
//	filter:
//	    <libseccomp's program>
//
// x86-64 and x32 share AUDIT_ARCH_X86_64; x32 system calls carry bit 30, so
// that section tests the bit first. On s390, a system call number the kernel
// does not know arrives as 0 (the multiplexer), which gets ENOSYS as well.

// x32SyscallBit marks x32 system calls on x86-64.
const x32SyscallBit = 0x40000000

// retEnosys is SECCOMP_RET_ERRNO with ENOSYS.
const retEnosys = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)

// auditArchs maps libseccomp architectures to the AUDIT_ARCH_* value the
// kernel puts in seccomp_data.arch. Architectures missing here get no stub.
var auditArchs = map[libseccomp.ScmpArch]uint32{
	libseccomp.ArchX86:         unix.AUDIT_ARCH_I386,
	libseccomp.ArchAMD64:       unix.AUDIT_ARCH_X86_64,
	libseccomp.ArchX32:         unix.AUDIT_ARCH_X86_64,
	libseccomp.ArchARM:         unix.AUDIT_ARCH_ARM,
	libseccomp.ArchARM64:       unix.AUDIT_ARCH_AARCH64,
	libseccomp.ArchMIPS:        unix.AUDIT_ARCH_MIPS,
	libseccomp.ArchMIPS64:      unix.AUDIT_ARCH_MIPS64,
	libseccomp.ArchMIPS64N32:   unix.AUDIT_ARCH_MIPS64N32,
	libseccomp.ArchMIPSEL:      unix.AUDIT_ARCH_MIPSEL,
	libseccomp.ArchMIPSEL64:    unix.AUDIT_ARCH_MIPSEL64,
	libseccomp.ArchMIPSEL64N32: unix.AUDIT_ARCH_MIPSEL64N32,
	libseccomp.ArchPPC:         unix.AUDIT_ARCH_PPC,
	libseccomp.ArchPPC64:       unix.AUDIT_ARCH_PPC64,
	libseccomp.ArchPPC64LE:     unix.AUDIT_ARCH_PPC64LE,
	libseccomp.ArchS390:        unix.AUDIT_ARCH_S390,
	libseccomp.ArchS390X:       unix.AUDIT_ARCH_S390X,
	libseccomp.ArchRISCV64:     unix.AUDIT_ARCH_RISCV64,
	libseccomp.ArchLOONGARCH64: unix.AUDIT_ARCH_LOONGARCH64,
}

// Jump targets of stub instructions: a non-negative value skips that many
// instructions; the labels below are resolved when the stub is assembled.
const (
	toEnosys   = -1 - iota // the ret ERRNO(ENOSYS)
	toFilter               // the first instruction of libseccomp's program
	toNextArch             // the next architecture's section
)

// insn is a stub instruction with symbolic jump targets.
type insn struct {
	code   uint16
	k      uint32
	jt, jf int
}

func ldArch() insn { return insn{code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, k: 4} }
func ldNr() insn   { return insn{code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, k: 0} }
func jeq(k uint32, t, f int) insn {
	return insn{code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, k: k, jt: t, jf: f}
}
func jgt(k uint32, t, f int) insn {
	return insn{code: unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, k: k, jt: t, jf: f}
}
func jset(k uint32, t, f int) insn {
	return insn{code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, k: k, jt: t, jf: f}
}

// archMax is the highest system call number a profile names on one
// architecture.
type archMax struct {
	arch libseccomp.ScmpArch
	max  libseccomp.ScmpSyscall
}

// enosysStub returns the stub for s, or nothing when s needs none: its
// default action lets calls through (allow, log, trace: a tracer handles new
// calls itself) or already answers ENOSYS, or it lists no architecture
// (runc adds a stub only for the architectures a profile lists).
func enosysStub(s *specs.LinuxSeccomp) ([]unix.SockFilter, error) {
	switch s.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActTrace:
		return nil, nil
	case specs.ActErrno:
		if s.DefaultErrnoRet != nil && *s.DefaultErrnoRet == uint(unix.ENOSYS) {
			return nil, nil
		}
	}
	groups, order := maxSyscalls(s)
	if len(order) == 0 {
		return nil, nil
	}
	sections := [][]insn{{ldArch()}}
	for _, audit := range order {
		sec, err := archSection(audit, groups[audit])
		if err != nil {
			return nil, err
		}
		sections = append(sections, sec)
	}
	return assemble(sections)
}

// maxSyscalls finds, for each architecture of s that has an AUDIT_ARCH
// value, the highest system call number s names, grouped by AUDIT_ARCH (in
// the profile's order) because x86-64 and x32 share one.
func maxSyscalls(s *specs.LinuxSeccomp) (map[uint32][]archMax, []uint32) {
	groups := map[uint32][]archMax{}
	var order []uint32
	for _, a := range s.Architectures {
		arch, err := libseccomp.GetArchFromString(archs[a])
		audit, ok := auditArchs[arch]
		if err != nil || !ok || hasArch(groups[audit], arch) {
			continue
		}
		max := highestSyscall(s, arch)
		if max <= 0 {
			continue
		}
		if len(groups[audit]) == 0 {
			order = append(order, audit)
		}
		groups[audit] = append(groups[audit], archMax{arch, max})
	}
	return groups, order
}

func hasArch(list []archMax, arch libseccomp.ScmpArch) bool {
	for _, m := range list {
		if m.arch == arch {
			return true
		}
	}
	return false
}

// highestSyscall is the highest number any name in s has on arch. Names the
// architecture lacks resolve to negative pseudo numbers and do not count.
func highestSyscall(s *specs.LinuxSeccomp, arch libseccomp.ScmpArch) libseccomp.ScmpSyscall {
	var max libseccomp.ScmpSyscall
	for _, r := range s.Syscalls {
		for _, name := range r.Names {
			if nr, err := libseccomp.GetSyscallFromNameByArch(name, arch); err == nil && nr > max {
				max = nr
			}
		}
	}
	return max
}

// archSection is the stub section of one AUDIT_ARCH value.
func archSection(audit uint32, maxes []archMax) ([]insn, error) {
	sec := []insn{jeq(audit, 0, toNextArch), ldNr()}
	if audit != unix.AUDIT_ARCH_X86_64 {
		if len(maxes) != 1 {
			return nil, fmt.Errorf("seccomp: enosys stub: %d architectures share audit arch %#x", len(maxes), audit)
		}
		if audit == unix.AUDIT_ARCH_S390 || audit == unix.AUDIT_ARCH_S390X {
			sec = append(sec, jeq(0, toEnosys, 0))
		}
		return append(sec, jgt(uint32(maxes[0].max), toEnosys, toFilter)), nil
	}
	return append(sec, x86Section(maxes)...), nil
}

// x86Section tells x86-64 from x32 system calls by bit 30 of the number.
func x86Section(maxes []archMax) []insn {
	var amd64, x32 *archMax
	for i := range maxes {
		if maxes[i].arch == libseccomp.ArchX32 {
			x32 = &maxes[i]
		} else {
			amd64 = &maxes[i]
		}
	}
	switch {
	case amd64 != nil && x32 != nil:
		return []insn{
			jset(x32SyscallBit, 1, 0),
			jgt(uint32(amd64.max), toEnosys, toFilter),
			jgt(uint32(x32.max)|x32SyscallBit, toEnosys, toFilter),
		}
	case amd64 != nil:
		return []insn{jset(x32SyscallBit, toFilter, 0), jgt(uint32(amd64.max), toEnosys, toFilter)}
	default:
		return []insn{jset(x32SyscallBit, 0, toFilter), jgt(uint32(x32.max)|x32SyscallBit, toEnosys, toFilter)}
	}
}

// assemble lays out the sections, then "ja filter" for any other
// architecture, "ret ERRNO(ENOSYS)", and resolves the jump labels.
func assemble(sections [][]insn) ([]unix.SockFilter, error) {
	var out []unix.SockFilter
	var ends []int // index just past each section
	n := 0
	for _, sec := range sections {
		n += len(sec)
		ends = append(ends, n)
	}
	enosys := n + 1
	filter := n + 2
	for si, sec := range sections {
		for _, in := range sec {
			pc := len(out)
			labels := map[int]int{toEnosys: enosys, toFilter: filter, toNextArch: ends[si]}
			jt, err := offset(pc, in.jt, labels)
			if err != nil {
				return nil, err
			}
			jf, err := offset(pc, in.jf, labels)
			if err != nil {
				return nil, err
			}
			out = append(out, unix.SockFilter{Code: in.code, Jt: jt, Jf: jf, K: in.k})
		}
	}
	out = append(out,
		unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JA, K: 1},
		unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: retEnosys},
	)
	return out, nil
}

// offset resolves a jump target of the instruction at pc.
func offset(pc, target int, labels map[int]int) (uint8, error) {
	skip := target
	if target < 0 {
		skip = labels[target] - pc - 1
	}
	if skip < 0 || skip > 255 {
		return 0, fmt.Errorf("seccomp: enosys stub: jump of %d instructions", skip)
	}
	return uint8(skip), nil
}
