package sqsapi_test

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server/servertest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// apiCode is the error code a client branches on (for SQS over JSON the
// query-compatible code, e.g. AWS.SimpleQueueService.NonExistentQueue).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// md5OfAttributes is the client side of AWS's MD5OfMessageAttributes,
// written here independently of the server's code: attributes sorted by
// name; name, data type, transport type (1 string/number, 2 binary), value;
// strings as 4-byte big-endian length + bytes.
func md5OfAttributes[V any](attrs map[string]V, get func(V) (typ string, s *string, b []byte)) string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf []byte
	lv := func(b []byte) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
		buf = append(buf, b...)
	}
	for _, n := range names {
		typ, s, b := get(attrs[n])
		lv([]byte(n))
		lv([]byte(typ))
		if s != nil {
			buf = append(buf, 1)
			lv([]byte(*s))
		} else {
			buf = append(buf, 2)
			lv(b)
		}
	}
	sum := md5.Sum(buf)
	return hex.EncodeToString(sum[:])
}

func sdkAttrMD5(attrs map[string]types.MessageAttributeValue) string {
	return md5OfAttributes(attrs, func(v types.MessageAttributeValue) (string, *string, []byte) {
		return aws.ToString(v.DataType), v.StringValue, v.BinaryValue
	})
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sdkFixture is a server and an SQS client.
type sdkFixture struct {
	t   *testing.T
	srv *servertest.Server
	c   *sqs.Client
	ctx context.Context
}

func newSDK(t *testing.T, opts ...servertest.Option) *sdkFixture {
	t.Parallel()
	srv := servertest.Start(t, opts...)
	return &sdkFixture{t: t, srv: srv, c: sqs.NewFromConfig(srv.AWSConfig()), ctx: context.Background()}
}

// sdkTests run against SQLite (TestXxxSDK) and PostgreSQL (TestOnPostgres).
var sdkTests = []struct {
	name string
	run  func(*sdkFixture)
}{
	{"Queues", testQueues},
	{"Messages", testMessages},
	{"Batches", testBatches},
	{"LongPoll", testLongPoll},
	{"DeadLetter", testDeadLetter},
	{"FIFO", testFIFO},
}

func TestQueuesSDK(t *testing.T)     { testQueues(newSDK(t)) }
func TestMessagesSDK(t *testing.T)   { testMessages(newSDK(t)) }
func TestBatchesSDK(t *testing.T)    { testBatches(newSDK(t)) }
func TestLongPollSDK(t *testing.T)   { testLongPoll(newSDK(t)) }
func TestDeadLetterSDK(t *testing.T) { testDeadLetter(newSDK(t)) }
func TestFIFOSDK(t *testing.T)       { testFIFO(newSDK(t)) }

// TestOnPostgres runs the SDK tests against a server on PostgreSQL.
func TestOnPostgres(t *testing.T) {
	for _, tc := range sdkTests {
		t.Run(tc.name, func(t *testing.T) { tc.run(newSDK(t, servertest.WithDatabase(pgtest.URL(t)))) })
	}
}

func (f *sdkFixture) create(name string, attrs map[string]string) string {
	f.t.Helper()
	out, err := f.c.CreateQueue(f.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		f.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

func (f *sdkFixture) send(url, body string, mod ...func(*sqs.SendMessageInput)) *sqs.SendMessageOutput {
	f.t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}
	for _, m := range mod {
		m(in)
	}
	out, err := f.c.SendMessage(f.ctx, in)
	if err != nil {
		f.t.Fatalf("SendMessage %q: %v", body, err)
	}
	return out
}

func (f *sdkFixture) receive(url string, n int32, mod ...func(*sqs.ReceiveMessageInput)) []types.Message {
	f.t.Helper()
	in := &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: n,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"}}
	for _, m := range mod {
		m(in)
	}
	out, err := f.c.ReceiveMessage(f.ctx, in)
	if err != nil {
		f.t.Fatalf("ReceiveMessage: %v", err)
	}
	for _, m := range out.Messages {
		if got := md5Hex(aws.ToString(m.Body)); got != aws.ToString(m.MD5OfBody) {
			f.t.Errorf("MD5OfBody %s, want %s", aws.ToString(m.MD5OfBody), got)
		}
		if len(m.MessageAttributes) > 0 {
			if got := sdkAttrMD5(m.MessageAttributes); got != aws.ToString(m.MD5OfMessageAttributes) {
				f.t.Errorf("MD5OfMessageAttributes %s, want %s", aws.ToString(m.MD5OfMessageAttributes), got)
			}
		}
	}
	return out.Messages
}

func bodies(ms []types.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = aws.ToString(m.Body)
	}
	return out
}

func wait(s int32) func(*sqs.ReceiveMessageInput) {
	return func(in *sqs.ReceiveMessageInput) { in.WaitTimeSeconds = s }
}

func visibility(s int32) func(*sqs.ReceiveMessageInput) {
	return func(in *sqs.ReceiveMessageInput) { in.VisibilityTimeout = s }
}

func testQueues(f *sdkFixture) {
	t := f.t
	ctx, c := f.ctx, f.c
	url := f.create("orders", map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "0"})
	if want := f.srv.URL + "/000000000000/orders"; url != want {
		t.Errorf("queue URL %s, want %s", url, want)
	}
	// Same attributes: the same queue. Different: QueueNameExists.
	if again := f.create("orders", map[string]string{"VisibilityTimeout": "45"}); again != url {
		t.Errorf("idempotent create: %s", again)
	}
	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "46"}})
	var exists *types.QueueNameExists
	if !errors.As(err, &exists) || apiCode(err) != "QueueAlreadyExists" {
		t.Errorf("create with other attributes: %v (%s)", err, apiCode(err))
	}
	for _, bad := range []struct {
		name  string
		attrs map[string]string
		code  string
	}{
		{"bad name!", nil, "InvalidParameterValue"},
		{strings.Repeat("x", 81), nil, "InvalidParameterValue"},
		{"vt", map[string]string{"VisibilityTimeout": "43201"}, "InvalidAttributeValue"},
		{"unknown", map[string]string{"Colour": "blue"}, "InvalidAttributeName"},
		{"readonly", map[string]string{"QueueArn": "x"}, "InvalidAttributeName"},
		{"fifo-attr-on-standard", map[string]string{"ContentBasedDeduplication": "true"}, "InvalidAttributeName"},
		{"nofifo", map[string]string{"FifoQueue": "true"}, "InvalidParameterValue"},
		{"x.fifo", nil, "InvalidParameterValue"},
		{"rp", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`}, "InvalidParameterValue"},
		{"rp2", map[string]string{"RedrivePolicy": `{"maxReceiveCount":3}`}, "InvalidParameterValue"},
	} {
		_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(bad.name), Attributes: bad.attrs})
		if apiCode(err) != bad.code {
			t.Errorf("CreateQueue %s %v: %v, want %s", bad.name, bad.attrs, err, bad.code)
		}
	}
	// Bad input changed nothing.
	lq, err := c.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil || !slices.Equal(lq.QueueUrls, []string{url}) {
		t.Errorf("ListQueues after bad creates: %v %v", lq, err)
	}

	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil || aws.ToString(got.QueueUrl) != url {
		t.Errorf("GetQueueUrl: %v %v", got, err)
	}
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var missing *types.QueueDoesNotExist
	if !errors.As(err, &missing) || apiCode(err) != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("GetQueueUrl of a missing queue: %v (%s)", err, apiCode(err))
	}

	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"QueueArn": "arn:aws:sqs:us-east-1:000000000000:orders", "VisibilityTimeout": "45", "DelaySeconds": "0",
		"MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0",
		"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
		"SqsManagedSseEnabled": "true",
	}
	for k, v := range want {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	if ts, _ := strconv.ParseInt(attrs.Attributes["CreatedTimestamp"], 10, 64); time.Since(time.Unix(ts, 0)) > time.Hour {
		t.Errorf("CreatedTimestamp %q", attrs.Attributes["CreatedTimestamp"])
	}
	_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "60", "ReceiveMessageWaitTimeSeconds": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"VisibilityTimeout"}})
	if len(one.Attributes) != 1 || one.Attributes["VisibilityTimeout"] != "60" {
		t.Errorf("after SetQueueAttributes: %v", one.Attributes)
	}
	_, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"Colour"}})
	if apiCode(err) != "InvalidAttributeName" {
		t.Errorf("unknown attribute name: %v", err)
	}

	// Tags.
	if _, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"team": "ops", "env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "ops" {
		t.Errorf("ListQueueTags: %v %v", tags, err)
	}

	// Listing with a prefix and pages.
	for i := range 5 {
		f.create(fmt.Sprintf("page-%d", i), nil)
	}
	var pages [][]string
	var token *string
	for {
		out, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("page-"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, out.QueueUrls)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(pages) != 3 || len(pages[2]) != 1 || !strings.HasSuffix(pages[0][0], "/page-0") {
		t.Errorf("pages: %v", pages)
	}

	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
	if !errors.As(err, &missing) {
		t.Errorf("send to a deleted queue: %v", err)
	}
}

func testMessages(f *sdkFixture) {
	t := f.t
	ctx, c := f.ctx, f.c
	url := f.create("work", nil)
	attrs := map[string]types.MessageAttributeValue{
		"colour":       {DataType: aws.String("String"), StringValue: aws.String("blue ✓")},
		"count":        {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"blob":         {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"price":        {DataType: aws.String("Number.float"), StringValue: aws.String("9.99")},
		"trace.custom": {DataType: aws.String("String.custom"), StringValue: aws.String("x")},
	}
	body := "hello\r\nwörld\t<&>"
	sent := f.send(url, body, func(in *sqs.SendMessageInput) {
		in.MessageAttributes = attrs
		in.MessageSystemAttributes = map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		}
	})
	if aws.ToString(sent.MD5OfMessageBody) != md5Hex(body) || aws.ToString(sent.MD5OfMessageAttributes) != sdkAttrMD5(attrs) {
		t.Errorf("send MD5s: %+v", sent)
	}
	sysMD5 := md5OfAttributes(map[string]string{"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}, func(v string) (string, *string, []byte) { return "String", &v, nil })
	if aws.ToString(sent.MD5OfMessageSystemAttributes) != sysMD5 {
		t.Errorf("MD5OfMessageSystemAttributes %s, want %s", aws.ToString(sent.MD5OfMessageSystemAttributes), sysMD5)
	}
	msgs := f.receive(url, 10, visibility(30))
	if len(msgs) != 1 {
		t.Fatalf("received %d", len(msgs))
	}
	m := msgs[0]
	if aws.ToString(m.Body) != body || aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || len(m.MessageAttributes) != 5 ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x00\x01\x02\xff" || aws.ToString(m.MessageAttributes["price"].StringValue) != "9.99" {
		t.Errorf("received %+v", m)
	}
	for _, a := range []string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader"} {
		if m.Attributes[a] == "" {
			t.Errorf("system attribute %s missing: %v", a, m.Attributes)
		}
	}
	if m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["AWSTraceHeader"] != "Root=1-5759e988-bd862e3fe1be46a994272793" {
		t.Errorf("system attributes: %v", m.Attributes)
	}
	// Selecting attributes: by name and by prefix; the MD5 covers what is returned.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	sel := f.receive(url, 1, func(in *sqs.ReceiveMessageInput) {
		in.MessageAttributeNames = []string{"colour", "trace.*"}
		in.MessageSystemAttributeNames = []types.MessageSystemAttributeName{"ApproximateReceiveCount"}
	})
	if len(sel) != 1 || len(sel[0].MessageAttributes) != 2 || sel[0].MessageAttributes["trace.custom"].StringValue == nil ||
		len(sel[0].Attributes) != 1 || sel[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("selected attributes: %+v", sel)
	}
	// The handle of the first receive is stale now: deleting with it
	// succeeds but leaves the message; the latest handle deletes it.
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Errorf("stale delete: %v", err)
	}
	if n := f.count(url, "ApproximateNumberOfMessagesNotVisible"); n != 1 {
		t.Errorf("in flight after a stale delete: %d", n)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: sel[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: sel[0].ReceiptHandle}); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("garbage")})
	var invalid *types.ReceiptHandleIsInvalid
	if !errors.As(err, &invalid) {
		t.Errorf("garbage handle: %v", err)
	}
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: sel[0].ReceiptHandle, VisibilityTimeout: 10})
	if !errors.As(err, &invalid) {
		t.Errorf("visibility of a deleted message: %v", err)
	}

	// Invalid messages change nothing.
	for _, bad := range []struct {
		in   *sqs.SendMessageInput
		code string
	}{
		{&sqs.SendMessageInput{MessageBody: aws.String("\x00")}, "InvalidMessageContents"},
		{&sqs.SendMessageInput{MessageBody: aws.String("x"), DelaySeconds: 901}, "InvalidParameterValue"},
		{&sqs.SendMessageInput{MessageBody: aws.String(strings.Repeat("x", 1<<20+1))}, "InvalidParameterValue"},
		{&sqs.SendMessageInput{MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "InvalidParameterValue"},
		{&sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"aws.x": {DataType: aws.String("String"), StringValue: aws.String("v")}}}, "InvalidParameterValue"},
		{&sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("abc")}}}, "InvalidParameterValue"},
		{&sqs.SendMessageInput{MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Text"), StringValue: aws.String("abc")}}}, "InvalidParameterValue"},
	} {
		bad.in.QueueUrl = aws.String(url)
		_, err := c.SendMessage(ctx, bad.in)
		if apiCode(err) != bad.code {
			t.Errorf("send %.40q: %v, want %s", aws.ToString(bad.in.MessageBody), err, bad.code)
		}
	}
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("MaxNumberOfMessages 11: %v", err)
	}
	if n := f.count(url, "ApproximateNumberOfMessages"); n != 0 {
		t.Errorf("queue has %d messages after bad sends", n)
	}

	// Delayed messages are counted as delayed and not received.
	f.send(url, "later", func(in *sqs.SendMessageInput) { in.DelaySeconds = 600 })
	if n := f.count(url, "ApproximateNumberOfMessagesDelayed"); n != 1 {
		t.Errorf("delayed: %d", n)
	}
	if got := f.receive(url, 10); len(got) != 0 {
		t.Errorf("received a delayed message: %v", bodies(got))
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	var purging *types.PurgeQueueInProgress
	if !errors.As(err, &purging) || apiCode(err) != "AWS.SimpleQueueService.PurgeQueueInProgress" {
		t.Errorf("second purge: %v", err)
	}
	if n := f.count(url, "ApproximateNumberOfMessagesDelayed"); n != 0 {
		t.Errorf("after purge: %d delayed", n)
	}
}

func (f *sdkFixture) count(url, attr string) int {
	f.t.Helper()
	out, err := f.c.GetQueueAttributes(f.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeName(attr)}})
	if err != nil {
		f.t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes[attr])
	return n
}

func testBatches(f *sdkFixture) {
	t := f.t
	ctx, c := f.ctx, f.c
	url := f.create("batch", nil)
	var entries []types.SendMessageBatchRequestEntry
	for i := range 10 {
		e := types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), MessageBody: aws.String(fmt.Sprint("body ", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"i": {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(i))}}}
		if i == 3 {
			e.MessageAttributes["bad name"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
		}
		entries = append(entries, e)
	}
	out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 9 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "e3" ||
		aws.ToString(out.Failed[0].Code) != "InvalidParameterValue" || !out.Failed[0].SenderFault {
		t.Errorf("batch result: %+v", out)
	}
	for _, s := range out.Successful {
		i, _ := strconv.Atoi(strings.TrimPrefix(aws.ToString(s.Id), "e"))
		if aws.ToString(s.MD5OfMessageBody) != md5Hex(fmt.Sprint("body ", i)) || aws.ToString(s.MD5OfMessageAttributes) != sdkAttrMD5(entries[i].MessageAttributes) {
			t.Errorf("entry %s MD5s: %+v", aws.ToString(s.Id), s)
		}
	}
	for _, bad := range []struct {
		entries []types.SendMessageBatchRequestEntry
		code    string
	}{
		{[]types.SendMessageBatchRequestEntry{}, "AWS.SimpleQueueService.EmptyBatchRequest"},
		{append(entries[:10:10], types.SendMessageBatchRequestEntry{Id: aws.String("e10"), MessageBody: aws.String("x")}), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
		{[]types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}, {Id: aws.String("a"), MessageBody: aws.String("y")}}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
		{[]types.SendMessageBatchRequestEntry{{Id: aws.String("no spaces"), MessageBody: aws.String("x")}}, "AWS.SimpleQueueService.InvalidBatchEntryId"},
		{[]types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String(strings.Repeat("x", 600<<10))}, {Id: aws.String("b"), MessageBody: aws.String(strings.Repeat("x", 600<<10))}}, "AWS.SimpleQueueService.BatchRequestTooLong"},
	} {
		_, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: bad.entries})
		if apiCode(err) != bad.code {
			t.Errorf("batch of %d: %v, want %s", len(bad.entries), err, bad.code)
		}
	}
	msgs := f.receive(url, 10)
	if len(msgs) != 9 {
		t.Fatalf("received %d of 9", len(msgs))
	}
	var vis []types.ChangeMessageVisibilityBatchRequestEntry
	var del []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if i < 3 {
			vis = append(vis, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint("v", i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
			continue
		}
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("d", i)), ReceiptHandle: m.ReceiptHandle})
	}
	vis = append(vis, types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String("bogus"), ReceiptHandle: aws.String("nope"), VisibilityTimeout: 5})
	del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String("bogus"), ReceiptHandle: aws.String("nope")})
	vo, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: vis})
	if err != nil || len(vo.Successful) != 3 || len(vo.Failed) != 1 || aws.ToString(vo.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("ChangeMessageVisibilityBatch: %+v %v", vo, err)
	}
	do, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
	if err != nil || len(do.Successful) != 6 || len(do.Failed) != 1 || aws.ToString(do.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Errorf("DeleteMessageBatch: %+v %v", do, err)
	}
	if got := f.receive(url, 10); len(got) != 3 {
		t.Errorf("after the batches: %v", bodies(got))
	}
}

// TestLongPollSDK: a receive waiting 20 s returns the message sent while it
// waits; a waiting receive also wakes when a hidden message becomes
// visible again (visibility expiry and redelivery).
func testLongPoll(f *sdkFixture) {
	t := f.t
	url := f.create("poll", nil)
	got := make(chan []types.Message, 1)
	go func() {
		out, err := f.c.ReceiveMessage(f.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20,
			MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Error(err)
		}
		got <- out.Messages
	}()
	time.Sleep(200 * time.Millisecond) // let the receive start waiting (not a timing assertion)
	f.send(url, "wake up", func(in *sqs.SendMessageInput) {
		in.MessageAttributes = map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}
	})
	msgs := <-got
	if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "wake up" || sdkAttrMD5(msgs[0].MessageAttributes) != aws.ToString(msgs[0].MD5OfMessageAttributes) {
		t.Fatalf("long poll returned %+v", msgs)
	}
	// Hidden for 1 s; a long poll started now gets it again when it
	// reappears, received a second time.
	if _, err := f.c.ChangeMessageVisibility(f.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 1}); err != nil {
		t.Fatal(err)
	}
	again := f.receive(url, 1, wait(20))
	if len(again) != 1 || aws.ToString(again[0].MessageId) != aws.ToString(msgs[0].MessageId) || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("redelivery: %+v", again)
	}
}

// TestDeadLetterSDK: after maxReceiveCount receives, the next receive moves
// the message to the dead-letter queue.
func testDeadLetter(f *sdkFixture) {
	t := f.t
	dlq := f.create("work-dlq", nil)
	dlqARN := "arn:aws:sqs:us-east-1:000000000000:work-dlq"
	// Visibility timeout 0: every receive leaves the message visible.
	src := f.create("work", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlqARN)})
	attrs, _ := f.c.GetQueueAttributes(f.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(src), AttributeNames: []types.QueueAttributeName{"RedrivePolicy"}})
	if want := `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":2}`; attrs.Attributes["RedrivePolicy"] != want {
		t.Errorf("RedrivePolicy %s, want %s", attrs.Attributes["RedrivePolicy"], want)
	}
	sent := f.send(src, "poison", func(in *sqs.SendMessageInput) {
		in.MessageAttributes = map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}
	})
	for i := 1; i <= 2; i++ {
		got := f.receive(src, 1)
		if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Fatalf("receive %d: %+v", i, got)
		}
	}
	// The third receive finds it past maxReceiveCount: it moves.
	if got := f.receive(src, 1); len(got) != 0 {
		t.Fatalf("third receive from the source: %v", bodies(got))
	}
	got := f.receive(dlq, 1)
	if len(got) != 1 || aws.ToString(got[0].MessageId) != aws.ToString(sent.MessageId) || aws.ToString(got[0].Body) != "poison" ||
		got[0].Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:000000000000:work" || got[0].Attributes["ApproximateReceiveCount"] != "1" ||
		aws.ToString(got[0].MessageAttributes["k"].StringValue) != "v" {
		t.Fatalf("dead-letter queue: %+v", got)
	}
	srcs, err := f.c.ListDeadLetterSourceQueues(f.ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if err != nil || !slices.Equal(srcs.QueueUrls, []string{src}) {
		t.Errorf("ListDeadLetterSourceQueues: %v %v", srcs, err)
	}
	// Removing the policy stops the redrive.
	if _, err := f.c.SetQueueAttributes(f.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": ""}}); err != nil {
		t.Fatal(err)
	}
	srcs, _ = f.c.ListDeadLetterSourceQueues(f.ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	if len(srcs.QueueUrls) != 0 {
		t.Errorf("sources after removing the policy: %v", srcs.QueueUrls)
	}
}

// TestFIFOSDK: deduplication by ID and by content, strict order within a
// group, a group with a message in flight delivers nothing more.
func testFIFO(f *sdkFixture) {
	t := f.t
	url := f.create("jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	var seqs []string
	send := func(group, body, dedup string) *sqs.SendMessageOutput {
		out := f.send(url, body, func(in *sqs.SendMessageInput) {
			in.MessageGroupId = aws.String(group)
			if dedup != "" {
				in.MessageDeduplicationId = aws.String(dedup)
			}
		})
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
		return out
	}
	a1 := send("a", "a1", "")
	send("b", "b1", "")
	send("a", "a2", "")
	send("a", "a3", "id-a3")
	dup := send("a", "a1", "") // same content within 5 minutes
	if aws.ToString(dup.MessageId) != aws.ToString(a1.MessageId) {
		t.Errorf("duplicate got a new message ID")
	}
	send("a", "a3 again", "id-a3") // same deduplication ID
	if !slices.IsSorted(seqs[:4]) || seqs[0] == "" {
		t.Errorf("sequence numbers %v", seqs)
	}
	_, err := f.c.SendMessage(f.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
	if apiCode(err) != "MissingParameter" {
		t.Errorf("no MessageGroupId: %v", err)
	}
	_, err = f.c.SendMessage(f.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageGroupId: aws.String("a"), DelaySeconds: 5})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("per-message delay on FIFO: %v", err)
	}

	first := f.receive(url, 2)
	if !slices.Equal(bodies(first), []string{"a1", "b1"}) {
		t.Fatalf("first receive: %v", bodies(first))
	}
	if got := f.receive(url, 10); len(got) != 0 {
		t.Fatalf("groups in flight, yet got %v", bodies(got))
	}
	if _, err := f.c.DeleteMessage(f.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	next := f.receive(url, 10)
	if !slices.Equal(bodies(next), []string{"a2", "a3"}) {
		t.Fatalf("after deleting a1: %v", bodies(next))
	}
	m := next[1]
	if m.Attributes["MessageGroupId"] != "a" || m.Attributes["MessageDeduplicationId"] != "id-a3" || m.Attributes["SequenceNumber"] != seqs[3] {
		t.Errorf("FIFO system attributes: %v", m.Attributes)
	}
	// A retried receive with the same attempt ID gets the same messages.
	if _, err := f.c.DeleteMessage(f.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[1].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	send("b", "b2", "")
	try1 := f.receive(url, 10, func(in *sqs.ReceiveMessageInput) { in.ReceiveRequestAttemptId = aws.String("attempt-1") })
	try2 := f.receive(url, 10, func(in *sqs.ReceiveMessageInput) { in.ReceiveRequestAttemptId = aws.String("attempt-1") })
	if !slices.Equal(bodies(try1), []string{"b2"}) || len(try2) != 1 || aws.ToString(try2[0].ReceiptHandle) != aws.ToString(try1[0].ReceiptHandle) {
		t.Errorf("receive attempts: %v then %v", bodies(try1), bodies(try2))
	}
}
