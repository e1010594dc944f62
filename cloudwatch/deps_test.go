package cloudwatch

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDeps keeps the domain free of SQL and transport: it may import the
// standard library (minus database/sql and net/…) and the steward root
// package only.
func TestDeps(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case path == "github.com/stewardhq/steward":
			case strings.Contains(first, "."):
				t.Errorf("%s imports %s", name, path)
			case path == "database/sql" || first == "net":
				t.Errorf("%s imports %s (no SQL or transport in the domain)", name, path)
			}
		}
	}
}
