package ssm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
	"github.com/stewardhq/steward/ssm/document"
)

const (
	testAccount = "123456789012"
	testRegion  = "eu-west-1"
)

var docStart = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

type docFixture struct {
	db    *sqlstore.DB
	docs  *ssm.Documents
	clock *steward.FakeClock
	ctx   context.Context
}

func newDocs(t *testing.T) *docFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(docStart)
	docs := ssm.NewDocuments(db, ssm.Env{Clock: clock, Account: testAccount, Region: testRegion})
	if err := docs.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	return &docFixture{db: db, docs: docs, clock: clock, ctx: ctx}
}

// commandDoc is a schema 2.2 Command document whose description is desc.
func commandDoc(desc string) string {
	return `{
  "schemaVersion": "2.2",
  "description": "` + desc + `",
  "parameters": {
    "greeting": {"type": "String", "description": "What to say", "default": "hello"},
    "count": {"type": "String"},
    "names": {"type": "StringList", "default": ["a", "b"]}
  },
  "mainSteps": [
    {"action": "aws:runShellScript", "name": "say", "inputs": {"runCommand": ["echo {{ greeting }}"]}}
  ]
}`
}

const commandYAML = `schemaVersion: "2.2"
description: From YAML
parameters:
  message:
    type: String
    default: hi
mainSteps:
  - action: aws:runShellScript
    name: say
    inputs:
      runCommand:
        - echo {{ message }}
`

func (f *docFixture) create(t *testing.T, name, content string, mod ...func(*ssm.CreateDocumentInput)) *ssm.DocumentDescription {
	t.Helper()
	in := ssm.CreateDocumentInput{Name: name, Content: content}
	for _, m := range mod {
		m(&in)
	}
	out, err := f.docs.CreateDocument(f.ctx, in)
	if err != nil {
		t.Fatalf("CreateDocument(%s): %v", name, err)
	}
	return out
}

func (f *docFixture) update(t *testing.T, name, content string) *ssm.DocumentDescription {
	t.Helper()
	out, err := f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: name, Content: content, DocumentVersion: "$LATEST"})
	if err != nil {
		t.Fatalf("UpdateDocument(%s): %v", name, err)
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %s", what, err, got, code)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCreateDocumentDescribes(t *testing.T) {
	f := newDocs(t)
	content := commandDoc("Say hello")
	out := f.create(t, "Hello-World_1.0", content, func(in *ssm.CreateDocumentInput) {
		in.DocumentType = "Command"
		in.VersionName = "v1.0"
		in.DisplayName = ptr("Hello world")
		in.TargetType = ptr("/AWS::EC2::Instance")
		in.Tags = []ssm.Tag{{Key: "team", Value: "ops"}, {Key: "env", Value: "dev"}}
	})
	want := &ssm.DocumentDescription{
		Document: ssm.DocumentInfo{Name: "Hello-World_1.0", Owner: testAccount, Type: "Command", CreatedDate: docStart,
			DefaultVersion: 1, LatestVersion: 1, MaxVersion: 1, VersionCount: 1},
		Version: ssm.DocumentVersion{Name: "Hello-World_1.0", Version: 1, VersionName: "v1.0", DisplayName: "Hello world",
			Content: content, Format: document.FormatJSON, Hash: document.Hash(content), SchemaVersion: "2.2",
			Description: "Say hello",
			Parameters: []ssm.DocumentParameter{
				{Name: "greeting", Type: "String", Description: "What to say", DefaultValue: "hello", HasDefault: true},
				{Name: "count", Type: "String"},
				{Name: "names", Type: "StringList", DefaultValue: `["a","b"]`, HasDefault: true},
			},
			PlatformTypes: []string{"Linux", "MacOS"}, TargetType: "/AWS::EC2::Instance", CreatedDate: docStart},
		Tags: []ssm.Tag{{Key: "team", Value: "ops"}, {Key: "env", Value: "dev"}},
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Fatalf("CreateDocument (-want +got):\n%s", diff)
	}

	desc, err := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "Hello-World_1.0"})
	if err != nil {
		t.Fatal(err)
	}
	want.Tags = []ssm.Tag{{Key: "env", Value: "dev"}, {Key: "team", Value: "ops"}} // stored: key order
	if diff := cmp.Diff(want, desc); diff != "" {
		t.Fatalf("DescribeDocument (-want +got):\n%s", diff)
	}
	if got := f.docs.ARN(&desc.Document); got != "arn:aws:ssm:eu-west-1:123456789012:document/Hello-World_1.0" {
		t.Errorf("ARN = %s", got)
	}
}

