package input

import (
	"encoding/json"
	"testing"
)

// FuzzPath: any path parses or is refused; a parsed path selects from any
// document without panicking, and what it selects from valid JSON is JSON.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.detail-type", "$.detail.x[0]", "$.a[*].b", "$.*", "$['a.b'][3]", "$.日本", "$[", "$..a"} {
		f.Add(s, docEvent)
	}
	f.Add("$.a", `{"a":[1,2,{"b":"\u0041"}]`)
	f.Fuzz(func(t *testing.T, path, doc string) {
		p, err := ParsePath(path)
		if err != nil {
			return
		}
		raw, ok, err := p.Select([]byte(doc))
		if err != nil || !ok {
			return
		}
		if json.Valid([]byte(doc)) && !json.Valid(raw) {
			t.Fatalf("%s selected %q from valid JSON", path, raw)
		}
	})
}

// FuzzTemplate: any template compiles or is refused; a compiled JSON
// template always yields JSON when applied to a JSON event.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		`{"a": <a>, "b": "x<b>y", "e": <aws.events.event>}`, `"instance <a> is <b>"`, `<a> and <b>`,
		`{"ids": [<a>, <b>], "n": <aws.events.rule-name>}`, `{"x": "<aws.events.event.json>"}`, `{`,
	} {
		f.Add(s, "$.detail.state", "$.detail.obj", docEvent)
	}
	f.Fuzz(func(t *testing.T, tmpl, pa, pb, event string) {
		tr, err := NewTransformer(map[string]string{"a": pa, "b": pb}, tmpl)
		if err != nil {
			return
		}
		out, err := tr.Apply([]byte(event), Predefined{RuleARN: "arn", RuleName: "r\"x", IngestionTime: "t"})
		if err != nil {
			return
		}
		if tr.Mode() == JSON && json.Valid([]byte(event)) && !json.Valid(out) {
			t.Fatalf("JSON template %q gave %q", tmpl, out)
		}
	})
}
