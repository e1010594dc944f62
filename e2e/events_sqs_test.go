package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stewardhq/steward/server/servertest"
)

// EventBridge end to end: rules and targets made with the aws CLIs (the
// aws-sdk-go-v2 eventbridge module is not a dependency), events put with
// the CLIs and by the services themselves, results read from real SQS
// queues with aws-sdk-go-v2 and the CLIs.

// evCLI runs an aws CLI command and decodes its JSON output.
func evCLI(t *testing.T, srv *servertest.Server, bin string, args ...string) map[string]any {
	t.Helper()
	out, err := srv.CLI(t, bin, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", bin, strings.Join(args[:2], " "), err)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%s %s output %q: %v", bin, args[1], out, err)
		}
	}
	return m
}

// evQueue creates a standard queue and returns its URL and ARN.
func evQueue(t *testing.T, c *sqs.Client, name string) (string, string) {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), "arn:aws:sqs:us-east-1:000000000000:" + name
}

// evReceive long-polls a queue until it has n messages (deleting them).
func evReceive(t *testing.T, c *sqs.Client, url string, n int) []sqstypes.Message {
	t.Helper()
	var got []sqstypes.Message
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d messages", len(got), n)
		}
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return got
}

// TestEventsToSQSWithTransformer: put-events → rule → SQS target with an
// input transformer, with each CLI; the message is read from the queue.
func TestEventsToSQSWithTransformer(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	url, arn := evQueue(t, q, "orders")
	bin := servertest.CLIv1
	evCLI(t, srv, bin, "events", "put-rule", "--name", "big-orders",
		"--event-pattern", `{"source":["shop"],"detail-type":["Order Placed"],"detail":{"total":[{"numeric":[">=",100]}]}}`)
	target := `[{"Id":"q","Arn":"` + arn + `","InputTransformer":{"InputPathsMap":{"id":"$.detail.id","kind":"$.detail-type","sku":"$.detail.items[0].sku"},` +
		`"InputTemplate":"{\"order\": <id>, \"what\": \"<kind> of <sku>\", \"rule\": <aws.events.rule-name>, \"event\": <aws.events.event.json>}"}}]`
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "big-orders", "--targets", target)

	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		id := []string{"o-1", "o-2"}[i]
		put := evCLI(t, srv, bin, "events", "put-events", "--entries",
			`[{"Source":"shop","DetailType":"Order Placed","Detail":"{\"id\":\"`+id+`\",\"total\":150,\"items\":[{\"sku\":\"寿司\"}]}"},`+
				`{"Source":"shop","DetailType":"Order Placed","Detail":"{\"id\":\"small\",\"total\":5}"}]`)
		if put["FailedEntryCount"] != 0.0 {
			t.Fatalf("%s put-events: %v", bin, put)
		}
		msgs := evReceive(t, q, url, 1)
		var body struct {
			Order, What, Rule string
			Event             struct {
				ID     string `json:"id"`
				Detail struct{ ID string }
			}
		}
		if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &body); err != nil {
			t.Fatalf("body %q: %v", aws.ToString(msgs[0].Body), err)
		}
		eventID := put["Entries"].([]any)[0].(map[string]any)["EventId"]
		if body.Order != id || body.What != "Order Placed of 寿司" || body.Rule != "big-orders" || body.Event.ID != eventID || body.Event.Detail.ID != id {
			t.Errorf("%s: transformed message %s", bin, aws.ToString(msgs[0].Body))
		}
	}
	// The small orders matched nothing.
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 0 {
		t.Errorf("unexpected messages: %v %v", out, err)
	}
}

