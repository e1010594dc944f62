package ssmapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
	"go.yaml.in/yaml/v3"
)

const e2eCommandJSON = `{
  "schemaVersion": "2.2",
  "description": "Restart a service",
  "parameters": {
    "service": {"type": "String", "description": "Unit to restart", "default": "nginx"},
    "delay": {"type": "String", "default": "0"},
    "extra": {"type": "StringList", "description": "More units"}
  },
  "mainSteps": [
    {"action": "aws:runShellScript", "name": "restart",
     "inputs": {"runCommand": ["sleep {{ delay }}", "systemctl restart {{ service }}"]}}
  ]
}
`

const e2eCommandYAML = `schemaVersion: "2.2"
description: Print a message
parameters:
  message:
    type: String
    description: What to print
    default: hello
  times:
    type: String
    default: "1"
mainSteps:
  - action: aws:runShellScript
    name: print
    inputs:
      runCommand:
        - echo {{ message }}
`

var e2eBuiltins = []string{"AWS-ConfigureAWSPackage", "AWS-RunPatchBaseline", "AWS-RunPowerShellScript",
	"AWS-RunRemoteScript", "AWS-RunShellScript", "AWS-UpdateEC2Config", "AWS-UpdateSSMAgent"}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func paramNames(ps []types.DocumentParameter) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.Name))
	}
	return out
}

func TestDocumentsSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(srv.AWSConfig())
	start := time.Now().Add(-time.Minute)

	created, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{
		Name: aws.String("restart-service"), Content: aws.String(e2eCommandJSON), DocumentType: types.DocumentTypeCommand,
		VersionName: aws.String("v1"), DisplayName: aws.String("Restart service"), TargetType: aws.String("/AWS::EC2::Instance"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := created.DocumentDescription
	if aws.ToString(d.Name) != "restart-service" || aws.ToString(d.Owner) != "000000000000" ||
		aws.ToString(d.DocumentVersion) != "1" || d.Status != types.DocumentStatusActive || d.HashType != types.DocumentHashTypeSha256 ||
		aws.ToString(d.Hash) != sha(e2eCommandJSON) || d.DocumentFormat != types.DocumentFormatJson ||
		d.DocumentType != types.DocumentTypeCommand || aws.ToString(d.SchemaVersion) != "2.2" ||
		aws.ToString(d.LatestVersion) != "1" || aws.ToString(d.DefaultVersion) != "1" ||
		aws.ToString(d.VersionName) != "v1" || aws.ToString(d.DisplayName) != "Restart service" ||
		aws.ToString(d.TargetType) != "/AWS::EC2::Instance" || aws.ToString(d.Description) != "Restart a service" ||
		d.CreatedDate == nil || d.CreatedDate.Before(start) ||
		!slices.Equal(d.PlatformTypes, []types.PlatformType{types.PlatformTypeLinux, types.PlatformTypeMacos}) ||
		len(d.Tags) != 1 || aws.ToString(d.Tags[0].Key) != "team" {
		t.Errorf("CreateDocument = %+v", d)
	}
	if got := paramNames(d.Parameters); !slices.Equal(got, []string{"service", "delay", "extra"}) {
		t.Errorf("Parameters = %v", got)
	}
	if p := d.Parameters[0]; aws.ToString(p.Description) != "Unit to restart" || aws.ToString(p.DefaultValue) != "nginx" || p.Type != "String" {
		t.Errorf("Parameters[0] = %+v", p)
	}
	if p := d.Parameters[2]; p.DefaultValue != nil || p.Type != types.DocumentParameterTypeStringList {
		t.Errorf("Parameters[2] = %+v (no default expected)", p)
	}

	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("print-message"), Content: aws.String(e2eCommandYAML),
		DocumentFormat: types.DocumentFormatYaml})
	if err != nil {
		t.Fatal(err)
	}

	// Each comes back in the other format.
	got, err := c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("restart-service"), DocumentFormat: types.DocumentFormatYaml})
	if err != nil {
		t.Fatal(err)
	}
	var asYAML map[string]any
	if err := yaml.Unmarshal([]byte(aws.ToString(got.Content)), &asYAML); err != nil || asYAML["description"] != "Restart a service" ||
		got.DocumentFormat != types.DocumentFormatYaml || aws.ToString(got.DocumentVersion) != "1" || got.Status != types.DocumentStatusActive ||
		got.DocumentType != types.DocumentTypeCommand || aws.ToString(got.VersionName) != "v1" || got.CreatedDate == nil {
		t.Errorf("GetDocument YAML = %+v (%v)", got, err)
	}
	got, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("print-message"), DocumentFormat: types.DocumentFormatJson})
	if err != nil {
		t.Fatal(err)
	}
	var asJSON map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(got.Content)), &asJSON); err != nil || asJSON["description"] != "Print a message" {
		t.Errorf("GetDocument JSON = %q (%v)", aws.ToString(got.Content), err)
	}
	// By ARN.
	got, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("arn:aws:ssm:us-east-1:000000000000:document/print-message")})
	if err != nil || aws.ToString(got.Content) != e2eCommandYAML || aws.ToString(got.Name) != "print-message" {
		t.Errorf("GetDocument by ARN = %+v, %v", got, err)
	}

	desc, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("print-message")})
	if err != nil {
		t.Fatal(err)
	}
	if got := paramNames(desc.Document.Parameters); !slices.Equal(got, []string{"message", "times"}) {
		t.Errorf("DescribeDocument Parameters = %v", got)
	}
	if desc.Document.Tags == nil || len(desc.Document.Tags) != 0 || desc.Document.DocumentFormat != types.DocumentFormatYaml {
		t.Errorf("DescribeDocument = %+v", desc.Document)
	}

	// Listing, with the SDK's paginator.
	listNames := func(filters ...types.DocumentKeyValuesFilter) []string {
		t.Helper()
		var names []string
		p := ssm.NewListDocumentsPaginator(c, &ssm.ListDocumentsInput{Filters: filters, MaxResults: aws.Int32(3)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range page.DocumentIdentifiers {
				names = append(names, aws.ToString(id.Name))
			}
		}
		return names
	}
	owner := func(v string) types.DocumentKeyValuesFilter {
		return types.DocumentKeyValuesFilter{Key: aws.String("Owner"), Values: []string{v}}
	}
	if got := listNames(owner("Self")); !slices.Equal(got, []string{"print-message", "restart-service"}) {
		t.Errorf("Owner=Self: %v", got)
	}
	if got := listNames(owner("Amazon")); !slices.Equal(got, e2eBuiltins) {
		t.Errorf("Owner=Amazon: %v", got)
	}
	if got := listNames(types.DocumentKeyValuesFilter{Key: aws.String("tag:team"), Values: []string{"ops"}}); !slices.Equal(got, []string{"restart-service"}) {
		t.Errorf("tag:team=ops: %v", got)
	}
	list, err := c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []types.DocumentKeyValuesFilter{
		{Key: aws.String("Name"), Values: []string{"restart"}}}})
	if err != nil || len(list.DocumentIdentifiers) != 1 {
		t.Fatalf("ListDocuments Name=restart = %+v, %v", list, err)
	}
	id := list.DocumentIdentifiers[0]
	if aws.ToString(id.Owner) != "000000000000" || aws.ToString(id.DocumentVersion) != "1" || aws.ToString(id.SchemaVersion) != "2.2" ||
		id.DocumentType != types.DocumentTypeCommand || id.DocumentFormat != types.DocumentFormatJson || len(id.Tags) != 1 ||
		aws.ToString(id.TargetType) != "/AWS::EC2::Instance" || aws.ToString(id.VersionName) != "v1" || id.CreatedDate == nil {
		t.Errorf("DocumentIdentifier = %+v", id)
	}

	// A new version, a duplicate, the default moved.
	upd, err := c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("restart-service"),
		Content:         aws.String(strings.Replace(e2eCommandJSON, "Restart a service", "Restart a service, v2", 1)),
		DocumentVersion: aws.String("$LATEST"), VersionName: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if d := upd.DocumentDescription; aws.ToString(d.DocumentVersion) != "2" || aws.ToString(d.LatestVersion) != "2" ||
		aws.ToString(d.DefaultVersion) != "1" || aws.ToString(d.DisplayName) != "Restart service" || len(d.Tags) != 1 {
		t.Errorf("UpdateDocument = %+v", d)
	}
	_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("restart-service"),
		Content: aws.String(strings.Replace(e2eCommandJSON, "Restart a service", "Restart a service, v2", 1))})
	var dup *types.DuplicateDocumentContent
	if !errors.As(err, &dup) {
		t.Errorf("same content again: %v, want DuplicateDocumentContent", err)
	}
	_, err = c.UpdateDocument(ctx, &ssm.UpdateDocumentInput{Name: aws.String("restart-service"), Content: aws.String(e2eCommandYAML),
		DocumentFormat: types.DocumentFormatYaml, DocumentVersion: aws.String("1")})
	var badVersion *types.InvalidDocumentVersion
	if !errors.As(err, &badVersion) {
		t.Errorf("update of version 1: %v, want InvalidDocumentVersion", err)
	}
	def, err := c.UpdateDocumentDefaultVersion(ctx, &ssm.UpdateDocumentDefaultVersionInput{Name: aws.String("restart-service"), DocumentVersion: aws.String("2")})
	if err != nil || aws.ToString(def.Description.DefaultVersion) != "2" || aws.ToString(def.Description.DefaultVersionName) != "v2" ||
		aws.ToString(def.Description.Name) != "restart-service" {
		t.Fatalf("UpdateDocumentDefaultVersion = %+v, %v", def, err)
	}
	versions, err := c.ListDocumentVersions(ctx, &ssm.ListDocumentVersionsInput{Name: aws.String("restart-service")})
	if err != nil || len(versions.DocumentVersions) != 2 {
		t.Fatalf("ListDocumentVersions = %+v, %v", versions, err)
	}
	for i, v := range versions.DocumentVersions {
		if aws.ToString(v.DocumentVersion) != []string{"1", "2"}[i] || v.IsDefaultVersion != (i == 1) ||
			v.Status != types.DocumentStatusActive || v.DocumentFormat != types.DocumentFormatJson || v.CreatedDate == nil {
			t.Errorf("version %d = %+v", i, v)
		}
	}

	// Deleting: a non-default version, then everything.
	if _, err := c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("restart-service"), DocumentVersion: aws.String("2")}); apiCode(err) != "InvalidDocumentOperation" {
		t.Errorf("delete the default version: %v", err)
	}
	if _, err := c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("restart-service"), DocumentVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("restart-service")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String("restart-service")})
	var invalid *types.InvalidDocument
	if !errors.As(err, &invalid) {
		t.Errorf("get after delete: %v, want InvalidDocument", err)
	}

	// Amazon's documents.
	rs, err := c.DescribeDocument(ctx, &ssm.DescribeDocumentInput{Name: aws.String("AWS-RunShellScript")})
	if err != nil {
		t.Fatal(err)
	}
	if got := paramNames(rs.Document.Parameters); !slices.Equal(got, []string{"commands", "workingDirectory", "executionTimeout"}) ||
		aws.ToString(rs.Document.Owner) != "Amazon" || aws.ToString(rs.Document.SchemaVersion) != "1.2" {
		t.Errorf("AWS-RunShellScript = %v, %+v", got, rs.Document)
	}
	_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("AWS-RunShellScript")})
	var op *types.InvalidDocumentOperation
	if !errors.As(err, &op) {
		t.Errorf("delete AWS-RunShellScript: %v, want InvalidDocumentOperation", err)
	}

	// Errors.
	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("broken"), Content: aws.String(`{"schemaVersion": "2.2",`)})
	var content *types.InvalidDocumentContent
	if !errors.As(err, &content) {
		t.Errorf("invalid content: %v, want InvalidDocumentContent", err)
	}
	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("print-message"), Content: aws.String(e2eCommandJSON)})
	var exists *types.DocumentAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("create twice: %v, want DocumentAlreadyExists", err)
	}
	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("AWS-Mine"), Content: aws.String(e2eCommandJSON)})
	if apiCode(err) != "ValidationException" {
		t.Errorf("reserved name: %v, want ValidationException", err)
	}
	_, err = c.ListDocuments(ctx, &ssm.ListDocumentsInput{Filters: []types.DocumentKeyValuesFilter{{Key: aws.String("Colour"), Values: []string{"x"}}}})
	var key *types.InvalidFilterKey
	if !errors.As(err, &key) {
		t.Errorf("bad filter key: %v, want InvalidFilterKey", err)
	}
	_, err = c.ListDocuments(ctx, &ssm.ListDocumentsInput{NextToken: aws.String("garbage")})
	var token *types.InvalidNextToken
	if !errors.As(err, &token) {
		t.Errorf("bad token: %v, want InvalidNextToken", err)
	}
}

