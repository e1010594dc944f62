package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

const fuzzEvent = `{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-01-21T10:15:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-1"],"detail":{"state":"running","c-count":5,"x-limit":301.8,"source-ip":"10.0.0.33","tags":[{"k":"a","v":1},{"k":"b","v":null}],"a.b":true}}`

func seedPatterns(f *testing.F) {
	for _, path := range []string{"testdata/cases.json", "testdata/filter_policies.json"} {
		for _, c := range loadCases(f, path).Cases {
			f.Add(string(c.src()))
		}
	}
}

// FuzzCompile: any input compiles or is refused with an *Error, never a
// panic; a compiled pattern matches without error.
func FuzzCompile(f *testing.F) {
	seedPatterns(f)
	f.Fuzz(func(t *testing.T, src string) {
		check := func(p *Pattern, err error) {
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) || pe.Reason == "" {
					t.Fatalf("refusal is not an *Error with a reason: %v", err)
				}
				return
			}
			if _, err := p.Match([]byte(fuzzEvent)); err != nil {
				t.Fatal(err)
			}
		}
		check(Compile([]byte(src)))
		check(CompileFilterPolicy([]byte(src), MessageAttributes))
		check(CompileFilterPolicy([]byte(src), MessageBody))
	})
}

// FuzzMatch: matching never panics, and a document gets the same answer as
// text, as a decoded value, and through a Set.
func FuzzMatch(f *testing.F) {
	file := loadCases(f, "testdata/cases.json")
	for _, c := range file.Cases {
		if c.Expect != "invalid" {
			f.Add(string(c.Pattern), string(withEnvelope(f, file.Envelope, c.Event)))
		}
	}
	f.Add(`{"detail":{"tags":{"k":["b"],"v":[null]}}}`, fuzzEvent)
	f.Fuzz(func(t *testing.T, src, doc string) {
		p, err := Compile([]byte(src))
		if err != nil {
			return
		}
		got, err := p.Match([]byte(doc))
		if err != nil {
			if !errors.Is(err, ErrInvalidDocument) {
				t.Fatalf("error %v does not wrap ErrInvalidDocument", err)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return // accepted by our scanner but not by encoding/json (e.g. deep nesting limits differ)
		}
		if mv := p.MatchValue(v); mv != got {
			t.Fatalf("Match = %v, MatchValue = %v\npattern %s\ndoc %s", got, mv, src, doc)
		}
		s := NewSet()
		s.Add("p", p)
		s.Add("q", mustCompile(t, `{"source":["aws.ec2"]}`))
		names, err := s.Matches([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		inSet := false
		for _, n := range names {
			inSet = inSet || n == "p"
		}
		if inSet != got {
			t.Fatalf("Match = %v, Set = %v\npattern %s\ndoc %s", got, names, src, doc)
		}
	})
}
