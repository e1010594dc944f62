package iam

import (
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// FuzzParsePolicy: any bytes either parse or fail with the grammar error;
// what parses evaluates without panicking, and the write-time checks
// return MalformedPolicyDocument or nothing.
func FuzzParsePolicy(f *testing.F) {
	seeds := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*",1,true]},"Null":{"x":"true"},"ArnLike":{"aws:SourceArn":"arn:aws:events:*:*:rule/${*}"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:sqs:${aws:PrincipalTag/x, 'd'}:*"}}`,
		`{}`, `[]`, `null`, `{"Statement":[]}`,
	}
	for _, s := range seeds {
		f.Add(s, "ssm:SendCommand", "arn:aws:ssm:eu-west-1:1:document/x", "aws:username", "alice")
	}
	f.Fuzz(func(t *testing.T, doc, action, resource, key, value string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			if pe, ok := err.(*PolicyError); !ok || pe.Msg != msgSyntax {
				t.Fatalf("ParsePolicy error %T %v", err, err)
			}
		} else {
			req := &Request{Action: action, Resource: resource, Context: map[string][]string{key: {value}}}
			d1 := p.Evaluate(req)
			req.Principal = &Principal{Type: PrincipalService, ID: value}
			_ = p.Evaluate(req)
			if d1 != p.Evaluate(&Request{Action: action, Resource: resource, Context: map[string][]string{key: {value}}}) {
				t.Fatal("evaluation is not deterministic")
			}
		}
		for _, kind := range []policyKind{identityPolicy, trustPolicy} {
			if _, err := checkPolicy(doc, kind); err != nil && steward.ErrorCode(err) != CodeMalformedPolicyDocument {
				t.Fatalf("checkPolicy: %v", err)
			}
		}
	})
}

// FuzzMatch: the wildcard matcher agrees with the regular-expression
// reference on valid UTF-8.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"a*b?c", "aXXbYc"}, {"*", ""}, {"**?*", "é"}, {"arn:aws:*:*", "arn:aws:s3:x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 64 || len(s) > 256 {
			return
		}
		got := matchTokens(compileTokens(nil, pattern, true), s)
		if want := globRegexp(pattern).MatchString(s); got != want {
			t.Fatalf("match(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}
