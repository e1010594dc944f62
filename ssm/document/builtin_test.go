package document

import (
	"reflect"
	"testing"
)

func TestBuiltinsValid(t *testing.T) {
	bs := Builtins()
	if len(bs) != len(builtinDocs) {
		t.Fatalf("%d builtins, want %d", len(bs), len(builtinDocs))
	}
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil || len(entries) != len(builtinDocs) {
		t.Fatalf("builtin/ holds %d files (%v); every file must be listed in builtinDocs", len(entries), err)
	}
	for _, b := range bs {
		t.Run(b.Name, func(t *testing.T) {
			d, err := Parse(b.Content, b.Format)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := Validate(b.DocumentType, d); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if ReservedName(b.Name) == false || ValidateName(b.Name) != nil {
				t.Errorf("name %q: reserved=%v valid=%v", b.Name, ReservedName(b.Name), ValidateName(b.Name))
			}
			if d.Description == "" {
				t.Error("no description")
			}
			// YAML round trip: GetDocument with DocumentFormat YAML must work for every builtin.
			y, err := Convert(b.Content, b.Format, FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			dy, err := Parse(y, FormatYAML)
			if err != nil {
				t.Fatalf("%v\n%s", err, y)
			}
			if !reflect.DeepEqual(d.Raw, dy.Raw) {
				t.Fatalf("YAML round trip changed the document:\n%s", y)
			}
		})
	}
}

// TestBuiltinInterfaces pins the parameter interfaces callers rely on
// (ssm.md §8): names in order, types, defaults and allowed values.
func TestBuiltinInterfaces(t *testing.T) {
	type param struct {
		name, typ, def string
		hasDefault     bool
		allowed        []string
	}
	want := map[string]struct {
		schema    string
		platforms []string
		params    []param
		steps     []string
	}{
		"AWS-RunShellScript": {"1.2", []string{"Linux", "MacOS"}, []param{
			{"commands", "StringList", "", false, nil},
			{"workingDirectory", "String", "", true, nil},
			{"executionTimeout", "String", "3600", true, nil},
		}, []string{"aws:runShellScript"}},
		"AWS-RunPowerShellScript": {"1.2", []string{"Windows", "Linux"}, []param{
			{"commands", "StringList", "", false, nil},
			{"workingDirectory", "String", "", true, nil},
			{"executionTimeout", "String", "3600", true, nil},
		}, []string{"aws:runPowerShellScript"}},
		"AWS-RunRemoteScript": {"2.2", []string{"Windows", "Linux", "MacOS"}, []param{
			{"sourceType", "String", "", false, []string{"GitHub", "S3"}},
			{"sourceInfo", "StringMap", "", false, nil},
			{"commandLine", "String", "", false, nil},
			{"workingDirectory", "String", "", true, nil},
			{"executionTimeout", "String", "3600", true, nil},
		}, []string{"downloadContent", "runPowerShellScript", "runShellScript"}},
		"AWS-UpdateSSMAgent": {"1.2", []string{"Windows", "Linux", "MacOS"}, []param{
			{"version", "String", "", true, nil},
			{"allowDowngrade", "String", "false", true, []string{"true", "false"}},
		}, []string{"aws:updateSsmAgent"}},
		"AWS-UpdateEC2Config": {"1.2", []string{"Windows"}, []param{
			{"version", "String", "", true, nil},
			{"allowDowngrade", "String", "false", true, []string{"true", "false"}},
		}, []string{"aws:updateAgent"}},
		"AWS-ConfigureAWSPackage": {"2.2", []string{"Windows", "Linux", "MacOS"}, []param{
			{"action", "String", "", false, []string{"Install", "Uninstall"}},
			{"installationType", "String", "Uninstall and reinstall", true, []string{"Uninstall and reinstall", "In-place update"}},
			{"name", "String", "", false, nil},
			{"version", "String", "", true, nil},
			{"additionalArguments", "StringMap", "{}", true, nil},
		}, []string{"configurePackage"}},
		"AWS-RunPatchBaseline": {"2.2", []string{"Windows", "Linux", "MacOS"}, []param{
			{"Operation", "String", "", false, []string{"Scan", "Install"}},
			{"SnapshotId", "String", "", true, nil},
			{"InstallOverrideList", "String", "", true, nil},
			{"BaselineOverride", "String", "", true, nil},
			{"RebootOption", "String", "RebootIfNeeded", true, []string{"RebootIfNeeded", "NoReboot"}},
			{"AssociationId", "String", "", true, nil},
		}, []string{"PatchWindows", "PatchLinux", "PatchMacOS"}},
	}
	for _, b := range Builtins() {
		w, ok := want[b.Name]
		if !ok {
			t.Errorf("unexpected builtin %s", b.Name)
			continue
		}
		d, err := Parse(b.Content, b.Format)
		if err != nil {
			t.Fatal(err)
		}
		if d.SchemaVersion != w.schema {
			t.Errorf("%s: schema %s, want %s", b.Name, d.SchemaVersion, w.schema)
		}
		if got := d.PlatformTypes(); !reflect.DeepEqual(got, w.platforms) {
			t.Errorf("%s: PlatformTypes %v, want %v", b.Name, got, w.platforms)
		}
		var got []param
		for _, p := range d.Parameters {
			got = append(got, param{p.Name, p.Type, p.Default, p.HasDefault, p.AllowedValues})
		}
		if !reflect.DeepEqual(got, w.params) {
			t.Errorf("%s: parameters\n got %v\nwant %v", b.Name, got, w.params)
		}
		var steps []string
		for _, s := range d.Steps {
			steps = append(steps, s.Name)
		}
		if !reflect.DeepEqual(steps, w.steps) {
			t.Errorf("%s: steps %v, want %v", b.Name, steps, w.steps)
		}
	}
	if _, ok := LookupBuiltin("AWS-RunShellScript"); !ok {
		t.Error("LookupBuiltin(AWS-RunShellScript) not found")
	}
	if _, ok := LookupBuiltin("AWS-Nope"); ok {
		t.Error("LookupBuiltin(AWS-Nope) found")
	}
}
