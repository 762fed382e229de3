package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkMonitorMemory starts $HULL_BENCH_CONTAINERS (default 50)
// `run -d --network none busybox sleep 600` with each engine and measures
// the proportional set size (Pss in /proc/PID/smaps_rollup) of the process
// each keeps per container: hull-monitor for hull, conmon for podman,
// containerd-shim-runc-v2 for docker. Reported per container, in MB
// (1 MB = 2^20 bytes); issue 4's target for hull: ≤ 1 MB. One engine at a
// time; every container is removed before the next engine starts.
// The measurement is done once whatever -benchtime says.
func BenchmarkMonitorMemory(b *testing.B) {
	ps := peers(b)
	n := envInt("HULL_BENCH_CONTAINERS", 50)
	type result struct {
		procs    int
		pss, rss float64 // MB per container
	}
	res := map[string]result{}
	for _, p := range ps {
		ids := startDetached(b, p, n)
		time.Sleep(time.Second) // let lazily touched pages settle
		var pss, rss float64
		procs := 0
		for _, pr := range processes() {
			if !p.isMonitor(pr.exe, pr.cmdline) {
				continue
			}
			m, err := rollup(pr.pid)
			if err != nil {
				continue
			}
			procs++
			pss += m["Pss"]
			rss += m["Rss"]
		}
		if _, err := p.run(append(append([]string(nil), p.rmFlags...), ids...)...); err != nil {
			b.Error(err)
		}
		if procs == 0 {
			b.Errorf("%s: no per-container process found among %d running containers", p.name, len(ids))
			continue
		}
		if procs != len(ids) {
			b.Logf("%s: %d per-container processes for %d containers", p.name, procs, len(ids))
		}
		res[p.name] = result{procs, pss / 1024 / float64(len(ids)), rss / 1024 / float64(len(ids))}
	}
	for b.Loop() {
	}
	b.ReportMetric(0, "ns/op")
	var t table
	t.row("engine", "process", "containers", "PSS/container", "RSS/container", "peer/hull PSS")
	names := map[string]string{"hull": "hull-monitor", "podman": "conmon", "docker": "containerd-shim-runc-v2"}
	for _, p := range ps {
		r, ok := res[p.name]
		if !ok {
			continue
		}
		b.ReportMetric(r.pss, p.name+"-PSS-MB/ctr")
		b.ReportMetric(r.rss, p.name+"-RSS-MB/ctr")
		rat := "-"
		if h := res["hull"].pss; h > 0 {
			rat = fmt.Sprintf("%.2fx", r.pss/h)
			if p.name != "hull" {
				b.ReportMetric(r.pss/h, p.name+"/hull-PSS")
			}
		}
		t.row(p.name, names[p.name], fmt.Sprint(n), fmt.Sprintf("%.2f MB", r.pss), fmt.Sprintf("%.2f MB", r.rss), rat)
	}
	b.Logf("per running container (%d running at once)\n%s", n, t)
}

// startDetached starts n sleeping containers, a few at a time, and returns
// their ids.
func startDetached(b *testing.B, p *peer, n int) []string {
	var (
		mu   sync.Mutex
		ids  []string
		wg   sync.WaitGroup
		errs []error
	)
	sem := make(chan struct{}, 4)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := p.run("run", "-d", "--network", "none", p.image, "sleep", "600")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ids = append(ids, strings.TrimSpace(out))
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		if len(ids) > 0 {
			p.run(append(append([]string(nil), p.rmFlags...), ids...)...)
		}
		b.Fatalf("%s: %d of %d failed to start; first: %v", p.name, len(errs), n, errs[0])
	}
	return ids
}

// rollup reads /proc/PID/smaps_rollup, in kB.
func rollup(pid int) (map[string]float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[2] == "kB" {
			v, _ := strconv.ParseFloat(fields[1], 64)
			out[strings.TrimSuffix(fields[0], ":")] = v
		}
	}
	return out, sc.Err()
}
