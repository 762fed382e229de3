package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/errdefs"
)

func newTestStore(t *testing.T) *containerStore {
	t.Helper()
	s, err := newContainerStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func addContainer(t *testing.T, s *containerStore, id, name string) {
	t.Helper()
	if err := s.claimName(name, id); err != nil {
		t.Fatal(err)
	}
	if err := s.create(&Container{ID: id, Name: name, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestNameConflict(t *testing.T) {
	s := newTestStore(t)
	addContainer(t, s, "aaaa1111", "web")
	err := s.claimName("web", "bbbb2222")
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("second claim of a name: %v, want a conflict", err)
	}
	want := `Conflict. The container name "/web" is already in use by container "aaaa1111". You have to remove (or rename) that container to be able to reuse that name.`
	if err.Error() != want {
		t.Errorf("message = %q, want docker's %q", err, want)
	}
}

func TestConcurrentClaimsGiveOneWinner(t *testing.T) {
	s := newTestStore(t)
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if s.claimName("same", fmt.Sprintf("id%02d", i)) == nil {
				wins <- fmt.Sprint(i)
			}
		}(i)
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d claims of one name succeeded, want exactly 1", n)
	}
}

func TestResolve(t *testing.T) {
	s := newTestStore(t)
	addContainer(t, s, "abc123", "first")
	addContainer(t, s, "abd456", "second")
	cases := map[string]string{"abc123": "abc123", "abc": "abc123", "first": "abc123", "/second": "abd456", "abd": "abd456"}
	for ref, want := range cases {
		if got, err := s.resolve(ref); err != nil || got != want {
			t.Errorf("resolve(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	if _, err := s.resolve("ab"); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("ambiguous prefix: %v, want invalid argument", err)
	}
	if _, err := s.resolve("nosuch"); !errors.Is(err, errdefs.ErrNotFound) || err.Error() != "No such container: nosuch" {
		t.Errorf("unknown container: %v", err)
	}
}

func TestUpdateUnderLockLosesNothing(t *testing.T) {
	s := newTestStore(t)
	addContainer(t, s, "cafe", "counter")
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.update("cafe", func(c *Container) error { c.RestartCount++; return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, err := s.read("cafe")
	if err != nil || c.RestartCount != 50 {
		t.Fatalf("after 50 concurrent updates RestartCount = %d, %v; want 50", c.RestartCount, err)
	}
}

func TestRemoveReleasesName(t *testing.T) {
	s := newTestStore(t)
	addContainer(t, s, "dead", "gone")
	c, _ := s.read("dead")
	if err := s.remove(c); err != nil {
		t.Fatal(err)
	}
	if err := s.claimName("gone", "beef"); err != nil {
		t.Fatalf("name still taken after remove: %v", err)
	}
	if ids, _ := s.ids(); len(ids) != 0 {
		t.Errorf("ids after remove = %v", ids)
	}
}
