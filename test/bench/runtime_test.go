// Package bench measures hull against its peers on the same machine in the
// same run. Timings are reported, never asserted: these machines are noisy,
// so what counts is the ratio between runtimes measured side by side.
package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hull-project/hull/internal/testutil/busybox"
)

// runtimes are the runc-compatible binaries compared. hull-runtime is built
// from this checkout; the others are used if installed and able to run here
// (crun refuses a hybrid cgroup layout).
func runtimes(b *testing.B) map[string]string {
	out := map[string]string{"hull-runtime": buildHullRuntime(b)}
	for _, name := range []string{"runc", "crun"} {
		if path, err := exec.LookPath(name); err == nil {
			out[name] = path
		}
	}
	return out
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

func buildHullRuntime(b *testing.B) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hull-bench-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "hull-runtime")
		out, err := exec.Command("go", "build", "-o", built, "../../cmd/hull-runtime").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return built
}

// BenchmarkRunTrue is `<runtime> run` of busybox /bin/true from a fresh
// bundle: create, start, wait, delete, as runc's users see it.
func BenchmarkRunTrue(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("runtimes need root")
	}
	bundle, _ := busybox.Bundle(b, "/bin/true")
	root := b.TempDir()
	perOp := map[string]float64{}
	for _, name := range []string{"hull-runtime", "runc", "crun"} {
		bin, ok := runtimes(b)[name]
		if !ok {
			continue
		}
		if err := exec.Command(bin, "--root", root, "run", "--bundle", bundle, "probe-"+name).Run(); err != nil {
			b.Logf("%s cannot run containers here (%v); left out", name, err)
			continue
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("bench-%s-%d", name, i)
				if out, err := exec.Command(bin, "--root", root, "run", "--bundle", bundle, id).CombinedOutput(); err != nil {
					b.Fatalf("%s run: %v\n%s", name, err, out)
				}
			}
			perOp[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	for name, ns := range perOp {
		if name != "hull-runtime" && perOp["hull-runtime"] > 0 {
			b.Logf("%s / hull-runtime = %.2fx (%.1f ms vs %.1f ms per run)", name, ns/perOp["hull-runtime"], ns/1e6, perOp["hull-runtime"]/1e6)
		}
	}
}
