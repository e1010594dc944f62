package events_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
)

// The harness: EventBridge on a real SQLite database in a temp directory,
// a fake clock, and recording fakes for the services targets reach (the
// true edges of the package).

const (
	acct   = "000000000000"
	region = "us-east-1"
	qARN   = "arn:aws:sqs:us-east-1:000000000000:"
	topic  = "arn:aws:sns:us-east-1:000000000000:alerts"
)

var t0 = time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)

type sent struct {
	ARN string
	events.QueueMessage
	At time.Time
}

// fakeSQS records messages; queues in fail answer with the error given.
type fakeSQS struct {
	clock *steward.FakeClock
	mu    sync.Mutex
	msgs  []sent
	fail  map[string]error
	got   chan sent
}

func (f *fakeSQS) SendToQueue(_ context.Context, arn string, m events.QueueMessage) error {
	f.mu.Lock()
	err := f.fail[arn]
	s := sent{ARN: arn, QueueMessage: m, At: f.clock.Now()}
	if err == nil {
		f.msgs = append(f.msgs, s)
	}
	f.mu.Unlock()
	select {
	case f.got <- s:
	default:
	}
	return err
}

func (f *fakeSQS) setFail(arn string, err error) {
	f.mu.Lock()
	f.fail[arn] = err
	f.mu.Unlock()
}

// to returns the messages sent to a queue.
func (f *fakeSQS) to(arn string) []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sent
	for _, m := range f.msgs {
		if m.ARN == arn {
			out = append(out, m)
		}
	}
	return out
}

type fakeSNS struct {
	mu   sync.Mutex
	msgs []string
}

func (f *fakeSNS) PublishToTopic(_ context.Context, arn, message string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, arn+" "+message)
	return nil
}

type fakeCommands struct {
	mu   sync.Mutex
	reqs []events.CommandRequest
}

func (f *fakeCommands) SendCommand(_ context.Context, req events.CommandRequest) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	return "cmd-1", nil
}

type harness struct {
	t     *testing.T
	ctx   context.Context
	db    *sqlstore.DB
	clock *steward.FakeClock
	sqs   *fakeSQS
	sns   *fakeSNS
	cmds  *fakeCommands
	b     *events.Buses
	opts  events.Options
}

func newHarness(t *testing.T, mod ...func(*events.Options)) *harness {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(t0)
	h := &harness{t: t, ctx: context.Background(), db: db, clock: clock,
		sqs: &fakeSQS{clock: clock, fail: map[string]error{}, got: make(chan sent, 1024)}, sns: &fakeSNS{}, cmds: &fakeCommands{}}
	h.opts = events.Options{Clock: clock, Account: acct, Region: region, Queues: h.sqs, Topics: h.sns, Commands: h.cmds,
		Exclusive: true, Poll: time.Hour, OutboxPoll: time.Hour, Workers: 4}
	for _, m := range mod {
		m(&h.opts)
	}
	h.open()
	return h
}

// open (re)opens Buses on the harness's database.
func (h *harness) open() {
	h.t.Helper()
	h.b = events.New(sqlstore.NewEventsStore(h.db), h.opts)
	if err := h.b.Open(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	b := h.b
	h.t.Cleanup(func() { b.Close() })
}

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) rule(name, pattern string, targets ...events.Target) {
	h.t.Helper()
	_, err := h.b.PutRule(h.ctx, events.PutRuleInput{Name: name, EventPattern: &pattern})
	h.must(err)
	if len(targets) > 0 {
		failed, err := h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: name, Targets: targets})
		h.must(err)
		if len(failed) > 0 {
			h.t.Fatalf("PutTargets failed entries: %+v", failed)
		}
	}
}

func (h *harness) put(source, detailType, detail string) string {
	h.t.Helper()
	res, err := h.b.PutEvents(h.ctx, []events.PutEventsEntry{{Source: &source, DetailType: &detailType, Detail: &detail}})
	h.must(err)
	if res[0].ErrorCode != "" {
		h.t.Fatalf("PutEvents: %s %s", res[0].ErrorCode, res[0].ErrorMessage)
	}
	return res[0].EventID
}

// waitFor waits until cond holds (the engine works in the background).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle waits until no delivery row is left.
func (h *harness) settle() {
	h.t.Helper()
	st := sqlstore.NewEventsStore(h.db)
	h.waitFor("deliveries to finish", func() bool {
		n, err := st.CountDeliveries(h.ctx)
		return err == nil && n == 0
	})
}

// next waits for the next message sent (or refused) by the fake SQS.
func (h *harness) next() sent {
	h.t.Helper()
	select {
	case s := <-h.sqs.got:
		return s
	case <-time.After(20 * time.Second):
		h.t.Fatal("timed out waiting for a message to SQS")
	}
	return sent{}
}

func str(s string) *string { return &s }
func num(n int) *int       { return &n }

func sqsTarget(id, queue string) events.Target { return events.Target{ID: id, ARN: qARN + queue} }

// decode reads a JSON body.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return m
}
