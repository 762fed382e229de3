package imagetest

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	benchOnce sync.Once
	benchRef  string
)

// benchImage pushes a 4-layer image of about 48 MB uncompressed (files of
// half text, half random bytes, so gzip has real work) once.
func benchImage(b *testing.B) string {
	benchOnce.Do(func() {
		rnd := rand.New(rand.NewSource(1))
		var layers [][]byte
		for l := range 4 {
			var entries []entry
			entries = append(entries, dir(fmt.Sprintf("layer%d", l), 0o755, 0))
			for i := range 200 {
				data := make([]byte, 60000)
				rnd.Read(data[:30000])
				for j := 30000; j < len(data); j++ {
					data[j] = "hull pulls images\n"[j%18]
				}
				entries = append(entries, file(fmt.Sprintf("layer%d/f%03d", l, i), string(data), 0o644, 0))
			}
			layers = append(layers, layerTar(b, entries...))
		}
		benchRef = pushImage(b, buildImage(b, "amd64", gzipLayer, layers...), "bench", "")
	})
	return benchRef
}

// BenchmarkPull pulls the same multi-layer image with hull (download,
// verify, unpack every layer) and with skopeo (download, verify, write an
// OCI layout; no unpacking), alternating, and reports both times and their
// ratio. When umoci is installed it also times skopeo followed by `umoci
// raw unpack`, which does the same work as hull, and reports that ratio.
func BenchmarkPull(b *testing.B) {
	requireSetup(b)
	ref := benchImage(b)
	_, umociErr := exec.LookPath("umoci")
	var hullTime, skopeoTime, unpackTime time.Duration
	for i := 0; i < b.N; i++ {
		tmp := b.TempDir()
		hullTime += timed(b, hullBin, "--root", filepath.Join(tmp, "hull"), "pull", "-q", ref)
		oci := filepath.Join(tmp, "oci")
		skopeoTime += timed(b, "skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", "docker://"+ref, "oci:"+oci+":latest")
		if umociErr == nil {
			unpackTime += timed(b, "umoci", "raw", "unpack", "--image", oci+":latest", filepath.Join(tmp, "rootfs"))
		}
		b.StopTimer()
		os.RemoveAll(tmp)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(hullTime.Nanoseconds())/n, "hull-ns/op")
	b.ReportMetric(float64(skopeoTime.Nanoseconds())/n, "skopeo-ns/op")
	b.ReportMetric(float64(hullTime)/float64(skopeoTime), "hull/skopeo")
	if umociErr == nil {
		b.ReportMetric(float64(hullTime)/float64(skopeoTime+unpackTime), "hull/skopeo+umoci")
	}
}

func timed(b *testing.B, name string, args ...string) time.Duration {
	start := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return time.Since(start)
}
