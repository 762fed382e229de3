package integration

import (
	"encoding/json"
	"testing"
)

func TestEventsStats(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	out := mustRun(t, "events", "--stats", c.id)
	rows := lines(out)
	if len(rows) != 1 {
		t.Fatalf("events --stats printed %d lines, want one:\n%s", len(rows), out)
	}
	var ev struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Data struct {
			CPU    json.RawMessage `json:"cpu"`
			Memory json.RawMessage `json:"memory"`
			Pids   struct {
				Current uint64 `json:"current"`
			} `json:"pids"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(rows[0]), &ev); err != nil {
		t.Fatalf("events --stats: %v\n%s", err, out)
	}
	if ev.Type != "stats" || ev.ID != c.id || ev.Data.Pids.Current < 1 || len(ev.Data.Memory) == 0 || len(ev.Data.CPU) == 0 {
		t.Fatalf("events --stats = %s", out)
	}
}
