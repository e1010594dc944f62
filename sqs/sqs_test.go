package sqs_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
)

const (
	account = "123456789012"
	region  = "eu-west-1"
)

var t0 = time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)

// fakeTimers hands out timer channels the test fires by hand, so long-poll
// timeouts and visibility re-checks happen without waiting.
type fakeTimers struct {
	mu      sync.Mutex
	pending []chan time.Time
	added   chan struct{}
}

func newFakeTimers() *fakeTimers { return &fakeTimers{added: make(chan struct{}, 1000)} }

func (f *fakeTimers) After(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f.mu.Lock()
	f.pending = append(f.pending, c)
	f.mu.Unlock()
	f.added <- struct{}{}
	return c
}

// reset forgets the timers handed out so far.
func (f *fakeTimers) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = nil
	for {
		select {
		case <-f.added:
		default:
			return
		}
	}
}

// fireAll fires every timer handed out so far.
func (f *fakeTimers) fireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.pending {
		select {
		case c <- time.Time{}:
		default:
		}
	}
	f.pending = nil
}

type fixture struct {
	t      *testing.T
	q      *sqs.Queues
	db     *sqlstore.DB
	clock  *steward.FakeClock
	timers *fakeTimers
	ctx    context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(t0)
	timers := newFakeTimers()
	q := sqs.New(sqlstore.NewSQSStore(db), sqs.Env{Clock: clock, Account: account, Region: region},
		sqs.Options{After: timers.After, CacheTTL: -1})
	t.Cleanup(func() { q.Close() })
	ctx := steward.WithCaller(context.Background(), &steward.Caller{Account: account, UserID: "AIDATESTUSER", Endpoint: "http://sqs.test:4580"})
	return &fixture{t: t, q: q, db: db, clock: clock, timers: timers, ctx: ctx}
}

func (f *fixture) create(name string, attrs map[string]string) string {
	f.t.Helper()
	url, err := f.q.CreateQueue(f.ctx, name, attrs, nil)
	if err != nil {
		f.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return url
}

func (f *fixture) send(url, body string, mod ...func(*sqs.SendInput)) *sqs.SendResult {
	f.t.Helper()
	in := sqs.SendInput{Body: body}
	for _, m := range mod {
		m(&in)
	}
	r, err := f.q.SendMessage(f.ctx, url, in)
	if err != nil {
		f.t.Fatalf("SendMessage %q: %v", body, err)
	}
	return r
}

func (f *fixture) receive(url string, n int, mod ...func(*sqs.ReceiveInput)) []*sqs.Message {
	f.t.Helper()
	in := sqs.ReceiveInput{MaxNumberOfMessages: &n, WaitTimeSeconds: ptr(0), SystemAttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}}
	for _, m := range mod {
		m(&in)
	}
	msgs, err := f.q.ReceiveMessage(f.ctx, url, in)
	if err != nil {
		f.t.Fatalf("ReceiveMessage: %v", err)
	}
	return msgs
}

func ptr[T any](v T) *T { return &v }

func bodies(ms []*sqs.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Errorf("error %v, want code %s", err, code)
	}
}

