package cgroups

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// insn is one eBPF instruction as the kernel reads it (struct bpf_insn).
type insn struct {
	code uint8
	regs uint8 // destination register in the low nibble, source in the high
	off  int16
	imm  int32
}

// The registers the device filter uses. At entry r1 points at
// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }.
const (
	r0 = iota // verdict: 1 allows, 0 denies
	r1        // the context
	r2        // device type (low 16 bits of access_type)
	r3        // requested access (high 16 bits of access_type)
	r4        // major
	r5        // minor
	r6        // scratch
)

func ldxW(dst, src uint8, off int16) insn {
	return insn{code: unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W, regs: dst | src<<4, off: off}
}

func alu32Imm(op uint8, dst uint8, imm int32) insn {
	return insn{code: unix.BPF_ALU | op | unix.BPF_K, regs: dst, imm: imm}
}

func mov32Reg(dst, src uint8) insn {
	return insn{code: unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X, regs: dst | src<<4}
}

func jmp32Imm(op uint8, dst uint8, imm int32) insn {
	return insn{code: unix.BPF_JMP32 | op | unix.BPF_K, regs: dst, imm: imm}
}

func ja() insn   { return insn{code: unix.BPF_JMP | unix.BPF_JA} }
func exit() insn { return insn{code: unix.BPF_JMP | unix.BPF_EXIT} }

// assembler collects instructions and resolves forward jumps to labels.
type assembler struct {
	insns  []insn
	jumps  map[int]int // instruction index -> label
	labels []int       // label -> instruction index, -1 until marked
}

func (a *assembler) emit(is ...insn) { a.insns = append(a.insns, is...) }

func (a *assembler) label() int {
	a.labels = append(a.labels, -1)
	return len(a.labels) - 1
}

func (a *assembler) mark(label int) { a.labels[label] = len(a.insns) }

func (a *assembler) jump(i insn, label int) {
	if a.jumps == nil {
		a.jumps = map[int]int{}
	}
	a.jumps[len(a.insns)] = label
	a.emit(i)
}

func (a *assembler) resolve() ([]insn, error) {
	for at, label := range a.jumps {
		to := a.labels[label]
		if to <= at || to-at-1 > 1<<15-1 {
			return nil, fmt.Errorf("device filter: bad jump from %d to %d", at, to)
		}
		a.insns[at].off = int16(to - at - 1)
	}
	return a.insns, nil
}

// accessBits pairs each OCI access letter with its bit in access_type.
var accessBits = []struct {
	letter rune
	bit    int32
}{
	{'m', unix.BPF_DEVCG_ACC_MKNOD},
	{'r', unix.BPF_DEVCG_ACC_READ},
	{'w', unix.BPF_DEVCG_ACC_WRITE},
}

// deviceProgram compiles the rules into a BPF_PROG_TYPE_CGROUP_DEVICE
// program. Each requested access bit is judged on its own: the last rule that
// matches the device and names that bit decides it, and a bit no rule names
// is denied. The request is allowed only if every bit it asks for is.
func deviceProgram(rules []deviceRule) ([]insn, error) {
	var a assembler
	a.emit(
		ldxW(r2, r1, 0), alu32Imm(unix.BPF_AND, r2, 0xffff),
		ldxW(r3, r1, 0), alu32Imm(unix.BPF_RSH, r3, 16),
		ldxW(r4, r1, 4),
		ldxW(r5, r1, 8),
	)
	for _, b := range accessBits {
		next := a.label()
		// if (access & bit) == 0 goto next
		a.emit(mov32Reg(r6, r3), alu32Imm(unix.BPF_AND, r6, b.bit))
		a.jump(jmp32Imm(unix.BPF_JEQ, r6, 0), next)
		if !a.judgeBit(rules, b.letter, next) {
			a.emit(verdict(false)...)
		}
		a.mark(next)
	}
	a.emit(verdict(true)...)
	return a.resolve()
}

// judgeBit emits the rules naming letter, last first; a matching allow jumps
// to allowed, a matching deny returns 0. It reports whether a rule matching
// every device ended the chain, leaving nothing to fall through.
func (a *assembler) judgeBit(rules []deviceRule, letter rune, allowed int) bool {
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if !strings.ContainsRune(r.access, letter) {
			continue
		}
		if r.kind == 'a' && r.major < 0 && r.minor < 0 {
			if !r.allow {
				a.emit(verdict(false)...)
			}
			return true // an allow falls through to the allowed label
		}
		skip := a.label()
		a.matchDevice(r, skip)
		if r.allow {
			a.jump(ja(), allowed)
		} else {
			a.emit(verdict(false)...)
		}
		a.mark(skip)
	}
	return false
}

// matchDevice emits jumps to skip when the device is not the rule's.
func (a *assembler) matchDevice(r deviceRule, skip int) {
	if r.kind != 'a' {
		typ := int32(unix.BPF_DEVCG_DEV_CHAR)
		if r.kind == 'b' {
			typ = unix.BPF_DEVCG_DEV_BLOCK
		}
		a.jump(jmp32Imm(unix.BPF_JNE, r2, typ), skip)
	}
	if r.major >= 0 {
		a.jump(jmp32Imm(unix.BPF_JNE, r4, int32(uint32(r.major))), skip)
	}
	if r.minor >= 0 {
		a.jump(jmp32Imm(unix.BPF_JNE, r5, int32(uint32(r.minor))), skip)
	}
}

// verdict returns allow (1) or deny (0).
func verdict(allow bool) []insn {
	var v int32
	if allow {
		v = 1
	}
	return []insn{alu32Imm(unix.BPF_MOV, r0, v), exit()}
}