func TestCreateDocumentYAMLAndDefaults(t *testing.T) {
	f := newDocs(t)
	out := f.create(t, "yaml-doc", commandYAML, func(in *ssm.CreateDocumentInput) { in.DocumentFormat = "YAML" })
	v := out.Version
	if out.Document.Type != "Command" || v.Format != document.FormatYAML || v.SchemaVersion != "2.2" ||
		v.Description != "From YAML" || len(v.Parameters) != 1 || v.Parameters[0].DefaultValue != "hi" {
		t.Fatalf("YAML document = %+v", out)
	}
	if out.Tags == nil || len(out.Tags) != 0 {
		t.Errorf("Tags = %#v, want empty", out.Tags)
	}
	// Automation runbook.
	runbook := `{"schemaVersion": "0.3", "mainSteps": [{"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]}`
	auto := f.create(t, "runbook", runbook, func(in *ssm.CreateDocumentInput) { in.DocumentType = "Automation" })
	if auto.Document.Type != "Automation" || len(auto.Version.PlatformTypes) != 3 {
		t.Errorf("Automation = %+v", auto)
	}
	// A type Steward checks only for well-formedness.
	f.create(t, "session-prefs", `{"schemaVersion": "1.0", "sessionType": "Standard_Stream"}`, func(in *ssm.CreateDocumentInput) {
		in.DocumentType = "Session"
	})
}