// TestDocumentsCLI drives the same flow through both aws CLIs, with content
// read from files (file://).
func TestDocumentsCLI(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	jsonDoc := write("doc.json", e2eCommandJSON)
	jsonDoc2 := write("doc2.json", strings.Replace(e2eCommandJSON, "Restart a service", "Restart a service, v2", 1))
	yamlDoc := write("doc.yaml", e2eCommandYAML)
	badDoc := write("bad.json", `{"schemaVersion": "2.2", "mainSteps": [{"action": "aws:runShellScript"}]}`)

	for name, bin := range map[string]string{"v1": servertest.CLIv1, "debian": servertest.CLIDebian} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each CLI call starts Python: the two run side by side
			srv := servertest.Start(t)
			run := func(out any, args ...string) {
				t.Helper()
				stdout, err := srv.CLI(t, bin, append([]string{"ssm"}, args...)...)
				if err != nil {
					t.Fatalf("aws ssm %v: %v", args, err)
				}
				if out != nil {
					if err := json.Unmarshal([]byte(stdout), out); err != nil {
						t.Fatalf("aws ssm %v: %v in %q", args, err, stdout)
					}
				}
			}
			fail := func(code string, args ...string) {
				t.Helper()
				_, err := srv.CLI(t, bin, append([]string{"ssm"}, args...)...)
				if err == nil || !strings.Contains(err.Error(), "("+code+")") {
					t.Errorf("aws ssm %v: %v, want %s", args, err, code)
				}
			}
			type description struct {
				Name, Owner, DocumentVersion, LatestVersion, DefaultVersion, DocumentFormat, Hash, HashType, Status string
				Parameters                                                                                          []struct{ Name, Type, DefaultValue string }
				Tags                                                                                                []struct{ Key, Value string }
				PlatformTypes                                                                                       []string
			}

			var created struct{ DocumentDescription description }
			run(&created, "create-document", "--name", "cli-json", "--content", jsonDoc, "--document-type", "Command",
				"--tags", "Key=team,Value=ops")
			d := created.DocumentDescription
			if d.Name != "cli-json" || d.Owner != "000000000000" || d.DocumentVersion != "1" || d.Hash != sha(e2eCommandJSON) ||
				d.HashType != "Sha256" || d.Status != "Active" || len(d.Tags) != 1 || !slices.Equal(d.PlatformTypes, []string{"Linux", "MacOS"}) {
				t.Errorf("create-document = %+v", d)
			}
			run(&created, "create-document", "--name", "cli-yaml", "--content", yamlDoc, "--document-format", "YAML")
			if created.DocumentDescription.DocumentFormat != "YAML" {
				t.Errorf("create-document YAML = %+v", created.DocumentDescription)
			}

			var got struct{ Name, Content, DocumentFormat, DocumentVersion, Status string }
			run(&got, "get-document", "--name", "cli-json", "--document-format", "YAML")
			var y map[string]any
			if err := yaml.Unmarshal([]byte(got.Content), &y); err != nil || y["description"] != "Restart a service" || got.DocumentFormat != "YAML" {
				t.Errorf("get-document YAML = %+v (%v)", got, err)
			}
			run(&got, "get-document", "--name", "cli-yaml", "--document-format", "JSON")
			var j map[string]any
			if err := json.Unmarshal([]byte(got.Content), &j); err != nil || j["description"] != "Print a message" || got.DocumentFormat != "JSON" {
				t.Errorf("get-document JSON = %+v (%v)", got, err)
			}

			var desc struct{ Document description }
			run(&desc, "describe-document", "--name", "cli-json")
			var names []string
			for _, p := range desc.Document.Parameters {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, []string{"service", "delay", "extra"}) || desc.Document.Parameters[0].DefaultValue != "nginx" {
				t.Errorf("describe-document Parameters = %+v", desc.Document.Parameters)
			}

			listed := func(args ...string) []string {
				t.Helper()
				var out struct {
					DocumentIdentifiers []struct{ Name, Owner string }
				}
				run(&out, append([]string{"list-documents"}, args...)...)
				var names []string
				for _, id := range out.DocumentIdentifiers {
					names = append(names, id.Name)
				}
				return names
			}
			if got := listed("--filters", "Key=Owner,Values=Self"); !slices.Equal(got, []string{"cli-json", "cli-yaml"}) {
				t.Errorf("list-documents Owner=Self = %v", got)
			}
			if got := listed("--filters", "Key=Owner,Values=Amazon", "--page-size", "2"); !slices.Equal(got, e2eBuiltins) {
				t.Errorf("list-documents Owner=Amazon = %v", got)
			}
			if got := listed("--document-filter-list", "key=Owner,value=Self"); !slices.Equal(got, []string{"cli-json", "cli-yaml"}) {
				t.Errorf("list-documents --document-filter-list = %v", got)
			}

			var updated struct{ DocumentDescription description }
			run(&updated, "update-document", "--name", "cli-json", "--content", jsonDoc2, "--document-version", "$LATEST")
			if updated.DocumentDescription.DocumentVersion != "2" || updated.DocumentDescription.DefaultVersion != "1" {
				t.Errorf("update-document = %+v", updated.DocumentDescription)
			}
			fail("DuplicateDocumentContent", "update-document", "--name", "cli-json", "--content", jsonDoc2, "--document-version", "$LATEST")
			fail("InvalidDocumentVersion", "update-document", "--name", "cli-json", "--content", jsonDoc, "--document-version", "1")

			var def struct {
				Description struct{ Name, DefaultVersion string }
			}
			run(&def, "update-document-default-version", "--name", "cli-json", "--document-version", "2")
			if def.Description.Name != "cli-json" || def.Description.DefaultVersion != "2" {
				t.Errorf("update-document-default-version = %+v", def)
			}
			var versions struct {
				DocumentVersions []struct {
					DocumentVersion  string
					IsDefaultVersion bool
				}
			}
			run(&versions, "list-document-versions", "--name", "cli-json")
			if len(versions.DocumentVersions) != 2 || versions.DocumentVersions[0].IsDefaultVersion || !versions.DocumentVersions[1].IsDefaultVersion {
				t.Errorf("list-document-versions = %+v", versions)
			}

			fail("InvalidDocumentOperation", "delete-document", "--name", "cli-json", "--document-version", "2")
			run(nil, "delete-document", "--name", "cli-json", "--document-version", "1")
			run(nil, "delete-document", "--name", "cli-json")
			fail("InvalidDocument", "describe-document", "--name", "cli-json")

			run(&desc, "describe-document", "--name", "AWS-RunShellScript")
			names = names[:0]
			for _, p := range desc.Document.Parameters {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, []string{"commands", "workingDirectory", "executionTimeout"}) || desc.Document.Owner != "Amazon" {
				t.Errorf("describe-document AWS-RunShellScript = %+v", desc.Document)
			}
			fail("InvalidDocumentOperation", "delete-document", "--name", "AWS-RunShellScript")
			fail("InvalidDocumentContent", "create-document", "--name", "cli-bad", "--content", badDoc)
		})
	}
}
