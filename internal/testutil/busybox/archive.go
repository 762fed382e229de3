package busybox

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// The busybox image as an image, not a bundle: for tests that pull or load
// images, and for the setup step that gives a fresh machine busybox:latest
// without a registry.

// LayerTar writes the busybox root file system as an uncompressed layer
// tar, deterministically: the same busybox gives the same bytes.
func LayerTar(w io.Writer) error {
	img, err := loadImage()
	if err != nil {
		return err
	}
	return img.layer(w, modTime())
}

func loadImage() (*image, error) {
	loadOnce.Do(func() { loaded, loadErr = load() })
	return loaded, loadErr
}

// modTime is the busybox binary's mtime, so rebuilding gives the same ids.
func modTime() time.Time {
	if fi, err := os.Stat(Binary); err == nil {
		return fi.ModTime().UTC().Truncate(time.Second)
	}
	return time.Unix(0, 0).UTC()
}

func (img *image) layer(w io.Writer, mtime time.Time) error {
	tw := tar.NewWriter(w)
	hdr := func(h *tar.Header) error {
		h.ModTime, h.Format = mtime, tar.FormatPAX
		return tw.WriteHeader(h)
	}
	for _, d := range dirs {
		uid := 0
		if d.path == "home/hull" {
			uid = 1000
		}
		if err := hdr(&tar.Header{Typeflag: tar.TypeDir, Name: d.path + "/", Mode: int64(d.mode.Perm() | modeBits(d.mode)), Uid: uid, Gid: uid}); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: f.path, Mode: int64(f.mode), Size: int64(len(f.content))}); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, f.content); err != nil {
			return err
		}
	}
	if err := hdr(&tar.Header{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(img.busybox))}); err != nil {
		return err
	}
	if _, err := tw.Write(img.busybox); err != nil {
		return err
	}
	if err := img.appletEntries(hdr); err != nil {
		return err
	}
	return tw.Close()
}

func (img *image) appletEntries(hdr func(*tar.Header) error) error {
	applets := append([]string(nil), img.applets...)
	sort.Strings(applets)
	made := map[string]bool{"bin": true, "sbin": true, "usr/bin": true, "usr/sbin": true}
	for _, a := range applets {
		if i := strings.LastIndexByte(a, '/'); i > 0 && !made[a[:i]] {
			dir := a[:i]
			made[dir] = true
			if err := hdr(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755}); err != nil {
				return err
			}
		}
		if err := hdr(&tar.Header{Typeflag: tar.TypeSymlink, Name: a, Linkname: "/bin/busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	return nil
}

func modeBits(m os.FileMode) os.FileMode {
	if m&os.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// DockerArchive writes the image as `docker save` does (manifest.json,
// repositories, the config and the layer), tagged tag (e.g.
// "busybox:latest"), with Cmd ["sh"] as Docker Hub's busybox has.
func DockerArchive(w io.Writer, tag string) error {
	var layer bytes.Buffer
	if err := LayerTar(&layer); err != nil {
		return err
	}
	diffID := sha256.Sum256(layer.Bytes())
	created := modTime()
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux", "created": created,
		"config": map[string]any{
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			"Cmd": []string{"sh"},
		},
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}},
		"history": []map[string]any{{"created": created, "created_by": "hull: busybox from Debian's busybox-static"}},
	})
	if err != nil {
		return err
	}
	configID := sha256.Sum256(config)
	configName := hex.EncodeToString(configID[:]) + ".json"
	layerDir := hex.EncodeToString(diffID[:])
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": configName, "RepoTags": []string{tag}, "Layers": []string{layerDir + "/layer.tar"},
	}})
	repo, ver, _ := strings.Cut(tag, ":")
	repositories, _ := json.Marshal(map[string]map[string]string{repo: {ver: layerDir}})
	return writeArchive(w, created, []archiveFile{
		{layerDir + "/layer.tar", layer.Bytes()},
		{configName, config},
		{"manifest.json", manifest},
		{"repositories", repositories},
	})
}

// DockerArchiveFile writes DockerArchive(tag) to a new file at path: what
// `hull load -i path` takes to give a data root busybox.
func DockerArchiveFile(path, tag string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := DockerArchive(f, tag); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type archiveFile struct {
	name string
	data []byte
}

func writeArchive(w io.Writer, mtime time.Time, files []archiveFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if dir, _, ok := strings.Cut(f.name, "/"); ok {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: mtime}); err != nil {
				return err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime}); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}
