package iam

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
)

func TestCheckPolicy(t *testing.T) {
	const ok = ""
	stmt := func(body string) string { return `{"Version":"2012-10-17","Statement":` + body + `}` }
	cases := []struct {
		name string
		kind policyKind
		doc  string
		want string // "" for accepted, else the message
	}{
		{"identity ok", identityPolicy, stmt(`{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}`), ok},
		{"identity list ok", identityPolicy, stmt(`[{"Sid":"A","Effect":"Allow","Action":["sns:Publish"],"Resource":["arn:aws:sns:*:*:t"]},{"Sid":"B","Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::b/*"}]`), ok},
		{"identity with condition", identityPolicy, stmt(`{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}`), ok},
		{"not json", identityPolicy, `{"Version":`, msgSyntax},
		{"no version", identityPolicy, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater."},
		{"old version", identityPolicy, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Policy document must be version 2012-10-17 or greater."},
		{"no statement", identityPolicy, `{"Version":"2012-10-17"}`, msgSyntax},
		{"no effect", identityPolicy, stmt(`{"Action":"*","Resource":"*"}`), msgSyntax},
		{"effect in lower case", identityPolicy, stmt(`{"Effect":"allow","Action":"*","Resource":"*"}`), "The policy failed legacy parsing"},
		{"duplicate sid", identityPolicy, stmt(`[{"Sid":"x","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"x","Effect":"Allow","Action":"*","Resource":"*"}]`), "Statement IDs (SID) in a single policy must be unique."},
		{"no action", identityPolicy, stmt(`{"Effect":"Allow","Resource":"*"}`), "Policy statement must contain actions."},
		{"empty action list", identityPolicy, stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), "Policy statement must contain actions."},
		{"action without vendor", identityPolicy, stmt(`{"Effect":"Allow","Action":"SendCommand","Resource":"*"}`), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"action with two colons", identityPolicy, stmt(`{"Effect":"Allow","Action":"ssm:a:b","Resource":"*"}`), "Actions/Condition can contain only one colon."},
		{"bad vendor", identityPolicy, stmt(`{"Effect":"Allow","Action":"s$m:x","Resource":"*"}`), "Vendor s$m is not valid"},
		{"resource not an ARN", identityPolicy, stmt(`{"Effect":"Allow","Action":"*","Resource":"bucket"}`), `Resource bucket must be in ARN format or "*".`},
		{"bad partition", identityPolicy, stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:foo:s3:::b"}`), `Partition "foo" is not valid for resource "arn:foo:s3:::b".`},
		{"wildcard vendor", identityPolicy, stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s*:::b"}`), "Resource vendor must be fully qualified and cannot contain regexes."},
		{"principal in identity policy", identityPolicy, stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), "Policy document should not specify a principal."},
		{"no resource", identityPolicy, stmt(`{"Effect":"Allow","Action":"*"}`), "Policy statement must contain resources."},
		{"unknown operator", identityPolicy, stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}`), msgSyntax},

		{"trust ok", trustPolicy, stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}`), ok},
		{"trust 2008 ok", trustPolicy, `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, ok},
		{"trust with condition ok", trustPolicy, stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}`), ok},
		{"trust without version", trustPolicy, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`, "Policy document must be version 2012-10-17 or 2008-10-17."},
		{"trust without principal", trustPolicy, stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), "Missing required field Principal."},
		{"trust with other action", trustPolicy, stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}`), "AssumeRole policy may only specify STS AssumeRole actions."},
		{"trust with resource", trustPolicy, stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), "Has prohibited field Resource."},
		{"trust not json", trustPolicy, `{`, msgSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkPolicy(c.doc, c.kind)
			if c.want == ok {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			e := steward.AsError(err)
			if e == nil || e.Code != CodeMalformedPolicyDocument || e.Message != c.want {
				t.Fatalf("err = %v, want MalformedPolicyDocument %q", err, c.want)
			}
		})
	}
}

// TestMatchTokens compares the wildcard matcher with regular expressions.
func TestMatchTokens(t *testing.T) {
	cases := []struct{ pattern, s string }{
		{"", ""}, {"", "a"}, {"*", ""}, {"*", "abc"}, {"a*", "a"}, {"a*c", "abbbc"}, {"a*c", "abbb"},
		{"*a*b*", "xaxxbx"}, {"*a*b*", "xbxa"}, {"?", "é"}, {"??", "é"}, {"a?c", "abc"}, {"a?c", "ac"},
		{"**", "x"}, {"*?*", ""}, {"*?*", "x"}, {"a*b*c*d", "aXbXcXd"}, {"a*b*c*d", "aXbXcX"},
		{"*ab", "aab"}, {"*aab", "aaab"}, {"ab*ab", "abab"}, {"ab*ab", "aba"},
	}
	for _, c := range cases {
		if got, want := matchTokens(compileTokens(nil, c.pattern, true), c.s), globRegexp(c.pattern).MatchString(c.s); got != want {
			t.Errorf("match(%q, %q) = %v, want %v", c.pattern, c.s, got, want)
		}
	}
}

// globRegexp is the reference semantics of a wildcard pattern.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s)`)
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}
