package integration

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestPs(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "sleep 100 & echo ready; wait")
	c.create()
	c.start()
	c.waitOutput("ready")
	pid := c.pid()

	table := mustRun(t, "ps", c.id)
	rows := lines(table)
	if len(rows) < 3 || !strings.Contains(rows[0], "PID") {
		t.Fatalf("ps table, want a header and two processes:\n%s", table)
	}
	if !strings.Contains(table, strconv.Itoa(pid)) || !strings.Contains(table, "sleep") {
		t.Errorf("ps table lacks init pid %d or sleep:\n%s", pid, table)
	}

	var pids []int
	out := mustRun(t, "ps", "-f", "json", c.id)
	if err := json.Unmarshal([]byte(out), &pids); err != nil {
		t.Fatalf("ps -f json: %v\n%s", err, out)
	}
	if len(pids) != 2 || !containsInt(pids, pid) {
		t.Fatalf("ps -f json = %v, want init %d and its sleep", pids, pid)
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}
