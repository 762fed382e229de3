package image

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// commitImage writes img's record and points refs at it, under the lock,
// after checking that every blob and layer it needs is in place (a
// concurrent rmi may have removed shared ones). It reports whether any ref
// changed.
func (s *Store) commitImage(img *Image, refs ...string) (bool, error) {
	if err := s.fillSizes(img); err != nil {
		return false, err
	}
	updated := false
	err := s.locked(true, func() error {
		if err := s.checkComplete(img); err != nil {
			return err
		}
		if err := s.putRecordLocked(img); err != nil {
			return err
		}
		all, err := s.records.refs()
		if err != nil {
			return err
		}
		for _, r := range refs {
			if all[r] != img.ID {
				updated = true
			}
			all[r] = img.ID
		}
		return s.records.putRefs(all)
	})
	return updated, err
}

// putRecordLocked writes the record, keeping what an existing record for
// the same id knew (first added time, uncompressed sizes).
func (s *Store) putRecordLocked(img *Image) error {
	old, err := s.records.get(img.ID)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if old != nil {
		img.Added = old.Added
		for i := range img.Layers {
			if img.Layers[i].DiffSize == 0 && i < len(old.Layers) {
				img.Layers[i].DiffSize = old.Layers[i].DiffSize
			}
		}
	}
	return s.records.put(img)
}

func (s *Store) checkComplete(img *Image) error {
	for _, d := range append([]v1Hash{img.Manifest.Digest, img.Config.Digest}, layerDigests(img)...) {
		if !s.blobs.Has(d) {
			return fmt.Errorf("blob %s disappeared while committing (removed concurrently?); retry", d)
		}
	}
	for _, l := range img.Layers {
		if !s.opts.Layers.HasLayer(l.ChainID) {
			return fmt.Errorf("layer %s disappeared while committing (removed concurrently?); retry", l.ChainID)
		}
	}
	return nil
}

// fillSizes sets the image size: the sum of its unpacked layers.
func (s *Store) fillSizes(img *Image) error {
	img.Size = 0
	for _, l := range img.Layers {
		n, err := s.opts.Layers.LayerSize(l.ChainID)
		if err != nil {
			return fmt.Errorf("layer %s size: %w", l.ChainID, err)
		}
		img.Size += n
	}
	return nil
}