func TestCreateDocumentErrors(t *testing.T) {
	f := newDocs(t)
	good := commandDoc("x")
	f.create(t, "existing", good)
	big := `{"schemaVersion": "2.2", "description": "` + strings.Repeat("x", document.MaxContentSize) + `"}`
	cases := []struct {
		name string
		in   ssm.CreateDocumentInput
		code string
	}{
		{"no name", ssm.CreateDocumentInput{Content: good}, steward.CodeValidation},
		{"no content", ssm.CreateDocumentInput{Name: "abc"}, steward.CodeValidation},
		{"short name", ssm.CreateDocumentInput{Name: "ab", Content: good}, steward.CodeValidation},
		{"name with slash", ssm.CreateDocumentInput{Name: "a/b/c", Content: good}, steward.CodeValidation},
		{"ARN as name", ssm.CreateDocumentInput{Name: "arn:aws:ssm:eu-west-1:123456789012:document/abc", Content: good}, steward.CodeValidation},
		{"reserved AWS-", ssm.CreateDocumentInput{Name: "AWS-Mine", Content: good}, steward.CodeValidation},
		{"reserved aws lower", ssm.CreateDocumentInput{Name: "awsome", Content: good}, steward.CodeValidation},
		{"reserved Amazon", ssm.CreateDocumentInput{Name: "AmazonThing", Content: good}, steward.CodeValidation},
		{"reserved amzn", ssm.CreateDocumentInput{Name: "AMZN-x", Content: good}, steward.CodeValidation},
		{"builtin name", ssm.CreateDocumentInput{Name: "AWS-RunShellScript", Content: good}, steward.CodeValidation},
		{"bad type", ssm.CreateDocumentInput{Name: "abc", Content: good, DocumentType: "Script"}, steward.CodeValidation},
		{"bad format", ssm.CreateDocumentInput{Name: "abc", Content: good, DocumentFormat: "XML"}, steward.CodeValidation},
		{"bad version name", ssm.CreateDocumentInput{Name: "abc", Content: good, VersionName: "v 1"}, steward.CodeValidation},
		{"bad display name", ssm.CreateDocumentInput{Name: "abc", Content: good, DisplayName: ptr("a;b")}, steward.CodeValidation},
		{"long display name", ssm.CreateDocumentInput{Name: "abc", Content: good, DisplayName: ptr(strings.Repeat("a", 1025))}, steward.CodeValidation},
		{"bad target type", ssm.CreateDocumentInput{Name: "abc", Content: good, TargetType: ptr("AWS::EC2::Instance")}, steward.CodeValidation},
		{"long target type", ssm.CreateDocumentInput{Name: "abc", Content: good, TargetType: ptr("/" + strings.Repeat("a", 200))}, steward.CodeValidation},
		{"bad tag key", ssm.CreateDocumentInput{Name: "abc", Content: good, Tags: []ssm.Tag{{Key: "", Value: "v"}}}, steward.CodeValidation},
		{"bad tag value", ssm.CreateDocumentInput{Name: "abc", Content: good, Tags: []ssm.Tag{{Key: "k", Value: "a;b"}}}, steward.CodeValidation},
		{"bad requires", ssm.CreateDocumentInput{Name: "abc", Content: good, Requires: []ssm.DocumentRequires{{Name: "a b"}}}, steward.CodeValidation},
		{"empty requires", ssm.CreateDocumentInput{Name: "abc", Content: good, Requires: []ssm.DocumentRequires{}}, steward.CodeValidation},
		{"attachments", ssm.CreateDocumentInput{Name: "abc", Content: good, Attachments: []ssm.DocumentAttachment{
			{Key: "SourceUrl", Values: []string{"s3://bucket/x"}}}}, steward.CodeValidation},
		{"bad attachment key", ssm.CreateDocumentInput{Name: "abc", Content: good, Attachments: []ssm.DocumentAttachment{
			{Key: "Url", Values: []string{"x"}}}}, steward.CodeValidation},
		{"invalid JSON", ssm.CreateDocumentInput{Name: "abc", Content: `{"schemaVersion": "2.2",`}, document.CodeInvalidDocumentContent},
		{"YAML given as JSON", ssm.CreateDocumentInput{Name: "abc", Content: commandYAML}, document.CodeInvalidDocumentContent},
		{"no steps", ssm.CreateDocumentInput{Name: "abc", Content: `{"schemaVersion": "2.2"}`}, document.CodeInvalidDocumentContent},
		{"bad schema", ssm.CreateDocumentInput{Name: "abc", Content: `{"schemaVersion": "9.9", "mainSteps": []}`}, document.CodeInvalidDocumentSchemaVersion},
		{"automation schema for command", ssm.CreateDocumentInput{Name: "abc", Content: `{"schemaVersion": "0.3", "mainSteps": []}`}, document.CodeInvalidDocumentSchemaVersion},
		{"too big", ssm.CreateDocumentInput{Name: "abc", Content: big}, document.CodeMaxDocumentSizeExceeded},
		{"exists", ssm.CreateDocumentInput{Name: "existing", Content: good}, ssm.CodeDocumentAlreadyExists},
	}
	for _, c := range cases {
		_, err := f.docs.CreateDocument(f.ctx, c.in)
		wantCode(t, c.name, err, c.code)
	}
	var tooMany []ssm.Tag
	for i := range 51 {
		tooMany = append(tooMany, ssm.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	_, err := f.docs.CreateDocument(f.ctx, ssm.CreateDocumentInput{Name: "abc", Content: good, Tags: tooMany})
	wantCode(t, "51 tags", err, ssm.CodeTooManyTagsError)
	// Nothing failed half-way: abc does not exist.
	_, err = f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "abc"})
	wantCode(t, "describe abc", err, ssm.CodeInvalidDocument)
}

