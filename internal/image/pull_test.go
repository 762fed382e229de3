package image

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hull-project/hull/internal/errdefs"
)

func randomImage(t *testing.T, layers int64, mt types.MediaType) v1.Image {
	t.Helper()
	img, err := random.Image(4096, layers)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.MediaType(img, mt)
	if mt == types.OCIManifestSchema1 {
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	}
	return img
}

func TestPullDockerAndOCI(t *testing.T) {
	for _, mt := range []types.MediaType{types.DockerManifestSchema2, types.OCIManifestSchema1} {
		t.Run(string(mt), func(t *testing.T) {
			host := newRegistry(t, nil)
			src := randomImage(t, 3, mt)
			pushTestImage(t, host+"/test/app:v1", src)
			s := newTestStore(t)
			res, err := pull(t, s, host+"/test/app:v1")
			if err != nil {
				t.Fatal(err)
			}
			wantID, _ := src.ConfigName()
			if res.Image.ID != wantID.String() || !res.Updated {
				t.Fatalf("pulled %s (updated %v), want %s", res.Image.ID, res.Updated, wantID)
			}
			img, err := s.Get(host + "/test/app:v1")
			if err != nil {
				t.Fatal(err)
			}
			if len(img.Layers) != 3 || len(img.RepoTags) != 1 || len(img.RepoDigests) != 1 {
				t.Fatalf("record: %+v", img)
			}
			for _, l := range img.Layers {
				if !s.blobs.Has(l.Digest) || !s.opts.Layers.HasLayer(l.ChainID) || l.DiffSize == 0 {
					t.Errorf("layer %s incomplete: %+v", l.Digest, l)
				}
			}
			assertEmptyIngest(t, s)
			again, err := pull(t, s, host+"/test/app:v1")
			if err != nil || again.Updated {
				t.Fatalf("second pull: updated=%v err=%v", again != nil && again.Updated, err)
			}
		})
	}
}

func TestPullIndexPicksAmd64(t *testing.T) {
	host := newRegistry(t, nil)
	amd := randomImage(t, 1, types.OCIManifestSchema1)
	arm := randomImage(t, 1, types.OCIManifestSchema1)
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
	)
	pushTestIndex(t, host+"/multi:latest", idx)
	s := newTestStore(t)
	res, err := pull(t, s, host+"/multi")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := amd.ConfigName()
	idxDigest, _ := idx.Digest()
	if res.Image.ID != want.String() || res.Digest != idxDigest.String() {
		t.Fatalf("got %s digest %s, want %s digest %s", res.Image.ID, res.Digest, want, idxDigest)
	}
}

func TestPullErrorsLeaveNothing(t *testing.T) {
	corrupt := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && strings.Contains(r.URL.Path, "corrupt") {
				rec := &bufferWriter{header: http.Header{}}
				h.ServeHTTP(rec, r)
				body := rec.buf.Bytes()
				if len(body) > 2000 { // a layer, not the config
					body[len(body)/2] ^= 0xff
				}
				for k, v := range rec.header {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.code)
				w.Write(body)
				return
			}
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && strings.Contains(r.URL.Path, "truncated") {
				rec := &bufferWriter{header: http.Header{}}
				h.ServeHTTP(rec, r)
				body := rec.buf.Bytes()
				if len(body) > 2000 {
					body = body[:len(body)/2]
				}
				w.WriteHeader(rec.code)
				w.Write(body)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	host := newRegistry(t, corrupt)
	pushTestImage(t, host+"/corrupt:v1", randomImage(t, 2, types.OCIManifestSchema1))
	pushTestImage(t, host+"/truncated:v1", randomImage(t, 2, types.OCIManifestSchema1))
	tests := []struct{ ref, want string }{
		{host + "/corrupt:v1", "digest mismatch"},
		{host + "/truncated:v1", "size mismatch"},
		{host + "/missing:v1", "repository does not exist"},
		{host + "/corrupt:nope", "manifest unknown"},
		{"127.0.0.1:1/closed:v1", "connect"},
	}
	for _, tt := range tests {
		s := newTestStore(t)
		_, err := pull(t, s, tt.ref)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("pull %s: %v, want %q", tt.ref, err, tt.want)
		}
		imgs, _ := s.List()
		if len(imgs) != 0 {
			t.Errorf("pull %s left %d images", tt.ref, len(imgs))
		}
		assertEmptyIngest(t, s)
	}
}

func TestPullNotFoundIsClassified(t *testing.T) {
	host := newRegistry(t, nil)
	_, err := pull(t, newTestStore(t), host+"/nothing")
	if !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
}

type bufferWriter struct {
	header http.Header
	buf    bytes.Buffer
	code   int
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.code == 0 {
		b.code = 200
	}
	return b.buf.Write(p)
}
func (b *bufferWriter) WriteHeader(c int) { b.code = c }

var _ = os.Stat
