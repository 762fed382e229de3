package bench

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hull-project/hull/internal/testutil/busybox"
)

var (
	bbOnce    sync.Once
	bbArchive string // docker-save archive of busybox:latest, for every peer
	bbLayer   []byte // its one layer, uncompressed
	bbConfig  map[string]any
	bbErr     error
)

// busyboxArchive is the image `go run ./cmd/mkimage-busybox busybox:latest`
// writes (the same function), loaded into every peer so all run the same
// bytes. Its layer is passed through dedupeLayer first: podman and docker
// refuse a layer that names one path twice ("duplicates of file paths not
// supported"), which the generated layer does for every applet.
func busyboxArchive(tb testing.TB) string {
	bbOnce.Do(func() {
		var buf bytes.Buffer
		if bbErr = busybox.DockerArchive(&buf, "busybox:latest"); bbErr != nil {
			return
		}
		var layer []byte
		if layer, bbConfig, bbErr = readDockerArchive(buf.Bytes()); bbErr != nil {
			return
		}
		if bbLayer, bbErr = dedupeLayer(layer); bbErr != nil {
			return
		}
		bbArchive = filepath.Join(benchDir(tb), "busybox.tar")
		bbErr = writeDockerArchive(bbArchive, "busybox:latest", bbConfig, [][]byte{bbLayer})
	})
	if bbErr != nil {
		tb.Fatalf("busybox image: %v", bbErr)
	}
	return bbArchive
}

// readDockerArchive returns the single layer and the config of a one-image,
// one-layer docker-save archive.
func readDockerArchive(archive []byte) ([]byte, map[string]any, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, nil, err
			}
			files[path.Clean(h.Name)] = data
		}
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		return nil, nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(manifest) != 1 || len(manifest[0].Layers) != 1 {
		return nil, nil, fmt.Errorf("want one image of one layer, got %+v", manifest)
	}
	var config map[string]any
	if err := json.Unmarshal(files[path.Clean(manifest[0].Config)], &config); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	layer, ok := files[path.Clean(manifest[0].Layers[0])]
	if !ok {
		return nil, nil, fmt.Errorf("layer %s missing", manifest[0].Layers[0])
	}
	return layer, config, nil
}

// dedupeLayer keeps, of entries naming the same path, only the last: what
// extracting the tar in order would leave.
func dedupeLayer(layer []byte) ([]byte, error) {
	type entry struct {
		h    *tar.Header
		data []byte
	}
	var entries []entry
	last := map[string]int{}
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		last[strings.TrimSuffix(path.Clean(h.Name), "/")] = len(entries)
		entries = append(entries, entry{h, data})
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for i, e := range entries {
		if last[strings.TrimSuffix(path.Clean(e.h.Name), "/")] != i {
			continue
		}
		if err := tw.WriteHeader(e.h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// writeDockerArchive writes the archive `docker save` writes: the config
// (its rootfs.diff_ids set from layers), each uncompressed layer as
// <id>/layer.tar, and manifest.json.
func writeDockerArchive(file, tag string, config map[string]any, layers [][]byte) error {
	cfg := map[string]any{}
	for k, v := range config {
		cfg[k] = v
	}
	var diffIDs, names []string
	for _, l := range layers {
		sum := sha256Hex(l)
		diffIDs = append(diffIDs, "sha256:"+sum)
		names = append(names, sum+"/layer.tar")
	}
	cfg["rootfs"] = map[string]any{"type": "layers", "diff_ids": diffIDs}
	delete(cfg, "history") // would have to match the layers one for one
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	cfgName := sha256Hex(cfgJSON) + ".json"
	manifest, err := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{tag}, "Layers": names}})
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for i, l := range layers {
		if err := add(names[i], l); err != nil {
			f.Close()
			return err
		}
	}
	for _, e := range []struct {
		name string
		data []byte
	}{{cfgName, cfgJSON}, {"manifest.json", manifest}} {
		if err := add(e.name, e.data); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pullImage writes a multi-layer image as a docker-save archive: the
// busybox layer plus a marker file (so it shares no layer with the busybox
// image the peers already hold), then `layers` layers of `files` small text
// files and randMB MB of random bytes each.
func pullImage(tb testing.TB, file string, layers, files, randMB int) error {
	busyboxArchive(tb)
	base, err := appendFile(bbLayer, "etc/bench-pull", "a base layer of its own\n")
	if err != nil {
		return err
	}
	all := [][]byte{base}
	rnd := rand.New(rand.NewSource(4))
	words := strings.Fields("hull pulls images layer by layer verifying every digest before it unpacks a single byte into the store")
	for l := range layers {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		dir := fmt.Sprintf("usr/share/bench%d", l)
		tw.WriteHeader(&tar.Header{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755})
		tw.WriteHeader(&tar.Header{Name: "usr/share/", Typeflag: tar.TypeDir, Mode: 0o755})
		tw.WriteHeader(&tar.Header{Name: dir + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		for sub := range files / 100 {
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%s/d%02d/", dir, sub), Typeflag: tar.TypeDir, Mode: 0o755})
		}
		for i := range files {
			var text strings.Builder
			for n := 100 + rnd.Intn(1500); text.Len() < n; {
				text.WriteString(words[rnd.Intn(len(words))])
				text.WriteByte(' ')
			}
			name := fmt.Sprintf("%s/d%02d/f%04d.txt", dir, i/100, i)
			if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(text.Len())}); err != nil {
				return err
			}
			io.WriteString(tw, text.String())
		}
		for i := range randMB {
			data := make([]byte, 1<<20)
			rnd.Read(data)
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("%s/blob%d.bin", dir, i), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
			tw.Write(data)
		}
		if err := tw.Close(); err != nil {
			return err
		}
		all = append(all, buf.Bytes())
	}
	return writeDockerArchive(file, "bench/pull:latest", bbConfig, all)
}

// appendFile returns layer with one more regular file at its end.
func appendFile(layer []byte, name, content string) ([]byte, error) {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content))}); err != nil {
		return nil, err
	}
	io.WriteString(tw, content)
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
