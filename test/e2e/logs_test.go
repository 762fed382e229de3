package e2e

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestLogsFollowEndsWhenContainerExits(t *testing.T) {
	id := runDetached(t, "busybox", "sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.3; done; echo done >&2")
	cmd := hullCmd("logs", "-f", id)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("logs -f: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("logs -f did not end when the container exited")
	}
	if strings.Join(lines, ",") != "line 1,line 2,line 3" {
		t.Fatalf("logs -f stdout = %q", lines)
	}
	// --tail counts lines of both streams together, as docker does.
	r := hull(t, "logs", "--tail", "2", id)
	if r.stdout != "line 3\n" || r.stderr != "done\n" {
		t.Fatalf("logs --tail 2: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

// TestStdinPipes feeds standard input through hull run -i and hull attach,
// as a shell pipeline would.
func TestStdinPipes(t *testing.T) {
	cmd := hullCmd("run", "-i", "--rm", "busybox", "wc", "-l")
	cmd.Stdin = strings.NewReader("a\nb\nc\n")
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "3" {
		t.Fatalf("printf 'a\\nb\\nc\\n' | hull run -i busybox wc -l = %q, %v", out, err)
	}
	id := runDetached(t, "-i", "busybox", "cat")
	attach := hullCmd("attach", id)
	attach.Stdin = strings.NewReader("through attach\n")
	out, err = attach.Output()
	if err != nil || string(out) != "through attach\n" {
		t.Fatalf("hull attach with piped stdin = %q, %v", out, err)
	}
}
