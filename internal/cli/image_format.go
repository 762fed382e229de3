package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// imgTable prints rows through a docker --format template. A format that
// starts with "table" gets a header line (fields renamed by headers) and
// tab-aligned columns, as docker's formatter does; any other format
// prints one line per row.
func imgTable(w io.Writer, format string, headers map[string]string, rows []map[string]any) error {
	table := strings.HasPrefix(format, "table")
	if table {
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = formatEscapes.Replace(format)
	tmpl, err := template.New("format").Funcs(template.FuncMap{"json": imgJSON}).Option("missingkey=zero").Parse(format)
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		head := map[string]any{}
		for k, v := range headers {
			head[k] = v
		}
		if err := imgExecLine(out, tmpl, head); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := imgExecLine(out, tmpl, r); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func imgExecLine(w io.Writer, tmpl *template.Template, data any) error {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

func imgJSON(v any) (string, error) {
	data, err := json.Marshal(v)
	return string(data), err
}
