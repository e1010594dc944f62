package iam_test

import (
	"testing"

	"github.com/stewardhq/steward/iam"
)

const (
	docARN  = "arn:aws:ssm:eu-west-1:123456789012:document/AWS-RunShellScript"
	nodeARN = "arn:aws:ssm:eu-west-1:123456789012:managed-instance/mi-0123456789abcdef0"
	topic   = "arn:aws:sns:eu-west-1:123456789012:alerts"
	queue   = "arn:aws:sqs:eu-west-1:123456789012:dlq"
	ruleARN = "arn:aws:events:eu-west-1:123456789012:rule/on-alarm"
)

// allow and deny build one-statement documents.
func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":` + action + `,"Resource":` + resource + `}}`
}

func TestEvaluate(t *testing.T) {
	type req = iam.Request
	ctx := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	cases := []struct {
		name string
		docs []string
		req  iam.Request
		want iam.Decision
	}{
		// Actions: exact, wildcards, case.
		{"exact action", []string{allow(`"ssm:SendCommand"`, `"*"`)}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"other action", []string{allow(`"ssm:SendCommand"`, `"*"`)}, req{Action: "ssm:GetParameter", Resource: docARN}, iam.ImplicitDeny},
		{"action case-insensitive", []string{allow(`"SSM:sendcommand"`, `"*"`)}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"request action case-insensitive", []string{allow(`"ssm:SendCommand"`, `"*"`)}, req{Action: "SSM:SENDCOMMAND", Resource: docARN}, iam.Allow},
		{"service wildcard", []string{allow(`"ssm:*"`, `"*"`)}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"service wildcard other service", []string{allow(`"ssm:*"`, `"*"`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"star action", []string{allow(`"*"`, `"*"`)}, req{Action: "sqs:SendMessage", Resource: queue}, iam.Allow},
		{"prefix wildcard", []string{allow(`"ssm:Get*"`, `"*"`)}, req{Action: "ssm:GetParametersByPath", Resource: "*"}, iam.Allow},
		{"prefix wildcard miss", []string{allow(`"ssm:Get*"`, `"*"`)}, req{Action: "ssm:PutParameter", Resource: "*"}, iam.ImplicitDeny},
		{"question mark one char", []string{allow(`"sns:Publis?"`, `"*"`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"question mark not zero chars", []string{allow(`"sns:Publish?"`, `"*"`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"inner wildcard", []string{allow(`"ssm:*Command*"`, `"*"`)}, req{Action: "ssm:ListCommandInvocations", Resource: "*"}, iam.Allow},
		{"action list", []string{allow(`["sns:Publish","sqs:SendMessage"]`, `"*"`)}, req{Action: "sqs:SendMessage", Resource: queue}, iam.Allow},
		{"empty action list", []string{allow(`[]`, `"*"`)}, req{Action: "sqs:SendMessage", Resource: queue}, iam.ImplicitDeny},

		// Resources: exact, wildcards, case, ARN components.
		{"exact resource", []string{allow(`"sns:Publish"`, `"`+topic+`"`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"resource case-sensitive", []string{allow(`"sns:Publish"`, `"arn:aws:sns:eu-west-1:123456789012:ALERTS"`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"resource wildcards per component", []string{allow(`"ssm:SendCommand"`, `"arn:aws:ssm:*:*:document/AWS-*"`)}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"resource star matches across slash", []string{allow(`"ssm:SendCommand"`, `"arn:aws:ssm:eu-west-1:123456789012:*"`)}, req{Action: "ssm:SendCommand", Resource: nodeARN}, iam.Allow},
		{"resource star stays in its component", []string{allow(`"sns:Publish"`, `"arn:aws:*:123456789012:alerts"`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"missing trailing components are star", []string{allow(`"sns:Publish"`, `"arn:aws:sns"`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"wrong account", []string{allow(`"sns:Publish"`, `"arn:aws:sns:*:999999999999:*"`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"resource question mark", []string{allow(`"sqs:SendMessage"`, `"arn:aws:sqs:eu-west-1:123456789012:dl?"`)}, req{Action: "sqs:SendMessage", Resource: queue}, iam.Allow},
		{"star resource", []string{allow(`"sqs:*"`, `"*"`)}, req{Action: "sqs:SendMessage", Resource: queue}, iam.Allow},
		{"resource list second", []string{allow(`"ssm:SendCommand"`, `["`+nodeARN+`","`+docARN+`"]`)}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"specific pattern does not match star request", []string{allow(`"ssm:ListCommands"`, `"arn:aws:ssm:*"`)}, req{Action: "ssm:ListCommands", Resource: "*"}, iam.ImplicitDeny},

		// NotAction / NotResource.
		{"NotAction excludes", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`}, req{Action: "iam:CreateRole", Resource: "*"}, iam.ImplicitDeny},
		{"NotAction allows the rest", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.Allow},
		{"NotAction case-insensitive", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["IAM:*"],"Resource":"*"}}`}, req{Action: "iam:PassRole", Resource: "*"}, iam.ImplicitDeny},
		{"NotResource excludes", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:*","NotResource":"` + topic + `"}}`}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"NotResource allows others", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:*","NotResource":"` + topic + `"}}`}, req{Action: "sns:Publish", Resource: "arn:aws:sns:eu-west-1:123456789012:other"}, iam.Allow},
		{"Deny with NotResource", []string{allow(`"sqs:*"`, `"*"`), `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sqs:*","NotResource":"arn:aws:sqs:*:*:dl*"}}`}, req{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:123456789012:work"}, iam.ExplicitDeny},
		{"Deny with NotResource spares the match", []string{allow(`"sqs:*"`, `"*"`), `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sqs:*","NotResource":"arn:aws:sqs:*:*:dl*"}}`}, req{Action: "sqs:SendMessage", Resource: queue}, iam.Allow},

		// Deny overrides; several statements and documents.
		{"explicit deny wins in one document", []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"},{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"*"}]}`}, req{Action: "ssm:SendCommand", Resource: docARN}, iam.ExplicitDeny},
		{"deny elsewhere leaves allow", []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"},{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"*"}]}`}, req{Action: "ssm:GetParameter", Resource: "*"}, iam.Allow},
		{"deny in another document wins", []string{allow(`"*"`, `"*"`), `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sns:Publish","Resource":"` + topic + `"}}`}, req{Action: "sns:Publish", Resource: topic}, iam.ExplicitDeny},
		{"deny without allow", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`}, req{Action: "sns:Publish", Resource: topic}, iam.ExplicitDeny},
		{"second statement allows", []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"},{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"no documents", nil, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"effect case-insensitive when parsing", []string{`{"Version":"2012-10-17","Statement":{"Effect":"deny","Action":"*","Resource":"*"}}`}, req{Action: "sns:Publish", Resource: topic}, iam.ExplicitDeny},
		{"old version has no variables", []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"sns:*","Resource":"arn:aws:sns:*:*:${aws:username}"}}`}, req{Action: "sns:Publish", Resource: "arn:aws:sns:eu-west-1:1:${aws:username}", Context: ctx("aws:username", "x")}, iam.Allow},

		// Policy variables (2012-10-17).
		{"variable in resource", []string{allow(`"sqs:*"`, `"arn:aws:sqs:*:*:${aws:PrincipalTag/team}-*"`)}, req{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:1:ops-queue", Context: ctx("aws:principaltag/team", "ops")}, iam.Allow},
		{"variable missing matches nothing", []string{allow(`"sqs:*"`, `"arn:aws:sqs:*:*:${aws:PrincipalTag/team}-*"`)}, req{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:1:ops-queue"}, iam.ImplicitDeny},
		{"variable default", []string{allow(`"sqs:*"`, `"arn:aws:sqs:*:*:${aws:PrincipalTag/team, 'ops'}-*"`)}, req{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:1:ops-queue"}, iam.Allow},
		{"variable value is literal", []string{allow(`"sqs:*"`, `"arn:aws:sqs:*:*:${aws:username}"`)}, req{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:1:abc", Context: ctx("aws:username", "*")}, iam.ImplicitDeny},
		{"escaped star is literal", []string{allow(`"s3:*"`, `"arn:aws:s3:::b/${*}"`)}, req{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x"}, iam.ImplicitDeny},
		{"escaped star matches itself", []string{allow(`"s3:*"`, `"arn:aws:s3:::b/${*}"`)}, req{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*"}, iam.Allow},

		// Conditions.
		{"StringEquals holds", []string{cond(`{"StringEquals":{"aws:SourceAccount":"123456789012"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "123456789012")}, iam.Allow},
		{"StringEquals fails", []string{cond(`{"StringEquals":{"aws:SourceAccount":"123456789012"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "999999999999")}, iam.ImplicitDeny},
		{"StringEquals missing key", []string{cond(`{"StringEquals":{"aws:SourceAccount":"123456789012"}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"condition key case-insensitive", []string{cond(`{"StringEquals":{"AWS:SOURCEACCOUNT":"1"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:sourceaccount", "1")}, iam.Allow},
		{"StringEquals value case-sensitive", []string{cond(`{"StringEquals":{"aws:username":"Alice"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:username", "alice")}, iam.ImplicitDeny},
		{"StringEqualsIgnoreCase", []string{cond(`{"StringEqualsIgnoreCase":{"aws:username":"Alice"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:username", "ALICE")}, iam.Allow},
		{"StringEquals any of values", []string{cond(`{"StringEquals":{"aws:SourceAccount":["1","2"]}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "2")}, iam.Allow},
		{"StringNotEquals holds", []string{cond(`{"StringNotEquals":{"aws:SourceAccount":"1"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "2")}, iam.Allow},
		{"StringNotEquals fails", []string{cond(`{"StringNotEquals":{"aws:SourceAccount":["1","2"]}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "2")}, iam.ImplicitDeny},
		{"StringNotEquals missing key holds", []string{cond(`{"StringNotEquals":{"aws:SourceAccount":"1"}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"StringLike", []string{cond(`{"StringLike":{"aws:userid":"AROA*:alice"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:userid", "AROAXYZ:alice")}, iam.Allow},
		{"StringLike miss", []string{cond(`{"StringLike":{"aws:userid":"AROA*:alice"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:userid", "AIDAXYZ:alice")}, iam.ImplicitDeny},
		{"ArnLike source rule", []string{cond(`{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:123456789012:rule/*"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceArn", ruleARN)}, iam.Allow},
		{"ArnEquals compares like ArnLike", []string{cond(`{"ArnEquals":{"aws:SourceArn":"arn:aws:events:eu-west-1:123456789012:rule/on-*"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceArn", ruleARN)}, iam.Allow},
		{"ArnLike other account", []string{cond(`{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:111111111111:rule/*"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceArn", ruleARN)}, iam.ImplicitDeny},
		{"ArnNotLike", []string{cond(`{"ArnNotLike":{"aws:SourceArn":"arn:aws:events:*:111111111111:*"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceArn", ruleARN)}, iam.Allow},
		{"Bool true", []string{cond(`{"Bool":{"aws:SecureTransport":"true"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SecureTransport", "true")}, iam.Allow},
		{"Bool JSON boolean", []string{cond(`{"Bool":{"aws:SecureTransport":true}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SecureTransport", "TRUE")}, iam.Allow},
		{"Bool false", []string{cond(`{"Bool":{"aws:SecureTransport":"true"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SecureTransport", "false")}, iam.ImplicitDeny},
		{"IfExists missing key holds", []string{cond(`{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"IfExists present key tested", []string{cond(`{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "2")}, iam.ImplicitDeny},
		{"Null true means absent", []string{cond(`{"Null":{"aws:SourceArn":"true"}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"Null false means present", []string{cond(`{"Null":{"aws:SourceArn":"false"}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.ImplicitDeny},
		{"all operators must hold", []string{cond(`{"StringEquals":{"aws:SourceAccount":"1"},"ArnLike":{"aws:SourceArn":"arn:aws:events:*:1:rule/*"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "1", "aws:SourceArn", ruleARN)}, iam.ImplicitDeny},
		{"ForAnyValue", []string{cond(`{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:TagKeys", "cost", "aws:TagKeys", "team")}, iam.Allow},
		{"ForAllValues fails on an extra value", []string{cond(`{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:TagKeys", "cost", "aws:TagKeys", "team")}, iam.ImplicitDeny},
		{"ForAllValues missing key holds", []string{cond(`{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`)}, req{Action: "sns:Publish", Resource: topic}, iam.Allow},
		{"unsupported operator grants nothing", []string{cond(`{"NumericLessThan":{"s3:max-keys":"10"}}`)}, req{Action: "sns:Publish", Resource: topic, Context: ctx("s3:max-keys", "5")}, iam.ImplicitDeny},
		{"unsupported operator still denies", []string{allow(`"*"`, `"*"`), `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`}, req{Action: "sns:Publish", Resource: topic}, iam.ExplicitDeny},
		{"deny with unmet condition", []string{allow(`"*"`, `"*"`), `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"123456789012"}}}}`}, req{Action: "sns:Publish", Resource: topic, Context: ctx("aws:SourceAccount", "123456789012")}, iam.Allow},

		// Principals (trust policies).
		{"service principal", []string{trust(`{"Service":"events.amazonaws.com"}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.Allow},
		{"other service", []string{trust(`{"Service":["ssm.amazonaws.com","lambda.amazonaws.com"]}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.ImplicitDeny},
		{"service in list", []string{trust(`{"Service":["ssm.amazonaws.com","events.amazonaws.com"]}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.Allow},
		{"bare star principal", []string{trust(`"*"`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.Allow},
		{"AWS star is not a service", []string{trust(`{"AWS":"*"}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.ImplicitDeny},
		{"account root matches its users", []string{trust(`{"AWS":"arn:aws:iam::123456789012:root"}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalAWS, ID: "arn:aws:iam::123456789012:user/admin"}}, iam.Allow},
		{"account ID matches its users", []string{trust(`{"AWS":"123456789012"}`)}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalAWS, ID: "arn:aws:iam::123456789012:user/admin"}}, iam.Allow},
		{"principal statement needs a principal", []string{trust(`{"Service":"events.amazonaws.com"}`)}, req{Action: "sts:AssumeRole"}, iam.ImplicitDeny},
		{"trust action must match", []string{trust(`{"Service":"events.amazonaws.com"}`)}, req{Action: "sts:TagSession", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.ImplicitDeny},
		{"NotPrincipal", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`}, req{Action: "sts:AssumeRole", Principal: &iam.Principal{Type: iam.PrincipalService, ID: "events.amazonaws.com"}}, iam.Allow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ps []*iam.Policy
			for _, d := range c.docs {
				p, err := iam.ParsePolicy(d)
				if err != nil {
					t.Fatalf("ParsePolicy(%s): %v", d, err)
				}
				ps = append(ps, p)
			}
			if got := iam.Evaluate(&c.req, ps...); got != c.want {
				t.Fatalf("Evaluate = %v, want %v", got, c.want)
			}
			if len(ps) == 1 {
				if got := ps[0].Evaluate(&c.req); got != c.want {
					t.Fatalf("Policy.Evaluate = %v, want %v", got, c.want)
				}
			}
		})
	}
}

// cond is an Allow of sns:Publish on everything under a Condition block.
func cond(block string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:Publish","Resource":"*","Condition":` + block + `}}`
}

func trust(principal string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}}`
}

func TestParsePolicyRejects(t *testing.T) {
	bad := []string{
		``,
		`not json`,
		`[]`,
		`"x"`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} trailing`,
		`{"Version":"2012-10-17"}`,
		`{"Version":"2012-10-17","Statement":[]}`,
		`{"Version":"2012-10-17","Statement":"x"}`,
		`{"Version":"2012-10-17","Statement":[1]}`,
		`{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":20121017,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Id":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":true,"Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["*",1],"Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":{"a":"b"}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Extra":1}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":{"b":"c"}}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":null}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"someone","Action":"sts:AssumeRole"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Robot":"x"},"Action":"sts:AssumeRole"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"sts:AssumeRole"}}`,
		`{"Version":"2012-10-17","Statement":{"Sid":5,"Effect":"Allow","Action":"*","Resource":"*"}}`,
	}
	for _, d := range bad {
		if _, err := iam.ParsePolicy(d); err == nil {
			t.Errorf("ParsePolicy(%s) succeeded", d)
		}
	}
}
