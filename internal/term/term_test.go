package term

import (
	"os"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

func TestMakeRawAndRestore(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer master.Close()
	defer slave.Close()
	fd := int(slave.Fd())
	st, err := MakeRaw(fd)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := unix.IoctlGetTermios(fd, unix.TCGETS)
	if raw.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || raw.Iflag&unix.IXON != 0 {
		t.Errorf("raw mode keeps canonical input, echo, signals or XON/XOFF: lflag %#x iflag %#x", raw.Lflag, raw.Iflag)
	}
	st.Restore()
	back, _ := unix.IoctlGetTermios(fd, unix.TCGETS)
	if back.Lflag&unix.ICANON == 0 {
		t.Error("Restore left the terminal raw")
	}
}

func TestMakeRawRefusesNonTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := MakeRaw(int(f.Fd())); err == nil {
		t.Fatal("MakeRaw of a plain file succeeded")
	}
}
