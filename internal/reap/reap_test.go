package reap

import (
	"os/exec"
	"testing"
	"time"
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

func TestExitedWithin(t *testing.T) {
	quick := exec.Command("sh", "-c", "exit 4")
	if err := quick.Start(); err != nil {
		t.Fatal(err)
	}
	if code, exited := ExitedWithin(quick.Process.Pid, 5*time.Second); !exited || code != 4 {
		t.Fatalf("quick child: %d, %v", code, exited)
	}
	slow := exec.Command("sleep", "10")
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	defer slow.Process.Kill()
	start := time.Now()
	if _, exited := ExitedWithin(slow.Process.Pid, 50*time.Millisecond); exited {
		t.Fatal("sleep 10 reported exited")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("waited far beyond the limit")
	}
}
