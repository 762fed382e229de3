package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// printTemplate runs a --format template over each item, one line each.
func printTemplate(w io.Writer, format string, items []any) error {
	funcs := template.FuncMap{"json": func(v any) (string, error) {
		data, err := json.Marshal(v)
		return string(data), err
	}}
	tmpl, err := template.New("format").Funcs(funcs).Parse(format)
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	for _, it := range items {
		if err := tmpl.Execute(w, it); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	return nil
}

// printInspect prints what an inspect command found as docker does: with
// a --format template, a line per item; without, an indented JSON array.
func printInspect(w io.Writer, format string, items []any) error {
	if format != "" {
		return printTemplate(w, format, items)
	}
	if items == nil {
		items = []any{}
	}
	data, err := json.MarshalIndent(items, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(data))
	return err
}

// formatEscapes turns the \t and \n a user types in --format into tabs
// and newlines, as docker's formatter does.
var formatEscapes = strings.NewReplacer(`\t`, "\t", `\n`, "\n")