// TestEventsDeadLetterQueue: targets that cannot be invoked (a queue that
// does not exist, SSM Automation that Steward does not run yet) put the
// event in the dead-letter queue at once with AWS's attributes, read with
// `aws sqs receive-message --message-attribute-names All`.
func TestEventsDeadLetterQueue(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	_, dlq := evQueue(t, q, "failed-events")
	bin := servertest.CLIv1
	evCLI(t, srv, bin, "events", "put-rule", "--name", "doomed", "--event-pattern", `{"source":["app"]}`)
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "doomed", "--targets",
		`[{"Id":"missing","Arn":"arn:aws:sqs:us-east-1:000000000000:no-such-queue","DeadLetterConfig":{"Arn":"`+dlq+`"}},`+
			`{"Id":"recover","Arn":"arn:aws:ssm:us-east-1:000000000000:automation-definition/ServiceAutoRecoveryAutomation","DeadLetterConfig":{"Arn":"`+dlq+`"},`+
			`"InputTransformer":{"InputPathsMap":{"i":"$.detail.instance"},"InputTemplate":"{\"InstanceId\": [<i>]}"}}]`)
	evCLI(t, srv, bin, "events", "put-events", "--entries", `[{"Source":"app","DetailType":"t","Detail":"{\"instance\":\"mi-0123456789abcdef0\"}"}]`)

	type attr struct{ StringValue, DataType string }
	var msgs []struct {
		Body              string
		MessageAttributes map[string]attr
	}
	for _, bin := range []string{servertest.CLIDebian, servertest.CLIv1} {
		deadline := time.Now().Add(30 * time.Second)
		for len(msgs) < 2 && time.Now().Before(deadline) {
			out := evCLI(t, srv, bin, "sqs", "receive-message", "--queue-url", srv.URL+"/000000000000/failed-events",
				"--message-attribute-names", "All", "--max-number-of-messages", "10", "--visibility-timeout", "0", "--wait-time-seconds", "1")
			raw, _ := json.Marshal(out["Messages"])
			msgs = nil
			_ = json.Unmarshal(raw, &msgs)
		}
		if len(msgs) != 2 {
			t.Fatalf("%s: %d dead letters", bin, len(msgs))
		}
		byTarget := map[string]map[string]attr{}
		bodies := map[string]string{}
		for _, m := range msgs {
			byTarget[m.MessageAttributes["TARGET_ARN"].StringValue] = m.MessageAttributes
			bodies[m.MessageAttributes["TARGET_ARN"].StringValue] = m.Body
		}
		missing := byTarget["arn:aws:sqs:us-east-1:000000000000:no-such-queue"]
		auto := byTarget["arn:aws:ssm:us-east-1:000000000000:automation-definition/ServiceAutoRecoveryAutomation"]
		for name, a := range map[string]map[string]attr{"queue": missing, "automation": auto} {
			if a == nil {
				t.Fatalf("%s: no dead letter for the %s target: %v", bin, name, byTarget)
			}
			if a["RULE_ARN"].StringValue != "arn:aws:events:us-east-1:000000000000:rule/doomed" || a["ERROR_CODE"].StringValue != "NO_RESOURCE" ||
				a["RETRY_ATTEMPTS"].StringValue != "0" || a["ERROR_MESSAGE"].StringValue == "" || a["ERROR_CODE"].DataType != "String" {
				t.Errorf("%s: %s attributes %v", bin, name, a)
			}
			if _, ok := a["EXHAUSTED_RETRY_CONDITION"]; ok {
				t.Errorf("%s: EXHAUSTED_RETRY_CONDITION on a failure that skipped retries", bin)
			}
		}
		if !strings.Contains(auto["ERROR_MESSAGE"].StringValue, "Automation") {
			t.Errorf("%s: automation error message %q", bin, auto["ERROR_MESSAGE"].StringValue)
		}
		if got := bodies["arn:aws:ssm:us-east-1:000000000000:automation-definition/ServiceAutoRecoveryAutomation"]; got != `{"InstanceId":["mi-0123456789abcdef0"]}` {
			t.Errorf("%s: dead letter body (transformed input) %q", bin, got)
		}
	}
}

