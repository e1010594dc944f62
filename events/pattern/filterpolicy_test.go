package pattern

import (
	"strings"
	"testing"
)

func TestFilterPolicyCases(t *testing.T) {
	f := loadCases(t, "testdata/filter_policies.json")
	seen := map[string]bool{}
	for _, c := range f.Cases {
		if seen[c.Name] {
			t.Fatalf("duplicate case name %s", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			p, err := CompileFilterPolicy(c.src(), c.Scope)
			if c.Expect == "invalid" {
				checkInvalid(t, err, CodeInvalidParameter, c.Reason)
				return
			}
			if err != nil {
				t.Fatalf("CompileFilterPolicy: %v", err)
			}
			checkMatch(t, p, c.Message, c.Expect == "match")
		})
	}
}

func TestFilterPolicyDefaultScope(t *testing.T) {
	if _, err := CompileFilterPolicy([]byte(`{"a":{"b":["c"]}}`), ""); err == nil {
		t.Fatal("the default scope (MessageAttributes) accepted a nested policy")
	}
	if _, err := CompileFilterPolicy([]byte(`{"a":{"b":["c"]}}`), MessageBody); err != nil {
		t.Fatal(err)
	}
}

func TestFilterPolicySize(t *testing.T) {
	big := `{"key":["` + strings.Repeat("x", MaxFilterPolicySize) + `"]}`
	_, err := CompileFilterPolicy([]byte(big), MessageAttributes)
	checkInvalid(t, err, CodeInvalidParameter, "FilterPolicy: Filter policy is larger than")
}

// The same policy text means the same thing in both dialects where both
// accept it.
func TestFilterPolicyAgreesWithEventPattern(t *testing.T) {
	f := loadCases(t, "testdata/filter_policies.json")
	for _, c := range f.Cases {
		if c.Expect == "invalid" {
			continue
		}
		eb, err := Compile(c.src())
		if err != nil {
			t.Errorf("%s: EventBridge refuses an accepted filter policy: %v", c.Name, err)
			continue
		}
		got, err := eb.Match(c.Message)
		if err != nil {
			t.Fatal(err)
		}
		if got != (c.Expect == "match") {
			t.Errorf("%s: EventBridge matched %v", c.Name, got)
		}
	}
}
