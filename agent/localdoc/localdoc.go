// Package localdoc reads a Command document that lives on the node (for
// aws:runDocument documentType LocalPath) and turns it into runnable steps:
// JSON or YAML, schema 1.2 runtimeConfig or 2.x mainSteps, parameters
// checked against their declarations and substituted as ssm.md §1.4
// describes. Documents sent by the server arrive already resolved; only
// local documents need this on the node.
package localdoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stewardhq/steward/agentproto"
)

// MaxSize bounds a local document.
const MaxSize = 1 << 20

// Document is a parsed local Command document.
type Document struct {
	SchemaVersion string
	Parameters    map[string]Parameter
	// steps hold the unresolved inputs and preconditions as decoded values.
	steps []rawStep
}

// Parameter is one declared parameter.
type Parameter struct {
	Type    string // String, StringList, Boolean, Integer, StringMap, MapList
	Default any    // nil when absent
	hasDef  bool
}

type rawStep struct {
	name, action string
	inputs       any
	precondition any
}

// Parse reads a JSON or YAML document.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("the document is larger than %d bytes", MaxSize)
	}
	var top any
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		d := json.NewDecoder(bytes.NewReader(trimmed))
		d.UseNumber()
		if err := d.Decode(&top); err != nil {
			return nil, fmt.Errorf("the document is not valid JSON: %v", err)
		}
	} else {
		if err := yaml.Unmarshal(trimmed, &top); err != nil {
			return nil, fmt.Errorf("the document is not valid YAML: %v", err)
		}
		var err error
		if top, err = normalize(top, 0); err != nil {
			return nil, err
		}
	}
	m, ok := top.(map[string]any)
	if !ok {
		return nil, errors.New("the document must be an object")
	}
	doc := &Document{Parameters: map[string]Parameter{}}
	doc.SchemaVersion = scalarText(m["schemaVersion"])
	if doc.SchemaVersion == "" {
		return nil, errors.New("the document has no schemaVersion")
	}
	if ps, ok := m["parameters"]; ok && ps != nil {
		pm, ok := ps.(map[string]any)
		if !ok {
			return nil, errors.New("parameters must be an object")
		}
		for name, decl := range pm {
			dm, ok := decl.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("parameter %s must be an object", name)
			}
			p := Parameter{Type: scalarText(dm["type"])}
			p.Default, p.hasDef = dm["default"]
			doc.Parameters[name] = p
		}
	}
	switch {
	case m["mainSteps"] != nil:
		steps, ok := m["mainSteps"].([]any)
		if !ok {
			return nil, errors.New("mainSteps must be a list")
		}
		for i, s := range steps {
			sm, ok := s.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("mainSteps[%d] must be an object", i)
			}
			st := rawStep{name: scalarText(sm["name"]), action: scalarText(sm["action"]), inputs: sm["inputs"], precondition: sm["precondition"]}
			if st.action == "" {
				return nil, fmt.Errorf("mainSteps[%d] has no action", i)
			}
			if st.name == "" {
				st.name = st.action
			}
			doc.steps = append(doc.steps, st)
		}
	case m["runtimeConfig"] != nil:
		rc, ok := m["runtimeConfig"].(map[string]any)
		if !ok {
			return nil, errors.New("runtimeConfig must be an object")
		}
		plugins := make([]string, 0, len(rc))
		for k := range rc {
			plugins = append(plugins, k)
		}
		sort.Strings(plugins)
		for _, action := range plugins {
			pc, ok := rc[action].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("runtimeConfig %s must be an object", action)
			}
			props := pc["properties"]
			list, isList := props.([]any)
			if !isList {
				list = []any{props}
			}
			for i, p := range list {
				name := action
				if pm, ok := p.(map[string]any); ok && scalarText(pm["id"]) != "" {
					name = scalarText(pm["id"])
				} else if len(list) > 1 {
					name = strconv.Itoa(i) + "." + action
				}
				doc.steps = append(doc.steps, rawStep{name: name, action: action, inputs: p})
			}
		}
	default:
		return nil, errors.New("the document has neither mainSteps nor runtimeConfig")
	}
	return doc, nil
}

