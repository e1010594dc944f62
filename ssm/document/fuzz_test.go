package document

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stewardhq/steward"
)

// fuzzFormats maps the fuzzer's format byte to a Format; the last entry is
// outside the enum.
var fuzzFormats = []Format{FormatJSON, FormatYAML, FormatText, "", "XML"}

// FuzzParse checks, for any content and format:
//   - Parse, Validate, PlatformTypes and Convert never panic;
//   - every failure is a *steward.Error with an AWS code (never InternalFailure);
//   - a document that parses converts to the other format and back to an equal
//     tree (the GetDocument DocumentFormat round trip).
func FuzzParse(f *testing.F) {
	for _, b := range Builtins() {
		f.Add(b.Content, uint8(0))
		if y, err := Convert(b.Content, FormatJSON, FormatYAML); err == nil {
			f.Add(y, uint8(1))
		}
	}
	f.Add(paramsJSON, uint8(0))
	f.Add("schemaVersion: '0.3'\nmainSteps:\n- {name: a, action: aws:sleep, onFailure: 'step:a', inputs: {}}\n", uint8(1))
	f.Add("a: &a [1, 2]\nb: &b [*a, *a]\nc: {<<: {x: 1}, y: *b}\n", uint8(1))
	f.Add("a: &x [1, *x]\n", uint8(1))
	f.Add(`{"a": "true", "b": "1e5", "c": 1E+2, "d": -0, "e": "\u0000\ud800", "f": ["<<", "~", ""]}`, uint8(0))
	f.Add("k: 0x1F\nl: .inf\nm: 2001-12-14\nn: !!binary aGk=\no: !custom x\n", uint8(1))
	f.Add("BEGIN:VCALENDAR\n", uint8(2))
	f.Add(`{"schemaVersion": "2.2"}`, uint8(4))

	f.Fuzz(func(t *testing.T, content string, formatByte uint8) {
		format := fuzzFormats[int(formatByte)%len(fuzzFormats)]
		d, err := Parse(content, format)
		if err != nil {
			checkError(t, err)
			return
		}
		for _, docType := range []string{TypeCommand, TypeAutomation, "Session"} {
			if err := Validate(docType, d); err != nil {
				checkError(t, err)
			}
		}
		_ = d.PlatformTypes()
		if d.Format == FormatText {
			return
		}
		other := FormatYAML
		if d.Format == FormatYAML {
			other = FormatJSON
		}
		converted, err := Convert(content, d.Format, other)
		if err != nil {
			t.Fatalf("Convert %s→%s of a parsed document: %v", d.Format, other, err)
		}
		// Parse without the size limit: converted text may outgrow 64 KB.
		tree, err := parseTree(converted, other)
		if err != nil {
			t.Fatalf("converted %s does not parse: %v\n%s", other, err, converted)
		}
		if got := tree.value(); !reflect.DeepEqual(got, d.Raw) {
			t.Fatalf("%s→%s changed the document:\n%s\n got %#v\nwant %#v", d.Format, other, converted, got, d.Raw)
		}
		back, err := Convert(converted, other, d.Format)
		if err != nil && steward.ErrorCode(err) != CodeMaxDocumentSizeExceeded {
			t.Fatalf("Convert back %s→%s: %v", other, d.Format, err)
		}
		if err == nil {
			tree, err := parseTree(back, d.Format)
			if err != nil {
				t.Fatalf("round trip does not parse: %v\n%s", err, back)
			}
			if got := tree.value(); !reflect.DeepEqual(got, d.Raw) {
				t.Fatalf("round trip changed the document:\n%s", back)
			}
		}
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	var se *steward.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *steward.Error", err, err)
	}
	if se.Code == "" || se.Code == steward.CodeInternalFailure {
		t.Fatalf("error without an AWS code: %v", err)
	}
}
