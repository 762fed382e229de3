package cli

import (
	"fmt"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/image/progress"
	"github.com/hull-project/hull/internal/image/reference"
)

func init() { register(newImagesCommand) }

type imagesFlags struct {
	all, quiet, digests, noTrunc bool
	format                       string
	filters                      []string
}

func newImagesCommand() *cobra.Command {
	var f imagesFlags
	cmd := &cobra.Command{
		Use:   "images [OPTIONS] [REPOSITORY[:TAG]]",
		Short: "List images",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.filters = append(f.filters, "reference="+args[0])
			}
			return runImages(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.all, "all", "a", false, "Show all images (default hides intermediate images)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "Only show image IDs")
	fl.BoolVar(&f.digests, "digests", false, "Show digests")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "Don't truncate output")
	fl.StringVar(&f.format, "format", "", "Format output using a custom template")
	stringList(fl, &f.filters, "filter", "f", "Filter output based on conditions provided (dangling=true|false, reference=PATTERN)")
	return cmd
}

var imagesHeaders = map[string]string{
	"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Digest": "DIGEST",
	"CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
	"VirtualSize": "VIRTUAL SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS",
}

func runImages(cmd *cobra.Command, f imagesFlags) error {
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	imgs, err := store.List()
	if err != nil {
		return err
	}
	match, err := imageFilter(f.filters)
	if err != nil {
		return err
	}
	var rows []map[string]any
	for _, img := range imgs {
		rows = append(rows, imageRows(img, f, match)...)
	}
	if f.quiet {
		return printImageIDs(cmd, rows)
	}
	format := f.format
	if format == "" {
		format = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		if f.digests {
			format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		}
	}
	return imgTable(cmd.OutOrStdout(), format, imagesHeaders, rows)
}

func printImageIDs(cmd *cobra.Command, rows []map[string]any) error {
	seen := map[any]bool{}
	for _, r := range rows {
		if !seen[r["ID"]] {
			seen[r["ID"]] = true
			fmt.Fprintln(cmd.OutOrStdout(), r["ID"])
		}
	}
	return nil
}

// imageRows is one row per repository:tag (docker's layout), or one
// "<none>" row for an untagged image.
func imageRows(img *image.Image, f imagesFlags, match func(*image.Image, string) bool) []map[string]any {
	names := append([]string{}, img.RepoTags...)
	for _, d := range img.RepoDigests { // pulled by digest only: show the repository
		repo, _, _ := strings.Cut(d, "@")
		if !hasRepo(names, repo) {
			names = append(names, repo+":<none>")
		}
	}
	if len(names) == 0 {
		names = []string{"<none>:<none>"}
	}
	var rows []map[string]any
	for _, n := range names {
		if !match(img, n) {
			continue
		}
		i := strings.LastIndex(n, ":")
		rows = append(rows, imageRow(img, n[:i], n[i+1:], f))
	}
	return rows
}

func hasRepo(tags []string, repo string) bool {
	for _, t := range tags {
		if strings.HasPrefix(t, repo+":") {
			return true
		}
	}
	return false
}

func imageRow(img *image.Image, repo, tag string, f imagesFlags) map[string]any {
	id := img.ShortID()
	if f.noTrunc {
		id = img.ID
	}
	digest := "<none>"
	for _, d := range img.RepoDigests {
		if r, dg, _ := strings.Cut(d, "@"); r == repo {
			digest = dg
		}
	}
	return map[string]any{
		"Repository": repo, "Tag": tag, "ID": id, "Digest": digest,
		"CreatedSince": imgCreatedSince(img.Created), "CreatedAt": img.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		"Size": progress.HumanSizePrecision(img.Size, 3), "VirtualSize": progress.HumanSizePrecision(img.Size, 3),
		"SharedSize": "N/A", "UniqueSize": "N/A", "Containers": "N/A",
	}
}

// imageFilter reads docker's image filters: dangling and reference.
func imageFilter(filters []string) (func(*image.Image, string) bool, error) {
	var checks []func(*image.Image, string) bool
	for _, fl := range filters {
		k, v, ok := strings.Cut(fl, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("bad format of filter (expected name=value): %s", fl)
		case k == "dangling" && (v == "true" || v == "1"):
			checks = append(checks, func(img *image.Image, _ string) bool { return img.Dangling() })
		case k == "dangling" && (v == "false" || v == "0"):
			checks = append(checks, func(img *image.Image, _ string) bool { return !img.Dangling() })
		case k == "dangling":
			return nil, fmt.Errorf("invalid filter 'dangling=%s'", v)
		case k == "reference":
			checks = append(checks, func(_ *image.Image, name string) bool { return referenceMatches(v, name) })
		default:
			return nil, fmt.Errorf("invalid filter '%s'", k)
		}
	}
	return func(img *image.Image, name string) bool {
		for _, c := range checks {
			if !c(img, name) {
				return false
			}
		}
		return true
	}, nil
}

// referenceMatches matches a "repo[:tag]" glob against "repo:tag", in the
// familiar or the full form.
func referenceMatches(pattern, name string) bool {
	if name == "<none>:<none>" {
		return false
	}
	repo, _, _ := strings.Cut(name, ":")
	if i := strings.LastIndex(name, ":"); i > 0 {
		repo = name[:i]
	}
	candidates := []string{name, repo}
	if r, err := reference.ParseName(name); err == nil {
		candidates = append(candidates, r.Name(), r.String())
	}
	for _, c := range candidates {
		if ok, _ := path.Match(pattern, c); ok {
			return true
		}
	}
	return false
}
