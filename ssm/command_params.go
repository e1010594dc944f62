package ssm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm/document"
)

// Document parameters of a command: the API's map<string, list<string>>
// checked against the document's declarations and converted to typed values
// (reference/ssm.md §1.3).
//
// Choices: allowedPattern must match the whole value (as Java's
// String.matches does); a value holding a {{ssm:…}} or {{ssm-secure:…}}
// reference is not checked against allowedValues, allowedPattern or
// minChars/maxChars (what it stands for is only known later); a String
// parameter given an empty list is "".

// paramValue is a typed document parameter value: string (String), []any of
// strings (StringList), bool (Boolean), json.Number (Integer),
// map[string]any (StringMap) or []any of map[string]any (MapList).
type paramValue struct {
	typ string
	v   any
}

func errInvalidParameters(format string, args ...any) error {
	return steward.Errorf(CodeInvalidParameters, format, args...)
}

// typedParameters checks the given values against the declared parameters,
// applies defaults and returns every declared parameter's typed value.
func typedParameters(declared []document.Parameter, given map[string][]string) (map[string]paramValue, error) {
	byName := make(map[string]*document.Parameter, len(declared))
	for i := range declared {
		byName[declared[i].Name] = &declared[i]
	}
	var unknown []string
	for name := range given {
		if byName[name] == nil {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, errInvalidParameters("Parameters %s are not defined in the document. You can only supply values to parameters defined in the SSM document.",
			strings.Join(unknown, ", "))
	}
	var missing []string
	out := make(map[string]paramValue, len(declared))
	for i := range declared {
		p := &declared[i]
		vals, ok := given[p.Name]
		var (
			pv  paramValue
			err error
		)
		switch {
		case ok:
			pv, err = fromStrings(p, vals)
		case p.HasDefault:
			pv, err = fromDefault(p)
		default:
			missing = append(missing, p.Name)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := checkValue(p, pv); err != nil {
			return nil, err
		}
		out[p.Name] = pv
	}
	if len(missing) > 0 {
		return nil, errInvalidParameters("You must specify values for all required parameters in the SSM document. Missing: %s.",
			strings.Join(missing, ", "))
	}
	return out, nil
}

// baseType is the JSON shape of a declared type (Automation's AWS::… types
// behave as String or StringList).
func baseType(t string) string {
	switch {
	case strings.HasPrefix(t, "List<"):
		return TypeStringList
	case strings.HasPrefix(t, "AWS::"):
		return "String"
	}
	return t
}

func one(p *document.Parameter, vals []string) (string, error) {
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return vals[0], nil
	}
	return "", errInvalidParameters("Parameter \"%s\" is of type %s and takes one value; %d were given.", p.Name, p.Type, len(vals))
}

// fromStrings converts API values to the declared type.
func fromStrings(p *document.Parameter, vals []string) (paramValue, error) {
	typ := baseType(p.Type)
	switch typ {
	case "String":
		s, err := one(p, vals)
		return paramValue{typ, s}, err
	case TypeStringList:
		list := make([]any, len(vals))
		for i, v := range vals {
			list[i] = v
		}
		return paramValue{typ, list}, nil
	case "Boolean":
		s, err := one(p, vals)
		if err != nil {
			return paramValue{}, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return paramValue{typ, true}, nil
		case "false":
			return paramValue{typ, false}, nil
		}
		return paramValue{}, errInvalidParameters("Parameter \"%s\" is of type Boolean: use true or false.", p.Name)
	case "Integer":
		s, err := one(p, vals)
		if err != nil {
			return paramValue{}, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return paramValue{}, errInvalidParameters("Parameter \"%s\" is of type Integer: %q is not an integer.", p.Name, s)
		}
		return paramValue{typ, json.Number(strconv.FormatInt(n, 10))}, nil
	case "StringMap":
		s, err := one(p, vals)
		if err != nil {
			return paramValue{}, err
		}
		m, ok := decodeJSON(s).(map[string]any)
		if !ok {
			return paramValue{}, errInvalidParameters("Parameter \"%s\" is of type StringMap: the value must be a JSON object.", p.Name)
		}
		return paramValue{typ, m}, nil
	case "MapList":
		var list []any
		if len(vals) == 1 {
			if l, ok := decodeJSON(vals[0]).([]any); ok {
				list = l
			}
		}
		if list == nil {
			for _, v := range vals {
				m, ok := decodeJSON(v).(map[string]any)
				if !ok {
					return paramValue{}, errInvalidParameters("Parameter \"%s\" is of type MapList: give a JSON array of objects.", p.Name)
				}
				list = append(list, m)
			}
		}
		for _, it := range list {
			if _, ok := it.(map[string]any); !ok {
				return paramValue{}, errInvalidParameters("Parameter \"%s\" is of type MapList: give a JSON array of objects.", p.Name)
			}
		}
		if list == nil {
			list = []any{}
		}
		return paramValue{typ, list}, nil
	}
	return paramValue{}, errInvalidParameters("Parameter \"%s\" has type %s, which a command cannot take.", p.Name, p.Type)
}

// decodeJSON parses s keeping numbers as json.Number; nil when it is not
// one JSON value.
func decodeJSON(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	if dec.More() {
		return nil
	}
	return v
}

// fromDefault converts a declared default (Raw form) to the declared type.
func fromDefault(p *document.Parameter) (paramValue, error) {
	typ := baseType(p.Type)
	d := p.DefaultValue
	switch typ {
	case "String":
		switch x := d.(type) {
		case nil:
			return paramValue{typ, ""}, nil
		case string:
			return paramValue{typ, x}, nil
		}
		return paramValue{typ, p.Default}, nil // a number or boolean written unquoted
	case TypeStringList:
		switch x := d.(type) {
		case nil:
			return paramValue{typ, []any{}}, nil
		case []any:
			list := make([]any, len(x))
			for i, it := range x {
				if s, ok := it.(string); ok {
					list[i] = s
				} else {
					list[i] = fmt.Sprint(it)
				}
			}
			return paramValue{typ, list}, nil
		case string: // "{{ssm:…}}" default
			return paramValue{typ, []any{x}}, nil
		}
	case "Boolean":
		if b, ok := d.(bool); ok {
			return paramValue{typ, b}, nil
		}
	case "Integer":
		if n, ok := d.(json.Number); ok {
			return paramValue{typ, n}, nil
		}
	case "StringMap":
		switch x := d.(type) {
		case map[string]any:
			return paramValue{typ, x}, nil
		case nil:
			return paramValue{typ, map[string]any{}}, nil
		}
	case "MapList":
		switch x := d.(type) {
		case []any:
			return paramValue{typ, x}, nil
		case nil:
			return paramValue{typ, []any{}}, nil
		}
	}
	if s, ok := d.(string); ok && hasSSMRef(s) {
		return paramValue{typ, s}, nil
	}
	return paramValue{}, errInvalidParameters("The default value of parameter \"%s\" does not have its type %s.", p.Name, p.Type)
}

// hasSSMRef reports whether s holds a {{ssm:…}} or {{ssm-secure:…}} reference.
func hasSSMRef(s string) bool {
	return strings.Contains(s, "{{") && ssmRefRE.MatchString(s)
}

var ssmRefRE = regexp.MustCompile(`\{\{ *ssm(-secure)?:`)

// checkValue applies allowedValues, allowedPattern, minItems/maxItems and
// minChars/maxChars.
func checkValue(p *document.Parameter, pv paramValue) error {
	var pattern *regexp.Regexp
	if p.AllowedPattern != "" {
		re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
		if err != nil {
			return errInvalidParameters("Parameter \"%s\" has an allowedPattern that is not a valid regular expression.", p.Name)
		}
		pattern = re
	}
	text := func(s string, isString bool) error {
		if hasSSMRef(s) {
			return nil
		}
		if p.AllowedValues != nil && !slices.Contains(p.AllowedValues, s) {
			return errInvalidParameters("Parameter \"%s\" value %q is not one of the allowed values [%s].", p.Name, s, strings.Join(p.AllowedValues, ", "))
		}
		if pattern != nil && !pattern.MatchString(s) {
			return errInvalidParameters("Parameter \"%s\" value %q does not match the allowed pattern %s.", p.Name, s, p.AllowedPattern)
		}
		if isString {
			return checkChars(p, s)
		}
		return nil
	}
	count := func(n int) error {
		if p.MinItems != nil && n < *p.MinItems {
			return errInvalidParameters("Parameter \"%s\" has %d values; it needs at least %d.", p.Name, n, *p.MinItems)
		}
		if p.MaxItems != nil && n > *p.MaxItems {
			return errInvalidParameters("Parameter \"%s\" has %d values; it takes at most %d.", p.Name, n, *p.MaxItems)
		}
		return nil
	}
	switch x := pv.v.(type) {
	case string:
		return text(x, true)
	case bool:
		return text(strconv.FormatBool(x), false)
	case json.Number:
		return text(string(x), false)
	case map[string]any:
		b, _ := json.Marshal(x)
		return checkChars(p, string(b))
	case []any:
		if err := count(len(x)); err != nil {
			return err
		}
		if pv.typ == TypeStringList {
			for _, it := range x {
				if err := text(it.(string), true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkChars(p *document.Parameter, s string) error {
	if hasSSMRef(s) {
		return nil
	}
	n := utf8.RuneCountInString(s)
	if p.MinChars != nil && n < *p.MinChars {
		return errInvalidParameters("Parameter \"%s\" has %d characters; it needs at least %d.", p.Name, n, *p.MinChars)
	}
	if p.MaxChars != nil && n > *p.MaxChars {
		return errInvalidParameters("Parameter \"%s\" has %d characters; it takes at most %d.", p.Name, n, *p.MaxChars)
	}
	return nil
}

// ---- interpolation (reference/ssm.md §1.4) ----------------------------------

// interpolate substitutes {{ name }} placeholders of declared parameters in
// a Raw-form value, in one pass (substituted text is never scanned again):
//   - a string that is exactly one placeholder becomes the typed value;
//   - an array element that is exactly one StringList placeholder is replaced
//     by the list's elements (flattened into the enclosing array, so
//     "runCommand": ["{{ commands }}"] stays a list of strings);
//   - a placeholder inside a longer string is replaced by the value's text
//     form: a string as it is, anything else as compact JSON.
//
// Placeholders of undeclared names ({{ ssm:… }}, {{ global:… }}, typos) are
// left as they are. Maps and arrays are rebuilt, never modified in place.
func interpolate(v any, values map[string]paramValue) any {
	switch x := v.(type) {
	case string:
		return interpolateString(x, values)
	case []any:
		out := make([]any, 0, len(x))
		for _, it := range x {
			if s, ok := it.(string); ok {
				if name, ok := wholePlaceholder(s); ok {
					if pv, ok := values[name]; ok && pv.typ == TypeStringList {
						out = append(out, pv.v.([]any)...)
						continue
					}
				}
			}
			out = append(out, interpolate(it, values))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = interpolate(it, values)
		}
		return out
	}
	return v
}

// interpolateString substitutes the placeholders of one string.
func interpolateString(s string, values map[string]paramValue) any {
	if !strings.Contains(s, "{{") {
		return s
	}
	if name, ok := wholePlaceholder(s); ok {
		if pv, ok := values[name]; ok {
			return pv.v
		}
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		name, n := placeholderAt(rest[i:])
		if pv, ok := values[name]; ok && n > 0 {
			b.WriteString(textForm(pv.v))
			rest = rest[i+n:]
			continue
		}
		b.WriteString("{{")
		rest = rest[i+2:]
	}
}

// wholePlaceholder reports whether s is exactly one {{ name }} placeholder.
func wholePlaceholder(s string) (string, bool) {
	name, n := placeholderAt(s)
	return name, n > 0 && n == len(s)
}

// placeholderAt reads a {{ name }} placeholder at the start of s: the name
// and the placeholder's length, or 0 when s does not start with one.
// Whitespace around the name is allowed; the name uses
// document.ParameterNamePattern's characters.
func placeholderAt(s string) (string, int) {
	if !strings.HasPrefix(s, "{{") {
		return "", 0
	}
	i := 2
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start := i
	for i < len(s) && isParamChar(s[i]) {
		i++
	}
	name := s[start:i]
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if name == "" || !strings.HasPrefix(s[i:], "}}") {
		return "", 0
	}
	return name, i + 2
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isParamChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// textForm is a value as text inside a longer string.
func textForm(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
