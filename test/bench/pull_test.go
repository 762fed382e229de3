package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkPullPeers pulls one multi-layer image from a local registry
// with hull (a fresh --root each time), podman (fresh storage each time) and
// docker (after `docker rmi`), in turn, $HULL_BENCH_PULLS times (default 5,
// whatever -benchtime says), and reports the median of each and the ratios
// peer/hull (issue 3's target: hull no slower, i.e. ratios ≥ 1). Each pull
// downloads, verifies and unpacks every layer; the registry is on 127.0.0.1.
//
// The image: busybox's layer plus a marker file (shared with nothing the
// peers hold) and 3 layers of 3000 small text files and 3 MB of random
// bytes each: about 20 MB uncompressed, gzip-compressed by skopeo on push.
func BenchmarkPullPeers(b *testing.B) {
	ps := peers(b)
	if _, err := exec.LookPath("skopeo"); err != nil {
		b.Skip("skopeo is not installed (scripts/packages.txt lists it)")
	}
	addr, err := registrySetup(b)
	if err != nil {
		b.Fatal(err)
	}
	ref := addr + "/bench/pull:latest"
	archive := filepath.Join(benchDir(b), "pull.tar")
	if _, err := os.Stat(archive); err != nil {
		if err := pullImage(b, archive, 3, 3000, 3); err != nil {
			b.Fatal(err)
		}
		if out, err := exec.Command("skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
			"docker-archive:"+archive, "docker://"+ref).CombinedOutput(); err != nil {
			b.Fatalf("skopeo copy: %v\n%s", err, out)
		}
	}
	var size int64
	if fi, err := os.Stat(archive); err == nil {
		size = fi.Size()
	}

	scratch := filepath.Join(benchDir(b), "pulls")
	pull := map[string]func(i int) (time.Duration, error){}
	for _, p := range ps {
		switch p.name {
		case "hull":
			pull["hull"] = func(i int) (time.Duration, error) {
				root := filepath.Join(scratch, fmt.Sprintf("hull-%d", i))
				defer cleanDir(root)
				start := time.Now()
				_, err := p.run("--root", root, "pull", "-q", ref)
				return time.Since(start), err
			}
		case "podman":
			pull["podman"] = func(i int) (time.Duration, error) {
				fresh := newPodman(filepath.Join(benchDir(b), "podman"), filepath.Join(scratch, fmt.Sprintf("podman-%d", i)))
				defer cleanDir(fresh.dir)
				start := time.Now()
				_, err := fresh.run("pull", "-q", "--tls-verify=false", ref)
				took := time.Since(start)
				if _, err := fresh.run("rmi", "-af"); err != nil {
					b.Log(err)
				}
				return took, err
			}
		case "docker":
			p.run("rmi", ref) // not there yet, normally
			pull["docker"] = func(i int) (time.Duration, error) {
				start := time.Now()
				_, err := p.run("pull", "-q", ref)
				took := time.Since(start)
				if err == nil {
					_, err = p.run("rmi", ref)
				}
				return took, err
			}
		}
	}
	n := envInt("HULL_BENCH_PULLS", 5)
	times := map[string][]time.Duration{}
	for i := range n {
		for _, p := range ps {
			d, err := pull[p.name](i)
			if err != nil {
				b.Fatal(err)
			}
			times[p.name] = append(times[p.name], d)
		}
	}
	for b.Loop() {
	}
	hullMed := median(times["hull"])
	b.ReportMetric(float64(hullMed.Nanoseconds()), "ns/op")
	var t table
	t.row("engine", "pulls", "median", "min", "max", "peer/hull (medians)")
	for _, p := range ps {
		med := median(times[p.name])
		b.ReportMetric(ms(med), p.name+"-ms/pull")
		if p.name != "hull" {
			b.ReportMetric(float64(med)/float64(hullMed), p.name+"/hull")
		}
		t.row(p.name, fmt.Sprint(len(times[p.name])), fmt.Sprintf("%.0f ms", ms(med)),
			fmt.Sprintf("%.0f ms", ms(slices.Min(times[p.name]))), fmt.Sprintf("%.0f ms", ms(slices.Max(times[p.name]))), ratio(med, hullMed))
	}
	b.Logf("pull %s (4 layers, %.1f MB uncompressed)\n%s", ref, float64(size)/(1<<20), t)
}

// cleanDir removes a pull's scratch storage, unmounting first what the
// engine left mounted there.
func cleanDir(dir string) {
	unmountUnder(dir)
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "bench: remove %s: %v\n", dir, err)
	}
}
