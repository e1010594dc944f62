package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// The predefined variables of an input template. They are reserved: an
// InputPathsMap may not define them.
const (
	VarRuleARN       = "aws.events.rule-arn"
	VarRuleName      = "aws.events.rule-name"
	VarIngestionTime = "aws.events.event.ingestion-time"
	VarEvent         = "aws.events.event"      // the event without detail (JSON)
	VarEventJSON     = "aws.events.event.json" // the whole event (JSON)
)

// Limits of InputTransformer (botocore events model; AWS user guide).
const (
	MaxVariables      = 100
	MaxVariableName   = 256
	MaxTemplateLength = 8192
)

var variableNameRE = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// Mode is how a template is filled in.
type Mode uint8

const (
	// JSON: the template is a JSON object or array. A placeholder in value
	// position becomes the JSON of its value (a string gets quotes, an
	// object stays an object); inside a string literal it becomes the
	// value's text, escaped so the result stays JSON. The output is
	// minified.
	JSON Mode = iota + 1
	// String: the template is one JSON string literal ("instance <i> is
	// <state>"); placeholders become escaped text and the quotes stay.
	String
	// Text: anything else; placeholders become the values' plain text.
	Text
)

// Predefined holds the values of the predefined variables for one
// delivery. Event is the whole event (JSON); EventNoDetail is built from it
// when a template needs it.
type Predefined struct {
	RuleARN       string
	RuleName      string
	IngestionTime string // ISO 8601
}

// Transformer is a compiled InputTransformer: the paths of InputPathsMap
// and the template. It is safe for concurrent use.
type Transformer struct {
	paths    map[string]*Path
	mode     Mode
	parts    []part
	template string
}

type part struct {
	text     string // literal, when name is ""
	name     string
	inString bool
}

// NewTransformer validates and compiles an InputTransformer. An error
// carries a reason for a ValidationException.
func NewTransformer(pathsMap map[string]string, template string) (*Transformer, error) {
	if len(pathsMap) > MaxVariables {
		return nil, fmt.Errorf("InputPathsMap has %d entries; at most %d are allowed", len(pathsMap), MaxVariables)
	}
	t := &Transformer{paths: make(map[string]*Path, len(pathsMap)), template: template}
	names := make([]string, 0, len(pathsMap))
	for k := range pathsMap {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch {
		case len(k) == 0 || len(k) > MaxVariableName || !variableNameRE.MatchString(k):
			return nil, fmt.Errorf("InputPathsMap key %q must be 1 to %d letters, digits, '_' or '-'", k, MaxVariableName)
		case strings.HasPrefix(strings.ToLower(k), "aws."):
			return nil, fmt.Errorf("InputPathsMap key %q is reserved", k)
		}
		p, err := ParsePath(pathsMap[k])
		if err != nil {
			return nil, fmt.Errorf("InputPathsMap value for key %q is invalid: %v", k, err)
		}
		t.paths[k] = p
	}
	if template == "" || len(template) > MaxTemplateLength {
		return nil, fmt.Errorf("InputTemplate must be 1 to %d characters", MaxTemplateLength)
	}
	if !utf8.ValidString(template) {
		return nil, fmt.Errorf("InputTemplate is not valid UTF-8")
	}
	if err := t.parse(); err != nil {
		return nil, err
	}
	return t, nil
}

// defined reports whether name is a variable of this transformer.
func (t *Transformer) defined(name string) bool {
	switch name {
	case VarRuleARN, VarRuleName, VarIngestionTime, VarEvent, VarEventJSON:
		return true
	}
	_, ok := t.paths[name]
	return ok
}

// parse splits the template into literals and placeholders, noting which
// placeholders sit inside a JSON string literal, and decides the mode.
// Only <name> with a defined name is a placeholder; any other '<' is text
// (an HTML tag in a mail body stays as written).
func (t *Transformer) parse() error {
	s := t.template
	inStr := false
	lit := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inStr {
				i++
			}
		case '"':
			inStr = !inStr
		case '<':
			end := strings.IndexByte(s[i+1:], '>')
			if end < 0 {
				continue
			}
			name := s[i+1 : i+1+end]
			if !t.defined(name) {
				continue
			}
			if lit < i {
				t.parts = append(t.parts, part{text: s[lit:i]})
			}
			t.parts = append(t.parts, part{name: name, inString: inStr})
			i += end + 1
			lit = i + 1
		}
	}
	if lit < len(s) {
		t.parts = append(t.parts, part{text: s[lit:]})
	}

	trimmed := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		t.mode = JSON
	case strings.HasPrefix(trimmed, `"`):
		t.mode = String
	default:
		t.mode = Text
	}
	if t.mode == Text {
		t.plain()
		return nil
	}
	// The probe: value placeholders as null, string placeholders as
	// nothing. It must be JSON of the kind the template looks like.
	var probe []byte
	for k, p := range t.parts {
		switch {
		case p.name == "":
			probe = append(probe, p.text...)
		case p.inString:
			if p.name == VarEvent || p.name == VarEventJSON {
				return fmt.Errorf("InputTemplate uses <%s> inside a string; it may only be a JSON value", p.name)
			}
			if t.mode == JSON && keyFollows(t.parts[k+1:]) {
				return fmt.Errorf("InputTemplate uses <%s> in an object key", p.name)
			}
		default:
			probe = append(probe, "null"...)
		}
	}
	if !json.Valid(probe) {
		if t.mode == String {
			t.plain() // a text that merely starts with a quote
			return nil
		}
		return fmt.Errorf("InputTemplate is not valid JSON (placeholders may not be object keys)")
	}
	if t.mode == String && trimmed[len(trimmed)-1] != '"' {
		t.plain()
	}
	return nil
}

