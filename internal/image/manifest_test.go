package image

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func hashOf(c byte) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(string(c), 64)} }

func TestSelectPlatform(t *testing.T) {
	entry := func(c byte, os, arch, variant string) v1.Descriptor {
		return v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: hashOf(c), Size: 1,
			Platform: &v1.Platform{OS: os, Architecture: arch, Variant: variant}}
	}
	attest := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: hashOf('e'), Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}
	idx := &v1.IndexManifest{Manifests: []v1.Descriptor{
		entry('a', "linux", "arm64", "v8"), entry('b', "linux", "arm", "v6"), entry('c', "linux", "arm", "v7"),
		attest, entry('d', "linux", "amd64", ""), entry('f', "windows", "amd64", ""),
	}}
	tests := []struct {
		p    v1.Platform
		want byte
	}{
		{v1.Platform{OS: "linux", Architecture: "amd64"}, 'd'},
		{v1.Platform{OS: "linux", Architecture: "arm64"}, 'a'},
		{v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, 'c'},
		{v1.Platform{OS: "linux", Architecture: "arm"}, 'b'},
		{v1.Platform{OS: "windows", Architecture: "amd64"}, 'f'},
	}
	for _, tt := range tests {
		got, err := SelectPlatform(idx, tt.p)
		if err != nil || got.Digest != hashOf(tt.want) {
			t.Errorf("SelectPlatform(%v) = %v, %v; want %c", tt.p, got.Digest, err, tt.want)
		}
	}
	if _, err := SelectPlatform(idx, v1.Platform{OS: "linux", Architecture: "s390x"}); err == nil || !strings.Contains(err.Error(), "no matching manifest for linux/s390x") {
		t.Errorf("s390x: %v", err)
	}
}

func TestParseManifestRejects(t *testing.T) {
	d := `"sha256:` + strings.Repeat("a", 64) + `"`
	tests := map[string]string{
		"not json":         `{`,
		"schema 1":         `{"schemaVersion":1}`,
		"bad config":       `{"schemaVersion":2,"config":{"digest":"md5:00","size":1}}`,
		"foreign layer":    `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":` + d + `,"size":1},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":` + d + `,"size":1}]}`,
		"negative size":    `{"schemaVersion":2,"config":{"digest":` + d + `,"size":-1}}`,
		"index media type": `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{"digest":` + d + `,"size":1}}`,
	}
	for name, m := range tests {
		if _, err := ParseManifest([]byte(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":` + d + `,"size":1},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":` + d + `,"size":1}]}`
	if _, err := ParseManifest([]byte(ok)); err != nil {
		t.Errorf("valid manifest: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	if _, err := ParseConfig([]byte("not json")); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("not json: %v", err)
	}
	if _, err := ParseConfig([]byte(`{"rootfs":{"type":"zfs"}}`)); err == nil {
		t.Error("rootfs type zfs accepted")
	}
	if _, err := ParseConfig([]byte(`{"rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("a", 64) + `"]}}`)); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

func TestChainIDs(t *testing.T) {
	// The chain ids of a known image (two layers), computed by hand with
	// sha256sum over "<chain0> <diff1>".
	a, b := hashOf('a'), hashOf('b')
	got := ChainIDs([]v1.Hash{a, b})
	h, _, _ := v1.SHA256(strings.NewReader(a.String() + " " + b.String()))
	if got[0] != a.String() || got[1] != h.String() {
		t.Fatalf("ChainIDs = %v", got)
	}
}
