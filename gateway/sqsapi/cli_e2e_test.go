package sqsapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/server/servertest"
)

// The CLIs: the pip AWS CLI v1 speaks JSON 1.0 to SQS, Debian's aws 2.9
// speaks awsQuery. Both print what they parsed, so the tests check the
// MD5 digests over exactly what each client decoded.

type cliMessage struct {
	MessageID              string                  `json:"MessageId"`
	ReceiptHandle          string                  `json:"ReceiptHandle"`
	MD5OfBody              string                  `json:"MD5OfBody"`
	Body                   string                  `json:"Body"`
	Attributes             map[string]string       `json:"Attributes"`
	MD5OfMessageAttributes string                  `json:"MD5OfMessageAttributes"`
	MessageAttributes      map[string]cliAttribute `json:"MessageAttributes"`
}

type cliAttribute struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue"`
	BinaryValue string  `json:"BinaryValue"` // base64, as the CLI prints blobs
}

func cliAttrMD5(t *testing.T, attrs map[string]cliAttribute) string {
	return md5OfAttributes(attrs, func(v cliAttribute) (string, *string, []byte) {
		if v.StringValue != nil {
			return v.DataType, v.StringValue, nil
		}
		b, err := base64.StdEncoding.DecodeString(v.BinaryValue)
		if err != nil {
			t.Errorf("binary value %q: %v", v.BinaryValue, err)
		}
		return v.DataType, nil, b
	})
}

type cliRun struct {
	t   *testing.T
	srv *servertest.Server
	bin string
}

