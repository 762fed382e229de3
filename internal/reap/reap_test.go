package reap

import (
	"os/exec"
	"testing"
)

func TestWaitReportsShellStatus(t *testing.T) {
	cases := map[string]int{"exit 3": 3, "kill -9 $$": 137, "true": 0}
	for script, want := range cases {
		cmd := exec.Command("sh", "-c", script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		got, err := Wait(cmd.Process.Pid)
		if err != nil || got != want {
			t.Errorf("%q: status %d, %v; want %d", script, got, err, want)
		}
	}
}

func TestIfExitedDoesNotWait(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if _, exited := IfExited(cmd.Process.Pid); exited {
		t.Fatal("a running sleep was reported exited")
	}
}
