package document

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"abc", "My_Doc-1.0", strings.Repeat("a", 128)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", strings.Repeat("a", 129), "has space", "a/b", "naïve"} {
		wantError(t, ValidateName(bad), steward.CodeValidation,
			"Value '"+bad+"' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$")
	}
}

func TestReservedName(t *testing.T) {
	for name, want := range map[string]bool{
		"AWS-RunShellScript": true, "aws-x": true, "awsec2-x": true, "AWSSupport-Foo": true,
		"Amazon-x": true, "AMZN_x": true, "amzn": true, "my-aws-doc": false, "Steward-Run": false, "aw-x": false,
	} {
		if got := ReservedName(name); got != want {
			t.Errorf("ReservedName(%q) = %v, want %v", name, got, want)
		}
	}
	if err := ValidateNewName("Steward-Run"); err != nil {
		t.Errorf("ValidateNewName: %v", err)
	}
	wantError(t, ValidateNewName("AmazonThing"), steward.CodeValidation, "'AmazonThing'")
	wantError(t, ValidateNewName("a b"), steward.CodeValidation, "at 'name'")
}

func TestPlatformTypes(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"shell", yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22), []string{"Linux", "MacOS"}},
		{"shell on Linux only", yamlDoc("schemaVersion: '2.2'", "mainSteps:",
			"- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Linux]}}"), []string{"Linux"}},
		{"precondition excludes the plugin", yamlDoc("schemaVersion: '2.2'", "mainSteps:",
			"- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Windows]}}"), nil},
		{"parameterised precondition", yamlDoc("schemaVersion: '2.2'", "mainSteps:",
			"- {action: aws:runPowerShellScript, name: a, precondition: {StringEquals: [platformType, '{{ os }}']}}"), []string{"Windows", "Linux"}},
		{"union", yamlDoc("schemaVersion: '2.2'", "mainSteps:",
			"- {action: aws:updateAgent, name: a}", "- {action: aws:runShellScript, name: b}"), []string{"Windows", "Linux", "MacOS"}},
		{"unknown plugin", yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:somethingNew, name: a}"), []string{"Windows", "Linux", "MacOS"}},
		{"automation", yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03), []string{"Windows", "Linux", "MacOS"}},
		{"no steps", "{}\n", []string{"Windows", "Linux", "MacOS"}},
	}
	for _, tt := range tests {
		d, err := Parse(tt.content, FormatYAML)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.PlatformTypes(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: PlatformTypes = %v, want %v", tt.name, got, tt.want)
		}
	}
}
