package sns

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzMessageStructure: a MessageStructure=json message either parses into
// strings with a "default" or is refused with InvalidParameter; never a
// panic.
func FuzzMessageStructure(f *testing.F) {
	for _, s := range []string{`{"default":"d"}`, `{"default":"d","sqs":"q","email":"日本語"}`, `{"sqs":"q"}`, `{"default":1}`, `[]`, `null`, `{`, `{"default":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		m, err := ParseMessageStructure(msg)
		if err != nil {
			return
		}
		if _, ok := m["default"]; !ok {
			t.Fatalf("accepted without default: %q", msg)
		}
		rec := &MessageRecord{Body: msg, Structure: "json"}
		_ = bodyFor(rec, nil, ProtocolEmail)
	})
}

// FuzzAttributeDocument: message attributes that pass validation make a
// JSON document every compiled filter policy can match without error.
func FuzzAttributeDocument(f *testing.F) {
	f.Add("severity", "String", "high", "count", "Number", "1e3")
	f.Add("tags", "String.Array", `["a",1,{"b":null}]`, "n", "Number", "-0.5")
	f.Add("x", "String.custom", "\u2028", "y", "Number.int", "+7.")
	f.Add("a", "Binary", "zz", "b", "String.Array", "[")
	var filters filterCache
	filters.init()
	policies := []string{
		`{"severity":["high"]}`,
		`{"count":[{"numeric":[">",0,"<=",1000]}]}`,
		`{"tags":[{"prefix":"a"}],"x":[{"exists":false}]}`,
		`{"y":[{"anything-but":[1,2]}]}`,
	}
	f.Fuzz(func(t *testing.T, n1, t1, v1, n2, t2, v2 string) {
		attrs := []MessageAttribute{
			{Name: n1, DataType: t1, StringValue: v1, BinaryValue: []byte(v1)},
			{Name: n2, DataType: t2, StringValue: v2, BinaryValue: []byte(v2)},
		}
		sortAttributes(attrs)
		if _, err := checkAttributes(attrs); err != nil {
			return
		}
		doc := AttributeDocument(attrs)
		if !json.Valid(doc) {
			t.Fatalf("document %q of %+v is not JSON", doc, attrs)
		}
		for _, src := range policies {
			p, err := filters.compile(src, ScopeMessageAttributes)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Match(doc); err != nil {
				t.Fatalf("match %s on %s: %v", src, doc, err)
			}
		}
	})
}

// FuzzDeliveryPolicy: a delivery policy is refused or yields a schedule
// within AWS's bounds.
func FuzzDeliveryPolicy(f *testing.F) {
	for _, s := range []string{
		`{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":20,"numRetries":10,"numNoDelayRetries":2,"backoffFunction":"geometric"}}`,
		`{"http":{"defaultHealthyRetryPolicy":{"numRetries":5},"disableSubscriptionOverrides":true}}`,
		`{"healthyRetryPolicy":{"numRetries":1e2}}`, `{"throttlePolicy":{"maxReceivesPerSecond":-1}}`, `{`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if p, err := parseSubDeliveryPolicy(src); err == nil {
			r, err := applyRetry(defaultHTTPPolicy, p.HealthyRetryPolicy)
			if err != nil || r.NumRetries > 100 || r.total() > time.Hour || r.MinDelay > r.MaxDelay {
				t.Fatalf("accepted %s as %+v (%v)", src, r, err)
			}
		}
		if _, err := parseTopicDeliveryPolicy(src); err == nil {
			_ = effectiveTopicDeliveryPolicy(src)
		}
	})
}