func TestDocumentLimit(t *testing.T) {
	f := newDocs(t)
	for i := range 500 {
		f.create(t, fmt.Sprintf("doc-%03d", i), commandDoc("x"))
	}
	_, err := f.docs.CreateDocument(f.ctx, ssm.CreateDocumentInput{Name: "doc-500", Content: commandDoc("x")})
	wantCode(t, "501st document", err, ssm.CodeDocumentLimitExceeded)
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "doc-000"}); err != nil {
		t.Fatal(err)
	}
	f.create(t, "doc-500", commandDoc("x"))
}

func TestGetDocument(t *testing.T) {
	f := newDocs(t)
	f.create(t, "greeter", commandDoc("one"), func(in *ssm.CreateDocumentInput) { in.VersionName = "first" })
	f.clock.Advance(time.Minute)
	f.update(t, "greeter", commandDoc("two"))

	get := func(in ssm.GetDocumentInput) (*ssm.DocumentDescription, error) {
		if in.Name == "" {
			in.Name = "greeter"
		}
		return f.docs.GetDocument(f.ctx, in)
	}
	for _, c := range []struct {
		in          ssm.GetDocumentInput
		wantVersion int
	}{
		{ssm.GetDocumentInput{}, 1}, // the default
		{ssm.GetDocumentInput{DocumentVersion: "$DEFAULT"}, 1},
		{ssm.GetDocumentInput{DocumentVersion: "$LATEST"}, 2},
		{ssm.GetDocumentInput{DocumentVersion: "2"}, 2},
		{ssm.GetDocumentInput{VersionName: "first"}, 1},
		{ssm.GetDocumentInput{VersionName: "first", DocumentVersion: "1"}, 1},
		{ssm.GetDocumentInput{Name: "arn:aws:ssm:eu-west-1:123456789012:document/greeter"}, 1},
	} {
		out, err := get(c.in)
		if err != nil || out.Version.Version != c.wantVersion {
			t.Errorf("GetDocument(%+v) = %+v, %v; want version %d", c.in, out, err, c.wantVersion)
		}
	}
	out, _ := get(ssm.GetDocumentInput{DocumentVersion: "2"})
	if out.Version.Content != commandDoc("two") || !out.Version.CreatedDate.Equal(docStart.Add(time.Minute)) ||
		out.Document.Type != "Command" || out.Version.Format != document.FormatJSON {
		t.Errorf("version 2 = %+v", out)
	}

	// Format conversion.
	y, err := get(ssm.GetDocumentInput{DocumentFormat: "YAML"})
	if err != nil || y.Version.Format != document.FormatYAML || !strings.Contains(y.Version.Content, "schemaVersion: \"2.2\"") {
		t.Fatalf("GetDocument YAML = %+v, %v", y, err)
	}
	j, err := get(ssm.GetDocumentInput{DocumentFormat: "JSON"})
	if err != nil || j.Version.Content != commandDoc("one") {
		t.Errorf("GetDocument JSON (stored format) = %q, %v", j.Version.Content, err)
	}
	f.create(t, "yaml-doc", commandYAML, func(in *ssm.CreateDocumentInput) { in.DocumentFormat = "YAML" })
	j, err = get(ssm.GetDocumentInput{Name: "yaml-doc", DocumentFormat: "JSON"})
	if err != nil || j.Version.Format != document.FormatJSON {
		t.Fatalf("YAML as JSON = %+v, %v", j, err)
	}
	parsed, err := document.Parse(j.Version.Content, document.FormatJSON)
	if err != nil || parsed.Description != "From YAML" || parsed.Parameters[0].Name != "message" {
		t.Errorf("converted JSON %q: %+v, %v", j.Version.Content, parsed, err)
	}

	for _, c := range []struct {
		what string
		in   ssm.GetDocumentInput
		code string
	}{
		{"missing", ssm.GetDocumentInput{Name: "nope-nope"}, ssm.CodeInvalidDocument},
		{"missing version", ssm.GetDocumentInput{DocumentVersion: "3"}, ssm.CodeInvalidDocumentVersion},
		{"huge version", ssm.GetDocumentInput{DocumentVersion: "99999999999999999999999"}, ssm.CodeInvalidDocumentVersion},
		{"missing version name", ssm.GetDocumentInput{VersionName: "second"}, ssm.CodeInvalidDocumentVersion},
		{"version and name disagree", ssm.GetDocumentInput{VersionName: "first", DocumentVersion: "2"}, ssm.CodeInvalidDocumentVersion},
		{"bad version", ssm.GetDocumentInput{DocumentVersion: "0"}, steward.CodeValidation},
		{"bad version word", ssm.GetDocumentInput{DocumentVersion: "latest"}, steward.CodeValidation},
		{"bad format", ssm.GetDocumentInput{DocumentFormat: "yaml"}, steward.CodeValidation},
		{"bad name", ssm.GetDocumentInput{Name: "a b"}, steward.CodeValidation},
		{"other account ARN", ssm.GetDocumentInput{Name: "arn:aws:ssm:eu-west-1:999999999999:document/greeter"}, ssm.CodeInvalidDocument},
		{"other region ARN", ssm.GetDocumentInput{Name: "arn:aws:ssm:us-east-1:123456789012:document/greeter"}, ssm.CodeInvalidDocument},
		{"Amazon ARN of own document", ssm.GetDocumentInput{Name: "arn:aws:ssm:eu-west-1::document/greeter"}, ssm.CodeInvalidDocument},
		{"parameter ARN", ssm.GetDocumentInput{Name: "arn:aws:ssm:eu-west-1:123456789012:parameter/greeter"}, ssm.CodeInvalidDocument},
	} {
		_, err := get(c.in)
		wantCode(t, c.what, err, c.code)
	}

	// Amazon's documents, by name and by ARN.
	for _, name := range []string{"AWS-RunShellScript", "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript"} {
		out, err := get(ssm.GetDocumentInput{Name: name})
		if err != nil || out.Document.Owner != ssm.OwnerAmazon || !strings.Contains(out.Version.Content, "aws:runShellScript") {
			t.Errorf("GetDocument(%s) = %+v, %v", name, out, err)
		}
	}
	_, err = get(ssm.GetDocumentInput{Name: "arn:aws:ssm:eu-west-1:123456789012:document/AWS-RunShellScript"})
	wantCode(t, "Amazon document under the account's ARN", err, ssm.CodeInvalidDocument)
}

