package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
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
// inspectEach is an inspect command's body: it looks up each ref with get
// (the first that fails ends it, as docker's does) and prints them.
func inspectEach(cmd *cobra.Command, refs []string, format string, get func(eng *engine.Engine, ref string) (any, error)) error {
	eng, err := openEngine(cmd)
	if err != nil {
		return err
	}
	var out []any
	for _, ref := range refs {
		item, err := get(eng, ref)
		if err != nil {
			return err
		}
		out = append(out, item)
	}
	return printInspect(cmd.OutOrStdout(), format, out)
}

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
