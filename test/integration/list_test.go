package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	e := setup(t)
	running := runningContainer(e)
	created := e.newContainer("sleep", "100")
	created.create()

	table := mustRun(t, "list")
	rows := lines(table)
	if len(rows) < 3 || !strings.HasPrefix(rows[0], "ID") || !strings.Contains(rows[0], "STATUS") {
		t.Fatalf("list table:\n%s", table)
	}
	for _, want := range []struct{ id, status string }{{running.id, "running"}, {created.id, "created"}} {
		if !hasRow(rows, want.id, want.status) {
			t.Errorf("list table lacks %s %s:\n%s", want.id, want.status, table)
		}
	}

	var list []state
	out := mustRun(t, "list", "-f", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list -f json: %v\n%s", err, out)
	}
	byID := map[string]state{}
	for _, s := range list {
		byID[s.ID] = s
	}
	if s := byID[running.id]; s.Status != "running" || s.Pid != running.pid() || s.Bundle != running.bundle {
		t.Errorf("list -f json entry for %s = %+v", running.id, s)
	}
	if s := byID[created.id]; s.Status != "created" {
		t.Errorf("list -f json entry for %s = %+v", created.id, s)
	}

	ids := lines(mustRun(t, "list", "-q"))
	if !contains(ids, running.id) || !contains(ids, created.id) {
		t.Errorf("list -q = %q, want both ids", ids)
	}
	for _, id := range ids {
		if strings.ContainsAny(id, " \t") {
			t.Errorf("list -q prints more than ids: %q", id)
		}
	}
}

func hasRow(rows []string, id, status string) bool {
	for _, r := range rows {
		f := strings.Fields(r)
		if len(f) >= 3 && f[0] == id && contains(f, status) {
			return true
		}
	}
	return false
}
