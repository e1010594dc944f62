package ssm

import (
	"errors"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
)

var fuzzEnv = Env{Account: "123456789012", Region: "us-east-1"}

// FuzzParseParamRef feeds names, selectors and ARNs to the parameter name
// parsers: they never panic, fail only with *steward.Error, and what they
// accept is a well-formed key.
func FuzzParseParamRef(f *testing.F) {
	for _, s := range []string{
		"name", "/a/b/c", "/a/b:3", "/a/b:prod", "a:0", "/a:", "/a:1:2", " /trim ", "a/b", "/a//b", "/a/",
		"arn:aws:ssm:us-east-1:123456789012:parameter/a/b:label",
		"arn:aws:ssm:us-east-1:123456789012:parameter/root",
		"arn:aws:ssm:eu-west-1:999999999999:parameter/x:9",
		"arn:aws:ssm:::parameter", "arn:aws:ssm:us-east-1:123456789012:parameter/", "arn:", "arn:aws:s3:::b",
		"/aws/x", "ssm", "/SSM/x", "x:99999999999999999999", "東京", "\x00", ":", "::",
		"/" + strings.Repeat("l/", 20) + "x",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, selectors bool) {
		ref, err := parseParamRef(fuzzEnv, raw, selectors)
		if err != nil {
			var se *steward.Error
			if !errors.As(err, &se) || se.Code == "" || se.Code == steward.CodeInternalFailure {
				t.Fatalf("parseParamRef(%q) error %v is not an AWS error", raw, err)
			}
			return
		}
		if ref.key == "" || strings.HasPrefix(ref.key, "/") || ref.key != ParameterKey(ref.name) {
			t.Fatalf("parseParamRef(%q) key %q name %q", raw, ref.key, ref.name)
		}
		for i := 0; i < len(ref.key); i++ {
			if c := ref.key[i]; !nameChar(c) && c != '/' {
				t.Fatalf("parseParamRef(%q) accepted byte %q", raw, c)
			}
		}
		if strings.Contains(ref.key, "//") || strings.HasSuffix(ref.key, "/") {
			t.Fatalf("parseParamRef(%q) accepted an empty level: %q", raw, ref.key)
		}
		if !selectors && ref.selector != "" {
			t.Fatalf("parseParamRef(%q) took a selector where none is allowed", raw)
		}
		if ref.selector != "" && (ref.version == 0) == (ref.label == "") {
			t.Fatalf("parseParamRef(%q) selector %q: version %d label %q", raw, ref.selector, ref.version, ref.label)
		}
		if err := ref.checkWritable(fuzzEnv); err != nil && steward.ErrorCode(err) == "" {
			t.Fatalf("checkWritable(%q) = %v", raw, err)
		}
		_ = validLabel(ref.label)
		if parentKey(ref.key) != "" && !strings.HasPrefix(ref.key, parentKey(ref.key)+"/") {
			t.Fatalf("parentKey(%q) = %q", ref.key, parentKey(ref.key))
		}
	})
}

// FuzzParsePolicies: the Policies parser never panics and fails only with
// AWS errors.
func FuzzParsePolicies(f *testing.F) {
	for _, s := range []string{
		`[]`, `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}]`,
		`[{"Type":"NoChangeNotification","Attributes":{"After":"3","Unit":"Days"}}]`,
		`[{"Type":"ExpirationNotification","Attributes":{"Before":"x","Unit":"Days"}}]`,
		`{`, `[1]`, `[{"Type":null}]`, `null`, `[{"Attributes":{"Timestamp":5}}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pols, err := parsePolicies(text)
		if err != nil {
			if c := steward.ErrorCode(err); c == "" || c == steward.CodeInternalFailure {
				t.Fatalf("parsePolicies(%q) = %v", text, err)
			}
			return
		}
		if len(pols) > paramMaxPolicies {
			t.Fatalf("parsePolicies(%q) accepted %d policies", text, len(pols))
		}
	})
}

func TestParseParamRefCases(t *testing.T) {
	cases := []struct {
		raw                 string
		key, selector, lbl  string
		version             int64
		foreign, wantFailed bool
	}{
		{raw: "/a/b", key: "a/b"},
		{raw: "a", key: "a"},
		{raw: "/a/b:12", key: "a/b", selector: ":12", version: 12},
		{raw: "/a/b:Prod", key: "a/b", selector: ":Prod", lbl: "Prod"},
		{raw: "arn:aws:ssm:us-east-1:123456789012:parameter/a/b:1", key: "a/b", selector: ":1", version: 1},
		{raw: "arn:aws:ssm:us-east-1:123456789012:parameter/a", key: "a"},
		{raw: "arn:aws:ssm:us-west-2:123456789012:parameter/a", key: "a", foreign: true},
		{raw: "arn:aws-cn:ssm:us-east-1:123456789012:parameter/a", key: "a"},
		{raw: "a/b", wantFailed: true},
		{raw: "/a:b:c", wantFailed: true},
		{raw: "arn:aws:ssm:us-east-1:123456789012:parameter", wantFailed: true},
	}
	for _, c := range cases {
		ref, err := parseParamRef(fuzzEnv, c.raw, true)
		if (err != nil) != c.wantFailed {
			t.Errorf("parseParamRef(%q) error = %v", c.raw, err)
			continue
		}
		if err == nil && (ref.key != c.key || ref.selector != c.selector || ref.label != c.lbl || ref.version != c.version || ref.foreign != c.foreign) {
			t.Errorf("parseParamRef(%q) = %+v", c.raw, ref)
		}
	}
}
