package document

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
)

// wantError checks err's code and that its message names place.
func wantError(t *testing.T, err error, code, place string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s naming %q", code, place)
	}
	var se *steward.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *steward.Error", err, err)
	}
	if se.Code != code {
		t.Fatalf("code = %s (%s), want %s", se.Code, se.Message, code)
	}
	if !strings.Contains(se.Message, place) {
		t.Fatalf("message %q does not name %q", se.Message, place)
	}
}

func TestParseJSONNotWellFormed(t *testing.T) {
	tests := []struct {
		name, content, place string
	}{
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", "Line: 3, Column: 3"},
		{"trailing comma in object", "{\"a\": 1,}", "Line: 1, Column: 9"},
		{"trailing comma in array", "{\"a\": [1,]}", "Line: 1, Column: 10"},
		{"unterminated", "{\n \"a\": [1, 2", "Line: 2,"},
		{"bad literal", "{\"a\": tru}", "Line: 1,"},
		{"second value", "{} {}", "Line: 1, Column: 4"},
		{"garbage after", "{}\nx", "Line: 2, Column: 1"},
		{"key not string", "{1: 2}", "Line: 1, Column: 2"},
		{"duplicate key", "{\"a\": 1,\n \"a\": 2}", "duplicate key \"a\""},
		{"number out of range", "{\"a\": 1e999}", "out of range"},
		{"leading zero", "{\"a\": 01}", "Line: 1,"},
		{"column counts characters", "{\"é\": 1 \"b\"}", "Line: 1, Column: 9"},
		{"only whitespace", "  \n ", "Line: 2, Column: 2"},
		{"nesting too deep", strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2), "nesting deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.content, FormatJSON)
			wantError(t, err, CodeInvalidDocumentContent, tt.place)
			if !strings.HasPrefix(steward.AsError(err).Message, "JSON not well-formed. at Line: ") {
				t.Errorf("message %q lacks AWS's prefix", steward.AsError(err).Message)
			}
		})
	}
}

func TestParseYAMLNotWellFormed(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		prev := string(i - 1)
		bomb += string(i) + ": &" + string(i) + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
			", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
	}
	tests := []struct {
		name, content, place string
	}{
		{"syntax", "a: [1,\n  b: 2", "line 2"},
		{"tab indentation", "a:\n\tb: 1", "line"},
		{"two documents", "schemaVersion: '2.2'\n---\nb: 2\n", "Line: 2"},
		{"duplicate key", "a: 1\nb: 2\na: 3\n", "Line: 3, Column: 1 (duplicate key \"a\")"},
		{"alias cycle", "a: &x [1, *x]\n", "contains itself"},
		{"billion laughs", bomb, "too many aliases"},
		{"complex key", "? [a, b]\n: 1\n", "must be a scalar"},
		{"bad merge", "a: 1\n<<: 2\n", "merge key"},
		{"bad explicit int", "a: !!int abc\n", "Line: 1"},
		{"empty", "# nothing here\n", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.content, FormatYAML)
			wantError(t, err, CodeInvalidDocumentContent, tt.place)
		})
	}
}

func TestParseTopLevelMustBeObject(t *testing.T) {
	for _, c := range []struct {
		content string
		format  Format
	}{{"[1, 2]", FormatJSON}, {"\"x\"", FormatJSON}, {"null", FormatJSON}, {"- a\n- b\n", FormatYAML}, {"just text", FormatYAML}} {
		_, err := Parse(c.content, c.format)
		wantError(t, err, CodeInvalidDocumentContent, "must be an object")
	}
}

func TestParseLimitsAndFormats(t *testing.T) {
	doc := `{"schemaVersion": "2.2"}`
	exact := doc + strings.Repeat(" ", MaxContentSize-len(doc))
	if _, err := Parse(exact, FormatJSON); err != nil {
		t.Fatalf("64 KB document: %v", err)
	}
	_, err := Parse(exact+" ", FormatJSON)
	wantError(t, err, CodeMaxDocumentSizeExceeded, "65537")
	_, err = Parse(exact+" ", FormatText)
	wantError(t, err, CodeMaxDocumentSizeExceeded, "64 KB")

	_, err = Parse(doc, "XML")
	wantError(t, err, steward.CodeValidation, "'XML' at 'documentFormat'")
	_, err = Parse("", FormatJSON)
	wantError(t, err, steward.CodeValidation, "'content'")

	d, err := Parse(doc, "")
	if err != nil || d.Format != FormatJSON || d.SchemaVersion != "2.2" {
		t.Fatalf("default format: %+v, %v", d, err)
	}
	d, err = Parse("BEGIN:VCALENDAR\nEND:VCALENDAR\n", FormatText)
	if err != nil || d.Format != FormatText || d.Raw != nil {
		t.Fatalf("TEXT: %+v, %v", d, err)
	}
	d, err = Parse("\ufeff"+doc, FormatJSON)
	if err != nil || d.SchemaVersion != "2.2" {
		t.Fatalf("byte order mark: %+v, %v", d, err)
	}
}

const paramsJSON = `{
  "schemaVersion": "2.2",
  "description": "d",
  "parameters": {
    "zeta": {"type": "String", "description": "last letter, first here", "default": "z", "allowedValues": ["z", "y"]},
    "list": {"type": "StringList", "default": ["a", "b"], "minItems": 1, "maxItems": 3},
    "map": {"type": "StringMap", "default": {"k2": "v", "k1": [1, 2]}, "maxChars": 100},
    "flag": {"type": "Boolean", "default": false, "allowedValues": [true, false]},
    "count": {"type": "Integer", "default": 5},
    "empty": {"type": "String", "default": "", "minChars": 0, "maxChars": 4096, "displayType": "textarea"},
    "required": {"type": "String", "allowedPattern": "^[a-z]+$"},
    "alpha": {"type": "MapList", "default": [{"b": 1, "a": 2}]}
  },
  "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": ["echo {{ zeta }}"]}}]
}`

