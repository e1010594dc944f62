package input

import (
	"encoding/json"
	"strings"
	"testing"
)

// docEvent is the example event of the AWS user guide's input transformer
// page, with a few extra fields for indexes and escaping.
const docEvent = `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111","second"],"detail":{"instance-id":"i-0123456789","state":"RUNNING","quoted":"say \"hi\"\n","n":3.0e2,"obj":{"b":1,"a":[true,null]},"items":[{"id":"x"},{"id":"y"},{"other":1}],"a.b":"dotted","日本":"語"}}`

func TestPathSelect(t *testing.T) {
	cases := []struct {
		path, want string
		ok         bool
	}{
		{"$", docEvent, true},
		{"$.detail-type", `"EC2 Instance State-change Notification"`, true},
		{"$.detail.instance-id", `"i-0123456789"`, true},
		{"$.resources[0]", `"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"`, true},
		{"$.resources[1]", `"second"`, true},
		{"$.resources[2]", ``, false},
		{"$.detail.n", `3.0e2`, true},
		{"$.detail.obj", `{"b":1,"a":[true,null]}`, true},
		{"$.detail.obj.a[1]", `null`, true},
		{"$.detail.items[*].id", `["x","y"]`, true},
		{"$.detail.obj.*", `[1,[true,null]]`, true},
		{"$.detail['a.b']", `"dotted"`, true},
		{"$.detail.日本", `"語"`, true},
		{"$.detail.missing", ``, false},
		{"$.detail.state.deeper", ``, false},
		{"$.detail.items[*].none", ``, false},
	}
	for _, c := range cases {
		p, err := ParsePath(c.path)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		got, ok, err := p.Select([]byte(docEvent))
		if err != nil || ok != c.ok || string(got) != c.want {
			t.Errorf("%s = %s, %v, %v; want %s, %v", c.path, got, ok, err, c.want, c.ok)
		}
	}
}

func TestPathInvalid(t *testing.T) {
	for _, s := range []string{"", "detail", "$.", "$..a", "$[", "$[x]", "$[-1]", "$.a[1", "$ .a", "$['a\"]", strings.Repeat("$.a", 100)} {
		if _, err := ParsePath(s); err == nil {
			t.Errorf("ParsePath(%q) accepted", s)
		}
	}
}

func apply(t *testing.T, paths map[string]string, tmpl string) string {
	t.Helper()
	tr, err := NewTransformer(paths, tmpl)
	if err != nil {
		t.Fatalf("NewTransformer(%s): %v", tmpl, err)
	}
	out, err := tr.Apply([]byte(docEvent), Predefined{RuleARN: "arn:aws:events:us-east-2:123456789012:rule/example", RuleName: "example", IngestionTime: "2015-11-11T21:29:55Z"})
	if err != nil {
		t.Fatalf("Apply(%s): %v", tmpl, err)
	}
	return string(out)
}

// TestTemplatesFromTheGuide replays the examples of the AWS user guide's
// "Input transform examples" table.
func TestTemplatesFromTheGuide(t *testing.T) {
	paths := map[string]string{"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}
	cases := []struct{ tmpl, want string }{
		{`"instance <instance> is in <state>"`, `"instance i-0123456789 is in RUNNING"`},
		{`"instance \"<instance>\" is in <state>"`, `"instance \"i-0123456789\" is in RUNNING"`},
		{"{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}", `{"instance":"i-0123456789","state":"RUNNING"}`},
		{`{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \"<instance>\" is in <state>"}`,
			`{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \"i-0123456789\" is in RUNNING"}`},
		{`{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}`,
			`{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}`},
		{`{"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>}`,
			`{"ruleArn":"arn:aws:events:us-east-2:123456789012:rule/example","ruleName":"example","at":"2015-11-11T21:29:55Z"}`},
		{`"<aws.events.rule-name> triggered"`, `"example triggered"`},
		{`<instance> is in state <state>`, `i-0123456789 is in state RUNNING`},
	}
	for _, c := range cases {
		if got := apply(t, paths, c.tmpl); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.tmpl, got, c.want)
		}
	}
}

