package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/server/servertest"
)

// TestEventsToLogGroup: put-events → rule → CloudWatch Logs log-group
// target, with each CLI; the event is read back with aws logs
// get-log-events from the stream named after the event ID. A second target
// names a missing log group: its failure is permanent (NO_RESOURCE) and
// lands in the dead-letter queue without retries.
func TestEventsToLogGroup(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(bin, func(t *testing.T) {
			servertest.NeedBinary(t, bin)
			p := fmt.Sprintf("l%d", i)
			group := "/aws/events/" + p
			dlqURL, dlq := evQueue(t, q, p+"-dlq")
			evCLI(t, srv, bin, "logs", "create-log-group", "--log-group-name", group)
			evCLI(t, srv, bin, "events", "put-rule", "--name", p+"-audit", "--event-pattern", `{"source":["`+p+`.shop"]}`)
			put := evCLI(t, srv, bin, "events", "put-targets", "--rule", p+"-audit", "--targets",
				`[{"Id":"log","Arn":"arn:aws:logs:us-east-1:000000000000:log-group:`+group+`"},`+
					`{"Id":"gone","Arn":"arn:aws:logs:us-east-1:000000000000:log-group:/nope/`+p+`","DeadLetterConfig":{"Arn":"`+dlq+`"}}]`)
			if n := put["FailedEntryCount"]; n != float64(0) {
				t.Fatalf("put-targets = %v", put)
			}
			out := evCLI(t, srv, bin, "events", "put-events", "--entries",
				`[{"Source":"`+p+`.shop","DetailType":"Order Placed","Detail":"{\"order\":\"o-1\",\"total\":120}"}]`)
			id, _ := out["Entries"].([]any)[0].(map[string]any)["EventId"].(string)
			if id == "" {
				t.Fatalf("put-events = %v", out)
			}

			var events []any
			deadline := time.Now().Add(30 * time.Second)
			for len(events) == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no log event in stream %s", id)
				}
				o, err := srv.CLI(t, bin, "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", id, "--start-from-head")
				if err != nil {
					if !strings.Contains(err.Error(), "(ResourceNotFoundException)") {
						t.Fatal(err)
					}
					time.Sleep(50 * time.Millisecond)
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(o), &m); err != nil {
					t.Fatal(err)
				}
				events, _ = m["events"].([]any)
			}
			if len(events) != 1 {
				t.Fatalf("events = %v", events)
			}
			e := events[0].(map[string]any)
			var ev struct {
				ID     string          `json:"id"`
				Source string          `json:"source"`
				Time   string          `json:"time"`
				Detail json.RawMessage `json:"detail"`
			}
			if err := json.Unmarshal([]byte(e["message"].(string)), &ev); err != nil || ev.ID != id || ev.Source != p+".shop" {
				t.Errorf("message = %v (%v)", e["message"], err)
			}
			if tm, err := time.Parse(time.RFC3339, ev.Time); err != nil || int64(e["timestamp"].(float64)) != tm.UnixMilli() {
				t.Errorf("timestamp %v, event time %s", e["timestamp"], ev.Time)
			}
			streams := evCLI(t, srv, bin, "logs", "describe-log-streams", "--log-group-name", group)["logStreams"].([]any)
			if len(streams) != 1 || streams[0].(map[string]any)["logStreamName"] != id {
				t.Errorf("streams = %v", streams)
			}
			filtered := evCLI(t, srv, bin, "logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", `"o-1"`)["events"].([]any)
			if len(filtered) != 1 {
				t.Errorf("filter-log-events = %v", filtered)
			}

			msgs := evReceive(t, q, dlqURL, 1)
			if a := msgs[0].MessageAttributes; a["ERROR_CODE"].StringValue == nil || *a["ERROR_CODE"].StringValue != "NO_RESOURCE" ||
				*a["RETRY_ATTEMPTS"].StringValue != "0" {
				t.Errorf("dead letter attributes = %v", a)
			}
		})
	}
}
