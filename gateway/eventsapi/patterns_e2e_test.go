package eventsapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stewardhq/steward/server/servertest"
)

// The event-pattern suite (events/pattern/testdata/cases.json, built from
// the AWS user guide, the event-ruler README and our own edge cases)
// replayed over the wire through TestEventPattern: every case with boto3,
// a sample of every kind with each aws CLI.

func needBoto3(t *testing.T) string {
	t.Helper()
	py := servertest.NeedBinary(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if servertest.ClientsRequired() {
			t.Fatalf("boto3 is required (STEWARD_TEST_CLIENTS=require): %v", err)
		}
		t.Skip("boto3 not installed")
	}
	return py
}

func runPython(t *testing.T, srv *servertest.Server, py, script string, env ...string) string {
	t.Helper()
	cmd := exec.Command(py, script)
	cmd.Env = append(append(os.Environ(), env...), "STEWARD_URL="+srv.URL, "AWS_ACCESS_KEY_ID="+srv.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+srv.SecretAccessKey, "AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

func TestPatternSuiteBoto3(t *testing.T) {
	t.Parallel()
	py := needBoto3(t)
	env, cases := loadPatternCases(t)
	type wireCase struct {
		Name    string `json:"name"`
		Expect  string `json:"expect"`
		Pattern string `json:"pattern"`
		Event   string `json:"event"`
		Reason  string `json:"reason"`
	}
	var wire []wireCase
	for _, c := range cases {
		wire = append(wire, wireCase{Name: c.Name, Expect: c.Expect, Pattern: c.src(), Event: mergeEnvelope(t, env, c.Event), Reason: c.Reason})
	}
	raw, _ := json.Marshal(wire)
	path := t.TempDir() + "/cases.json"
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := servertest.Start(t)
	out := runPython(t, srv, py, "testdata/boto3_patterns.py", "STEWARD_CASES="+path)
	if !strings.HasPrefix(out, "ok ") {
		t.Fatalf("pattern suite through boto3:\n%s", out)
	}
	t.Logf("boto3: %s", strings.TrimSpace(out))
}

type patternCase struct {
	Name        string          `json:"name"`
	Expect      string          `json:"expect"`
	Pattern     json.RawMessage `json:"pattern"`
	PatternText string          `json:"patternText"`
	Event       json.RawMessage `json:"event"`
	Reason      string          `json:"reason"`
}

func (c patternCase) src() string {
	if c.PatternText != "" {
		return c.PatternText
	}
	return string(c.Pattern)
}

func loadPatternCases(t *testing.T) (map[string]json.RawMessage, []patternCase) {
	t.Helper()
	raw, err := os.ReadFile("../../events/pattern/testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Envelope map[string]json.RawMessage `json:"envelope"`
		Cases    []patternCase              `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Envelope, f.Cases
}

func mergeEnvelope(t *testing.T, env map[string]json.RawMessage, event json.RawMessage) string {
	t.Helper()
	merged := map[string]json.RawMessage{}
	for k, v := range env {
		merged[k] = v
	}
	if len(event) > 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(event, &fields); err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			merged[k] = v
		}
	}
	b, _ := json.Marshal(merged)
	return string(b)
}

// TestPatternSuiteCLIs replays every 12th case (all three outcomes occur)
// through both CLIs.
func TestPatternSuiteCLIs(t *testing.T) {
	t.Parallel()
	env, cases := loadPatternCases(t)
	srv := servertest.Start(t)
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		seen := map[string]int{}
		for i := 0; i < len(cases); i += 12 {
			c := cases[i]
			out, err := srv.CLI(t, bin, "events", "test-event-pattern", "--event-pattern", c.src(), "--event", mergeEnvelope(t, env, c.Event))
			switch c.Expect {
			case "invalid":
				var ce *servertest.CLIError
				if err == nil || !asCLIError(err, &ce) || !strings.Contains(ce.Stderr, "InvalidEventPatternException") || !strings.Contains(ce.Stderr, c.Reason) {
					t.Errorf("%s %s: %v, want InvalidEventPatternException with %q", bin, c.Name, err, c.Reason)
				}
			default:
				var res struct{ Result bool }
				if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Result != (c.Expect == "match") {
					t.Errorf("%s %s: %s %v, want %s", bin, c.Name, out, err, c.Expect)
				}
			}
			seen[c.Expect]++
		}
		if len(seen) != 3 {
			t.Errorf("%s: the sample missed an outcome: %v", bin, seen)
		}
	}
}

func asCLIError(err error, target **servertest.CLIError) bool {
	ce, ok := err.(*servertest.CLIError)
	if ok {
		*target = ce
	}
	return ok
}

// TestBoto3API runs testdata/boto3_api.py: pagination through boto3's
// paginators and by hand, limits and error codes.
func TestBoto3API(t *testing.T) {
	t.Parallel()
	py := needBoto3(t)
	srv := servertest.Start(t)
	if out := runPython(t, srv, py, "testdata/boto3_api.py"); strings.TrimSpace(out) != "ok" {
		t.Fatalf("boto3 API:\n%s", out)
	}
}