func TestTemplateValues(t *testing.T) {
	paths := map[string]string{"q": "$.detail.quoted", "obj": "$.detail.obj", "n": "$.detail.n", "missing": "$.detail.nope", "ids": "$.detail.items[*].id", "dt": "$.detail-type"}
	cases := []struct{ tmpl, want string }{
		// Strings inside a JSON string are escaped; the result stays JSON.
		{`{"m": "q=<q>"}`, `{"m":"q=say \"hi\"\n"}`},
		{`{"m": <q>}`, `{"m":"say \"hi\"\n"}`},
		// Objects keep their form in value position and become escaped text in a string.
		{`{"o": <obj>, "s": "<obj>"}`, `{"o":{"b":1,"a":[true,null]},"s":"{\"b\":1,\"a\":[true,null]}"}`},
		{`{"n": <n>}`, `{"n":3.0e2}`},
		// A path that selects nothing: null as a value, nothing in a string.
		{`{"a": <missing>, "b": "x<missing>y"}`, `{"a":null,"b":"xy"}`},
		{`{"ids": <ids>, "dt": <dt>}`, `{"ids":["x","y"],"dt":"EC2 Instance State-change Notification"}`},
		// Text templates insert plain text.
		{`q=<q>|<obj>|<missing>.`, "q=say \"hi\"\n|{\"b\":1,\"a\":[true,null]}|."},
		// An undefined <name> is text, not a placeholder.
		{`<b>bold</b> <dt>`, `<b>bold</b> EC2 Instance State-change Notification`},
	}
	for _, c := range cases {
		if got := apply(t, paths, c.tmpl); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.tmpl, got, c.want)
		}
	}
}

func TestTemplateWholeEvent(t *testing.T) {
	got := apply(t, nil, `{"e": <aws.events.event>, "j": <aws.events.event.json>}`)
	var v struct {
		E map[string]json.RawMessage `json:"e"`
		J map[string]json.RawMessage `json:"j"`
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.E["detail"]; ok || string(v.E["source"]) != `"aws.ec2"` {
		t.Errorf("aws.events.event = %v", v.E)
	}
	if _, ok := v.J["detail"]; !ok {
		t.Errorf("aws.events.event.json has no detail: %v", v.J)
	}
}

func TestTransformerInvalid(t *testing.T) {
	cases := []struct {
		paths map[string]string
		tmpl  string
	}{
		{nil, ""},
		{nil, strings.Repeat("x", MaxTemplateLength+1)},
		{map[string]string{"aws.events.rule-arn": "$.a"}, `"<aws.events.rule-arn>"`},
		{map[string]string{"AWS.x": "$.a"}, `"x"`},
		{map[string]string{"bad name": "$.a"}, `"x"`},
		{map[string]string{"a": "detail"}, `"x"`},
		{map[string]string{"a": "$.a"}, `{"x": <a>,}`},
		{map[string]string{"a": "$.a"}, `{<a>: 1}`},
		{map[string]string{"a": "$.a"}, `{"<a>": 1}`},
		{nil, `{"e": "<aws.events.event>"}`},
		{nil, `{"e": "<aws.events.event.json>"}`},
	}
	for _, c := range cases {
		if _, err := NewTransformer(c.paths, c.tmpl); err == nil {
			t.Errorf("NewTransformer(%v, %q) accepted", c.paths, c.tmpl)
		}
	}
	many := map[string]string{}
	for i := 0; i <= MaxVariables; i++ {
		many["v"+strings.Repeat("x", i)] = "$.a"
	}
	if _, err := NewTransformer(many, `"x"`); err == nil {
		t.Error("101 variables accepted")
	}
}

func TestModes(t *testing.T) {
	cases := map[string]Mode{`{"a":1}`: JSON, ` [1] `: JSON, `"text"`: String, `text`: Text, `"a" and "b"`: Text}
	for tmpl, want := range cases {
		tr, err := NewTransformer(nil, tmpl)
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		if tr.Mode() != want {
			t.Errorf("%s: mode %d, want %d", tmpl, tr.Mode(), want)
		}
	}
}