func TestParseParameters(t *testing.T) {
	d, err := Parse(paramsJSON, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range d.Parameters {
		names = append(names, p.Name)
	}
	if want := []string{"zeta", "list", "map", "flag", "count", "empty", "required", "alpha"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("parameter order = %v, want %v", names, want)
	}
	byName := map[string]Parameter{}
	for _, p := range d.Parameters {
		byName[p.Name] = p
	}
	defaults := map[string]string{
		"zeta": "z", "list": `["a","b"]`, "map": `{"k2":"v","k1":[1,2]}`, "flag": "false",
		"count": "5", "empty": "", "alpha": `[{"b":1,"a":2}]`,
	}
	for name, want := range defaults {
		p := byName[name]
		if !p.HasDefault || p.Default != want {
			t.Errorf("%s: Default = %q (has %v), want %q", name, p.Default, p.HasDefault, want)
		}
	}
	if p := byName["required"]; p.HasDefault || p.AllowedPattern != "^[a-z]+$" {
		t.Errorf("required: %+v", p)
	}
	if p := byName["flag"]; !reflect.DeepEqual(p.AllowedValues, []string{"true", "false"}) || p.DefaultValue != false {
		t.Errorf("flag: %+v", p)
	}
	if p := byName["list"]; *p.MinItems != 1 || *p.MaxItems != 3 || p.MinChars != nil ||
		!reflect.DeepEqual(p.DefaultValue, []any{"a", "b"}) {
		t.Errorf("list: %+v", p)
	}
	if p := byName["count"]; p.DefaultValue != json.Number("5") {
		t.Errorf("count: %#v", p.DefaultValue)
	}
	if p := byName["empty"]; p.DisplayType != "textarea" || *p.MaxChars != 4096 || *p.MinChars != 0 {
		t.Errorf("empty: %+v", p)
	}
	if err := Validate(TypeCommand, d); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestParseYAMLParametersKeepOrder(t *testing.T) {
	d, err := Parse("schemaVersion: '2.2'\nparameters:\n  b: {type: String}\n  a: {type: String}\n  c:\n    type: String\n    default: 3600\n", FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Parameters) != 3 || d.Parameters[0].Name != "b" || d.Parameters[1].Name != "a" || d.Parameters[2].Default != "3600" {
		t.Fatalf("parameters = %+v", d.Parameters)
	}
}

func TestParseYAMLScalarsAndMerges(t *testing.T) {
	src := `
base: &base {x: 1, y: 2}
other: &other {y: 20, z: 30}
merged:
  <<: [*base, *other]
  x: 10
  w: 0
quoted: {"<<": 1}
hex: 0x1F
under: 1_000
float: 1.0
exp: 1e5
inf: .inf
date: 2001-12-14
yes: yes
null: ~
big: 123456789012345678901234567890
bool: True
`
	d, err := Parse(src, FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"hex": json.Number("31"), "under": json.Number("1000"), "float": json.Number("1.0"),
		"exp": json.Number("1e5"), "inf": ".inf", "date": "2001-12-14", "yes": "yes", "null": nil,
		"big": json.Number("123456789012345678901234567890"), "bool": true,
		"quoted": map[string]any{"<<": json.Number("1")},
	}
	for k, v := range want {
		if got := d.Raw[k]; !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	out, err := Convert(src, FormatYAML, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	// Explicit keys win, merged keys take the << position, earlier sources win.
	if !strings.Contains(out, `"merged": {
    "y": 2,
    "z": 30,
    "x": 10,
    "w": 0
  }`) {
		t.Errorf("merged keys in wrong order or value:\n%s", out)
	}
}

func TestParseSteps(t *testing.T) {
	d, err := Parse(`{"schemaVersion": "1.2", "runtimeConfig": {
		"aws:runShellScript": {"properties": [{"id": "0.aws:runShellScript", "runCommand": ["ls"]}]},
		"aws:updateAgent": {"properties": {"agentName": "Ec2Config"}}}}`, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Steps) != 2 || d.Steps[0].Name != "aws:runShellScript" || d.Steps[1].Action != "aws:updateAgent" {
		t.Fatalf("1.2 steps = %+v", d.Steps)
	}
	if _, ok := d.Steps[0].Inputs.([]any); !ok {
		t.Errorf("1.2 array properties = %#v", d.Steps[0].Inputs)
	}
	if _, ok := d.Steps[1].Inputs.(map[string]any); !ok {
		t.Errorf("1.2 object properties = %#v", d.Steps[1].Inputs)
	}

	d, err = Parse(`
schemaVersion: "0.3"
assumeRole: "{{ AutomationAssumeRole }}"
mainSteps:
- name: first
  action: aws:runCommand
  maxAttempts: 3
  timeoutSeconds: 60
  onFailure: step:last
  inputs: {DocumentName: AWS-RunShellScript}
- name: last
  action: aws:sleep
  isEnd: true
  precondition: {StringEquals: [platformType, Linux]}
  inputs: {Duration: PT1S}
outputs: [first.Output]
`, FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Steps[0]
	if d.AssumeRole != "{{ AutomationAssumeRole }}" || s.MaxAttempts != 3 || s.TimeoutSeconds != 60 ||
		s.OnFailure != "step:last" || !d.Steps[1].IsEnd || !reflect.DeepEqual(d.Outputs, []string{"first.Output"}) ||
		!reflect.DeepEqual(d.Steps[1].Precondition, []string{"platformType", "Linux"}) {
		t.Fatalf("automation = %+v", d)
	}
}
