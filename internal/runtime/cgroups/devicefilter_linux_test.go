package cgroups

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestDeviceProgramEncoding pins the instructions for one rule, as bytes the
// kernel reads (code, dst|src<<4, off, imm; little endian).
func TestDeviceProgramEncoding(t *testing.T) {
	rules, err := deviceRules([]specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](3), Access: "r"},
	})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := deviceProgram(rules)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"6112000000000000", // r2 = *(u32 *)(r1 + 0)
		"54020000ffff0000", // w2 &= 0xffff            type
		"6113000000000000", // r3 = *(u32 *)(r1 + 0)
		"7403000010000000", // w3 >>= 16               access
		"6114040000000000", // r4 = *(u32 *)(r1 + 4)   major
		"6115080000000000", // r5 = *(u32 *)(r1 + 8)   minor
		"bc36000000000000", // w6 = w3                 mknod asked?
		"5406000001000000", // w6 &= 1
		"1606020000000000", // if w6 == 0 goto +2
		"b400000000000000", // w0 = 0                  no rule allows mknod
		"9500000000000000", // exit
		"bc36000000000000", // w6 = w3                 read asked?
		"5406000002000000", // w6 &= 2
		"1606060000000000", // if w6 == 0 goto +6
		"5602030002000000", // if w2 != 2 (char) goto +3
		"5604020001000000", // if w4 != 1 goto +2
		"5605010003000000", // if w5 != 3 goto +1
		"0500020000000000", // goto +2                 read allowed
		"b400000000000000", // w0 = 0
		"9500000000000000", // exit
		"bc36000000000000", // w6 = w3                 write asked?
		"5406000004000000", // w6 &= 4
		"1606020000000000", // if w6 == 0 goto +2
		"b400000000000000", // w0 = 0
		"9500000000000000", // exit
		"b400000001000000", // w0 = 1                  all asked bits allowed
		"9500000000000000", // exit
	}
	code := encodeInsns(prog)
	var got []string
	for i := 0; i < len(code); i += 8 {
		got = append(got, hex.EncodeToString(code[i:i+8]))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("program:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// request is what the kernel asks a device program.
type request struct {
	kind         byte // 'c' or 'b'
	major, minor uint32
	access       string
}

func (q request) String() string {
	return fmt.Sprintf("%c %d:%d %s", q.kind, q.major, q.minor, q.access)
}

func TestDeviceProgramDecisions(t *testing.T) {
	dev := func(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
		d := specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Access: access}
		if major >= 0 {
			d.Major = ptr(major)
		}
		if minor >= 0 {
			d.Minor = ptr(minor)
		}
		return d
	}
	docker := []specs.LinuxDeviceCgroup{
		dev(false, "a", -1, -1, "rwm"),
		dev(true, "c", -1, -1, "m"),
		dev(true, "b", -1, -1, "m"),
		dev(true, "c", 1, 3, "rwm"),
		dev(true, "c", 136, -1, "rwm"),
		dev(false, "c", 1, 3, "w"),
	}
	tests := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		allow map[request]bool
	}{
		{"no rules deny everything", nil, map[request]bool{
			{'c', 1, 3, "r"}: false, {'b', 8, 0, "m"}: false,
		}},
		{"allow all", []specs.LinuxDeviceCgroup{dev(true, "a", -1, -1, "rwm")}, map[request]bool{
			{'c', 1, 3, "rwm"}: true, {'b', 8, 0, "w"}: true,
		}},
		{"docker-like", docker, map[request]bool{
			{'c', 1, 3, "r"}:    true,
			{'c', 1, 3, "w"}:    false, // the later deny wins
			{'c', 1, 3, "rw"}:   false,
			{'c', 1, 3, "m"}:    true,
			{'b', 8, 0, "m"}:    true,
			{'b', 8, 0, "r"}:    false,
			{'c', 136, 5, "rw"}: true,
			{'c', 5, 1, "r"}:    false,
		}},
		{"deny inside allow", []specs.LinuxDeviceCgroup{
			dev(true, "a", -1, -1, "rwm"),
			dev(false, "b", 8, -1, "r"),
		}, map[request]bool{
			{'b', 8, 1, "r"}: false, {'b', 8, 1, "w"}: true, {'c', 8, 1, "r"}: true, {'b', 9, 1, "r"}: true,
		}},
		{"access from two rules", []specs.LinuxDeviceCgroup{
			dev(true, "c", 1, 3, "r"),
			dev(true, "c", 1, 3, "w"),
		}, map[request]bool{
			{'c', 1, 3, "rw"}: true, {'c', 1, 3, "rwm"}: false,
		}},
		{"narrow a", []specs.LinuxDeviceCgroup{dev(true, "a", 1, 3, "r")}, map[request]bool{
			{'c', 1, 3, "r"}: true, {'b', 1, 3, "r"}: true, {'c', 1, 3, "w"}: false, {'c', 1, 4, "r"}: false,
		}},
		{"major above 2^31", []specs.LinuxDeviceCgroup{dev(true, "c", 1<<32-2, -1, "rwm")}, map[request]bool{
			{'c', 1<<32 - 2, 0, "r"}: true, {'c', 2, 0, "r"}: false,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := deviceRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := deviceProgram(rules)
			if err != nil {
				t.Fatal(err)
			}
			checkReachable(t, prog)
			for q, want := range tt.allow {
				if got := runDeviceProgram(t, prog, q); got != want {
					t.Errorf("%v: allowed = %v, want %v", q, got, want)
				}
			}
		})
	}
}

