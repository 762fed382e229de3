package phase

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMarkAppendsOneLinePerPhase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace")
	saved := out
	t.Cleanup(func() { out = saved })
	out = open(path)
	if !Enabled() || Path() != path {
		t.Fatalf("enabled %v, path %q", Enabled(), Path())
	}
	Mark("first")
	Mark("second: with spaces")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	var last int64
	for i, want := range []string{"first", "second: with spaces"} {
		f := strings.SplitN(lines[i], " ", 3)
		us, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || us < last || f[1] != strconv.Itoa(os.Getpid()) || f[2] != want {
			t.Errorf("line %q: want <µs, not decreasing> %d %s", lines[i], os.Getpid(), want)
		}
		last = us
	}
}

func TestMarkWithoutTraceDoesNothing(t *testing.T) {
	saved := out
	t.Cleanup(func() { out = saved })
	out = open("")
	if Enabled() || Path() != "" {
		t.Fatal("enabled without a path")
	}
	Mark("nothing") // must not panic
}
