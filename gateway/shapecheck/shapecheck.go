// Package shapecheck compares a service's wire shapes with the botocore model
// of that service found on the machine, for tests: every member a shape
// declares must exist in the model's shape under the same name, with a
// compatible type, and every operation must exist in the model.
package shapecheck

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/gateway"
)

// model is the part of a botocore service-2.json the check reads.
type model struct {
	Operations map[string]struct {
		Input  *struct{ Shape string } `json:"input"`
		Output *struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]shape `json:"shapes"`
}

type shape struct {
	Type     string                            `json:"type"`
	Members  map[string]struct{ Shape string } `json:"members"`
	Member   *struct{ Shape string }           `json:"member"`
	Key      *struct{ Shape string }           `json:"key"`
	Value    *struct{ Shape string }           `json:"value"`
	Required []string                          `json:"required"`
}

// modelDirs are where botocore models live on Debian and pyenv machines.
var modelDirs = []string{
	"/root/.pyenv/versions/*/lib/python3*/site-packages/botocore/data",
	"/usr/lib/python3/dist-packages/botocore/data",
	"/usr/lib/python3/dist-packages/awscli/botocore/data",
}

// Find returns the model file for a service (its botocore directory name,
// e.g. "ssm") from the newest botocore on the machine (the pip one before
// Debian's), or "" when none is installed.
func Find(service string) string {
	for _, d := range modelDirs {
		for _, name := range []string{"service-2.json.gz", "service-2.json"} {
			m, _ := filepath.Glob(filepath.Join(d, service, "*", name))
			if len(m) > 0 {
				sort.Strings(m)
				return m[len(m)-1]
			}
		}
	}
	return ""
}

func readModel(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	return io.ReadAll(r)
}

// Check verifies svc's shapes against the model for botocoreName. It skips
// the test when no model is installed.
func Check(t *testing.T, svc *gateway.Service, botocoreName string) {
	t.Helper()
	path := Find(botocoreName)
	if path == "" {
		t.Skipf("no botocore model for %s on this machine", botocoreName)
	}
	raw, err := readModel(path)
	if err != nil {
		t.Fatal(err)
	}
	var m model
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	names := make([]string, 0, len(svc.Ops))
	for n := range svc.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		op := svc.Ops[name]
		mop, ok := m.Operations[name]
		if !ok {
			t.Errorf("%s: operation not in the model", name)
			continue
		}
		if op.In != nil && mop.Input != nil {
			compare(t, &m, name+" input", op.In, mop.Input.Shape)
		}
		if op.Out != nil && mop.Output != nil {
			compare(t, &m, name+" output", op.Out, mop.Output.Shape)
		}
	}
}

var timeType = reflect.TypeOf(time.Time{})

func compare(t *testing.T, m *model, where string, typ reflect.Type, shapeName string) {
	seen := map[string]bool{}
	var walk func(where string, typ reflect.Type, shapeName string)
	walk = func(where string, typ reflect.Type, shapeName string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		key := typ.String() + "|" + shapeName
		if seen[key] {
			return
		}
		seen[key] = true
		sh, ok := m.Shapes[shapeName]
		if !ok {
			t.Errorf("%s: shape %s not in the model", where, shapeName)
			return
		}
		switch {
		case typ == timeType:
			if sh.Type != "timestamp" {
				t.Errorf("%s: time.Time but the model says %s", where, sh.Type)
			}
		case typ.Kind() == reflect.Struct:
			if sh.Type != "structure" {
				t.Errorf("%s: struct but the model says %s", where, sh.Type)
				return
			}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if !f.IsExported() {
					continue
				}
				name := memberName(f)
				if name == "" || name == "-" {
					continue
				}
				mem, ok := sh.Members[name]
				if !ok {
					t.Errorf("%s: member %s.%s not in the model (members: %s)", where, shapeName, name, memberList(sh))
					continue
				}
				walk(where+"."+name, f.Type, mem.Shape)
			}
			for _, req := range sh.Required {
				if !hasMember(typ, req) {
					t.Errorf("%s: required member %s.%s missing from the Go shape", where, shapeName, req)
				}
			}
		case typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8:
			if sh.Type != "list" || sh.Member == nil {
				t.Errorf("%s: slice but the model says %s", where, sh.Type)
				return
			}
			walk(where+"[]", typ.Elem(), sh.Member.Shape)
		case typ.Kind() == reflect.Map:
			if sh.Type != "map" || sh.Value == nil {
				t.Errorf("%s: map but the model says %s", where, sh.Type)
				return
			}
			walk(where+"{}", typ.Elem(), sh.Value.Shape)
		case typ.Kind() == reflect.Slice: // []byte
			if sh.Type != "blob" {
				t.Errorf("%s: []byte but the model says %s", where, sh.Type)
			}
		case typ.Kind() == reflect.String:
			if sh.Type != "string" {
				t.Errorf("%s: string but the model says %s", where, sh.Type)
			}
		case typ.Kind() == reflect.Bool:
			if sh.Type != "boolean" {
				t.Errorf("%s: bool but the model says %s", where, sh.Type)
			}
		case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
			if sh.Type != "integer" && sh.Type != "long" {
				t.Errorf("%s: integer but the model says %s", where, sh.Type)
			}
		case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
			if sh.Type != "double" && sh.Type != "float" {
				t.Errorf("%s: float but the model says %s", where, sh.Type)
			}
		case typ.Kind() == reflect.Interface:
			// documents / unions rendered dynamically: not checked
		default:
			t.Errorf("%s: unsupported Go type %s", where, typ)
		}
	}
	walk(where, typ, shapeName)
}

func hasMember(typ reflect.Type, name string) bool {
	for i := 0; i < typ.NumField(); i++ {
		if memberName(typ.Field(i)) == name {
			return true
		}
	}
	return false
}

func memberList(sh shape) string {
	var names []string
	for n := range sh.Members {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// memberName is the modeled name of a wire-shape field: its json tag name, or
// the field name.
func memberName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}