func TestTextDocument(t *testing.T) {
	f := newDocs(t)
	f.create(t, "calendar", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", func(in *ssm.CreateDocumentInput) {
		in.DocumentType, in.DocumentFormat = "ChangeCalendar", "TEXT"
	})
	out, err := f.docs.GetDocument(f.ctx, ssm.GetDocumentInput{Name: "calendar"})
	if err != nil || out.Version.Format != document.FormatText {
		t.Fatalf("GetDocument = %+v, %v", out, err)
	}
	_, err = f.docs.GetDocument(f.ctx, ssm.GetDocumentInput{Name: "calendar", DocumentFormat: "JSON"})
	wantCode(t, "TEXT as JSON", err, steward.CodeValidation)
	_, err = f.docs.CreateDocument(f.ctx, ssm.CreateDocumentInput{Name: "text-command", Content: "echo hi", DocumentFormat: "TEXT"})
	wantCode(t, "TEXT Command", err, document.CodeInvalidDocumentContent)
}

func TestUpdateDocument(t *testing.T) {
	f := newDocs(t)
	f.create(t, "deploy", commandDoc("one"), func(in *ssm.CreateDocumentInput) {
		in.VersionName, in.DisplayName, in.TargetType = "v1", ptr("Deploy"), ptr("/")
		in.Tags = []ssm.Tag{{Key: "k", Value: "v"}}
	})
	f.clock.Advance(time.Hour)
	out, err := f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "deploy", Content: commandYAML,
		DocumentFormat: "YAML", DocumentVersion: "1", VersionName: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	want := ssm.DocumentInfo{Name: "deploy", Owner: testAccount, Type: "Command", CreatedDate: docStart,
		DefaultVersion: 1, LatestVersion: 2, MaxVersion: 2, VersionCount: 2}
	if diff := cmp.Diff(want, out.Document); diff != "" {
		t.Errorf("UpdateDocument info (-want +got):\n%s", diff)
	}
	v := out.Version
	if v.Version != 2 || v.VersionName != "v2" || v.DisplayName != "Deploy" || v.TargetType != "/" ||
		v.Format != document.FormatYAML || v.Description != "From YAML" || !v.CreatedDate.Equal(docStart.Add(time.Hour)) {
		t.Errorf("version 2 = %+v", v)
	}
	if len(out.Tags) != 1 {
		t.Errorf("Tags = %v", out.Tags)
	}
	// The default is still 1.
	desc, _ := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "deploy"})
	if desc.Version.Version != 1 || desc.Document.LatestVersion != 2 {
		t.Errorf("describe after update = %+v", desc)
	}
	// DisplayName and TargetType can change.
	out, err = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("three"),
		DisplayName: ptr("Deploy 3"), TargetType: ptr("/AWS::EC2::Instance")})
	if err != nil || out.Version.Version != 3 || out.Version.DisplayName != "Deploy 3" || out.Version.TargetType != "/AWS::EC2::Instance" {
		t.Fatalf("update 3 = %+v, %v", out, err)
	}
	// Same content with another target type is a new version.
	out, err = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("three"), TargetType: ptr("/")})
	if err != nil || out.Version.Version != 4 {
		t.Fatalf("update 4 = %+v, %v", out, err)
	}

	for _, c := range []struct {
		what string
		in   ssm.UpdateDocumentInput
		code string
	}{
		{"same content", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("three")}, ssm.CodeDuplicateDocumentContent},
		{"not latest", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), DocumentVersion: "3"}, ssm.CodeInvalidDocumentVersion},
		{"default is not latest", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), DocumentVersion: "$DEFAULT"}, ssm.CodeInvalidDocumentVersion},
		{"future version", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), DocumentVersion: "9"}, ssm.CodeInvalidDocumentVersion},
		{"duplicate version name", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), VersionName: "v1"}, ssm.CodeDuplicateDocumentVersionName},
		{"missing", ssm.UpdateDocumentInput{Name: "nope-nope", Content: commandDoc("x")}, ssm.CodeInvalidDocument},
		{"Amazon's", ssm.UpdateDocumentInput{Name: "AWS-RunShellScript", Content: commandDoc("x")}, ssm.CodeInvalidDocumentOperation},
		{"invalid content", ssm.UpdateDocumentInput{Name: "deploy", Content: `{"schemaVersion": "2.2", "mainSteps": "x"}`}, document.CodeInvalidDocumentContent},
		{"unparsable", ssm.UpdateDocumentInput{Name: "deploy", Content: `{`}, document.CodeInvalidDocumentContent},
		{"schema", ssm.UpdateDocumentInput{Name: "deploy", Content: `{"schemaVersion": "0.3", "mainSteps": []}`}, document.CodeInvalidDocumentSchemaVersion},
		{"ARN name", ssm.UpdateDocumentInput{Name: "arn:aws:ssm:eu-west-1:123456789012:document/deploy", Content: commandDoc("x")}, steward.CodeValidation},
		{"no content", ssm.UpdateDocumentInput{Name: "deploy"}, steward.CodeValidation},
		{"bad version", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), DocumentVersion: "v2"}, steward.CodeValidation},
		{"attachments", ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("x"), Attachments: []ssm.DocumentAttachment{{Key: "SourceUrl", Values: []string{"https://x"}}}}, steward.CodeValidation},
	} {
		_, err := f.docs.UpdateDocument(f.ctx, c.in)
		wantCode(t, c.what, err, c.code)
	}
	// A version name may not be reused even for the latest version.
	_, err = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "deploy", Content: commandDoc("y"), VersionName: "v2"})
	wantCode(t, "reused v2", err, ssm.CodeDuplicateDocumentVersionName)
}

