// Package layering holds the test that keeps hull's dependencies pointing
// downward, as DESIGN.md draws them: a package that imports a layer above it
// fails the build's tests.
package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/hull-project/hull/"

// forbidden maps a package prefix to the imports it must never have.
var forbidden = map[string][]string{
	"internal/runtime":  {module + "internal/engine", module + "internal/image", module + "internal/snapshot", module + "internal/network", module + "internal/cli", module + "internal/api"},
	"internal/snapshot": {module + "internal/engine", module + "internal/image", module + "internal/runtime", module + "internal/network", module + "internal/cli", module + "internal/api"},
	"internal/archive":  {module + "internal/engine", module + "internal/image", module + "internal/runtime", module + "internal/network", module + "internal/cli", module + "internal/api"},
	"internal/image":    {module + "internal/engine", module + "internal/runtime", module + "internal/network", module + "internal/cli", module + "internal/api"},
	"internal/network":  {module + "internal/engine", module + "internal/image", module + "internal/cli", module + "internal/api"},
	"internal/engine":   {module + "internal/cli", module + "internal/api", "github.com/spf13/cobra", "net/http"},
	"internal/cli":      {module + "internal/api"},
	"internal/api":      {module + "internal/cli", "github.com/spf13/cobra"},
}

func TestDependenciesPointDownward(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for prefix, banned := range forbidden {
			if rel == prefix || strings.HasPrefix(rel, prefix+"/") {
				checked++
				checkFile(t, path, rel, banned)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no source file was checked: is the test run from test/layering?")
	}
}

func checkFile(t *testing.T, path, rel string, banned []string) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Errorf("parse %s: %v", rel, err)
		return
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		for _, b := range banned {
			if p == b || strings.HasPrefix(p, b+"/") {
				t.Errorf("%s imports %s: that points up the layers (see DESIGN.md)", rel, p)
			}
		}
	}
}

func TestModulePathMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "module "+strings.TrimSuffix(module, "/")) {
		t.Fatalf("go.mod does not declare module %s; update the layering test", module)
	}
}
