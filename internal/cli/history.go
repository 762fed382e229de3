package cli

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/image/progress"
)

func init() { register(newHistoryCommand) }

type historyFlags struct {
	human, quiet, noTrunc bool
	format                string
}

func newHistoryCommand() *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show the history of an image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistory(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.human, "human", "H", true, "Print sizes and dates in human readable format")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "Only show image IDs")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "Don't truncate output")
	fl.StringVar(&f.format, "format", "", "Format output using a custom template")
	return cmd
}

var historyHeaders = map[string]string{
	"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
	"Size": "SIZE", "Comment": "COMMENT",
}

func runHistory(cmd *cobra.Command, name string, f historyFlags) error {
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	img, err := store.Get(name)
	if err != nil {
		return err
	}
	rows, err := historyRows(store, img, f)
	if err != nil {
		return err
	}
	format := f.format
	switch {
	case f.quiet:
		format = "{{.ID}}"
	case format == "":
		format = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
	}
	return imgTable(cmd.OutOrStdout(), format, historyHeaders, rows)
}

// historyRows lists the config's history newest first; entries that made
// a layer get that layer's size, the newest row the image id.
func historyRows(store *image.Store, img *image.Image, f historyFlags) ([]map[string]any, error) {
	cfg, err := store.ConfigFile(img)
	if err != nil {
		return nil, err
	}
	sizes := make([]int64, len(cfg.History))
	li := 0
	for i, h := range cfg.History {
		if !h.EmptyLayer && li < len(img.Layers) {
			sizes[i], _ = store.LayerSize(img.Layers[li])
			li++
		}
	}
	var rows []map[string]any
	for i := len(cfg.History) - 1; i >= 0; i-- {
		h := cfg.History[i]
		rows = append(rows, historyRow(img, h.Created.Time, h.CreatedBy, h.Comment, sizes[i], i == len(cfg.History)-1, f))
	}
	return rows, nil
}

func historyRow(img *image.Image, created time.Time, by, comment string, size int64, top bool, f historyFlags) map[string]any {
	id := "<missing>"
	if top {
		id = img.ShortID()
		if f.noTrunc {
			id = img.ID
		}
	}
	by = strings.ReplaceAll(by, "\t", " ")
	if !f.noTrunc && len([]rune(by)) > 45 {
		by = string([]rune(by)[:44]) + "…"
	}
	since, sz := imgCreatedSince(created), progress.HumanSizePrecision(size, 3)
	if !f.human {
		since, sz = created.Format(time.RFC3339), strconvI64(size)
	}
	return map[string]any{"ID": id, "CreatedSince": since, "CreatedAt": created.Format(time.RFC3339),
		"CreatedBy": by, "Size": sz, "Comment": comment}
}
