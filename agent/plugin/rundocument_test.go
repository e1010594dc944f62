package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stewardhq/steward/agentproto"
)

var errFetch = errors.New("no such document")

// docRecorder is a DocumentRunner that records what it is asked.
type docRecorder struct {
	name, version string
	params        map[string][]string
	schema        string
	steps         []agentproto.Step
	doc           *agentproto.DocumentResponse
}

func (d *docRecorder) Fetch(_ context.Context, name, version string, params map[string][]string) (*agentproto.DocumentResponse, error) {
	d.name, d.version, d.params = name, version, params
	if d.doc == nil {
		return nil, errFetch
	}
	return d.doc, nil
}

func (d *docRecorder) Run(_ context.Context, schema string, steps []agentproto.Step) Result {
	d.schema, d.steps = schema, steps
	return Result{Status: agentproto.StatusSuccess, Code: 0}
}

func TestRunDocumentSSMDocument(t *testing.T) {
	env, _, errb := testEnv(t)
	rec := &docRecorder{doc: &agentproto.DocumentResponse{SchemaVersion: "2.2", Steps: []agentproto.Step{{Name: "s", Action: ActionRunShellScript}}}}
	env.Documents = rec
	res := runDocument(context.Background(), env, inputs(t, map[string]any{
		"documentType": "SSMDocument", "documentPath": "Team-Deploy:3",
		"documentParameters": `{"commands": ["a", "b"], "mode": "fast", "n": 2}`,
	}))
	if res.Status != agentproto.StatusSuccess {
		t.Fatalf("result %+v stderr %q", res, errb.String())
	}
	want := map[string][]string{"commands": {"a", "b"}, "mode": {"fast"}, "n": {"2"}}
	if rec.name != "Team-Deploy" || rec.version != "3" || !reflect.DeepEqual(rec.params, want) || rec.schema != "2.2" || len(rec.steps) != 1 {
		t.Fatalf("fetched %q %q %v, ran %q %v", rec.name, rec.version, rec.params, rec.schema, rec.steps)
	}

	rec.doc = nil
	env, _, errb = testEnv(t)
	env.Documents = rec
	res = runDocument(context.Background(), env, inputs(t, map[string]any{"documentType": "SSMDocument", "documentPath": "Missing"}))
	if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "no such document") {
		t.Fatalf("missing document: result %+v stderr %q", res, errb.String())
	}
}

func TestRunDocumentLocalPath(t *testing.T) {
	env, _, errb := testEnv(t)
	rec := &docRecorder{}
	env.Documents = rec
	if err := os.MkdirAll(env.DownloadDir, 0o700); err != nil {
		t.Fatal(err)
	}
	doc := `schemaVersion: "2.2"
parameters:
  commands: {type: StringList}
  greeting: {type: String, default: hello}
mainSteps:
  - action: aws:runShellScript
    name: say
    precondition: {StringEquals: [platformType, Linux]}
    inputs:
      runCommand: ["{{ commands }}"]
      environment: {GREETING: "{{greeting}} world"}
`
	if err := os.WriteFile(filepath.Join(env.DownloadDir, "doc.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runDocument(context.Background(), env, inputs(t, map[string]any{
		"documentType": "LocalPath", "documentPath": "doc.yaml",
		"documentParameters": map[string]any{"commands": []string{"echo 1", "echo 2"}},
	}))
	if res.Status != agentproto.StatusSuccess {
		t.Fatalf("result %+v stderr %q", res, errb.String())
	}
	if len(rec.steps) != 1 {
		t.Fatalf("steps %v", rec.steps)
	}
	var in map[string]any
	json.Unmarshal(rec.steps[0].Inputs, &in)
	wantIn := map[string]any{"runCommand": []any{"echo 1", "echo 2"}, "environment": map[string]any{"GREETING": "hello world"}}
	if !reflect.DeepEqual(in, wantIn) || string(rec.steps[0].Precondition) != `{"StringEquals":["platformType","Linux"]}` {
		t.Fatalf("inputs %v precondition %s", in, rec.steps[0].Precondition)
	}

	// A missing required parameter fails the step.
	env, _, errb = testEnv(t)
	env.Documents = rec
	os.MkdirAll(env.DownloadDir, 0o700)
	os.WriteFile(filepath.Join(env.DownloadDir, "doc.yaml"), []byte(doc), 0o600)
	res = runDocument(context.Background(), env, inputs(t, map[string]any{"documentType": "LocalPath", "documentPath": "doc.yaml"}))
	if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "commands") {
		t.Fatalf("missing parameter: result %+v stderr %q", res, errb.String())
	}
}

func TestRunDocumentDepthAndInputs(t *testing.T) {
	env, _, errb := testEnv(t)
	env.Documents = &docRecorder{}
	env.Depth = MaxDocumentDepth
	res := runDocument(context.Background(), env, inputs(t, map[string]any{"documentType": "SSMDocument", "documentPath": "X"}))
	if res.Status != agentproto.StatusFailed || !strings.Contains(errb.String(), "nested") {
		t.Fatalf("depth: result %+v stderr %q", res, errb.String())
	}
	for _, in := range []string{`{}`, `{"documentPath": "x", "documentType": "Other"}`, `{"documentPath": "x", "documentParameters": "[1]"}`, `{"documentType": "LocalPath", "documentPath": "/nope.json"}`} {
		env, _, errb := testEnv(t)
		env.Documents = &docRecorder{}
		if res := runDocument(context.Background(), env, json.RawMessage(in)); res.Status != agentproto.StatusFailed || errb.String() == "" {
			t.Errorf("%s: result %+v stderr %q", in, res, errb.String())
		}
	}
}

func TestSplitDocumentPath(t *testing.T) {
	for in, want := range map[string][2]string{
		"Doc":         {"Doc", ""},
		"Doc:3":       {"Doc", "3"},
		"Doc:$LATEST": {"Doc", "$LATEST"},
		"Doc:abc":     {"Doc:abc", ""},
		"arn:aws:ssm:us-east-1:123456789012:document/Doc":   {"arn:aws:ssm:us-east-1:123456789012:document/Doc", ""},
		"arn:aws:ssm:us-east-1:123456789012:document/Doc:2": {"arn:aws:ssm:us-east-1:123456789012:document/Doc", "2"},
	} {
		n, v := SplitDocumentPath(in)
		if n != want[0] || v != want[1] {
			t.Errorf("SplitDocumentPath(%q) = %q, %q, want %q, %q", in, n, v, want[0], want[1])
		}
	}
}

func FuzzParseDocumentParameters(f *testing.F) {
	for _, s := range []string{`{"a": ["x"]}`, `"{\"a\": 1}"`, `""`, `null`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ParseDocumentParameters(json.RawMessage(in))
		if err == nil {
			_ = documentRequestParams(m)
		}
	})
}
