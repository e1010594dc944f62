package localdoc

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func stepInputs(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseJSON22(t *testing.T) {
	doc, err := Parse([]byte(`{
	"schemaVersion": "2.2",
	"parameters": {
		"commands": {"type": "StringList"},
		"timeout": {"type": "Integer", "default": 60},
		"verbose": {"type": "Boolean", "default": "false"},
		"env": {"type": "StringMap", "default": {"A": "1"}}
	},
	"mainSteps": [{
		"action": "aws:runShellScript", "name": "run",
		"inputs": {
			"runCommand": ["{{ commands }}"],
			"timeoutSeconds": "{{timeout}}",
			"environment": "{{ env }}",
			"workingDirectory": "/tmp/{{ timeout }}/{{ssm:/not/mine}}",
			"flags": "verbose={{verbose}} env={{env}} list={{commands}} unknown={{ other }}"
		}
	}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := doc.Steps(map[string]any{"commands": []any{"echo a", "echo b"}, "verbose": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || steps[0].Name != "run" || steps[0].Action != "aws:runShellScript" {
		t.Fatalf("steps %+v", steps)
	}
	got := stepInputs(t, steps[0].Inputs)
	want := map[string]any{
		"runCommand":       []any{"echo a", "echo b"},
		"timeoutSeconds":   float64(60),
		"environment":      map[string]any{"A": "1"},
		"workingDirectory": "/tmp/60/{{ssm:/not/mine}}",
		"flags":            `verbose=true env={"A":"1"} list=["echo a","echo b"] unknown={{ other }}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("inputs\n%v\nwant\n%v", got, want)
	}
}

func TestParseYAML12(t *testing.T) {
	doc, err := Parse([]byte(`
schemaVersion: "1.2"
parameters:
  commands:
    type: StringList
  workingDirectory:
    type: String
    default: ""
runtimeConfig:
  aws:runShellScript:
    properties:
      - id: 0.aws:runShellScript
        runCommand: "{{ commands }}"
        workingDirectory: "{{ workingDirectory }}"
        timeoutSeconds: 30
`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != "1.2" {
		t.Fatalf("schema %q", doc.SchemaVersion)
	}
	steps, err := doc.Steps(map[string]any{"commands": "uptime"})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || steps[0].Name != "0.aws:runShellScript" {
		t.Fatalf("steps %+v", steps)
	}
	got := stepInputs(t, steps[0].Inputs)
	want := map[string]any{"id": "0.aws:runShellScript", "runCommand": []any{"uptime"}, "workingDirectory": "", "timeoutSeconds": float64(30)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("inputs %v, want %v", got, want)
	}
}

func TestStepsErrors(t *testing.T) {
	doc, err := Parse([]byte(`{"schemaVersion": "2.2", "parameters": {"n": {"type": "Integer"}, "b": {"type": "Boolean", "default": true}}, "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": "echo {{n}}"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, params := range []map[string]any{
		nil,                      // n missing
		{"n": "1", "zzz": "x"},   // unknown
		{"n": "one"},             // not an Integer
		{"n": "1", "b": "maybe"}, // not a Boolean
	} {
		if _, err := doc.Steps(params); err == nil {
			t.Errorf("Steps(%v) succeeded", params)
		}
	}
	steps, err := doc.Steps(map[string]any{"n": []any{"7"}})
	if err != nil || !strings.Contains(string(steps[0].Inputs), "echo 7") {
		t.Errorf("Steps(n=[7]) = %v, %v", steps, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{}`, `{"schemaVersion": "2.2"}`, `{"schemaVersion": "2.2", "mainSteps": {}}`,
		`{"schemaVersion": "2.2", "mainSteps": [{"name": "x"}]}`, `{"schemaVersion": "2.2", "mainSteps": [1]}`,
		`{"schemaVersion": "2.2", "parameters": [], "mainSteps": []}`, "schemaVersion: [\n", `{"schemaVersion": "1.2", "runtimeConfig": {"p": 1}}`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

func TestInterpolateOnePass(t *testing.T) {
	values := map[string]any{"a": "{{ b }}", "b": "B", "l": []any{"x", "y"}}
	got := Interpolate([]any{"{{a}}", "pre {{ a }}", "{{ l }}", "z"}, values)
	want := []any{"{{ b }}", "pre {{ b }}", "x", "y", "z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"schemaVersion": "2.2", "parameters": {"p": {"type": "String", "default": "x"}}, "mainSteps": [{"action": "aws:runShellScript", "name": "s", "inputs": {"runCommand": ["{{ p }}"]}}]}`,
		"schemaVersion: '1.2'\nruntimeConfig:\n  aws:runShellScript:\n    properties:\n      runCommand: '{{ p }}'\nparameters:\n  p: {type: StringList, default: [a]}\n",
		"a: &x [*x]\n", "{", "schemaVersion: 2.2\nmainSteps:\n- action: x\n  inputs: {a: .nan, b: 1e400}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			return
		}
		steps, err := doc.Steps(nil)
		if err != nil {
			return
		}
		for _, s := range steps {
			if len(s.Inputs) > 0 && !json.Valid(s.Inputs) {
				t.Fatalf("invalid inputs JSON %q", s.Inputs)
			}
		}
	})
}
