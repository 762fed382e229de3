package cli

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
)

// imageJSON is the shape of `docker image inspect`.
type imageJSON struct {
	ID              string `json:"Id"`
	RepoTags        []string
	RepoDigests     []string
	Parent          string
	Comment         string
	Created         string
	Container       string
	ContainerConfig v1.Config
	DockerVersion   string
	Author          string
	Config          v1.Config
	Architecture    string
	Variant         string `json:",omitempty"`
	Os              string
	OsVersion       string `json:",omitempty"`
	Size            int64
	VirtualSize     int64
	GraphDriver     graphDriverJSON
	RootFS          rootFSJSON
	Metadata        struct{ LastTagTime string }
}

type graphDriverJSON struct {
	Data map[string]string
	Name string
}

type rootFSJSON struct {
	Type   string
	Layers []string
}

func newImageInspectCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImageInspect(cmd, args, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

func runImageInspect(cmd *cobra.Command, names []string, format string) error {
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	var out []any
	var errs []error
	for _, n := range names {
		j, err := inspectImage(store, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, j)
	}
	if format != "" {
		rows := make([]map[string]any, 0, len(out))
		for _, j := range out {
			rows = append(rows, asMap(j))
		}
		if err := imgTable(cmd.OutOrStdout(), format, nil, rows); err != nil {
			return err
		}
		return errors.Join(errs...)
	}
	if err := printInspect(cmd.OutOrStdout(), "", out); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// asMap lets templates address the JSON field names (.Id, .Config.Cmd).
func asMap(v any) map[string]any {
	data, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return m
}

func inspectImage(store *image.Store, name string) (*imageJSON, error) {
	img, err := store.Get(name)
	if err != nil {
		return nil, err
	}
	cfg, err := store.ConfigFile(img)
	if err != nil {
		return nil, err
	}
	j := &imageJSON{
		ID: img.ID, RepoTags: nonNilStrings(img.RepoTags), RepoDigests: nonNilStrings(img.RepoDigests),
		Created: cfg.Created.UTC().Format(time.RFC3339Nano), Container: cfg.Container, DockerVersion: cfg.DockerVersion,
		Author: cfg.Author, Config: cfg.Config, Architecture: cfg.Architecture,
		Variant: cfg.Variant, Os: cfg.OS, OsVersion: cfg.OSVersion, Size: img.Size, VirtualSize: img.Size,
		GraphDriver: graphDriver(store, img), RootFS: rootFSJSON{Type: cfg.RootFS.Type},
	}
	if n := len(cfg.History); n > 0 {
		j.Comment = cfg.History[n-1].Comment
	}
	for _, d := range cfg.RootFS.DiffIDs {
		j.RootFS.Layers = append(j.RootFS.Layers, d.String())
	}
	j.Metadata.LastTagTime = img.Added.Format(time.RFC3339Nano)
	return j, nil
}

// graphDriver describes the layers as docker's overlay2 driver does:
// the top layer is the upper dir, the others its lowers.
func graphDriver(store *image.Store, img *image.Image) graphDriverJSON {
	g := graphDriverJSON{Name: "overlay2", Data: map[string]string{}}
	n := len(img.Layers)
	if n == 0 {
		return g
	}
	top := store.LayerDir(img.Layers[n-1])
	g.Data["UpperDir"] = top
	g.Data["MergedDir"] = filepath.Join(filepath.Dir(top), "merged")
	g.Data["WorkDir"] = filepath.Join(filepath.Dir(top), "work")
	var lowers []string
	for i := n - 2; i >= 0; i-- {
		lowers = append(lowers, store.LayerDir(img.Layers[i]))
	}
	if len(lowers) > 0 {
		g.Data["LowerDir"] = strings.Join(lowers, ":")
	}
	return g
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