func TestQueueURLsAndARNs(t *testing.T) {
	f := newFixture(t)
	url := f.create("orders", nil)
	if url != "http://sqs.test:4580/"+account+"/orders" {
		t.Errorf("URL %s", url)
	}
	// Any host and scheme is accepted back: clients keep what they got.
	for _, u := range []string{url, "https://elsewhere/" + account + "/orders", "/" + account + "/orders"} {
		if _, err := f.q.GetQueueAttributes(f.ctx, u, []string{"QueueArn"}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://x/999999999999/orders", "http://x/orders", "orders", "http://x/" + account + "/orders/extra"} {
		_, err := f.q.GetQueueAttributes(f.ctx, u, nil)
		wantCode(t, err, sqs.CodeQueueDoesNotExist)
	}
	id, err := f.q.SendByARN(f.ctx, "arn:aws:sqs:"+region+":"+account+":orders", sqs.Outbound{Body: "from SNS"})
	if err != nil || id == "" {
		t.Fatalf("SendByARN: %q %v", id, err)
	}
	_, err = f.q.SendByARN(f.ctx, "arn:aws:sqs:us-east-1:"+account+":orders", sqs.Outbound{Body: "x"})
	wantCode(t, err, sqs.CodeQueueDoesNotExist)
	_, err = f.q.SendByARN(f.ctx, "arn:aws:sqs:"+region+":"+account+":nope", sqs.Outbound{Body: "x"})
	wantCode(t, err, sqs.CodeQueueDoesNotExist)
	if got := f.receive(url, 10); len(got) != 1 || got[0].Body != "from SNS" || got[0].MessageID != id {
		t.Errorf("received %+v", got)
	}
}

func TestQueueAttributeRules(t *testing.T) {
	f := newFixture(t)
	url := f.create("q", map[string]string{"VisibilityTimeout": " 45", "SqsManagedSseEnabled": "TRUE"})
	attrs, err := f.q.GetQueueAttributes(f.ctx, url, []string{"All"})
	if err != nil {
		t.Fatal(err)
	}
	if attrs["VisibilityTimeout"] != "45" || attrs["SqsManagedSseEnabled"] != "true" || attrs["QueueArn"] != "arn:aws:sqs:"+region+":"+account+":q" ||
		attrs["CreatedTimestamp"] != strconv.FormatInt(t0.Unix(), 10) || attrs["FifoQueue"] != "" || attrs["Policy"] != "" {
		t.Errorf("attributes: %v", attrs)
	}
	// Same value in another spelling is the same queue.
	if _, err := f.q.CreateQueue(f.ctx, "q", map[string]string{"VisibilityTimeout": "45"}, nil); err != nil {
		t.Errorf("idempotent create: %v", err)
	}
	_, err = f.q.CreateQueue(f.ctx, "q", map[string]string{"DelaySeconds": "5"}, nil)
	wantCode(t, err, sqs.CodeQueueNameExists)

	f.clock.Advance(time.Minute)
	for _, tc := range []struct {
		attrs map[string]string
		code  string
	}{
		{map[string]string{"MaximumMessageSize": "1023"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"MessageRetentionPeriod": "59"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"ReceiveMessageWaitTimeSeconds": "21"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"DelaySeconds": "x"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"Policy": "{not json"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"FifoQueue": "true"}, sqs.CodeInvalidAttributeValue},
		{map[string]string{"ApproximateNumberOfMessages": "3"}, sqs.CodeInvalidAttributeName},
		{map[string]string{"DeduplicationScope": "queue"}, sqs.CodeInvalidAttributeName},
		{map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue"}`}, sqs.CodeInvalidParameterValue},
		{map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:q","maxReceiveCount":1001}`}, sqs.CodeInvalidParameterValue},
		{map[string]string{}, sqs.CodeMissingParameter},
	} {
		err := f.q.SetQueueAttributes(f.ctx, url, tc.attrs)
		wantCode(t, err, tc.code)
	}
	after, _ := f.q.GetQueueAttributes(f.ctx, url, []string{"All"})
	delete(after, "ApproximateNumberOfMessages")
	delete(attrs, "ApproximateNumberOfMessages")
	if !mapsEqual(attrs, after) {
		t.Errorf("bad SetQueueAttributes changed something:\n%v\n%v", attrs, after)
	}
	if err := f.q.SetQueueAttributes(f.ctx, url, map[string]string{"DelaySeconds": "7", "KmsMasterKeyId": "alias/aws/sqs"}); err != nil {
		t.Fatal(err)
	}
	after, _ = f.q.GetQueueAttributes(f.ctx, url, []string{"All"})
	if after["DelaySeconds"] != "7" || after["LastModifiedTimestamp"] != strconv.FormatInt(t0.Add(time.Minute).Unix(), 10) ||
		after["KmsMasterKeyId"] != "alias/aws/sqs" || after["KmsDataKeyReusePeriodSeconds"] != "300" || after["SqsManagedSseEnabled"] != "false" {
		t.Errorf("after SetQueueAttributes: %v", after)
	}

	// FIFO queues: the name and the attribute go together.
	_, err = f.q.CreateQueue(f.ctx, "f.fifo", nil, nil)
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	_, err = f.q.CreateQueue(f.ctx, "f", map[string]string{"FifoQueue": "true"}, nil)
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	_, err = f.q.CreateQueue(f.ctx, "f.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}, nil)
	wantCode(t, err, sqs.CodeInvalidAttributeValue)
	furl := f.create("f.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
	fa, _ := f.q.GetQueueAttributes(f.ctx, furl, []string{"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope"})
	if !mapsEqual(fa, map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "false", "DeduplicationScope": "messageGroup"}) {
		t.Errorf("FIFO attributes: %v", fa)
	}
	// A standard queue cannot use a FIFO dead-letter queue.
	err = f.q.SetQueueAttributes(f.ctx, url, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:f.fifo","maxReceiveCount":3}`})
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	// RedriveAllowPolicy on the target is honoured.
	dlq := f.create("dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:eu-west-1:123456789012:other"]}`})
	err = f.q.SetQueueAttributes(f.ctx, url, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:dlq","maxReceiveCount":3}`})
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	if err := f.q.SetQueueAttributes(f.ctx, dlq, map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"allowAll"}`}); err != nil {
		t.Fatal(err)
	}
	if err := f.q.SetQueueAttributes(f.ctx, url, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:dlq","maxReceiveCount":3}`}); err != nil {
		t.Errorf("redrive allowed by allowAll: %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	url, err := f.q.CreateQueue(f.ctx, "t", nil, map[string]string{"a": "1"})
	if err != nil {
		t.Fatal(err)
	}
	many := map[string]string{}
	for i := range 50 {
		many[strconv.Itoa(i)] = "v"
	}
	wantCode(t, f.q.TagQueue(f.ctx, url, many), sqs.CodeInvalidParameterValue) // 51 with "a"
	wantCode(t, f.q.TagQueue(f.ctx, url, map[string]string{"aws:x": "v"}), sqs.CodeInvalidParameterValue)
	wantCode(t, f.q.TagQueue(f.ctx, url, nil), sqs.CodeMissingParameter)
	if err := f.q.TagQueue(f.ctx, url, map[string]string{"b": "2", "a": "one"}); err != nil {
		t.Fatal(err)
	}
	if err := f.q.UntagQueue(f.ctx, url, []string{"b", "zzz"}); err != nil {
		t.Fatal(err)
	}
	tags, err := f.q.ListQueueTags(f.ctx, url)
	if err != nil || !mapsEqual(tags, map[string]string{"a": "one"}) {
		t.Errorf("tags %v %v", tags, err)
	}
}

func TestVisibilityRules(t *testing.T) {
	f := newFixture(t)
	url := f.create("v", map[string]string{"VisibilityTimeout": "30"})
	f.send(url, "m")
	m := f.receive(url, 1)[0]
	if m.Attributes["ApproximateFirstReceiveTimestamp"] != strconv.FormatInt(t0.UnixMilli(), 10) || m.Attributes["SenderId"] != "AIDATESTUSER" {
		t.Errorf("system attributes %v", m.Attributes)
	}
	// In flight until the timeout.
	f.clock.Advance(29 * time.Second)
	if got := f.receive(url, 1); len(got) != 0 {
		t.Fatalf("received in flight: %v", bodies(got))
	}
	// Extend by 12 hours from now: beyond 12 h after the receive.
	wantCode(t, f.q.ChangeMessageVisibility(f.ctx, url, m.ReceiptHandle, 43200), sqs.CodeInvalidParameterValue)
	wantCode(t, f.q.ChangeMessageVisibility(f.ctx, url, m.ReceiptHandle, 43201), sqs.CodeInvalidParameterValue)
	if err := f.q.ChangeMessageVisibility(f.ctx, url, m.ReceiptHandle, 60); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(59 * time.Second)
	if got := f.receive(url, 1); len(got) != 0 {
		t.Fatalf("received before the extension ran out")
	}
	f.clock.Advance(time.Second)
	again := f.receive(url, 1)
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" || again[0].Attributes["ApproximateFirstReceiveTimestamp"] != m.Attributes["ApproximateFirstReceiveTimestamp"] {
		t.Fatalf("redelivery %+v", again)
	}
	// The old handle is stale: no visibility change, and a delete with it
	// leaves the message.
	wantCode(t, f.q.ChangeMessageVisibility(f.ctx, url, m.ReceiptHandle, 10), sqs.CodeReceiptHandleIsInvalid)
	if err := f.q.DeleteMessage(f.ctx, url, m.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	// Visible again, not in flight: MessageNotInflight.
	f.clock.Advance(31 * time.Second)
	wantCode(t, f.q.ChangeMessageVisibility(f.ctx, url, again[0].ReceiptHandle, 10), sqs.CodeMessageNotInflight)
	// A handle of another queue is invalid here.
	other := f.create("other", nil)
	wantCode(t, f.q.DeleteMessage(f.ctx, other, again[0].ReceiptHandle), sqs.CodeReceiptHandleIsInvalid)
	if err := f.q.DeleteMessage(f.ctx, url, again[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if got := f.receive(url, 10); len(got) != 0 {
		t.Errorf("deleted message came back: %v", bodies(got))
	}
}

func TestRetention(t *testing.T) {
	f := newFixture(t)
	url := f.create("r", map[string]string{"MessageRetentionPeriod": "60"})
	f.send(url, "old")
	f.clock.Advance(30 * time.Second)
	f.send(url, "new")
	f.clock.Advance(31 * time.Second)
	if got := f.receive(url, 10, func(in *sqs.ReceiveInput) { in.VisibilityTimeout = ptr(0) }); !slices.Equal(bodies(got), []string{"new"}) {
		t.Errorf("receive after retention: %v", bodies(got))
	}
	if err := f.q.Sweep(f.ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.db.QueryRow(f.ctx, `SELECT COUNT(*) FROM sqs_messages`).Scan(&n); err != nil || n != 1 {
		t.Errorf("stored after sweep: %d %v", n, err)
	}
}

func TestDelays(t *testing.T) {
	f := newFixture(t)
	url := f.create("d", map[string]string{"DelaySeconds": "10"})
	f.send(url, "queue delay")
	f.send(url, "no delay", func(in *sqs.SendInput) { in.DelaySeconds = ptr(0) })
	if got := f.receive(url, 10); !slices.Equal(bodies(got), []string{"no delay"}) {
		t.Errorf("before: %v", bodies(got))
	}
	attrs, _ := f.q.GetQueueAttributes(f.ctx, url, []string{"ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"})
	if attrs["ApproximateNumberOfMessagesDelayed"] != "1" || attrs["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("counts %v", attrs)
	}
	f.clock.Advance(10 * time.Second)
	if got := f.receive(url, 10); !slices.Equal(bodies(got), []string{"queue delay"}) {
		t.Errorf("after: %v", bodies(got))
	}
}

// TestLongPollWakes: a waiting receive returns as soon as a message is
// sent, or when its wait runs out (timers fired by hand), or at once when
// the queues close.
func TestLongPollWakes(t *testing.T) {
	f := newFixture(t)
	url := f.create("lp", nil)
	got := make(chan []*sqs.Message)
	go func() { got <- f.receive(url, 10, func(in *sqs.ReceiveInput) { in.WaitTimeSeconds = ptr(20) }) }()
	<-f.timers.added // the poll has found nothing and waits
	f.send(url, "hello")
	if msgs := <-got; !slices.Equal(bodies(msgs), []string{"hello"}) {
		t.Fatalf("woken receive: %v", bodies(msgs))
	}
	// Timeout: empty.
	f.timers.reset()
	go func() { got <- f.receive(url, 10, func(in *sqs.ReceiveInput) { in.WaitTimeSeconds = ptr(20) }) }()
	<-f.timers.added
	<-f.timers.added // the timeout and the re-check at "hello"'s visibility expiry
	f.timers.fireAll()
	if msgs := <-got; len(msgs) != 0 {
		t.Fatalf("timed-out receive: %v", bodies(msgs))
	}
	// Visibility expiry wakes a waiter: move the clock past it and fire.
	f.timers.reset()
	go func() { got <- f.receive(url, 10, func(in *sqs.ReceiveInput) { in.WaitTimeSeconds = ptr(20) }) }()
	<-f.timers.added
	<-f.timers.added
	f.clock.Advance(31 * time.Second)
	f.timers.fireAll()
	if msgs := <-got; !slices.Equal(bodies(msgs), []string{"hello"}) {
		t.Fatalf("after visibility expiry: %v", bodies(msgs))
	}
	// Close answers every waiter.
	f.timers.reset()
	go func() { got <- f.receive(url, 10, func(in *sqs.ReceiveInput) { in.WaitTimeSeconds = ptr(20) }) }()
	<-f.timers.added
	<-f.timers.added
	f.q.Close()
	if msgs := <-got; len(msgs) != 0 {
		t.Fatalf("after close: %v", bodies(msgs))
	}
}

func TestDeadLetterFIFO(t *testing.T) {
	f := newFixture(t)
	dlq := f.create("dlq.fifo", map[string]string{"FifoQueue": "true"})
	src := f.create("src.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "0",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:123456789012:dlq.fifo","maxReceiveCount":1}`})
	for _, b := range []string{"a1", "a2"} {
		f.send(src, b, func(in *sqs.SendInput) { in.GroupID = "a" })
	}
	if got := f.receive(src, 1); !slices.Equal(bodies(got), []string{"a1"}) {
		t.Fatalf("first: %v", bodies(got))
	}
	// a1 moves; a2 is next in the group.
	if got := f.receive(src, 1); !slices.Equal(bodies(got), []string{"a2"}) {
		t.Fatalf("second: %v", bodies(got))
	}
	dead := f.receive(dlq, 10)
	if len(dead) != 1 || dead[0].Body != "a1" || dead[0].Attributes["MessageGroupId"] != "a" ||
		dead[0].Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:eu-west-1:123456789012:src.fifo" {
		t.Errorf("dead letters: %+v", dead)
	}
}

func TestFIFODedupWindow(t *testing.T) {
	f := newFixture(t)
	url := f.create("d.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup"})
	first := f.send(url, "x", func(in *sqs.SendInput) { in.GroupID, in.DeduplicationID = "g1", "same" })
	dup := f.send(url, "y", func(in *sqs.SendInput) { in.GroupID, in.DeduplicationID = "g1", "same" })
	other := f.send(url, "z", func(in *sqs.SendInput) { in.GroupID, in.DeduplicationID = "g2", "same" }) // another scope
	if dup.MessageID != first.MessageID || dup.SequenceNumber != first.SequenceNumber || other.MessageID == first.MessageID {
		t.Errorf("dedup by group: %+v %+v %+v", first, dup, other)
	}
	f.clock.Advance(5 * time.Minute)
	late := f.send(url, "w", func(in *sqs.SendInput) { in.GroupID, in.DeduplicationID = "g1", "same" })
	if late.MessageID == first.MessageID {
		t.Errorf("deduplicated after the window")
	}
	if got := f.receive(url, 10); !slices.Equal(bodies(got), []string{"x", "z", "w"}) {
		t.Errorf("stored: %v", bodies(got))
	}
	_, err := f.q.SendMessage(f.ctx, url, sqs.SendInput{Body: "x", GroupID: "g"})
	wantCode(t, err, sqs.CodeInvalidParameterValue) // no dedup ID, no content-based deduplication
	_, err = f.q.SendMessage(f.ctx, url, sqs.SendInput{Body: "x", GroupID: "bad group", DeduplicationID: "d"})
	wantCode(t, err, sqs.CodeInvalidParameterValue)
}

func TestPurgeInterval(t *testing.T) {
	f := newFixture(t)
	url := f.create("p", nil)
	f.send(url, "a")
	if err := f.q.PurgeQueue(f.ctx, url); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(59 * time.Second)
	wantCode(t, f.q.PurgeQueue(f.ctx, url), sqs.CodePurgeQueueInProgress)
	f.clock.Advance(time.Second)
	if err := f.q.PurgeQueue(f.ctx, url); err != nil {
		t.Errorf("purge after 60 s: %v", err)
	}
}

func TestListQueuesPaging(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.create("q"+strconv.Itoa(i), nil)
	}
	f.create("other", nil)
	var all []string
	page := sqs.Page{MaxResults: ptr(3)}
	for {
		urls, next, err := f.q.ListQueues(f.ctx, "q", page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, urls...)
		if next == "" {
			break
		}
		page.NextToken = next
	}
	if len(all) != 7 {
		t.Errorf("paged: %v", all)
	}
	_, _, err := f.q.ListQueues(f.ctx, "", sqs.Page{MaxResults: ptr(1001)})
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	_, _, err = f.q.ListQueues(f.ctx, "", sqs.Page{NextToken: "garbage!"})
	wantCode(t, err, sqs.CodeInvalidParameterValue)
	urls, next, _ := f.q.ListQueues(f.ctx, "", sqs.Page{})
	if len(urls) != 8 || next != "" {
		t.Errorf("unpaged: %d %q", len(urls), next)
	}
}
