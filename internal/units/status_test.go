package units

import (
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	var zero time.Time
	tests := []struct {
		name               string
		state              string
		exit               int
		started, finished  time.Time
		restarting, paused bool
		want               string
	}{
		{"created", StateCreated, 0, zero, zero, false, false, "Created"},
		{"running", StateRunning, 0, ago(4 * time.Second), zero, false, false, "Up 4 seconds"},
		{"running long", StateRunning, 0, ago(3 * time.Hour), zero, false, false, "Up 3 hours"},
		{"paused state", StatePaused, 0, ago(2 * time.Minute), zero, false, false, "Up 2 minutes (Paused)"},
		{"paused flag", StateRunning, 0, ago(2 * time.Minute), zero, false, true, "Up 2 minutes (Paused)"},
		{"restarting", StateRestarting, 1, ago(time.Minute), ago(3 * time.Second), true, false, "Restarting (1) 3 seconds ago"},
		{"exited killed", StateExited, 137, ago(time.Minute), ago(2 * time.Second), false, false, "Exited (137) 2 seconds ago"},
		{"exited ok", StateExited, 0, ago(time.Hour), ago(45 * time.Minute), false, false, "Exited (0) 45 minutes ago"},
		{"exited just now", StateExited, 0, ago(time.Second), now, false, false, "Exited (0) Less than a second ago"},
		{"removing", StateRemoving, 0, ago(time.Hour), ago(time.Minute), false, false, "Removal In Progress"},
		{"dead", StateDead, 0, ago(time.Hour), ago(time.Minute), false, false, "Dead"},
		{"never started exit", StateExited, 127, zero, zero, false, false, "Created"},
	}
	for _, tt := range tests {
		got := Status(tt.state, tt.exit, tt.started, tt.finished, now, tt.restarting, tt.paused)
		if got != tt.want {
			t.Errorf("%s: Status = %q, want %q", tt.name, got, tt.want)
		}
	}
}
