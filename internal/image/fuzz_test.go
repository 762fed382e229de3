package image

import (
	"testing"
)

// The fuzz targets check that parsing hostile registry documents never
// panics and that whatever is accepted satisfies the checks callers rely
// on. Seeds live in testdata/fuzz/<target>/.

func FuzzParseManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		if m.SchemaVersion != 2 || checkDescriptor("config", m.Config) != nil {
			t.Fatalf("accepted a bad manifest: %s", data)
		}
		for _, l := range m.Layers {
			if !layerTypes[l.MediaType] || l.Size < 0 {
				t.Fatalf("accepted a bad layer: %+v", l)
			}
		}
	})
}

func FuzzParseIndex(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(data)
		if err != nil {
			return
		}
		if d, err := SelectPlatform(idx, DefaultPlatform); err == nil {
			if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != "amd64" {
				t.Fatalf("selected %+v for linux/amd64", d.Platform)
			}
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		_ = ChainIDs(c.RootFS.DiffIDs)
		for _, d := range c.RootFS.DiffIDs {
			if d.Algorithm != "sha256" || len(d.Hex) != 64 {
				t.Fatalf("accepted diff id %v", d)
			}
		}
	})
}
