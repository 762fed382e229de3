package bench

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkContainerRun is `run --rm --network none busybox /bin/true`
// with hull, podman and docker, side by side in one run (issue 4):
//
//   - sequential: each iteration runs one container with each engine in
//     turn (so drift hits all alike); the median per engine is reported.
//     -benchtime Nx sets the number of runs (`make bench`: 50).
//   - concurrent: $HULL_BENCH_CONCURRENT (default 50) started at once per
//     engine; the wall time until the last one exits is reported.
//
// Ratios are peer/hull: above 1 means hull is faster. Target: ≥ 5.
func BenchmarkContainerRun(b *testing.B) {
	ps := peers(b)
	args := func(p *peer) []string { return []string{"run", "--rm", "--network", "none", p.image, "/bin/true"} }
	for _, p := range ps { // warm caches: the first run of each is not measured
		if _, err := p.run(args(p)...); err != nil {
			b.Fatal(err)
		}
	}
	seq := map[string][]time.Duration{}
	for b.Loop() {
		for _, p := range ps {
			start := time.Now()
			if _, err := p.run(args(p)...); err != nil {
				b.Fatal(err)
			}
			seq[p.name] = append(seq[p.name], time.Since(start))
		}
	}
	n := envInt("HULL_BENCH_CONCURRENT", 50)
	conc := map[string]time.Duration{}
	for _, p := range ps {
		conc[p.name] = concurrently(b, p, n, args(p))
	}

	hullMed := median(seq["hull"])
	b.ReportMetric(float64(hullMed.Nanoseconds()), "ns/op")
	var t table
	t.row("engine", "runs", "median/run", "min", "peer/hull", fmt.Sprintf("%d concurrent", n), "peer/hull")
	for _, p := range ps {
		med := median(seq[p.name])
		b.ReportMetric(ms(med), p.name+"-ms/run")
		b.ReportMetric(conc[p.name].Seconds(), p.name+"-conc-s")
		if p.name != "hull" {
			b.ReportMetric(float64(med)/float64(hullMed), p.name+"/hull")
			b.ReportMetric(float64(conc[p.name])/float64(conc["hull"]), p.name+"/hull-conc")
		}
		t.row(p.name, fmt.Sprint(len(seq[p.name])), fmt.Sprintf("%.1f ms", ms(med)), fmt.Sprintf("%.1f ms", ms(slices.Min(seq[p.name]))), ratio(med, hullMed),
			fmt.Sprintf("%.2f s", conc[p.name].Seconds()), ratio(conc[p.name], conc["hull"]))
	}
	b.Logf("run --rm --network none busybox /bin/true\n%s", t)
}

// concurrently starts n copies of a command at once and returns the time
// until the last one exits.
func concurrently(b *testing.B, p *peer, n int, args []string) time.Duration {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.run(args...); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	failed := 0
	for err := range errs {
		if failed == 0 {
			b.Errorf("%d concurrent with %s: %v", n, p.name, err)
		}
		failed++
	}
	if failed > 0 {
		b.Errorf("%s: %d of %d concurrent runs failed", p.name, failed, n)
	}
	return took
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func ratio(peer, hull time.Duration) string {
	if hull <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", float64(peer)/float64(hull))
}

// table prints rows as aligned, Markdown-compatible columns.
type table struct{ rows [][]string }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t table) String() string {
	width := map[int]int{}
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var sb strings.Builder
	line := func(r []string) {
		sb.WriteString("|")
		for i, c := range r {
			fmt.Fprintf(&sb, " %-*s |", width[i], c)
		}
		sb.WriteString("\n")
	}
	for i, r := range t.rows {
		line(r)
		if i == 0 {
			sep := make([]string, len(r))
			for j := range sep {
				sep[j] = strings.Repeat("-", width[j])
			}
			line(sep)
		}
	}
	return sb.String()
}