// plain makes the template a Text one: no placeholder is inside a string.
func (t *Transformer) plain() {
	t.mode = Text
	for k := range t.parts {
		t.parts[k].inString = false
	}
}

// keyFollows reports whether the string literal a placeholder sits in is an
// object key: the literal's closing quote is followed by ':'.
func keyFollows(rest []part) bool {
	for _, p := range rest {
		if p.name != "" {
			continue
		}
		s := p.text
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				j := skipSpace([]byte(s), i+1)
				return j < len(s) && s[j] == ':'
			}
		}
	}
	return false
}

// Mode returns how the template is filled in.
func (t *Transformer) Mode() Mode { return t.mode }

// Apply fills the template from event (the whole event, JSON). A path that
// selects nothing defines no variable: its placeholder becomes null in
// value position and nothing elsewhere.
func (t *Transformer) Apply(event []byte, pre Predefined) ([]byte, error) {
	vals := make(map[string][]byte, len(t.paths))
	for name, p := range t.paths {
		raw, ok, err := p.Select(event)
		if err != nil {
			return nil, err
		}
		if ok {
			vals[name] = raw
		}
	}
	var out []byte
	for _, p := range t.parts {
		if p.name == "" {
			out = append(out, p.text...)
			continue
		}
		raw, ok := vals[p.name]
		if !ok {
			switch p.name {
			case VarRuleARN:
				raw, ok = AppendString(nil, pre.RuleARN), true
			case VarRuleName:
				raw, ok = AppendString(nil, pre.RuleName), true
			case VarIngestionTime:
				raw, ok = AppendString(nil, pre.IngestionTime), true
			case VarEventJSON:
				raw, ok = event, true
			case VarEvent:
				r, err := withoutDetail(event)
				if err != nil {
					return nil, err
				}
				raw, ok = r, true
			}
		}
		switch {
		case !ok && (p.inString || t.mode == Text):
		case !ok:
			out = append(out, "null"...)
		case p.inString:
			if isString(raw) {
				out = append(out, raw[1:len(raw)-1]...)
			} else {
				out = appendEscaped(out, string(raw))
			}
		case t.mode == Text && isString(raw):
			out = append(out, unquote(raw)...)
		default:
			out = append(out, raw...)
		}
	}
	if t.mode == JSON {
		var buf bytes.Buffer
		if err := json.Compact(&buf, out); err != nil {
			return nil, fmt.Errorf("input: transformed input is not valid JSON: %w", err)
		}
		return buf.Bytes(), nil
	}
	return out, nil
}

// withoutDetail returns the event object without its detail member.
func withoutDetail(event []byte) ([]byte, error) {
	i := skipSpace(event, 0)
	if i >= len(event) || event[i] != '{' {
		return nil, errSyntax
	}
	out := []byte{'{'}
	i = skipSpace(event, i+1)
	if i < len(event) && event[i] == '}' {
		return append(out, '}'), nil
	}
	first := true
	for {
		i = skipSpace(event, i)
		if i >= len(event) || event[i] != '"' {
			return nil, errSyntax
		}
		ke, err := skipString(event, i)
		if err != nil {
			return nil, err
		}
		key := event[i:ke]
		j := skipSpace(event, ke)
		if j >= len(event) || event[j] != ':' {
			return nil, errSyntax
		}
		vs := skipSpace(event, j+1)
		ve, err := skipValue(event, vs)
		if err != nil {
			return nil, err
		}
		if !keyEquals(key, "detail") {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = append(out, key...)
			out = append(out, ':')
			out = append(out, event[vs:ve]...)
		}
		i = skipSpace(event, ve)
		if i >= len(event) {
			return nil, errSyntax
		}
		if event[i] == '}' {
			return append(out, '}'), nil
		}
		if event[i] != ',' {
			return nil, errSyntax
		}
		i++
	}
}
