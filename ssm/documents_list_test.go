package ssm_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm"
	"github.com/stewardhq/steward/ssm/document"
)

func TestListDocumentVersions(t *testing.T) {
	f := newDocs(t)
	f.create(t, "versions", commandDoc("1"), func(in *ssm.CreateDocumentInput) { in.DisplayName = ptr("One") })
	for i := 2; i <= 5; i++ {
		f.clock.Advance(time.Second)
		f.update(t, "versions", commandDoc(fmt.Sprint(i)))
	}
	if _, err := f.docs.UpdateDocumentDefaultVersion(f.ctx, "versions", "3"); err != nil {
		t.Fatal(err)
	}
	var got []int
	token := ""
	for page := 0; ; page++ {
		out, err := f.docs.ListDocumentVersions(f.ctx, ssm.ListDocumentVersionsInput{Name: "versions", MaxResults: ptr(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Versions) > 2 || page > 3 {
			t.Fatalf("page %d = %d versions", page, len(out.Versions))
		}
		for _, v := range out.Versions {
			got = append(got, v.Version)
			if v.Content != "" || v.DisplayName != "One" || !v.CreatedDate.Equal(docStart.Add(time.Duration(v.Version-1)*time.Second)) {
				t.Errorf("version %+v", v)
			}
		}
		if out.Document.DefaultVersion != 3 {
			t.Errorf("DefaultVersion = %d", out.Document.DefaultVersion)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("versions = %v", got)
	}
	out, err := f.docs.ListDocumentVersions(f.ctx, ssm.ListDocumentVersionsInput{Name: "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript"})
	if err != nil || len(out.Versions) != 1 {
		t.Errorf("Amazon document versions = %+v, %v", out, err)
	}
	for _, c := range []struct {
		what string
		in   ssm.ListDocumentVersionsInput
		code string
	}{
		{"missing", ssm.ListDocumentVersionsInput{Name: "nope-nope"}, ssm.CodeInvalidDocument},
		{"bad token", ssm.ListDocumentVersionsInput{Name: "versions", NextToken: "garbage!"}, ssm.CodeDocumentInvalidNextToken},
		{"max 0", ssm.ListDocumentVersionsInput{Name: "versions", MaxResults: ptr(0)}, steward.CodeValidation},
		{"max 51", ssm.ListDocumentVersionsInput{Name: "versions", MaxResults: ptr(51)}, steward.CodeValidation},
		{"no name", ssm.ListDocumentVersionsInput{}, steward.CodeValidation},
	} {
		_, err := f.docs.ListDocumentVersions(f.ctx, c.in)
		wantCode(t, c.what, err, c.code)
	}
}

func TestExists(t *testing.T) {
	f := newDocs(t)
	f.create(t, "mine", commandDoc("x"))
	if err := f.docs.Exists(f.ctx, "mine"); err != nil {
		t.Error(err)
	}
	if err := f.docs.Exists(f.ctx, "arn:aws:ssm:eu-west-1:123456789012:document/mine"); err != nil {
		t.Error(err)
	}
	for _, name := range []string{"nope-nope", "AWS-RunShellScript", "arn:aws:ssm:eu-west-1::document/mine",
		"arn:aws:ssm:eu-west-1::document/AWS-RunShellScript", "arn:bogus"} {
		wantCode(t, "Exists("+name+")", f.docs.Exists(f.ctx, name), ssm.CodeInvalidResourceID)
	}
}

func TestInstallBuiltins(t *testing.T) {
	f := newDocs(t)
	f.clock.Advance(time.Hour)
	if err := f.docs.InstallBuiltins(f.ctx); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	list, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{Filters: []ssm.DocumentKeyValuesFilter{{Key: "Owner", Values: []string{"Amazon"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range list.Documents {
		names = append(names, d.Document.Name)
		if d.Document.Owner != ssm.OwnerAmazon || d.Document.LatestVersion != 1 || !d.Version.CreatedDate.Equal(docStart) ||
			d.Document.Type != "Command" || d.Version.TargetType != "/AWS::EC2::Instance" {
			t.Errorf("builtin %+v", d)
		}
	}
	want := []string{"AWS-ConfigureAWSPackage", "AWS-RunPatchBaseline", "AWS-RunPowerShellScript", "AWS-RunRemoteScript",
		"AWS-RunShellScript", "AWS-UpdateEC2Config", "AWS-UpdateSSMAgent"}
	if !slices.Equal(names, want) {
		t.Errorf("builtins = %v", names)
	}
	desc, err := f.docs.DescribeDocument(f.ctx, ssm.DescribeDocumentInput{Name: "AWS-RunShellScript"})
	if err != nil {
		t.Fatal(err)
	}
	var params []string
	for _, p := range desc.Version.Parameters {
		params = append(params, p.Name)
	}
	if !slices.Equal(params, []string{"commands", "workingDirectory", "executionTimeout"}) ||
		desc.Version.SchemaVersion != "1.2" || desc.Document.Owner != ssm.OwnerAmazon ||
		!slices.Equal(desc.Version.PlatformTypes, []string{"Linux", "MacOS"}) || len(desc.Tags) != 0 {
		t.Errorf("AWS-RunShellScript = %+v", desc)
	}
	if got := f.docs.ARN(&desc.Document); got != "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript" {
		t.Errorf("ARN = %s", got)
	}
	// Amazon's documents do not count toward the quota and cannot be tagged.
	wantCode(t, "tag Amazon's", f.docs.Exists(f.ctx, "AWS-RunShellScript"), ssm.CodeInvalidResourceID)
}

func TestListDocuments(t *testing.T) {
	f := newDocs(t)
	f.create(t, "alpha-linux", commandDoc("a"), func(in *ssm.CreateDocumentInput) {
		in.Tags = []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "web"}}
		in.TargetType = ptr("/AWS::EC2::Instance")
	})
	f.create(t, "alpha-windows", `{"schemaVersion": "2.2", "mainSteps": [
		{"action": "aws:runPowerShellScript", "name": "ps", "precondition": {"StringEquals": ["platformType", "Windows"]}, "inputs": {"runCommand": ["dir"]}}]}`,
		func(in *ssm.CreateDocumentInput) { in.Tags = []ssm.Tag{{Key: "env", Value: "dev"}} })
	f.create(t, "beta-runbook", `{"schemaVersion": "0.3", "mainSteps": [{"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]}`,
		func(in *ssm.CreateDocumentInput) { in.DocumentType = "Automation" })
	f.create(t, "Gamma.legacy", `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": {"properties": [{"runCommand": ["ls"]}]}}}`)
	// The listing shows the default version: version 2 of alpha-linux is YAML
	// but not the default.
	_, err := f.docs.UpdateDocument(f.ctx, ssm.UpdateDocumentInput{Name: "alpha-linux", Content: commandYAML, DocumentFormat: "YAML"})
	if err != nil {
		t.Fatal(err)
	}

	names := func(filters []ssm.DocumentKeyValuesFilter) []string {
		t.Helper()
		out, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{Filters: filters})
		if err != nil {
			t.Fatalf("ListDocuments(%+v): %v", filters, err)
		}
		var got []string
		for _, d := range out.Documents {
			got = append(got, d.Document.Name)
		}
		return got
	}
	kv := func(pairs ...string) []ssm.DocumentKeyValuesFilter {
		var out []ssm.DocumentKeyValuesFilter
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, ssm.DocumentKeyValuesFilter{Key: pairs[i], Values: strings.Split(pairs[i+1], ",")})
		}
		return out
	}
	mine := []string{"Gamma.legacy", "alpha-linux", "alpha-windows", "beta-runbook"}
	amazon := []string{"AWS-ConfigureAWSPackage", "AWS-RunPatchBaseline", "AWS-RunPowerShellScript", "AWS-RunRemoteScript",
		"AWS-RunShellScript", "AWS-UpdateEC2Config", "AWS-UpdateSSMAgent"}
	all := append(append([]string{}, amazon...), mine...) // byte order: upper case first
	for _, c := range []struct {
		filters []ssm.DocumentKeyValuesFilter
		want    []string
	}{
		{nil, all},
		{kv("Owner", "Self"), mine},
		{kv("Owner", "self"), mine},
		{kv("Owner", "Private"), mine},
		{kv("Owner", testAccount), mine},
		{kv("Owner", "Amazon"), amazon},
		{kv("Owner", "Public"), amazon},
		{kv("Owner", "All"), all},
		{kv("Owner", "ThirdParty"), nil},
		{kv("Owner", "999999999999"), nil},
		{kv("Name", "alpha"), []string{"alpha-linux", "alpha-windows"}},
		{kv("Name", "alpha-l,beta"), []string{"alpha-linux", "beta-runbook"}},
		{kv("Name", "ALPHA"), nil},
		{kv("SearchKeyword", "LEGACY"), []string{"Gamma.legacy"}},
		{kv("SearchKeyword", "runshell,runbook"), []string{"AWS-RunShellScript", "beta-runbook"}},
		{kv("Owner", "Self", "PlatformTypes", "Windows"), []string{"alpha-windows", "beta-runbook"}},
		{kv("Owner", "Self", "PlatformTypes", "MacOS,Windows"), mine},
		{kv("Owner", "Self", "PlatformTypes", "Plan9"), nil},
		{kv("DocumentType", "Automation"), []string{"beta-runbook"}},
		{kv("Owner", "Self", "DocumentType", "Command,Automation"), mine},
		{kv("Owner", "Self", "SchemaVersion", "1.2"), []string{"Gamma.legacy"}},
		{kv("SchemaVersion", "1.2", "Name", "AWS-RunShell"), []string{"AWS-RunShellScript"}},
		{kv("Owner", "Self", "TargetType", "/AWS::EC2::Instance"), []string{"alpha-linux"}},
		{kv("tag:env", "prod,dev"), []string{"alpha-linux", "alpha-windows"}},
		{kv("tag:env", "prod", "tag:team", "web"), []string{"alpha-linux"}},
		{kv("tag:env", "prod", "tag:team", "db"), nil},
		{[]ssm.DocumentKeyValuesFilter{{Key: "tag:team"}}, []string{"alpha-linux"}},
		{kv("Name", "alpha", "Name", "alpha-w"), []string{"alpha-windows"}},
	} {
		if got := names(c.filters); !slices.Equal(got, c.want) {
			t.Errorf("ListDocuments(%+v) = %v, want %v", c.filters, got, c.want)
		}
	}

	// The entries.
	out, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{Filters: kv("Name", "alpha-linux")})
	if err != nil || len(out.Documents) != 1 {
		t.Fatal(out, err)
	}
	d := out.Documents[0]
	if d.Version.Version != 1 || d.Version.Format != document.FormatJSON || d.Version.SchemaVersion != "2.2" ||
		d.Document.Owner != testAccount || d.Version.Content != "" ||
		!slices.Equal(d.Version.PlatformTypes, []string{"Linux", "MacOS"}) ||
		!slices.Equal(d.Tags, []ssm.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "web"}}) {
		t.Errorf("entry = %+v", d)
	}

	// The deprecated list.
	legacy, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{DocumentFilterList: []ssm.DocumentFilter{
		{Key: "Owner", Value: "Self"}, {Key: "DocumentType", Value: "Automation"}}})
	if err != nil || len(legacy.Documents) != 1 || legacy.Documents[0].Document.Name != "beta-runbook" {
		t.Errorf("DocumentFilterList = %+v, %v", legacy, err)
	}

	for _, c := range []struct {
		what string
		in   ssm.ListDocumentsInput
		code string
	}{
		{"unknown key", ssm.ListDocumentsInput{Filters: kv("Color", "red")}, ssm.CodeDocumentInvalidFilterKey},
		{"empty tag key", ssm.ListDocumentsInput{Filters: kv("tag:", "x")}, ssm.CodeDocumentInvalidFilterKey},
		{"two owners", ssm.ListDocumentsInput{Filters: kv("Owner", "Self,Amazon")}, steward.CodeValidation},
		{"owner twice", ssm.ListDocumentsInput{Filters: kv("Owner", "Self", "Owner", "Amazon")}, steward.CodeValidation},
		{"bad owner", ssm.ListDocumentsInput{Filters: kv("Owner", "Somebody")}, steward.CodeValidation},
		{"no values", ssm.ListDocumentsInput{Filters: []ssm.DocumentKeyValuesFilter{{Key: "Name"}}}, steward.CodeValidation},
		{"empty value", ssm.ListDocumentsInput{Filters: kv("Name", "")}, steward.CodeValidation},
		{"seven filters", ssm.ListDocumentsInput{Filters: kv("Name", "a", "Name", "a", "Name", "a", "Name", "a", "Name", "a", "Name", "a", "Name", "a")}, steward.CodeValidation},
		{"both lists", ssm.ListDocumentsInput{Filters: kv("Owner", "Self"), DocumentFilterList: []ssm.DocumentFilter{{Key: "Name", Value: "a"}}}, steward.CodeValidation},
		{"legacy bad key", ssm.ListDocumentsInput{DocumentFilterList: []ssm.DocumentFilter{{Key: "SchemaVersion", Value: "2.2"}}}, steward.CodeValidation},
		{"legacy empty", ssm.ListDocumentsInput{DocumentFilterList: []ssm.DocumentFilter{}}, steward.CodeValidation},
		{"max 0", ssm.ListDocumentsInput{MaxResults: ptr(0)}, steward.CodeValidation},
		{"max 51", ssm.ListDocumentsInput{MaxResults: ptr(51)}, steward.CodeValidation},
		{"bad token", ssm.ListDocumentsInput{NextToken: "not a token"}, ssm.CodeDocumentInvalidNextToken},
	} {
		_, err := f.docs.ListDocuments(f.ctx, c.in)
		wantCode(t, c.what, err, c.code)
	}
}

func TestListDocumentsPages(t *testing.T) {
	f := newDocs(t)
	var want []string
	for i := range 23 {
		name := fmt.Sprintf("page-%02d", i)
		want = append(want, name)
		f.create(t, name, commandDoc("x"))
	}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		out, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{MaxResults: ptr(5), NextToken: token,
			Filters: []ssm.DocumentKeyValuesFilter{{Key: "Owner", Values: []string{"Self"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Documents) > 5 {
			t.Fatalf("page of %d", len(out.Documents))
		}
		for _, d := range out.Documents {
			got = append(got, d.Document.Name)
		}
		if pages == 1 { // a document created behind the cursor does not shift the pages
			f.create(t, "page-00a", commandDoc("x"))
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages = %v\nwant %v", got, want)
	}
	// Default page size.
	out, err := f.docs.ListDocuments(f.ctx, ssm.ListDocumentsInput{})
	if err != nil || len(out.Documents) != 31 || out.NextToken != "" {
		t.Errorf("default page = %d documents, token %q, %v", len(out.Documents), out.NextToken, err)
	}
}
