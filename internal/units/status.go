package units

import (
	"fmt"
	"time"
)

// Container states as the Docker API names them.
const (
	StateCreated    = "created"
	StateRunning    = "running"
	StatePaused     = "paused"
	StateRestarting = "restarting"
	StateRemoving   = "removing"
	StateExited     = "exited"
	StateDead       = "dead"
)

// Status returns the STATUS column of `docker ps` for a container in state
// (one of the State constants; "" is read from the flags and times), as
// moby's State.String builds it: "Up 4 seconds", "Up 2 minutes (Paused)",
// "Restarting (1) 3 seconds ago", "Removal In Progress", "Dead", "Created",
// "Exited (137) 2 seconds ago". Durations are measured to now.
func Status(state string, exitCode int, startedAt, finishedAt, now time.Time, restarting, paused bool) string {
	switch {
	case state == StatePaused || (paused && isRunning(state)):
		return fmt.Sprintf("Up %s (Paused)", HumanDuration(now.Sub(startedAt)))
	case state == StateRestarting || (restarting && isRunning(state)):
		return fmt.Sprintf("Restarting (%d) %s ago", exitCode, HumanDuration(now.Sub(finishedAt)))
	case state == StateRunning:
		return "Up " + HumanDuration(now.Sub(startedAt))
	case state == StateRemoving:
		return "Removal In Progress"
	case state == StateDead:
		return "Dead"
	case startedAt.IsZero():
		return "Created"
	case finishedAt.IsZero():
		return ""
	}
	return fmt.Sprintf("Exited (%d) %s ago", exitCode, HumanDuration(now.Sub(finishedAt)))
}

func isRunning(state string) bool {
	return state == StateRunning || state == ""
}