func (r cliRun) run(args ...string) string {
	r.t.Helper()
	out, err := r.srv.CLI(r.t, r.bin, append([]string{"sqs"}, args...)...)
	if err != nil {
		r.t.Fatalf("aws sqs %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (r cliRun) fail(args ...string) string {
	r.t.Helper()
	_, err := r.srv.CLI(r.t, r.bin, append([]string{"sqs"}, args...)...)
	if err == nil {
		r.t.Fatalf("aws sqs %s succeeded", strings.Join(args, " "))
	}
	return err.Error()
}

func (r cliRun) json(v any, args ...string) {
	r.t.Helper()
	out := r.run(args...)
	if strings.TrimSpace(out) == "" {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		r.t.Fatalf("aws sqs %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (r cliRun) receive(url string, args ...string) []cliMessage {
	r.t.Helper()
	var out struct{ Messages []cliMessage }
	r.json(&out, append([]string{"receive-message", "--queue-url", url, "--attribute-names", "All", "--message-attribute-names", "All"}, args...)...)
	for _, m := range out.Messages {
		if md5Hex(m.Body) != m.MD5OfBody {
			r.t.Errorf("MD5OfBody %s for %q", m.MD5OfBody, m.Body)
		}
		if len(m.MessageAttributes) > 0 && cliAttrMD5(r.t, m.MessageAttributes) != m.MD5OfMessageAttributes {
			r.t.Errorf("MD5OfMessageAttributes %s, want %s", m.MD5OfMessageAttributes, cliAttrMD5(r.t, m.MessageAttributes))
		}
	}
	return out.Messages
}

func cliBodies(ms []cliMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

func TestCLIv1(t *testing.T) {
	t.Parallel()
	testCLI(t, servertest.CLIv1)
}

func TestCLIDebian(t *testing.T) {
	t.Parallel()
	testCLI(t, servertest.CLIDebian)
}

func testCLI(t *testing.T, bin string) {
	servertest.NeedBinary(t, bin)
	srv := servertest.Start(t)
	r := cliRun{t: t, srv: srv, bin: bin}
	sdk := sqs.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()

	var created struct{ QueueUrl string }
	r.json(&created, "create-queue", "--queue-name", "cli", "--attributes", "VisibilityTimeout=1,DelaySeconds=0", "--tags", "team=ops,env=dev")
	url := created.QueueUrl
	if url != srv.URL+"/000000000000/cli" {
		t.Fatalf("queue URL %q", url)
	}
	var got struct{ QueueUrl string }
	r.json(&got, "get-queue-url", "--queue-name", "cli")
	if got.QueueUrl != url {
		t.Errorf("get-queue-url: %q", got.QueueUrl)
	}
	if msg := r.fail("get-queue-url", "--queue-name", "nope"); !strings.Contains(msg, "AWS.SimpleQueueService.NonExistentQueue") {
		t.Errorf("missing queue: %s", msg)
	}
	var list struct{ QueueUrls []string }
	r.json(&list, "list-queues", "--queue-name-prefix", "cl")
	if !slices.Equal(list.QueueUrls, []string{url}) {
		t.Errorf("list-queues: %v", list.QueueUrls)
	}
	var tags struct{ Tags map[string]string }
	r.run("untag-queue", "--queue-url", url, "--tag-keys", "env")
	r.json(&tags, "list-queue-tags", "--queue-url", url)
	if len(tags.Tags) != 1 || tags.Tags["team"] != "ops" {
		t.Errorf("tags: %v", tags.Tags)
	}
	var attrs struct{ Attributes map[string]string }
	r.json(&attrs, "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")
	if attrs.Attributes["VisibilityTimeout"] != "1" || attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:000000000000:cli" {
		t.Errorf("attributes: %v", attrs.Attributes)
	}

	// Send with every kind of attribute; the client's digests must match.
	body := "héllo\nwörld <&> \u00e9\U0001F600"
	msgAttrs := `{"colour":{"DataType":"String","StringValue":"blue"},"n":{"DataType":"Number","StringValue":"-1.5e3"},` +
		`"blob":{"DataType":"Binary","BinaryValue":"AAEC/w=="},"kind":{"DataType":"String.custom","StringValue":"x y"}}`
	var sent struct{ MessageId, MD5OfMessageBody, MD5OfMessageAttributes, MD5OfMessageSystemAttributes string }
	r.json(&sent, "send-message", "--queue-url", url, "--message-body", body, "--message-attributes", msgAttrs,
		"--message-system-attributes", `{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1-abc"}}`)
	var wantAttrs map[string]cliAttribute
	_ = json.Unmarshal([]byte(msgAttrs), &wantAttrs)
	blob := "AAEC/w=="
	if bin == servertest.CLIv1 {
		// CLI v1 sends a blob given on the command line as the text's own
		// bytes (no cli_binary_format base64 decoding).
		blob = base64.StdEncoding.EncodeToString([]byte(blob))
		wantAttrs["blob"] = cliAttribute{DataType: "Binary", BinaryValue: blob}
	}
	if sent.MD5OfMessageBody != md5Hex(body) || sent.MD5OfMessageAttributes != cliAttrMD5(t, wantAttrs) || sent.MD5OfMessageSystemAttributes == "" {
		t.Errorf("send-message: %+v", sent)
	}
	msgs := r.receive(url, "--max-number-of-messages", "10")
	if len(msgs) != 1 || msgs[0].Body != body || msgs[0].MessageID != sent.MessageId || len(msgs[0].MessageAttributes) != 4 ||
		msgs[0].MessageAttributes["blob"].BinaryValue != blob || msgs[0].Attributes["AWSTraceHeader"] != "Root=1-abc" {
		t.Fatalf("receive-message: %+v", msgs)
	}
	// Visibility 1 s: a long poll gets it again when it reappears.
	again := r.receive(url, "--wait-time-seconds", "20")
	if len(again) != 1 || again[0].MessageID != sent.MessageId || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("redelivery: %+v", again)
	}
	r.run("delete-message", "--queue-url", url, "--receipt-handle", again[0].ReceiptHandle)
	if msg := r.fail("delete-message", "--queue-url", url, "--receipt-handle", "bogus"); !strings.Contains(msg, "ReceiptHandleIsInvalid") {
		t.Errorf("bogus handle: %s", msg)
	}

	// Long poll: a receive waiting 20 s returns the message sent meanwhile.
	done := make(chan []cliMessage, 1)
	go func() {
		var out struct{ Messages []cliMessage }
		raw, err := srv.CLI(t, bin, "sqs", "receive-message", "--queue-url", url, "--wait-time-seconds", "20", "--message-attribute-names", "All")
		if err == nil {
			err = json.Unmarshal([]byte(raw), &out)
		}
		if err != nil {
			t.Error(err)
		}
		done <- out.Messages
	}()
	time.Sleep(time.Second) // let the CLI start and wait (not a timing assertion)
	if _, err := sdk.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("while you wait")}); err != nil {
		t.Fatal(err)
	}
	if polled := <-done; len(polled) != 1 || polled[0].Body != "while you wait" {
		t.Fatalf("long poll: %+v", polled)
	}

	// Batches.
	var batch struct {
		Successful []struct{ Id, MessageId, MD5OfMessageBody string }
		Failed     []struct {
			Id, Code    string
			SenderFault bool
		}
	}
	r.json(&batch, "send-message-batch", "--queue-url", url, "--entries",
		`[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two","DelaySeconds":0},{"Id":"c","MessageBody":"three","DelaySeconds":1000}]`)
	if len(batch.Successful) != 2 || len(batch.Failed) != 1 || batch.Failed[0].Id != "c" || batch.Failed[0].Code != "InvalidParameterValue" || !batch.Failed[0].SenderFault {
		t.Errorf("send-message-batch: %+v", batch)
	}
	for _, s := range batch.Successful {
		if want := map[string]string{"a": md5Hex("one"), "b": md5Hex("two")}[s.Id]; s.MD5OfMessageBody != want {
			t.Errorf("batch entry %s MD5 %s", s.Id, s.MD5OfMessageBody)
		}
	}
	if msg := r.fail("send-message-batch", "--queue-url", url, "--entries", `[{"Id":"a","MessageBody":"x"},{"Id":"a","MessageBody":"y"}]`); !strings.Contains(msg, "BatchEntryIdsNotDistinct") {
		t.Errorf("repeated IDs: %s", msg)
	}
	pair := r.receive(url, "--max-number-of-messages", "10", "--visibility-timeout", "30")
	// One of the three may be the previous long-polled message coming back.
	var entries []string
	for i, m := range pair {
		entries = append(entries, fmt.Sprintf(`{"Id":"m%d","ReceiptHandle":%q}`, i, m.ReceiptHandle))
	}
	var del struct {
		Successful []struct{ Id string }
		Failed     []struct{ Id, Code string }
	}
	r.json(&del, "delete-message-batch", "--queue-url", url, "--entries", "["+strings.Join(entries, ",")+`,{"Id":"x","ReceiptHandle":"nope"}]`)
	if len(del.Successful) != len(pair) || len(del.Failed) != 1 || del.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Errorf("delete-message-batch: %+v", del)
	}
	r.run("purge-queue", "--queue-url", url)
	if msg := r.fail("purge-queue", "--queue-url", url); !strings.Contains(msg, "PurgeQueueInProgress") {
		t.Errorf("second purge: %s", msg)
	}

	// Dead-letter redrive after maxReceiveCount 1.
	var dlq, src struct{ QueueUrl string }
	r.json(&dlq, "create-queue", "--queue-name", "cli-dlq")
	redrive, _ := json.Marshal(map[string]string{
		"VisibilityTimeout": "0",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:cli-dlq","maxReceiveCount":1}`,
	})
	r.json(&src, "create-queue", "--queue-name", "cli-src", "--attributes", string(redrive))
	r.run("send-message", "--queue-url", src.QueueUrl, "--message-body", "poison", "--message-attributes", `{"k":{"DataType":"String","StringValue":"v"}}`)
	if got := r.receive(src.QueueUrl); len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("first receive from the source: %+v", got)
	}
	if got := r.receive(src.QueueUrl); len(got) != 0 {
		t.Fatalf("second receive should redrive, got %v", cliBodies(got))
	}
	dead := r.receive(dlq.QueueUrl)
	if len(dead) != 1 || dead[0].Body != "poison" || dead[0].Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:000000000000:cli-src" {
		t.Fatalf("dead-letter queue: %+v", dead)
	}
	var sources struct {
		QueueUrls []string `json:"queueUrls"`
	}
	r.json(&sources, "list-dead-letter-source-queues", "--queue-url", dlq.QueueUrl)
	if !slices.Equal(sources.QueueUrls, []string{src.QueueUrl}) {
		t.Errorf("list-dead-letter-source-queues: %v", sources.QueueUrls)
	}

	// FIFO: order within a group and deduplication.
	var fifo struct{ QueueUrl string }
	r.json(&fifo, "create-queue", "--queue-name", "cli.fifo", "--attributes", `{"FifoQueue":"true","ContentBasedDeduplication":"true"}`)
	var seq []string
	for _, b := range []string{"f1", "f2", "f3", "f1"} {
		var out struct{ MessageId, SequenceNumber string }
		r.json(&out, "send-message", "--queue-url", fifo.QueueUrl, "--message-body", b, "--message-group-id", "g")
		seq = append(seq, out.SequenceNumber)
	}
	if seq[3] != seq[0] || !(seq[0] < seq[1] && seq[1] < seq[2]) {
		t.Errorf("sequence numbers %v", seq)
	}
	ordered := r.receive(fifo.QueueUrl, "--max-number-of-messages", "10")
	if !slices.Equal(cliBodies(ordered), []string{"f1", "f2", "f3"}) {
		t.Errorf("FIFO receive: %v", cliBodies(ordered))
	}
	if got := r.receive(fifo.QueueUrl, "--max-number-of-messages", "10"); len(got) != 0 {
		t.Errorf("group in flight, got %v", cliBodies(got))
	}
	// f1 visible again while f2 and f3 are in flight: the group still
	// waits. With all three visible, they come again in order.
	r.run("change-message-visibility", "--queue-url", fifo.QueueUrl, "--receipt-handle", ordered[0].ReceiptHandle, "--visibility-timeout", "0")
	if got := r.receive(fifo.QueueUrl); len(got) != 0 {
		t.Errorf("f1 delivered while f2 and f3 are in flight: %v", cliBodies(got))
	}
	var vis []string
	for i, m := range ordered[1:] {
		vis = append(vis, fmt.Sprintf(`{"Id":"v%d","ReceiptHandle":%q,"VisibilityTimeout":0}`, i, m.ReceiptHandle))
	}
	r.run("change-message-visibility-batch", "--queue-url", fifo.QueueUrl, "--entries", "["+strings.Join(vis, ",")+"]")
	if got := r.receive(fifo.QueueUrl, "--max-number-of-messages", "10"); !slices.Equal(cliBodies(got), []string{"f1", "f2", "f3"}) {
		t.Errorf("after visibility 0: %v", cliBodies(got))
	}

	r.run("delete-queue", "--queue-url", url)
	if msg := r.fail("get-queue-attributes", "--queue-url", url); !strings.Contains(msg, "NonExistentQueue") {
		t.Errorf("deleted queue: %s", msg)
	}
}

// TestBoto3 runs testdata/boto3_sqs.py: boto3 over JSON 1.0, digests
// checked in Python over what boto3 parsed.
func TestBoto3(t *testing.T) {
	t.Parallel()
	py := servertest.NeedBinary(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if servertest.ClientsRequired() {
			t.Fatalf("boto3 is required (STEWARD_TEST_CLIENTS=require): %v", err)
		}
		t.Skip("boto3 not installed")
	}
	srv := servertest.Start(t)
	cmd := exec.Command(py, "testdata/boto3_sqs.py")
	cmd.Env = append(os.Environ(), "STEWARD_URL="+srv.URL, "AWS_ACCESS_KEY_ID="+srv.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+srv.SecretAccessKey, "AWS_MAX_ATTEMPTS=1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}