// TestDeviceProgramMatchesModel runs random rule sets through the program
// and through the plain statement of the semantics, and compares.
func TestDeviceProgramMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(s string) string { return string(s[rng.IntN(len(s))]) }
	num := func() int64 { return int64(rng.IntN(4)) - 1 } // -1 is "any"
	for range 300 {
		var rules []deviceRule
		for range rng.IntN(6) {
			access := ""
			for _, c := range "rwm" {
				if rng.IntN(2) == 0 {
					access += string(c)
				}
			}
			if access == "" {
				access = "r"
			}
			rules = append(rules, deviceRule{
				allow: rng.IntN(2) == 0, kind: pick("acb")[0], major: num(), minor: num(), access: access,
			})
		}
		prog, err := deviceProgram(rules)
		if err != nil {
			t.Fatal(err)
		}
		checkReachable(t, prog)
		for range 20 {
			q := request{pick("cb")[0], uint32(rng.IntN(3)), uint32(rng.IntN(3)), pick("rwm") + pick("rwm")}
			if got, want := runDeviceProgram(t, prog, q), modelAllows(rules, q); got != want {
				t.Fatalf("rules %+v, %v: program says %v, model %v", rules, q, got, want)
			}
		}
	}
}

// modelAllows states the semantics: every access asked for must be allowed
// by the last rule that names it and matches the device.
func modelAllows(rules []deviceRule, q request) bool {
	for _, c := range q.access {
		allowed := false
		for _, r := range rules {
			if strings.ContainsRune(r.access, c) && (r.kind == 'a' || r.kind == q.kind) &&
				(r.major < 0 || r.major == int64(q.major)) && (r.minor < 0 || r.minor == int64(q.minor)) {
				allowed = r.allow
			}
		}
		if !allowed {
			return false
		}
	}
	return true
}

// runDeviceProgram interprets the few eBPF instructions deviceProgram uses.
func runDeviceProgram(t *testing.T, prog []insn, q request) bool {
	t.Helper()
	var access uint32
	for _, b := range accessBits {
		if strings.ContainsRune(q.access, b.letter) {
			access |= uint32(b.bit)
		}
	}
	typ := uint32(unix.BPF_DEVCG_DEV_CHAR)
	if q.kind == 'b' {
		typ = unix.BPF_DEVCG_DEV_BLOCK
	}
	ctx := []uint32{typ | access<<16, q.major, q.minor}
	var reg [11]uint64
	for pc := 0; pc < len(prog); pc++ {
		i := prog[pc]
		dst, src := i.regs&0xf, i.regs>>4
		imm := uint32(i.imm)
		switch i.code {
		case unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W:
			reg[dst] = uint64(ctx[i.off/4])
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			reg[dst] = uint64(uint32(reg[dst]) & imm)
		case unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K:
			reg[dst] = uint64(uint32(reg[dst]) >> imm)
		case unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X:
			reg[dst] = uint64(uint32(reg[src]))
		case unix.BPF_ALU | unix.BPF_MOV | unix.BPF_K:
			reg[dst] = uint64(imm)
		case unix.BPF_JMP32 | unix.BPF_JEQ | unix.BPF_K:
			if uint32(reg[dst]) == imm {
				pc += int(i.off)
			}
		case unix.BPF_JMP32 | unix.BPF_JNE | unix.BPF_K:
			if uint32(reg[dst]) != imm {
				pc += int(i.off)
			}
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(i.off)
		case unix.BPF_JMP | unix.BPF_EXIT:
			return reg[0] == 1
		default:
			t.Fatalf("instruction %d: unknown opcode %#x", pc, i.code)
		}
	}
	t.Fatal("program ran off its end")
	return false
}

// checkReachable fails if an instruction cannot be reached: the kernel's
// verifier refuses such programs.
func checkReachable(t *testing.T, prog []insn) {
	t.Helper()
	seen := make([]bool, len(prog))
	var visit func(pc int)
	visit = func(pc int) {
		for pc < len(prog) && !seen[pc] {
			seen[pc] = true
			i := prog[pc]
			switch {
			case i.code == unix.BPF_JMP|unix.BPF_EXIT:
				return
			case i.code == unix.BPF_JMP|unix.BPF_JA:
				pc += int(i.off) + 1
			case i.code&0x07 == unix.BPF_JMP32:
				visit(pc + int(i.off) + 1)
				pc++
			default:
				pc++
			}
		}
	}
	visit(0)
	for pc, ok := range seen {
		if !ok {
			t.Fatalf("instruction %d is unreachable", pc)
		}
	}
}
