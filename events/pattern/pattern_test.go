package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// caseFile is testdata/cases.json: EventBridge patterns, events and the
// expected outcome. A later issue replays the same file through the
// TestEventPattern API.
type caseFile struct {
	Envelope map[string]json.RawMessage `json:"envelope"`
	Cases    []testCase                 `json:"cases"`
}

type testCase struct {
	Name        string          `json:"name"`
	Expect      string          `json:"expect"` // match, no-match, invalid
	Pattern     json.RawMessage `json:"pattern"`
	PatternText string          `json:"patternText"` // a pattern that is not JSON
	Event       json.RawMessage `json:"event"`
	Message     json.RawMessage `json:"message"` // filter policies: the document matched
	Scope       Scope           `json:"scope"`
	Reason      string          `json:"reason"`
	Note        string          `json:"note"`
}

func (c testCase) src() []byte {
	if c.PatternText != "" {
		return []byte(c.PatternText)
	}
	return c.Pattern
}

func loadCases(t testing.TB, path string) caseFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f caseFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// withEnvelope returns the event with the envelope's fields under it.
func withEnvelope(t testing.TB, env map[string]json.RawMessage, event json.RawMessage) []byte {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(event, &fields); err != nil {
		t.Fatal(err)
	}
	merged := map[string]json.RawMessage{}
	for k, v := range env {
		merged[k] = v
	}
	for k, v := range fields {
		merged[k] = v
	}
	out, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeUseNumber(t testing.TB, doc []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCases(t *testing.T) {
	f := loadCases(t, "testdata/cases.json")
	if len(f.Cases) < 150 {
		t.Fatalf("only %d cases", len(f.Cases))
	}
	seen := map[string]bool{}
	for _, c := range f.Cases {
		if seen[c.Name] {
			t.Fatalf("duplicate case name %s", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			p, err := Compile(c.src())
			if c.Expect == "invalid" {
				checkInvalid(t, err, CodeInvalidEventPattern, c.Reason)
				if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
					t.Errorf("reason %q lacks AWS's prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			event := withEnvelope(t, f.Envelope, c.Event)
			checkMatch(t, p, event, c.Expect == "match")
		})
	}
}

func checkInvalid(t *testing.T, err error, code, reason string) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("want an *Error, got %v", err)
	}
	if pe.Code != code {
		t.Errorf("code %q, want %q", pe.Code, code)
	}
	if !strings.Contains(pe.Reason, reason) {
		t.Errorf("reason %q does not contain %q", pe.Reason, reason)
	}
}

// checkMatch matches through every entry point: bytes, decoded value, and a
// Set holding the pattern among unrelated ones.
func checkMatch(t *testing.T, p *Pattern, doc []byte, want bool) {
	t.Helper()
	got, err := p.Match(doc)
	if err != nil {
		t.Fatalf("Match: %v", err)
	}
	if got != want {
		t.Errorf("Match = %v, want %v\nevent: %s", got, want, doc)
	}
	if got := p.MatchValue(decodeUseNumber(t, doc)); got != want {
		t.Errorf("MatchValue = %v, want %v", got, want)
	}
	var plain any
	if err := json.Unmarshal(doc, &plain); err != nil {
		t.Fatal(err)
	}
	s := NewSet()
	s.Add("other", mustCompile(t, `{"source":["never.this"]}`))
	s.Add("p", p)
	s.Add("other2", mustCompile(t, `{"detail":{"nothing":[{"prefix":"zz-"}]}}`))
	names, err := s.Matches(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(names) == 1 && names[0] == "p"; got != want {
		t.Errorf("Set.Matches = %v, want p matched = %v", names, want)
	}
}

func mustCompile(t testing.TB, src string) *Pattern {
	t.Helper()
	p, err := Compile([]byte(src))
	if err != nil {
		t.Fatalf("Compile(%s): %v", src, err)
	}
	return p
}

func TestMatchInvalidDocument(t *testing.T) {
	p := mustCompile(t, `{"source":["a"]}`)
	for _, doc := range []string{``, `{`, `{"source":"a"} x`, `{"source":'a'}`, `{"a":"\x01"}`, `{"a":tru}`, `{"a":01}`, `{"a":"\q"}`} {
		if _, err := p.Match([]byte(doc)); !errors.Is(err, ErrInvalidDocument) {
			t.Errorf("Match(%q) error = %v, want ErrInvalidDocument", doc, err)
		}
	}
	// Invalid JSON in a field the pattern does not read is still invalid.
	if _, err := p.Match([]byte(`{"source":"a","other":[1,}`)); !errors.Is(err, ErrInvalidDocument) {
		t.Errorf("error = %v, want ErrInvalidDocument", err)
	}
}

func TestMatchValueGoTypes(t *testing.T) {
	p := mustCompile(t, `{"detail":{"n":[{"numeric":[">",1]}],"m":[5]}}`)
	for _, v := range []any{
		map[string]any{"detail": map[string]any{"n": 2.5, "m": 5}},
		map[string]any{"detail": map[string]any{"n": int64(2), "m": json.Number("5.0")}},
		map[string]any{"detail": map[string]any{"n": []any{0, 7}, "m": float64(5)}},
	} {
		if !p.MatchValue(v) {
			t.Errorf("MatchValue(%v) = false", v)
		}
	}
	if p.MatchValue([]any{"not", "an", "object"}) {
		t.Error("matched a non-object")
	}
}

func TestCanonNumber(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"300", "3e2"}, {"300", "300.000"}, {"0.5", "5e-1"}, {"-0", "0"}, {"0.0e10", "0"},
		{"12345678901234567890", "1.234567890123456789e19"}, {"-1.50", "-15E-1"},
	} {
		if x, y := canonString(tc.a), canonString(tc.b); x != y {
			t.Errorf("canon(%s)=%s canon(%s)=%s", tc.a, x, tc.b, y)
		}
	}
	for _, tc := range []struct{ a, b string }{{"300", "301"}, {"1", "-1"}, {"1e2", "1e3"}, {"0.1", "1"}} {
		if canonString(tc.a) == canonString(tc.b) {
			t.Errorf("canon(%s) == canon(%s)", tc.a, tc.b)
		}
	}
}
