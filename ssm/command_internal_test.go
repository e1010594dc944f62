package ssm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTruncateOutput(t *testing.T) {
	long := strings.Repeat("This is a sample text. ", 30)
	cases := []struct {
		stdout, stderr string
		capacity       int
		want           string
	}{
		{"", "", 100, ""},
		{"sample output", "", 100, "sample output"},
		{"", "sample error", 100, "\n----------ERROR-------\nsample error"},
		{"sample output", "sample error", 100, "sample output\n----------ERROR-------\nsample error"},
		{long, "", 100, long[:77] + "\n---Output truncated---"},
		{"", long, 100, "\n----------ERROR-------\n" + long[:53] + "\n---Error truncated----"},
		{long, long, 100, long[:15] + "\n---Output truncated---\n----------ERROR-------\n" + long[:15] + "\n---Error truncated----"},
		{"short", long, 100, "short\n----------ERROR-------\n" + long[:48] + "\n---Error truncated----"},
		{long, "short", 100, long[:48] + "\n---Output truncated---\n----------ERROR-------\nshort"},
	}
	for i, tc := range cases {
		got := truncateOutput([]byte(tc.stdout), []byte(tc.stderr), tc.capacity)
		if got != tc.want {
			t.Errorf("case %d:\n got %q\nwant %q", i, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > tc.capacity {
			t.Errorf("case %d: %d characters", i, n)
		}
	}
	// Characters, not bytes.
	got := truncateOutput([]byte(strings.Repeat("é", 3000)), nil, 2500)
	if utf8.RuneCountInString(got) != 2500 || !utf8.ValidString(got) {
		t.Errorf("multibyte: %d characters", utf8.RuneCountInString(got))
	}
}

func TestISODuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "PT0S", 1271 * time.Millisecond: "PT1.271S", 91 * time.Millisecond: "PT0.091S", 5 * time.Second: "PT5S",
		2*time.Minute + 3500*time.Millisecond: "PT2M3.5S", time.Hour: "PT1H", 90 * time.Minute: "PT1H30M",
		time.Hour + 100*time.Millisecond: "PT1H0.1S",
	} {
		if got := isoDuration(d); got != want {
			t.Errorf("isoDuration(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestParseRateLimits(t *testing.T) {
	for _, tc := range []struct {
		s       string
		targets int
		want    int
	}{{"1", 10, 1}, {"50", 10, 50}, {"10%", 10, 1}, {"10%", 15, 2}, {"100%", 1000, 1000}, {"1%", 0, 1}, {"33%", 10, 4}} {
		if got, err := parseMaxConcurrency(tc.s, tc.targets); err != nil || got != tc.want {
			t.Errorf("MaxConcurrency %s of %d = %d, %v; want %d", tc.s, tc.targets, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		s       string
		targets int
		want    int
	}{{"0", 10, 0}, {"3", 10, 3}, {"10%", 50, 5}, {"10%", 15, 1}, {"0%", 100, 0}, {"100%", 7, 7}, {"99%", 1, 0}} {
		if got, err := parseMaxErrors(tc.s, tc.targets); err != nil || got != tc.want {
			t.Errorf("MaxErrors %s of %d = %d, %v; want %d", tc.s, tc.targets, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "0", "0%", "101%", "05", "-1", "1.5", "10 %", "%"} {
		if _, err := parseMaxConcurrency(bad, 10); err == nil {
			t.Errorf("MaxConcurrency %q accepted", bad)
		}
	}
	for _, bad := range []string{"", "101%", "00", "-1", "1.5", "%"} {
		if _, err := parseMaxErrors(bad, 10); err == nil {
			t.Errorf("MaxErrors %q accepted", bad)
		}
	}
}

// FuzzRateLimits: any string either fails or resolves within bounds, never
// panics.
func FuzzRateLimits(f *testing.F) {
	for _, s := range []string{"1", "50", "10%", "100%", "0", "0%", "101%", "9999999", "1e3", "%", "٣"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, targets int) {
		targets = max(0, targets%100000)
		if n, err := parseMaxConcurrency(s, targets); err == nil {
			if n < 1 || (strings.HasSuffix(s, "%") && n > max(1, targets)) {
				t.Fatalf("MaxConcurrency %q of %d = %d", s, targets, n)
			}
			if !maxConcurrencyRE.MatchString(s) {
				t.Fatalf("accepted %q outside the pattern", s)
			}
		}
		if n, err := parseMaxErrors(s, targets); err == nil {
			if n < 0 || (strings.HasSuffix(s, "%") && n > targets) {
				t.Fatalf("MaxErrors %q of %d = %d", s, targets, n)
			}
			if !maxErrorsRE.MatchString(s) {
				t.Fatalf("accepted %q outside the pattern", s)
			}
		}
	})
}

// FuzzInterpolate: interpolation and reference scanning never panic; text
// without "{{" is unchanged; substitution is one pass (a value's own
// placeholders survive); the result always encodes as JSON.
func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{"", "plain", "{{ p }}", "{{p}}-{{ l }}", "{{ l }}", "{{", "}}{{", "{{ p", "{{ssm:/a/b}}",
		"x {{ ssm-secure:/s:3 }} y", "{{ undeclared }}", "{{\tp\n}}", "{{{{p}}}}", "{{ m }}{{n}}"} {
		f.Add(s, "value {{ p }}")
	}
	f.Fuzz(func(t *testing.T, s, v string) {
		values := map[string]paramValue{
			"p": {"String", v},
			"l": {TypeStringList, []any{v, "b"}},
			"n": {"Integer", json.Number("42")},
			"m": {"StringMap", map[string]any{"k": v}},
		}
		out := interpolate(s, values)
		if !strings.Contains(s, "{{") {
			if out != s {
				t.Fatalf("interpolate(%q) = %v without placeholders", s, out)
			}
		}
		if str, ok := out.(string); ok && s == "{{ p }}" && str != v {
			t.Fatalf("whole placeholder = %q, want the value", str)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		arr := interpolate([]any{s, "{{ l }}"}, values).([]any)
		if len(arr) < 3 {
			t.Fatalf("StringList not flattened: %v", arr)
		}
		plain, secure := map[string]bool{}, map[string]bool{}
		collectRefs(s, plain, secure)
		for name := range plain {
			if name == "" || strings.ContainsAny(name, "{} ") {
				t.Fatalf("bad reference name %q", name)
			}
		}
		eachRef(s, func(at int, r ssmRef) {
			if at < 0 || at+r.length > len(s) || !strings.HasPrefix(s[at:], "{{") {
				t.Fatalf("reference at %d (+%d) of %q", at, r.length, s)
			}
		})
		if _, err := substituteString(s, map[string]*Parameter{"/a/b": {Type: TypeString, Value: v}}); err != nil {
			t.Fatalf("substitute: %v", err)
		}
	})
}

func TestInterpolateOnePass(t *testing.T) {
	values := map[string]paramValue{
		"a": {"String", "{{ b }}"},
		"b": {"String", "B"},
		"l": {TypeStringList, []any{"x", "y"}},
		"e": {TypeStringList, []any{}},
	}
	got := interpolate(map[string]any{
		"one":   "{{ a }}",
		"two":   "{{a}}{{b}}",
		"list":  []any{"{{ l }}", "{{ e }}", "{{l}}x"},
		"typed": "{{ l }}",
	}, values)
	want := `{"list":["x","y","[\"x\",\"y\"]x"],"one":"{{ b }}","two":"{{ b }}B","typed":["x","y"]}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
