package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/units"
)

func init() { register(newPsCommand) }

type psFlags struct {
	all, quiet, latest, noTrunc, size bool
	last                              int
	filters                           []string
	format                            string
}

func newPsCommand() *cobra.Command {
	var f psFlags
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS]",
		Short: "List containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			all, err := eng.List()
			if err != nil {
				return err
			}
			shown, err := f.selectContainers(all)
			if err != nil {
				return err
			}
			return f.print(cmd.OutOrStdout(), eng, shown)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.all, "all", "a", false, "Show all containers (default shows just running)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "Only display container IDs")
	fl.BoolVarP(&f.latest, "latest", "l", false, "Show the latest created container (includes all states)")
	fl.IntVarP(&f.last, "last", "n", -1, "Show n last created containers (includes all states)")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "Don't truncate output")
	fl.BoolVarP(&f.size, "size", "s", false, "Display total file sizes")
	stringList(fl, &f.filters, "filter", "f", "Filter output based on conditions provided")
	fl.StringVar(&f.format, "format", "", "Format output using a Go template")
	return cmd
}

func (f *psFlags) selectContainers(all []*engine.Container) ([]*engine.Container, error) {
	limit := f.last
	if f.latest {
		limit = 1
	}
	var out []*engine.Container
	for _, c := range all {
		if !f.all && limit < 0 && !c.State.Running {
			continue
		}
		ok, err := matchFilters(c, f.filters)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
		if limit >= 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// matchFilters applies docker's ps filters: id, name, status, label,
// exited, ancestor.
func matchFilters(c *engine.Container, filters []string) (bool, error) {
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok {
			return false, fmt.Errorf("bad format of filter (expected name=value): %s", f)
		}
		var match bool
		switch key {
		case "id":
			match = strings.HasPrefix(c.ID, value)
		case "name":
			match = strings.Contains(c.Name, strings.TrimPrefix(value, "/"))
		case "status":
			match = c.State.Status == value
		case "exited":
			match = !c.State.Running && fmt.Sprint(c.State.ExitCode) == value && c.State.Status == engine.StatusExited
		case "label":
			k, v, hasValue := strings.Cut(value, "=")
			got, present := c.Config.Labels[k]
			match = present && (!hasValue || got == v)
		case "ancestor":
			match = c.ImageName == value || strings.HasPrefix(strings.TrimPrefix(c.Image, "sha256:"), strings.TrimPrefix(value, "sha256:"))
		default:
			return false, fmt.Errorf("invalid filter '%s'", key)
		}
		if !match {
			return false, nil
		}
	}
	return true, nil
}

// psRow is what --format templates see, with docker's field names.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, Status, Size, Names, State string
	Labels                                                                       string
}

func (f *psFlags) row(c *engine.Container, now time.Time) psRow {
	id, command := c.ID, strings.Join(append([]string{c.Path}, c.Args...), " ")
	if !f.noTrunc {
		id = id[:12]
		command = truncate(command, 20)
	}
	command = fmt.Sprintf("%q", command)
	return psRow{
		ID: id, Image: c.ImageName, Command: command,
		CreatedAt:  c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: units.Ago(c.Created, now),
		Status:     units.Status(c.State.Status, c.State.ExitCode, c.State.StartedAt, c.State.FinishedAt, now, c.State.Restarting, c.State.Paused),
		Names:      c.Name, State: c.State.Status, Ports: portsColumn(c),
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func (f *psFlags) print(w io.Writer, eng *engine.Engine, cs []*engine.Container) error {
	now := time.Now()
	if f.quiet {
		for _, c := range cs {
			fmt.Fprintln(w, f.row(c, now).ID)
		}
		return nil
	}
	format := formatEscapes.Replace(f.format)
	if format == "" || format == "table" {
		format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
		if f.size {
			format += "\t{{.Size}}"
		}
	}
	table := strings.HasPrefix(format, "table ")
	tmpl, err := template.New("ps").Funcs(templateFuncs).Parse(strings.TrimPrefix(format, "table "))
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		fmt.Fprintln(tw, tableHeader(strings.TrimPrefix(format, "table "), psHeaders))
	}
	for _, c := range cs {
		row := f.row(c, now)
		if f.size {
			row.Size = sizeText(eng, c)
		}
		if err := tmpl.Execute(out, row); err != nil {
			return err
		}
		fmt.Fprintln(out)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

var psHeaders = map[string]string{
	"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
	"CreatedAt": "CREATED AT", "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES",
	"State": "STATE", "Size": "SIZE", "Labels": "LABELS",
}

var fieldRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`{{\s*\.(\w+)\s*}}`) })

// tableHeader turns a table template into its header line, as docker does.
func tableHeader(format string, headers map[string]string) string {
	return fieldRef().ReplaceAllStringFunc(format, func(ref string) string {
		name := fieldRef().FindStringSubmatch(ref)[1]
		if h, ok := headers[name]; ok {
			return h
		}
		return strings.ToUpper(name)
	})
}

var templateFuncs = template.FuncMap{
	"json":  func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
}

// sizeText is docker's SIZE column: the writable layer, and with the
// image's layers.
func sizeText(eng *engine.Engine, c *engine.Container) string {
	rw := eng.Usage(c)
	virtual := rw
	if img, err := eng.Images.Get(c.Image); err == nil {
		virtual += img.Size
	}
	return fmt.Sprintf("%s (virtual %s)", units.HumanSize(float64(rw)), units.HumanSize(float64(virtual)))
}
