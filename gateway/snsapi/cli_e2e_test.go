package snsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestSNSWithCLIs drives the SNS API with the pip CLI v1 and Debian's
// /usr/bin/aws (both speak awsQuery to SNS): topics, attributes, tags,
// subscriptions, Publish with message attributes of every type and
// MessageStructure, PublishBatch, and errors with their AWS codes. A raw
// SQS subscription shows the attributes were decoded from the query as sent.
func TestSNSWithCLIs(t *testing.T) {
	srv := servertest.Start(t)
	q := sqs.NewFromConfig(srv.AWSConfig())
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			cliSession(t, srv, q, i, bin)
		})
	}
}

func cliSession(t *testing.T, srv *servertest.Server, q *sqs.Client, i int, bin string) {
	run := func(args ...string) map[string]any {
		t.Helper()
		out, err := srv.CLI(t, bin, append([]string{"sns"}, args...)...)
		if err != nil {
			t.Fatalf("%s sns %s: %v", bin, strings.Join(args, " "), err)
		}
		m := map[string]any{}
		if strings.TrimSpace(out) != "" {
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("%s sns %s: %q", bin, args[0], out)
			}
		}
		return m
	}
	fail := func(code string, args ...string) {
		t.Helper()
		_, err := srv.CLI(t, bin, append([]string{"sns"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "("+code+")") {
			t.Errorf("%s sns %s: %v, want %s", bin, strings.Join(args, " "), err, code)
		}
	}
	name := fmt.Sprint("cli-", i)
	arn, _ := run("create-topic", "--name", name, "--attributes", "DisplayName=CLI 通知", "--tags", "Key=team,Value=ops")["TopicArn"].(string)
	if !strings.HasSuffix(arn, ":"+name) {
		t.Fatalf("%s create-topic: %q", bin, arn)
	}
	run("set-topic-attributes", "--topic-arn", arn, "--attribute-name", "SignatureVersion", "--attribute-value", "2")
	attrs := run("get-topic-attributes", "--topic-arn", arn)["Attributes"].(map[string]any)
	if attrs["DisplayName"] != "CLI 通知" || attrs["SignatureVersion"] != "2" || attrs["Owner"] != "000000000000" {
		t.Errorf("%s get-topic-attributes: %v", bin, attrs)
	}
	found := false
	for _, tp := range run("list-topics")["Topics"].([]any) {
		found = found || tp.(map[string]any)["TopicArn"] == arn
	}
	if !found {
		t.Errorf("%s list-topics misses %s", bin, arn)
	}
	run("tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=prod")
	tags := run("list-tags-for-resource", "--resource-arn", arn)["Tags"].([]any)
	if len(tags) != 2 {
		t.Errorf("%s list-tags-for-resource: %v", bin, tags)
	}
	run("untag-resource", "--resource-arn", arn, "--tag-keys", "env")

	queueURL, queueARN := cliQueue(t, q, name)
	sub := run("subscribe", "--topic-arn", arn, "--protocol", "sqs", "--notification-endpoint", queueARN,
		"--attributes", `{"RawMessageDelivery":"true"}`, "--return-subscription-arn")["SubscriptionArn"].(string)
	if !strings.HasPrefix(sub, arn+":") {
		t.Fatalf("%s subscribe: %q", bin, sub)
	}
	subs := run("list-subscriptions-by-topic", "--topic-arn", arn)["Subscriptions"].([]any)
	if len(subs) != 1 || subs[0].(map[string]any)["SubscriptionArn"] != sub {
		t.Errorf("%s list-subscriptions-by-topic: %v", bin, subs)
	}
	run("set-subscription-attributes", "--subscription-arn", sub, "--attribute-name", "FilterPolicy", "--attribute-value", `{"kind":["keep"]}`)
	sa := run("get-subscription-attributes", "--subscription-arn", sub)["Attributes"].(map[string]any)
	if sa["RawMessageDelivery"] != "true" || sa["FilterPolicy"] != `{"kind":["keep"]}` {
		t.Errorf("%s get-subscription-attributes: %v", bin, sa)
	}

	id := run("publish", "--topic-arn", arn, "--subject", "件名", "--message", "本文 from "+bin,
		"--message-attributes", `{"kind":{"DataType":"String","StringValue":"keep"},"n":{"DataType":"Number","StringValue":"7"},`+
			`"list":{"DataType":"String.Array","StringValue":"[\"a\",\"b\"]"},"bin":{"DataType":"Binary","BinaryValue":"AAEC"}}`)["MessageId"]
	if s, _ := id.(string); len(s) != 36 {
		t.Errorf("%s publish: %v", bin, id)
	}
	run("publish", "--topic-arn", arn, "--message", "filtered out", "--message-attributes", `{"kind":{"DataType":"String","StringValue":"drop"}}`)
	run("publish", "--topic-arn", arn, "--message-structure", "json", "--message", `{"default":"d","sqs":"for sqs"}`,
		"--message-attributes", `{"kind":{"DataType":"String","StringValue":"keep"}}`)
	batch := run("publish-batch", "--topic-arn", arn, "--publish-batch-request-entries",
		`[{"Id":"a","Message":"batch a","MessageAttributes":{"kind":{"DataType":"String","StringValue":"keep"}}},{"Id":"b","Message":""}]`)
	if ok, _ := batch["Successful"].([]any); len(ok) != 1 {
		t.Errorf("%s publish-batch: %v", bin, batch)
	}
	if failed, _ := batch["Failed"].([]any); len(failed) != 1 || failed[0].(map[string]any)["Code"] != "InvalidParameter" {
		t.Errorf("%s publish-batch failures: %v", bin, batch)
	}

	byBody := map[string]sqstypes.Message{}
	for _, m := range cliReceive(t, q, queueURL, 3) {
		byBody[aws.ToString(m.Body)] = m
	}
	first, ok := byBody["本文 from "+bin]
	if !ok {
		t.Errorf("%s: bodies %v", bin, byBody)
	}
	ma := first.MessageAttributes
	if aws.ToString(ma["kind"].StringValue) != "keep" || aws.ToString(ma["n"].StringValue) != "7" || aws.ToString(ma["n"].DataType) != "Number" ||
		aws.ToString(ma["list"].StringValue) != `["a","b"]` || aws.ToString(ma["list"].DataType) != "String.Array" || !binaryOK(bin, ma["bin"].BinaryValue) {
		t.Errorf("%s: attributes %v", bin, ma)
	}
	for _, b := range []string{"for sqs", "batch a"} {
		if _, ok := byBody[b]; !ok {
			t.Errorf("%s: no message %q in %v", bin, b, byBody)
		}
	}

	fail("NotFound", "get-topic-attributes", "--topic-arn", arn+"-missing")
	fail("InvalidParameter", "publish", "--topic-arn", arn, "--message", "x", "--message-structure", "json")
	fail("InvalidParameter", "subscribe", "--topic-arn", arn, "--protocol", "smoke-signal", "--notification-endpoint", "x")
	fail("ParameterValueInvalid", "publish", "--topic-arn", arn, "--message", "x", "--message-attributes", `{"n":{"DataType":"Number","StringValue":"seven"}}`)
	fail("AuthorizationError", "publish", "--topic-arn", strings.Replace(arn, "000000000000", "111111111111", 1), "--message", "x")

	run("unsubscribe", "--subscription-arn", sub)
	run("delete-topic", "--topic-arn", arn)
	run("delete-topic", "--topic-arn", arn)
}

// binaryOK: CLI v2 decodes base64 blob arguments; CLI v1 sends the text as
// the bytes.
func binaryOK(bin string, got []byte) bool {
	if bin == servertest.CLIv1 {
		return string(got) == "AAEC"
	}
	return string(got) == "\x00\x01\x02"
}

func cliQueue(t *testing.T, q *sqs.Client, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

// cliReceive receives (and deletes) n messages.
func cliReceive(t *testing.T, q *sqs.Client, url string, n int) []sqstypes.Message {
	t.Helper()
	var got []sqstypes.Message
	servertest.WaitFor(t, time.Minute, fmt.Sprint(n, " messages"), func() bool {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		return len(got) >= n
	})
	if len(got) != n {
		t.Fatalf("%d messages, want %d", len(got), n)
	}
	return got
}

func sqsClient(s *servertest.Server) *sqs.Client { return sqs.NewFromConfig(s.AWSConfig()) }
