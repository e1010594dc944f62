package document

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
)

func paramNames(t *testing.T, content string, f Format) []string {
	t.Helper()
	d, err := Parse(content, f)
	if err != nil {
		t.Fatalf("Parse %s: %v\n%s", f, err, content)
	}
	var out []string
	for _, p := range d.Parameters {
		out = append(out, p.Name)
	}
	return out
}

func TestConvertRoundTripKeepsOrder(t *testing.T) {
	want := paramNames(t, paramsJSON, FormatJSON)
	y, err := Convert(paramsJSON, FormatJSON, FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if got := paramNames(t, y, FormatYAML); !reflect.DeepEqual(got, want) {
		t.Fatalf("YAML parameter order = %v, want %v\n%s", got, want, y)
	}
	j, err := Convert(y, FormatYAML, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if got := paramNames(t, j, FormatJSON); !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON parameter order = %v, want %v\n%s", got, want, j)
	}
	a, _ := Parse(paramsJSON, FormatJSON)
	b, _ := Parse(j, FormatJSON)
	if !reflect.DeepEqual(a.Raw, b.Raw) {
		t.Fatalf("round trip changed the document:\n%s", j)
	}
	// Top-level keys keep their order too.
	if strings.Index(y, "schemaVersion") > strings.Index(y, "parameters") ||
		strings.Index(y, "parameters") > strings.Index(y, "mainSteps") {
		t.Errorf("top-level order lost:\n%s", y)
	}
}

func TestConvertYAMLQuotesAmbiguousStrings(t *testing.T) {
	src := `{"schemaVersion": "2.2", "a": "true", "b": "1.0", "c": "null", "d": "<<", "e": "2001-12-14",
		"f": "line one\nline two\n", "g": "", "h": "-", "i": "#x", "j": 1.0, "k": null, "l": [], "m": {},
		"n": "tab\tand\u0000nul", "o": "<a & b>", "1": "numeric key"}`
	y, err := Convert(src, FormatJSON, FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(y, "f: |") {
		t.Errorf("multi-line string not written as a literal block:\n%s", y)
	}
	a, _ := Parse(src, FormatJSON)
	b, err := Parse(y, FormatYAML)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	if !reflect.DeepEqual(a.Raw, b.Raw) {
		t.Fatalf("YAML changed values:\n%s\n%#v\n%#v", y, a.Raw, b.Raw)
	}
	j, err := Convert(y, FormatYAML, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j, `"o": "<a & b>"`) || !strings.Contains(j, `"j": 1.0`) {
		t.Errorf("JSON output escapes HTML or loses number text:\n%s", j)
	}
}

func TestConvertYAMLToJSON(t *testing.T) {
	src := yamlDoc(
		"schemaVersion: '2.2'",
		"description: Sample",
		"parameters:",
		"  message: {type: String, default: hi}",
		"mainSteps:",
		"- action: aws:runShellScript",
		"  name: run",
		"  inputs:",
		"    runCommand:",
		"    - echo {{ message }}",
	)
	got, err := Convert(src, FormatYAML, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "schemaVersion": "2.2",
  "description": "Sample",
  "parameters": {
    "message": {
      "type": "String",
      "default": "hi"
    }
  },
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "run",
      "inputs": {
        "runCommand": [
          "echo {{ message }}"
        ]
      }
    }
  ]
}
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestConvertFormats(t *testing.T) {
	same, err := Convert("{ \"a\" :1}", FormatJSON, "")
	if err != nil || same != "{ \"a\" :1}" {
		t.Fatalf("same format: %q, %v", same, err)
	}
	txt, err := Convert("BEGIN:VCALENDAR", FormatText, FormatText)
	if err != nil || txt != "BEGIN:VCALENDAR" {
		t.Fatalf("TEXT to TEXT: %q, %v", txt, err)
	}
	_, err = Convert("BEGIN:VCALENDAR", FormatText, FormatJSON)
	wantError(t, err, steward.CodeValidation, "TEXT")
	_, err = Convert("{}", FormatJSON, FormatText)
	wantError(t, err, steward.CodeValidation, "TEXT")
	_, err = Convert("{}", FormatJSON, "XML")
	wantError(t, err, steward.CodeValidation, "'XML'")
	_, err = Convert("{", FormatJSON, FormatYAML)
	wantError(t, err, CodeInvalidDocumentContent, "Line: 1")
	_, err = Convert("[]", FormatJSON, FormatYAML)
	wantError(t, err, CodeInvalidDocumentContent, "must be an object")
}

func TestHash(t *testing.T) {
	// sha256("") and sha256("abc"), the FIPS 180-2 test vectors.
	if got := Hash(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("Hash(\"\") = %s", got)
	}
	if got := Hash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Hash(\"abc\") = %s", got)
	}
}
