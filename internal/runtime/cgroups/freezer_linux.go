package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The v1 freezer states.
const (
	frozen = "FROZEN"
	thawed = "THAWED"
)

// freezeV1 moves the v1 freezer to state and waits until the kernel reports
// it reached it (FREEZING turns FROZEN once every task stopped). A freeze
// that does not complete is undone.
func freezeV1(dir, state string) error {
	var last string
	err := poll(func(i int) (bool, error) {
		if i%50 == 0 { // ask again now and then: new tasks may have come in
			if err := writeFile(dir, "freezer.state", state); err != nil {
				return false, err
			}
		}
		s, err := readFile(dir, "freezer.state")
		last = strings.TrimSpace(s)
		return last == state, err
	})
	if errors.Is(err, errTimeout) && state == frozen {
		_ = writeFile(dir, "freezer.state", thawed)
	}
	if err != nil {
		return fmt.Errorf("set %s to %s (now %s): %w", dir, state, last, err)
	}
	return nil
}

// freezeV2 sets cgroup.freeze and waits until cgroup.events reports the
// cgroup frozen (or thawed). A freeze that does not complete is undone.
func freezeV2(dir string, freeze bool) error {
	want := boolDigit(freeze)
	if err := writeFile(dir, "cgroup.freeze", want); err != nil {
		return err
	}
	err := poll(func(int) (bool, error) {
		ev, err := readKeyValues(dir, "cgroup.events")
		return err == nil && strconv.FormatUint(ev["frozen"], 10) == want, err
	})
	if errors.Is(err, errTimeout) && freeze {
		_ = writeFile(dir, "cgroup.freeze", "0")
	}
	if err != nil {
		return fmt.Errorf("set %s to frozen %s: %w", dir, want, err)
	}
	return nil
}

// freezeTimeout bounds how long a freeze or thaw may take.
var freezeTimeout = 5 * time.Second

var errTimeout = errors.New("timed out")

// poll calls done with 0, 1, 2... until it reports true or fails, sleeping a
// little longer each time, up to freezeTimeout.
func poll(done func(i int) (bool, error)) error {
	deadline := time.Now().Add(freezeTimeout)
	delay := 100 * time.Microsecond
	for i := 0; ; i++ {
		ok, err := done(i)
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(delay)
		delay = min(2*delay, 10*time.Millisecond)
	}
}