func TestUpdateDocumentConcurrent(t *testing.T) {
	f := newDocs(t)
	f.create(t, "busy", commandDoc("0"))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "busy", Content: commandDoc(fmt.Sprint(i + 1))})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	list, err := f.docs.ListDocumentVersions(f.ctx, ssm.ListDocumentVersionsInput{Name: "busy"})
	if err != nil || len(list.Versions) != 9 || list.Document.LatestVersion != 9 {
		t.Fatalf("versions = %+v, %v", list, err)
	}
}

func TestDocumentVersionLimit(t *testing.T) {
	f := newDocs(t)
	f.create(t, "many", commandDoc("0"))
	f.update(t, "many", commandDoc("1"))
	// Versions 3…1000 straight into the store, in one transaction.
	err := f.db.WriteDocument(f.ctx, "many", func(tx ssm.DocumentTx) error {
		v, err := tx.Version(f.ctx, 2, "")
		if err != nil {
			return err
		}
		for n := 3; n <= 1000; n++ {
			v.Version, v.Content, v.Hash = n, commandDoc(fmt.Sprint(n)), document.Hash(commandDoc(fmt.Sprint(n)))
			if err := tx.PutVersion(f.ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "many", Content: commandDoc("new")})
	wantCode(t, "1,001st version", err, ssm.CodeDocumentVersionLimitExceeded)
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "many", DocumentVersion: "500"}); err != nil {
		t.Fatal(err)
	}
	out := f.update(t, "many", commandDoc("new"))
	if out.Version.Version != 1001 {
		t.Errorf("version after a delete = %d, want 1001 (numbers are not reused)", out.Version.Version)
	}
}