// TestParameterStoreChangeToSQS: aws ssm put-parameter → the "Parameter
// Store Change" event in the outbox → a default-bus rule on source aws.ssm
// → SQS; and through an SNS topic to a subscribed queue.
func TestParameterStoreChangeToSQS(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	url, arn := evQueue(t, q, "param-changes")
	viaSNS, viaSNSArn := evQueue(t, q, "via-sns")
	bin := servertest.CLIDebian
	topic := evCLI(t, srv, bin, "sns", "create-topic", "--name", "changes")["TopicArn"].(string)
	evCLI(t, srv, bin, "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", viaSNSArn,
		"--attributes", "RawMessageDelivery=true")
	evCLI(t, srv, bin, "events", "put-rule", "--name", "params",
		"--event-pattern", `{"source":["aws.ssm"],"detail-type":["Parameter Store Change"],"detail":{"name":[{"prefix":"/app/"}]}}`)
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "params", "--targets",
		`[{"Id":"q","Arn":"`+arn+`"},{"Id":"t","Arn":"`+topic+`","InputTransformer":{"InputPathsMap":{"n":"$.detail.name","op":"$.detail.operation"},"InputTemplate":"\"<op> <n>\""}}]`)

	evCLI(t, srv, servertest.CLIv1, "ssm", "put-parameter", "--name", "/app/db/url", "--value", "postgres://db", "--type", "String")
	evCLI(t, srv, servertest.CLIv1, "ssm", "put-parameter", "--name", "/other/x", "--value", "1", "--type", "String")
	msgs := evReceive(t, q, url, 1)
	var ev struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Resources  []string
		Detail     struct{ Name, Operation string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.ssm" || ev.DetailType != "Parameter Store Change" || ev.Detail.Name != "/app/db/url" || ev.Detail.Operation != "Create" ||
		len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url" {
		t.Errorf("event %s", aws.ToString(msgs[0].Body))
	}
	if got := aws.ToString(evReceive(t, q, viaSNS, 1)[0].Body); got != `"Create /app/db/url"` {
		t.Errorf("through SNS: %q", got)
	}
}

// TestEventsTargetRole: a Run Command target's RoleArn is checked with IAM
// before the command is sent: a role that does not exist (or does not trust
// events.amazonaws.com) cannot be assumed; a role without ssm:SendCommand
// has no permission; a good role gets through to Run Command (which here
// refuses an unknown node). Each failure is read from the dead-letter queue.
func TestEventsTargetRole(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	dlqURL, dlq := evQueue(t, q, "role-failures")
	bin := servertest.CLIv1
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	evCLI(t, srv, bin, "iam", "create-role", "--role-name", "no-perms", "--assume-role-policy-document", trust)
	evCLI(t, srv, bin, "iam", "create-role", "--role-name", "run-command", "--assume-role-policy-document", trust)
	evCLI(t, srv, bin, "iam", "put-role-policy", "--role-name", "run-command", "--policy-name", "send",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}]}`)
	role := func(name string) string { return "arn:aws:iam::000000000000:role/" + name }
	evCLI(t, srv, bin, "events", "put-rule", "--name", "heal", "--event-pattern", `{"source":["ops"]}`)
	var targets []string
	for _, r := range []string{"missing", "no-perms", "run-command"} {
		targets = append(targets, `{"Id":"`+r+`","Arn":"arn:aws:ssm:us-east-1::document/AWS-RunShellScript","RoleArn":"`+role(r)+`",`+
			`"Input":"{\"commands\":[\"uptime\"]}","RunCommandParameters":{"RunCommandTargets":[{"Key":"InstanceIds","Values":["mi-00000000000000000"]}]},`+
			`"DeadLetterConfig":{"Arn":"`+dlq+`"}}`)
	}
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "heal", "--targets", "["+strings.Join(targets, ",")+"]")
	evCLI(t, srv, bin, "events", "put-events", "--entries", `[{"Source":"ops","DetailType":"t","Detail":"{}"}]`)
	codes := map[string]string{} // ERROR_CODE → ERROR_MESSAGE
	for _, m := range evReceive(t, q, dlqURL, 3) {
		codes[aws.ToString(m.MessageAttributes["ERROR_CODE"].StringValue)] = aws.ToString(m.MessageAttributes["ERROR_MESSAGE"].StringValue)
	}
	if codes["FAILED_TO_ASSUME_ROLE"] != "The defined assume role is unable to be assumed." || codes["NO_PERMISSIONS"] == "" || codes["INVALID_PARAMETER"] == "" {
		t.Errorf("dead-letter codes %v", codes)
	}
}
