package seccomp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxInstructions is the kernel's limit on a classic BPF program
// (BPF_MAXINSNS).
const maxInstructions = 4096

// seccompSetModeFilter is SECCOMP_SET_MODE_FILTER, the seccomp(2) operation
// that installs a filter.
const seccompSetModeFilter = 1

// Program is a compiled seccomp filter: plain data that can cross a pipe to
// the container's init, which then needs nothing but seccomp(2) to load it.
type Program struct {
	// Instructions is the classic BPF program in host byte order.
	Instructions []unix.SockFilter `json:"instructions"`
	// Flags are the SECCOMP_FILTER_FLAG_* bits to install it with.
	Flags uint `json:"flags,omitempty"`
}

// Load installs p on the calling thread with seccomp(2). Without
// SECCOMP_FILTER_FLAG_TSYNC in p.Flags only this thread is filtered, so lock
// the OS thread first and exec from it. The thread must have no_new_privs
// set or hold CAP_SYS_ADMIN; Load never sets no_new_privs itself. A nil p
// loads nothing.
func (p *Program) Load() error {
	if p == nil {
		return nil
	}
	if n := len(p.Instructions); n == 0 || n > maxInstructions {
		return invalid("seccomp: filter has %d instructions, want 1-%d", n, maxInstructions)
	}
	prog := unix.SockFprog{Len: uint16(len(p.Instructions)), Filter: &p.Instructions[0]}
	ret, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, seccompSetModeFilter,
		uintptr(p.Flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(p.Instructions)
	if errno == unix.EACCES {
		return fmt.Errorf("seccomp: load filter (set no_new_privs first or hold CAP_SYS_ADMIN): %w", errno)
	}
	if errno != 0 {
		return fmt.Errorf("seccomp: load filter with flags %#x: %w", p.Flags, errno)
	}
	if ret != 0 && p.Flags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
		return fmt.Errorf("seccomp: load filter: thread %d could not be synchronised", ret)
	}
	return nil
}

// decode reads libseccomp's exported BPF (struct sock_filter records in host
// byte order).
func decode(raw []byte) ([]unix.SockFilter, error) {
	const size = int(unsafe.Sizeof(unix.SockFilter{}))
	if len(raw) == 0 || len(raw)%size != 0 {
		return nil, fmt.Errorf("seccomp: exported filter is %d bytes, not a whole number of instructions", len(raw))
	}
	out := make([]unix.SockFilter, 0, len(raw)/size)
	for b := raw; len(b) > 0; b = b[size:] {
		out = append(out, unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:2]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:8]),
		})
	}
	return out, nil
}

// flagBits are the seccomp(2) bits of the OCI filter flags.
var flagBits = map[specs.LinuxSeccompFlag]uint{
	flagTsync:                       unix.SECCOMP_FILTER_FLAG_TSYNC,
	specs.LinuxSeccompFlagLog:       unix.SECCOMP_FILTER_FLAG_LOG,
	specs.LinuxSeccompFlagSpecAllow: unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW,
}

// loadFlags returns the seccomp(2) flags for a validated profile. When the
// profile does not mention flags at all (nil, not empty), runc's default
// applies: SECCOMP_FILTER_FLAG_SPEC_ALLOW if the kernel has it, so that a
// filtered process does not pay for the speculative store bypass
// mitigation by default.
func loadFlags(s *specs.LinuxSeccomp) uint {
	if s.Flags == nil {
		if slices.Contains(supportedFlags(), string(specs.LinuxSeccompFlagSpecAllow)) {
			return unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		}
		return 0
	}
	var bits uint
	for _, f := range s.Flags {
		bits |= flagBits[f]
	}
	return bits
}

// programJSON is Program on the wire: the instructions packed, 8 bytes
// each in host byte order, and base64'd by encoding/json. A profile like
// Docker's compiles to hundreds of instructions, which as JSON objects
// took a millisecond to decode on each side of the pipe to init.
type programJSON struct {
	BPF   []byte `json:"bpf"`
	Flags uint   `json:"flags,omitempty"`
}

// MarshalJSON packs the program.
func (p Program) MarshalJSON() ([]byte, error) {
	size := int(unsafe.Sizeof(unix.SockFilter{}))
	bpf := make([]byte, 0, size*len(p.Instructions))
	for _, in := range p.Instructions {
		bpf = binary.NativeEndian.AppendUint16(bpf, in.Code)
		bpf = append(bpf, in.Jt, in.Jf)
		bpf = binary.NativeEndian.AppendUint32(bpf, in.K)
	}
	return json.Marshal(programJSON{BPF: bpf, Flags: p.Flags})
}

// UnmarshalJSON unpacks what MarshalJSON packed.
func (p *Program) UnmarshalJSON(data []byte) error {
	var w programJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	const size = 8
	if len(w.BPF)%size != 0 {
		return fmt.Errorf("seccomp program: %d bytes is not a whole number of instructions", len(w.BPF))
	}
	p.Instructions = make([]unix.SockFilter, 0, len(w.BPF)/size)
	for b := w.BPF; len(b) > 0; b = b[size:] {
		p.Instructions = append(p.Instructions, unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.NativeEndian.Uint32(b[4:]),
		})
	}
	p.Flags = w.Flags
	return nil
}
