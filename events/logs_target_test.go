package events_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/events"
)

// fakeLogs records log events; groups in missing answer NO_RESOURCE.
type fakeLogs struct {
	mu      sync.Mutex
	got     []logWrite
	missing map[string]bool
}

type logWrite struct {
	Group, Stream, Message string
	At                     time.Time
}

func (f *fakeLogs) WriteLog(_ context.Context, group, stream string, at time.Time, message string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.missing[group] {
		return events.Permanent(events.ErrNoResource, "The log group %s does not exist.", group)
	}
	f.got = append(f.got, logWrite{group, stream, message, at})
	return nil
}

func (f *fakeLogs) writes() []logWrite {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]logWrite(nil), f.got...)
}

const lgARN = "arn:aws:logs:us-east-1:000000000000:log-group:"

// TestLogGroupTarget: the event is one log event in a stream named after
// the event ID, stamped with the event's time; a transformer's
// {"timestamp","message"} is unwrapped; other transformer output and a
// missing group go to the dead-letter queue without retries.
func TestLogGroupTarget(t *testing.T) {
	fl := &fakeLogs{missing: map[string]bool{"/gone": true}}
	h := newHarness(t, func(o *events.Options) { o.Logs = fl })
	h.rule("r", `{"source":["app"]}`,
		events.Target{ID: "plain", ARN: lgARN + "/aws/events/app"},
		events.Target{ID: "tx", ARN: lgARN + "/tx", InputTransformer: &events.InputTransformer{
			PathsMap: map[string]string{"t": "$.time", "o": "$.detail.order"},
			Template: `{"timestamp":<t>,"message":"order <o>"}`}},
		events.Target{ID: "txobj", ARN: lgARN + "/txobj", InputTransformer: &events.InputTransformer{
			PathsMap: map[string]string{"d": "$.detail"}, Template: `{"timestamp":1790000000000,"message":<d>}`}},
		events.Target{ID: "badtx", ARN: lgARN + "/tx", DeadLetterARN: qARN + "dlq", InputTransformer: &events.InputTransformer{
			PathsMap: map[string]string{"o": "$.detail.order"}, Template: `"order <o>"`}},
		events.Target{ID: "gone", ARN: lgARN + "/gone", DeadLetterARN: qARN + "dlq"},
	)
	h.rule("r2", `{"source":["app"]}`, events.Target{ID: "star", ARN: lgARN + "/aws/events/star:*"})
	id := h.put("app", "Order", `{"order":"o-1"}`)
	h.settle()
	got := map[string]logWrite{}
	for _, w := range fl.writes() {
		got[w.Group] = w
	}
	if len(got) != 4 {
		t.Fatalf("writes = %+v", fl.writes())
	}
	for _, g := range []string{"/aws/events/app", "/aws/events/star"} {
		w := got[g]
		if w.Stream != id || !w.At.Equal(t0) || decode(t, w.Message)["id"] != id {
			t.Errorf("%s: %+v", g, w)
		}
	}
	if w := got["/tx"]; w.Message != "order o-1" || !w.At.Equal(t0) || w.Stream != id {
		t.Errorf("transformed: %+v", w)
	}
	if w := got["/txobj"]; w.Message != `{"order":"o-1"}` || w.At.UnixMilli() != 1790000000000 {
		t.Errorf("transformed to an object: %+v", w)
	}
	codes := map[string]int{}
	for _, m := range h.sqs.to(qARN + "dlq") {
		codes[m.Attributes["ERROR_CODE"]]++
		if m.Attributes["RETRY_ATTEMPTS"] != "0" {
			t.Errorf("retried: %v", m.Attributes)
		}
	}
	if codes["NO_RESOURCE"] != 1 || codes["INVALID_PARAMETER"] != 1 {
		t.Errorf("dead letters = %v", codes)
	}
}

// TestLogGroupTargetARNs: another region or account is a FailedEntries
// entry, a malformed log-group ARN a ValidationException.
func TestLogGroupTargetARNs(t *testing.T) {
	h := newHarness(t)
	_, err := h.b.PutRule(h.ctx, events.PutRuleInput{Name: "r", EventPattern: str(`{"source":["app"]}`)})
	h.must(err)
	failed, err := h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "r", Targets: []events.Target{
		{ID: "other", ARN: "arn:aws:logs:eu-west-1:000000000000:log-group:x"}}})
	if err != nil || len(failed) != 1 {
		t.Errorf("other region: %v, %v", failed, err)
	}
	for _, arn := range []string{lgARN, lgARN + "a:b:c"} {
		if _, err := h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "r", Targets: []events.Target{{ID: "x", ARN: arn}}}); err == nil {
			t.Errorf("%s accepted", arn)
		}
	}
}
