package cgroups

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The bpf(2) attribute layouts used here (prefixes of union bpf_attr; the
// kernel zero-fills the rest). Pointer fields are unsafe.Pointer, not
// uint64, so the garbage collector sees them and moves them with the stack;
// that takes 64-bit pointers, which the next line asserts.
var _ [unsafe.Sizeof(uintptr(0)) - 8]byte

type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       unsafe.Pointer
	license     unsafe.Pointer
	logLevel    uint32
	logSize     uint32
	logBuf      unsafe.Pointer
	kernVersion uint32
	progFlags   uint32
	progName    [unix.BPF_OBJ_NAME_LEN]byte
}

type progAttachAttr struct {
	targetFD     uint32
	attachBPFFD  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBPFFD uint32
}

type progQueryAttr struct {
	targetFD    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     unsafe.Pointer
	progCnt     uint32
	_           uint32
}

type progGetFDAttr struct {
	progID    uint32
	nextID    uint32
	openFlags uint32
}

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	fd, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// encodeInsns lays the program out as the kernel reads it.
func encodeInsns(prog []insn) []byte {
	b := make([]byte, 0, 8*len(prog))
	for _, i := range prog {
		b = append(b, i.code, i.regs)
		b = binary.NativeEndian.AppendUint16(b, uint16(i.off))
		b = binary.NativeEndian.AppendUint32(b, uint32(i.imm))
	}
	return b
}

// loadDeviceProgram loads prog and returns its fd. On failure it loads again
// with the verifier log on, to say why.
func loadDeviceProgram(prog []insn) (int, error) {
	fd, err := loadProgram(prog, nil)
	if err == nil {
		return fd, nil
	}
	log := make([]byte, 64<<10)
	if _, lerr := loadProgram(prog, log); lerr != nil {
		if s := unix.ByteSliceToString(log); s != "" {
			return -1, fmt.Errorf("load device filter: %w: verifier: %s", err, s)
		}
	}
	return -1, fmt.Errorf("load device filter: %w", err)
}

func loadProgram(prog []insn, log []byte) (int, error) {
	code := encodeInsns(prog)
	license := []byte("Apache\x00")
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(prog)),
		insns:    unsafe.Pointer(&code[0]),
		license:  unsafe.Pointer(&license[0]),
	}
	copy(attr.progName[:], "hull_devices")
	if len(log) > 0 {
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = unsafe.Pointer(&log[0])
	}
	return bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// attachDeviceFilter makes rules the device filter of the cgroup2 directory
// dir: the new program is attached beside any others (BPF_F_ALLOW_MULTI),
// then the ones that were there before are detached, so the cgroup is never
// left without a filter.
func attachDeviceFilter(dir string, rules []deviceRule) error {
	prog, err := deviceProgram(rules)
	if err != nil {
		return err
	}
	cg, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(cg)
	old, err := attachedPrograms(cg)
	if err != nil {
		return fmt.Errorf("query device filters of %s: %w", dir, err)
	}
	fd, err := loadDeviceProgram(prog)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := attachProgram(cg, fd); err != nil {
		return fmt.Errorf("attach device filter to %s: %w", dir, err)
	}
	for _, id := range old {
		if err := detachProgram(cg, id); err != nil {
			return fmt.Errorf("detach old device filter %d from %s: %w", id, dir, err)
		}
	}
	return nil
}

func attachProgram(cg, prog int) error {
	attr := progAttachAttr{
		targetFD:    uint32(cg),
		attachBPFFD: uint32(prog),
		attachType:  unix.BPF_CGROUP_DEVICE,
		attachFlags: unix.BPF_F_ALLOW_MULTI,
	}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// attachedPrograms lists the ids of the device programs attached to cg.
func attachedPrograms(cg int) ([]uint32, error) {
	ids := make([]uint32, 64)
	attr := progQueryAttr{
		targetFD:   uint32(cg),
		attachType: unix.BPF_CGROUP_DEVICE,
		progIDs:    unsafe.Pointer(&ids[0]),
		progCnt:    uint32(len(ids)),
	}
	_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return nil, err
	}
	return ids[:attr.progCnt], nil
}

func detachProgram(cg int, id uint32) error {
	get := progGetFDAttr{progID: id}
	fd, err := bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&get), unsafe.Sizeof(get))
	if errors.Is(err, unix.ENOENT) {
		return nil // already gone
	}
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	attr := progAttachAttr{targetFD: uint32(cg), attachBPFFD: uint32(fd), attachType: unix.BPF_CGROUP_DEVICE}
	_, err = bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}
