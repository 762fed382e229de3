package image

import (
	"fmt"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/image/reference"
)

// Deleted is one line of rmi/prune output: a reference untagged or an
// image id deleted.
type Deleted struct {
	Untagged string `json:"Untagged,omitempty"`
	Deleted  string `json:"Deleted,omitempty"`
}

// RemoveOptions configures Remove.
type RemoveOptions struct {
	Force bool
	// InUse returns the containers using an image id; nil means none.
	InUse func(id string) []string
}

// Remove removes a reference or an image as `docker rmi` does: a tag is
// untagged and the image deleted once nothing names it; an id deletes the
// image, which needs Force when several repositories name it. An image a
// container uses is only untagged, and only with Force.
func (s *Store) Remove(name string, opts RemoveOptions) ([]Deleted, error) {
	var out []Deleted
	err := s.locked(true, func() error {
		var err error
		out, err = s.removeLocked(name, opts)
		return err
	})
	return out, err
}

func (s *Store) removeLocked(name string, opts RemoveOptions) ([]Deleted, error) {
	img, err := s.getLocked(name)
	if err != nil {
		return nil, err
	}
	refs, err := s.records.refs()
	if err != nil {
		return nil, err
	}
	byRef := s.namedByRef(name, img, refs)
	if err := checkRemovable(name, img, byRef, opts); err != nil {
		return nil, err
	}
	untag := allRefs(img.ID, refs)
	if byRef != "" && len(img.RepoTags) > 1 {
		untag = []string{byRef}
	}
	var out []Deleted
	for _, r := range untag {
		delete(refs, r)
		if pr, err := reference.Parse(r); err == nil {
			out = append(out, Deleted{Untagged: pr.FamiliarString()})
		}
	}
	if err := s.records.putRefs(refs); err != nil {
		return nil, err
	}
	if len(allRefs(img.ID, refs)) > 0 || inUse(img.ID, opts) != nil {
		return out, nil
	}
	return append(out, s.deleteLocked(img)...), nil
}

// namedByRef returns the full reference when name is a tag of img.
func (s *Store) namedByRef(name string, img *Image, refs map[string]string) string {
	r, err := reference.Parse(name)
	if err != nil || refs[r.String()] != img.ID {
		return ""
	}
	return r.String()
}

func checkRemovable(name string, img *Image, byRef string, opts RemoveOptions) error {
	if users := inUse(img.ID, opts); users != nil && !opts.Force {
		if byRef != "" && len(img.RepoTags) > 1 {
			return nil // untagging one of several tags is fine
		}
		return errdefs.Conflict(fmt.Sprintf("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image %s", name, ShortID(users[0]), img.ShortID()))
	}
	if byRef == "" && len(img.RepoTags) > 1 && !opts.Force {
		return errdefs.Conflict(fmt.Sprintf("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", img.ShortID()))
	}
	return nil
}

func inUse(id string, opts RemoveOptions) []string {
	if opts.InUse == nil {
		return nil
	}
	if users := opts.InUse(id); len(users) > 0 {
		return users
	}
	return nil
}

func allRefs(id string, refs map[string]string) []string {
	var out []string
	for r, rid := range refs {
		if rid == id {
			out = append(out, r)
		}
	}
	return out
}

// deleteLocked removes img's record, then the blobs and layers no other
// image uses. Failures to free space are not errors: the image is gone.
func (s *Store) deleteLocked(img *Image) []Deleted {
	if err := s.records.remove(img.ID); err != nil {
		return nil
	}
	usedBlobs, usedChains := s.usedLocked()
	for _, l := range img.Layers {
		if !usedChains[l.ChainID] {
			_ = s.opts.Layers.RemoveLayer(l.ChainID)
		}
		if !usedBlobs[l.Digest.String()] {
			_ = s.blobs.Delete(l.Digest)
		}
	}
	for _, d := range []v1Hash{img.Manifest.Digest, img.Config.Digest} {
		if !usedBlobs[d.String()] {
			_ = s.blobs.Delete(d)
		}
	}
	return []Deleted{{Deleted: img.ID}}
}

// usedLocked collects the blobs and chain ids the remaining images use.
func (s *Store) usedLocked() (blobs, chains map[string]bool) {
	blobs, chains = map[string]bool{}, map[string]bool{}
	ids, _ := s.records.ids()
	for _, id := range ids {
		img, err := s.records.get(id)
		if err != nil {
			continue
		}
		blobs[img.Manifest.Digest.String()] = true
		blobs[img.Config.Digest.String()] = true
		for _, l := range img.Layers {
			blobs[l.Digest.String()] = true
			chains[l.ChainID] = true
		}
	}
	return blobs, chains
}

// PruneReport is what Prune removed.
type PruneReport struct {
	Deleted        []Deleted
	SpaceReclaimed int64
}

// Prune removes dangling images, or with all every image no container
// uses.
func (s *Store) Prune(all bool, inUseFn func(id string) []string) (*PruneReport, error) {
	rep := &PruneReport{}
	err := s.locked(true, func() error {
		imgs, err := s.listLocked()
		if err != nil {
			return err
		}
		for _, img := range imgs {
			if (!all && !img.Dangling()) || inUse(img.ID, RemoveOptions{InUse: inUseFn}) != nil {
				continue
			}
			rep.add(s.pruneOneLocked(img))
		}
		return nil
	})
	return rep, err
}

func (s *Store) pruneOneLocked(img *Image) ([]Deleted, int64) {
	refs, err := s.records.refs()
	if err != nil {
		return nil, 0
	}
	var out []Deleted
	for _, r := range allRefs(img.ID, refs) {
		delete(refs, r)
		if pr, err := reference.Parse(r); err == nil && pr.Digest == "" {
			out = append(out, Deleted{Untagged: pr.FamiliarString()})
		}
	}
	if err := s.records.putRefs(refs); err != nil {
		return nil, 0
	}
	return append(out, s.deleteLocked(img)...), img.Size
}

func (r *PruneReport) add(d []Deleted, size int64) {
	r.Deleted = append(r.Deleted, d...)
	if len(d) > 0 && strings.HasPrefix(d[len(d)-1].Deleted, "sha256:") {
		r.SpaceReclaimed += size
	}
}