// Steps returns the document's steps with params substituted: values given
// by name (a string, a list of strings, or already typed values), converted
// to each parameter's declared type; missing ones take their default. An
// unknown name or a missing required value is an error.
func (d *Document) Steps(params map[string]any) ([]agentproto.Step, error) {
	values := make(map[string]any, len(d.Parameters))
	for name := range params {
		if _, ok := d.Parameters[name]; !ok {
			return nil, fmt.Errorf("unknown parameter %q", name)
		}
	}
	for name, p := range d.Parameters {
		v, ok := params[name]
		if !ok {
			if !p.hasDef {
				return nil, fmt.Errorf("missing a value for required parameter %q", name)
			}
			v = p.Default
		}
		tv, err := convert(p.Type, v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %v", name, err)
		}
		values[name] = tv
	}
	steps := make([]agentproto.Step, 0, len(d.steps))
	for _, s := range d.steps {
		st := agentproto.Step{Name: s.name, Action: s.action}
		var err error
		if s.inputs != nil {
			if st.Inputs, err = marshal(Interpolate(s.inputs, values)); err != nil {
				return nil, err
			}
		}
		if s.precondition != nil {
			if st.Precondition, err = marshal(Interpolate(s.precondition, values)); err != nil {
				return nil, err
			}
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func marshal(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding step inputs: %v", err)
	}
	return b, nil
}

// convert turns a given value into the declared type (ssm.md §1.3).
func convert(typ string, v any) (any, error) {
	// A scalar may come in the API's list form: ["value"].
	if l, ok := v.([]any); ok && len(l) == 1 && typ != "StringList" && typ != "MapList" {
		v = l[0]
	}
	switch typ {
	case "StringList":
		switch v := v.(type) {
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = scalarText(e)
			}
			return out, nil
		case nil:
			return []any{}, nil
		default:
			return []any{scalarText(v)}, nil
		}
	case "Boolean":
		switch v := v.(type) {
		case bool:
			return v, nil
		default:
			b, err := strconv.ParseBool(strings.TrimSpace(scalarText(v)))
			if err != nil {
				return nil, fmt.Errorf("%q is not a Boolean", scalarText(v))
			}
			return b, nil
		}
	case "Integer":
		s := strings.TrimSpace(scalarText(v))
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return nil, fmt.Errorf("%q is not an Integer", s)
		}
		return json.Number(s), nil
	case "StringMap", "MapList":
		if s, ok := v.(string); ok {
			var out any
			d := json.NewDecoder(strings.NewReader(s))
			d.UseNumber()
			if err := d.Decode(&out); err != nil {
				return nil, fmt.Errorf("not JSON: %v", err)
			}
			return out, nil
		}
		return v, nil
	default: // String and anything undeclared
		return scalarText(v), nil
	}
}

// placeholder matches {{ name }}; group 1 is the name.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.:/-]+)\s*\}\}`)

// Interpolate substitutes {{ name }} placeholders of values in v, one pass
// (substituted text is not expanded again), as ssm.md §1.4 describes: a
// string that is exactly one placeholder takes the typed value; a
// placeholder inside a longer string takes the value's text (non-strings
// JSON-encoded); an array element that is exactly a list-valued placeholder
// is flattened into the array. Names not in values ({{ssm:…}},
// {{ssm-secure:…}}, unknown ones) are left as they are.
func Interpolate(v any, values map[string]any) any {
	switch v := v.(type) {
	case string:
		if m := placeholder.FindStringSubmatchIndex(v); m != nil && m[0] == 0 && m[1] == len(v) {
			if val, ok := values[v[m[2]:m[3]]]; ok {
				return val
			}
			return v
		}
		return placeholder.ReplaceAllStringFunc(v, func(ph string) string {
			name := placeholder.FindStringSubmatch(ph)[1]
			val, ok := values[name]
			if !ok {
				return ph
			}
			return valueText(val)
		})
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				if m := placeholder.FindStringSubmatchIndex(s); m != nil && m[0] == 0 && m[1] == len(s) {
					if l, ok := values[s[m[2]:m[3]]].([]any); ok {
						out = append(out, l...)
						continue
					}
				}
			}
			out = append(out, Interpolate(e, values))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Interpolate(e, values)
		}
		return out
	}
	return v
}

// valueText is a value's text form inside a longer string.
func valueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// scalarText is the text of a scalar (strings as they are, numbers and
// booleans formatted); "" for nil, lists and objects.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// normalize makes decoded YAML look like decoded JSON: string-keyed maps,
// json.Number for numbers, no timestamps.
func normalize(v any, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("the document is nested too deeply")
	}
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalize(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case float64:
		return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case string, bool, nil:
		return v, nil
	}
	return fmt.Sprint(v), nil
}
