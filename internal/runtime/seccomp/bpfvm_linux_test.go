package seccomp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// seccompData is the kernel's struct seccomp_data, the input of a filter.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

// word returns the 32-bit word at byte offset off of d, as BPF_LD|BPF_ABS
// sees it on a little-endian machine.
func (d *seccompData) word(off uint32) (uint32, error) {
	switch {
	case off == 0:
		return uint32(d.nr), nil
	case off == 4:
		return d.arch, nil
	case off == 8:
		return uint32(d.ip), nil
	case off == 12:
		return uint32(d.ip >> 32), nil
	case off >= 16 && off < 64 && off%4 == 0:
		arg := d.args[(off-16)/8]
		if (off-16)%8 == 4 {
			return uint32(arg >> 32), nil
		}
		return uint32(arg), nil
	}
	return 0, fmt.Errorf("load at offset %d", off)
}

// runBPF interprets a seccomp filter the way the kernel does, for the
// instructions libseccomp and the -ENOSYS stub emit, and returns the
// filter's return value. Unknown instructions are an error, not a guess.
func runBPF(prog []unix.SockFilter, d *seccompData) (uint32, error) {
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		var err error
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			a, err = d.word(in.K)
		case unix.BPF_LD | unix.BPF_MEM:
			a = mem[in.K%16]
		case unix.BPF_LDX | unix.BPF_MEM:
			x = mem[in.K%16]
		case unix.BPF_ST:
			mem[in.K%16] = a
		case unix.BPF_STX:
			mem[in.K%16] = x
		case unix.BPF_LD | unix.BPF_IMM:
			a = in.K
		case unix.BPF_MISC | unix.BPF_TAX:
			x = a
		case unix.BPF_MISC | unix.BPF_TXA:
			a = x
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			a &= in.K
		case unix.BPF_ALU | unix.BPF_OR | unix.BPF_K:
			a |= in.K
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			pc += branch(a == in.K, in)
		case unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K:
			pc += branch(a > in.K, in)
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			pc += branch(a >= in.K, in)
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			pc += branch(a&in.K != 0, in)
		case unix.BPF_RET | unix.BPF_K:
			return in.K, nil
		case unix.BPF_RET | unix.BPF_A:
			return a, nil
		default:
			return 0, fmt.Errorf("pc %d: unsupported instruction %#x", pc, in.Code)
		}
		if err != nil {
			return 0, fmt.Errorf("pc %d: %w", pc, err)
		}
	}
	return 0, fmt.Errorf("program ran off its end")
}

func branch(cond bool, in unix.SockFilter) int {
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}
