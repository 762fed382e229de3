package bench

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkNetworkSetup times what a bridge network and one published
// port add to a container's life (issue 5): for hull and podman, side by
// side, each iteration runs
//
//	run --rm --network none busybox /bin/true
//	run --rm -p 127.0.0.1:PORT:80 busybox /bin/true   (the default bridge)
//
// and the difference of the medians is network setup plus teardown: an
// address, a veth pair, NAT and port rules, then their release. Docker is
// left out: its benchmark daemon runs without a bridge or iptables, so as
// not to change the host's networking behind the tests' back.
//
// Ratios are podman/hull: above 1 means hull is faster. Target: ≥ 3.
func BenchmarkNetworkSetup(b *testing.B) {
	requireRoot(b)
	ps := []*peer{hullPeer(b)}
	if p, err := podmanPeer(b); err != nil {
		b.Logf("left out: %v", err)
	} else {
		ps = append(ps, p)
	}
	none := func(p *peer) []string { return []string{"run", "--rm", "--network", "none", p.image, "/bin/true"} }
	bridge := func(p *peer, port int) []string {
		return []string{"run", "--rm", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), p.image, "/bin/true"}
	}
	for _, p := range ps { // warm up, and bring up each engine's bridge
		for _, args := range [][]string{none(p), bridge(p, 18500)} {
			if _, err := p.run(args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	noneTimes, bridgeTimes := map[string][]time.Duration{}, map[string][]time.Duration{}
	port := 18501
	for b.Loop() {
		for _, p := range ps {
			start := time.Now()
			if _, err := p.run(none(p)...); err != nil {
				b.Fatal(err)
			}
			noneTimes[p.name] = append(noneTimes[p.name], time.Since(start))
			start = time.Now()
			if _, err := p.run(bridge(p, port)...); err != nil {
				b.Fatal(err)
			}
			bridgeTimes[p.name] = append(bridgeTimes[p.name], time.Since(start))
		}
		port++
	}
	cost := map[string]time.Duration{}
	var t table
	t.row("engine", "runs", "none", "bridge+port", "network cost", "peer/hull")
	for _, p := range ps {
		cost[p.name] = max(median(bridgeTimes[p.name])-median(noneTimes[p.name]), time.Microsecond)
	}
	b.ReportMetric(float64(cost["hull"].Nanoseconds()), "ns/op")
	for _, p := range ps {
		b.ReportMetric(ms(cost[p.name]), p.name+"-net-ms")
		r := ""
		if p.name != "hull" {
			b.ReportMetric(float64(cost[p.name])/float64(cost["hull"]), p.name+"/hull")
			r = ratio(cost[p.name], cost["hull"])
		}
		t.row(p.name, fmt.Sprint(len(noneTimes[p.name])), fmt.Sprintf("%.1f ms", ms(median(noneTimes[p.name]))),
			fmt.Sprintf("%.1f ms", ms(median(bridgeTimes[p.name]))), fmt.Sprintf("%.1f ms", ms(cost[p.name])), r)
	}
	b.Logf("network setup + teardown, one container with one published port\n%s", t)
}