func TestUpdateDocumentDefaultVersion(t *testing.T) {
	f := newDocs(t)
	f.create(t, "pick", commandDoc("one"))
	_, err := f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "pick", Content: commandDoc("two"), VersionName: "second"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.docs.UpdateDocumentDefaultVersion(f.ctx, "pick", "2")
	if err != nil || v.Name != "pick" || v.Version != 2 || v.VersionName != "second" {
		t.Fatalf("UpdateDocumentDefaultVersion = %+v, %v", v, err)
	}
	desc, err := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "pick"})
	if err != nil || desc.Version.Version != 2 || desc.Document.DefaultVersion != 2 {
		t.Fatalf("describe = %+v, %v", desc, err)
	}
	// Setting the current default again is fine.
	if _, err := f.docs.UpdateDocumentDefaultVersion(f.ctx, "pick", "2"); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		what, name, version, code string
	}{
		{"missing version", "pick", "3", ssm.CodeInvalidDocumentVersion},
		{"huge version", "pick", "123456789012345678901234567890", ssm.CodeInvalidDocumentVersion},
		{"$LATEST", "pick", "$LATEST", steward.CodeValidation},
		{"no version", "pick", "", steward.CodeValidation},
		{"missing document", "nope-nope", "1", ssm.CodeInvalidDocument},
		{"Amazon's", "AWS-RunShellScript", "1", ssm.CodeInvalidDocumentOperation},
	} {
		_, err := f.docs.UpdateDocumentDefaultVersion(f.ctx, c.name, c.version)
		wantCode(t, c.what, err, c.code)
	}
}

func TestDeleteDocument(t *testing.T) {
	f := newDocs(t)
	f.create(t, "gone", commandDoc("1"), func(in *ssm.CreateDocumentInput) {
		in.VersionName = "one"
		in.Tags = []ssm.Tag{{Key: "a", Value: "b"}}
	})
	f.update(t, "gone", commandDoc("2"))
	_, err := f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "gone", Content: commandDoc("3"), VersionName: "three"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		in   ssm.DeleteDocumentInput
		code string
	}{
		{"default version", ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "1"}, ssm.CodeInvalidDocumentOperation},
		{"default by name", ssm.DeleteDocumentInput{Name: "gone", VersionName: "one"}, ssm.CodeInvalidDocumentOperation},
		{"$DEFAULT", ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "$DEFAULT"}, ssm.CodeInvalidDocumentOperation},
		{"missing version", ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "7"}, ssm.CodeInvalidDocument},
		{"missing version name", ssm.DeleteDocumentInput{Name: "gone", VersionName: "seven"}, ssm.CodeInvalidDocument},
		{"version and name disagree", ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "2", VersionName: "three"}, ssm.CodeInvalidDocument},
		{"missing", ssm.DeleteDocumentInput{Name: "nope-nope"}, ssm.CodeInvalidDocument},
		{"Amazon's", ssm.DeleteDocumentInput{Name: "AWS-RunShellScript"}, ssm.CodeInvalidDocumentOperation},
		{"Amazon's version", ssm.DeleteDocumentInput{Name: "AWS-RunShellScript", DocumentVersion: "1"}, ssm.CodeInvalidDocumentOperation},
		{"bad name", ssm.DeleteDocumentInput{Name: "x"}, steward.CodeValidation},
		{"bad version", ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "-1"}, steward.CodeValidation},
	} {
		wantCode(t, c.what, f.docs.DeleteDocument(f.ctx, c.in), c.code)
	}
	// The latest version goes: latest becomes 2, and the next update is 4.
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "$LATEST"}); err != nil {
		t.Fatal(err)
	}
	desc, err := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "gone"})
	if err != nil || desc.Document.LatestVersion != 2 || desc.Document.VersionCount != 2 {
		t.Fatalf("after deleting 3: %+v, %v", desc, err)
	}
	_, err = f.docs.GetDocument(f.ctx, ssm.GetDocumentInput{Name: "gone", VersionName: "three"})
	wantCode(t, "deleted version", err, ssm.CodeInvalidDocumentVersion)
	if out := f.update(t, "gone", commandDoc("3")); out.Version.Version != 4 {
		t.Errorf("next version = %d, want 4", out.Version.Version)
	}
	// The name of a deleted version is free again.
	_, err = f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "gone", Content: commandDoc("5"), VersionName: "three"})
	if err != nil {
		t.Fatal(err)
	}
	// A middle version.
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "gone", DocumentVersion: "2"}); err != nil {
		t.Fatal(err)
	}
	// Everything, tags included.
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "gone"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.docs.GetDocument(f.ctx, ssm.GetDocumentInput{Name: "gone"})
	wantCode(t, "get deleted", err, ssm.CodeInvalidDocument)
	f.create(t, "gone", commandDoc("1"))
	desc, err = f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "gone"})
	if err != nil || len(desc.Tags) != 0 || desc.Document.LatestVersion != 1 {
		t.Errorf("recreated = %+v, %v", desc, err)
	}

	// Some types need Force.
	schema := `{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}`
	f.create(t, "app-schema", schema, func(in *ssm.CreateDocumentInput) { in.DocumentType = "ApplicationConfigurationSchema" })
	wantCode(t, "without Force", f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "app-schema"}), ssm.CodeInvalidDocumentOperation)
	if err := f.docs.DeleteDocument(f.ctx, ssm.DeleteDocumentInput{Name: "app-schema", Force: true}); err != nil {
		t.Error(err)
	}
}
