package events_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/sqlstore"
)

func code(err error) string { return steward.ErrorCode(err) }

func TestRuleValidation(t *testing.T) {
	h := newHarness(t)
	ctx := h.ctx
	cases := []struct {
		name string
		in   events.PutRuleInput
		want string
	}{
		{"no pattern or schedule", events.PutRuleInput{Name: "r"}, events.CodeValidation},
		{"bad name", events.PutRuleInput{Name: "a b", EventPattern: str(`{"source":["x"]}`)}, events.CodeValidation},
		{"long name", events.PutRuleInput{Name: strings.Repeat("a", 65), EventPattern: str(`{"source":["x"]}`)}, events.CodeValidation},
		{"bad pattern", events.PutRuleInput{Name: "r", EventPattern: str(`{"source":"x"}`)}, events.CodeInvalidEventPattern},
		{"bad schedule", events.PutRuleInput{Name: "r", ScheduleExpression: str("rate(1 minutes)")}, events.CodeValidation},
		{"bad state", events.PutRuleInput{Name: "r", EventPattern: str(`{"source":["x"]}`), State: str("ON")}, events.CodeValidation},
		{"no such bus", events.PutRuleInput{Name: "r", EventPattern: str(`{"source":["x"]}`), EventBusName: str("nope")}, events.CodeResourceNotFound},
		{"aws: tag", events.PutRuleInput{Name: "r", EventPattern: str(`{"source":["x"]}`), Tags: []events.Tag{{Key: "aws:x"}}}, events.CodeValidation},
	}
	for _, c := range cases {
		if _, err := h.b.PutRule(ctx, c.in); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := h.b.CreateEventBus(ctx, events.CreateBusInput{Name: "custom"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.b.CreateEventBus(ctx, events.CreateBusInput{Name: "custom"}); code(err) != events.CodeResourceAlreadyExists {
		t.Errorf("second CreateEventBus: %v", err)
	}
	if _, err := h.b.PutRule(ctx, events.PutRuleInput{Name: "s", EventBusName: str("custom"), ScheduleExpression: str("rate(1 minute)")}); code(err) != events.CodeValidation {
		t.Errorf("schedule on a custom bus: %v", err)
	}
	arn, err := h.b.PutRule(ctx, events.PutRuleInput{Name: "r", EventBusName: str("arn:aws:events:us-east-1:000000000000:event-bus/custom"), EventPattern: str(`{"source":["x"]}`)})
	if err != nil || arn != "arn:aws:events:us-east-1:000000000000:rule/custom/r" {
		t.Errorf("PutRule by bus ARN = %s, %v", arn, err)
	}
	if _, err := h.b.DescribeRule(ctx, nil, "r"); code(err) != events.CodeResourceNotFound {
		t.Errorf("DescribeRule on the wrong bus: %v", err)
	}
	if err := h.b.DeleteEventBus(ctx, "default"); code(err) != events.CodeValidation {
		t.Errorf("DeleteEventBus(default): %v", err)
	}
	if err := h.b.DeleteRule(ctx, nil, "never-was", false); err != nil {
		t.Errorf("DeleteRule of a missing rule: %v", err)
	}
	if err := h.b.EnableRule(ctx, nil, "never-was"); code(err) != events.CodeResourceNotFound {
		t.Errorf("EnableRule of a missing rule: %v", err)
	}
}

func TestTargetValidation(t *testing.T) {
	h := newHarness(t)
	h.rule("r", `{"source":["x"]}`)
	put := func(ts ...events.Target) ([]events.TargetFailure, error) {
		return h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "r", Targets: ts})
	}
	bad := []struct {
		name string
		t    events.Target
	}{
		{"input and path", events.Target{ID: "a", ARN: qARN + "q", Input: str(`{}`), InputPath: str("$.detail")}},
		{"input not JSON", events.Target{ID: "a", ARN: qARN + "q", Input: str(`{`)}},
		{"bad path", events.Target{ID: "a", ARN: qARN + "q", InputPath: str("detail")}},
		{"bad template", events.Target{ID: "a", ARN: qARN + "q", InputTransformer: &events.InputTransformer{PathsMap: map[string]string{"v": "$.x"}, Template: `{<v>: 1}`}}},
		{"reserved variable", events.Target{ID: "a", ARN: qARN + "q", InputTransformer: &events.InputTransformer{PathsMap: map[string]string{"aws.events.rule-arn": "$.x"}, Template: `"x"`}}},
		{"fifo without group", events.Target{ID: "a", ARN: qARN + "q.fifo"}},
		{"fifo dlq", events.Target{ID: "a", ARN: qARN + "q", DeadLetterARN: qARN + "d.fifo"}},
		{"retries", events.Target{ID: "a", ARN: qARN + "q", RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: num(186)}}},
		{"age", events.Target{ID: "a", ARN: qARN + "q", RetryPolicy: &events.RetryPolicy{MaximumEventAgeInSeconds: num(59)}}},
		{"run command without targets", events.Target{ID: "a", ARN: "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"}},
		{"bad id", events.Target{ID: "a b", ARN: qARN + "q"}},
		{"own bus", events.Target{ID: "a", ARN: "arn:aws:events:us-east-1:000000000000:event-bus/default"}},
	}
	for _, c := range bad {
		if _, err := put(c.t); code(err) != events.CodeValidation {
			t.Errorf("%s: %v, want ValidationException", c.name, err)
		}
	}
	failed, err := put(events.Target{ID: "l", ARN: "arn:aws:lambda:us-east-1:000000000000:function:f"}, sqsTarget("ok", "q"))
	if err != nil || len(failed) != 1 || failed[0].TargetID != "l" {
		t.Errorf("unsupported target: %+v, %v", failed, err)
	}
	var five []events.Target
	for i := range 5 {
		five = append(five, sqsTarget(fmt.Sprint("t", i), "q"))
	}
	if _, err := put(five...); code(err) != events.CodeLimitExceeded {
		t.Errorf("sixth target: %v", err)
	}
	if _, err := h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "nope", Targets: five[:1]}); code(err) != events.CodeResourceNotFound {
		t.Errorf("PutTargets on a missing rule: %v", err)
	}
	if err := h.b.DeleteRule(h.ctx, nil, "r", false); code(err) != events.CodeValidation {
		t.Errorf("DeleteRule with targets: %v", err)
	}
	if _, err := h.b.RemoveTargets(h.ctx, nil, "r", []string{"ok", "missing"}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.b.DeleteRule(h.ctx, nil, "r", false); err != nil {
		t.Errorf("DeleteRule without targets: %v", err)
	}
}

// With AllowAWSSources (steward dev) an aws.* source is taken and routed
// like any other.
func TestPutEventsAllowAWSSources(t *testing.T) {
	h := newHarness(t, func(o *events.Options) { o.AllowAWSSources = true })
	res, err := h.b.PutEvents(h.ctx, []events.PutEventsEntry{{Source: str("aws.cloudwatch"), DetailType: str("CloudWatch Alarm State Change"), Detail: str(`{}`)}})
	if err != nil || res[0].ErrorCode != "" || res[0].EventID == "" {
		t.Fatalf("aws.cloudwatch with AllowAWSSources: %+v, %v", res, err)
	}
}

func TestPutEventsEntries(t *testing.T) {
	h := newHarness(t)
	big := strings.Repeat("x", 256*1024)
	e := func(src, dt, detail *string) events.PutEventsEntry {
		return events.PutEventsEntry{Source: src, DetailType: dt, Detail: detail}
	}
	res, err := h.b.PutEvents(h.ctx, []events.PutEventsEntry{
		e(str("app"), str("t"), str(`{"a":1}`)),
		e(nil, str("t"), str(`{}`)),
		e(str("app"), nil, str(`{}`)),
		e(str("app"), str("t"), nil),
		e(str("app"), str("t"), str(`[1]`)),
		e(str("app"), str("t"), str(`{"a":`)),
		e(str("aws.ec2"), str("t"), str(`{}`)),
		{Source: str("app"), DetailType: str("t"), Detail: str(`{}`), EventBusName: str("nope")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", events.CodeInvalidArgument, events.CodeInvalidArgument, events.CodeInvalidArgument,
		events.CodeMalformedDetail, events.CodeMalformedDetail, events.CodeNotAuthorizedForSource, events.CodeResourceNotFound}
	for i, w := range want {
		if res[i].ErrorCode != w || (w == "") != (res[i].EventID != "") {
			t.Errorf("entry %d: %+v, want code %q", i, res[i], w)
		}
	}
	if _, err := h.b.PutEvents(h.ctx, []events.PutEventsEntry{e(str("app"), str("t"), str(`{"x":"`+big+`"}`))}); code(err) != events.CodeValidation {
		t.Errorf("over 256 KB: %v", err)
	}
	many := make([]events.PutEventsEntry, 11)
	if _, err := h.b.PutEvents(h.ctx, many); code(err) != events.CodeValidation {
		t.Errorf("11 entries: %v", err)
	}
}

// TestDeliveryAndTransform: an event reaches an SQS target through an input
// transformer, a constant Input and an InputPath; metrics count it.
func TestDeliveryAndTransform(t *testing.T) {
	h := newHarness(t)
	h.rule("orders", `{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`,
		events.Target{ID: "tx", ARN: qARN + "a", InputTransformer: &events.InputTransformer{
			PathsMap: map[string]string{"id": "$.detail.id", "dt": "$.detail-type", "first": "$.detail.items[0]"},
			Template: `{"order": <id>, "kind": "<dt>", "first": <first>, "rule": <aws.events.rule-name>, "text": "order <id> by <aws.events.rule-arn>"}`}},
		events.Target{ID: "const", ARN: qARN + "b", Input: str(`{"fixed":true}`)},
		events.Target{ID: "path", ARN: qARN + "c", InputPath: str("$.detail.items")},
		events.Target{ID: "topic", ARN: topic})
	id := h.put("shop", "Order Placed", `{"id":"o-1","total":150,"items":[{"sku":"é"}, 2]}`)
	h.put("shop", "Order Placed", `{"id":"o-2","total":50}`) // no match
	h.settle()
	a := h.sqs.to(qARN + "a")
	if len(a) != 1 {
		t.Fatalf("queue a got %d messages", len(a))
	}
	want := `{"order":"o-1","kind":"Order Placed","first":{"sku":"é"},"rule":"orders","text":"order o-1 by arn:aws:events:us-east-1:000000000000:rule/orders"}`
	if a[0].Body != want {
		t.Errorf("transformed body\n got %s\nwant %s", a[0].Body, want)
	}
	if b := h.sqs.to(qARN + "b"); len(b) != 1 || b[0].Body != `{"fixed":true}` {
		t.Errorf("constant input: %+v", b)
	}
	if c := h.sqs.to(qARN + "c"); len(c) != 1 || c[0].Body != `[{"sku":"é"},2]` {
		t.Errorf("input path: %+v", c)
	}
	h.sns.mu.Lock()
	msgs := h.sns.msgs
	h.sns.mu.Unlock()
	if len(msgs) != 1 || !strings.Contains(msgs[0], `"id":"`+id+`"`) || !strings.HasPrefix(msgs[0], topic+" ") {
		t.Errorf("SNS got %v", msgs)
	}
	ms, err := h.b.Metrics(h.ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, m := range ms {
		got[m.Rule+"/"+m.Name] += m.Value
	}
	for k, v := range map[string]int64{"orders/MatchedEvents": 1, "orders/TriggeredRules": 1, "orders/Invocations": 4, "/MatchedEvents": 1} {
		if got[k] != v {
			t.Errorf("metric %s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

// TestRetriesThenDeadLetter: a target that always fails transiently is
// retried with growing gaps until MaximumRetryAttempts, then the event goes
// to the dead-letter queue with AWS's attributes.
func TestRetriesThenDeadLetter(t *testing.T) {
	h := newHarness(t)
	h.sqs.setFail(qARN+"flaky", events.Transient(events.ErrThrottling, "slow down"))
	h.rule("r", `{"source":["app"]}`, events.Target{ID: "t", ARN: qARN + "flaky", DeadLetterARN: qARN + "dlq",
		RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: num(6)}})
	h.put("app", "t", `{}`)
	var attempts []time.Time
	for len(attempts) < 7 {
		select {
		case s := <-h.sqs.got:
			if s.ARN != qARN+"flaky" {
				t.Fatalf("message to %s before the retries ended", s.ARN)
			}
			attempts = append(attempts, s.At)
		case <-time.After(20 * time.Second):
			t.Fatalf("attempt %d never came", len(attempts)+1)
		}
		if len(attempts) < 7 {
			// Let the retry be recorded, then jump to it.
			st := sqlstore.NewEventsStore(h.db)
			h.waitFor("the retry to be recorded", func() bool {
				ds, _ := st.ClaimDeliveries(h.ctx, h.clock.Now(), h.clock.Now(), 1) // leased rows are not due
				return len(ds) == 0 && h.b.Stats().Retried.Load() == int64(len(attempts))
			})
			h.clock.Advance(20 * time.Minute)
			h.must(h.b.RunDue(h.ctx))
		}
	}
	h.settle()
	dlq := h.sqs.to(qARN + "dlq")
	if len(dlq) != 1 {
		t.Fatalf("dead-letter queue got %d messages", len(dlq))
	}
	want := map[string]string{"RULE_ARN": "arn:aws:events:us-east-1:000000000000:rule/r", "TARGET_ARN": qARN + "flaky",
		"ERROR_CODE": "THROTTLING", "ERROR_MESSAGE": "slow down", "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "6"}
	for k, v := range want {
		if dlq[0].Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, dlq[0].Attributes[k], v)
		}
	}
	if m := decode(t, dlq[0].Body); m["source"] != "app" {
		t.Errorf("dead-letter body %s", dlq[0].Body)
	}
	// The scheduled gaps grow (the clock jumps 20 minutes per attempt, so
	// compare the due times the engine chose through the backoff bounds).
	if st := h.b.Stats(); st.Retried.Load() != 6 || st.DeadLettered.Load() != 1 {
		t.Errorf("stats: retried %d, dead-lettered %d", st.Retried.Load(), st.DeadLettered.Load())
	}
}

// TestBackoffGrows checks the engine's retry schedule: each due time is
// later than the one before by a growing gap, capped at 10 minutes.
func TestBackoffGrows(t *testing.T) {
	h := newHarness(t)
	h.sqs.setFail(qARN+"flaky", errors.New("connection refused"))
	h.rule("r", `{"source":["app"]}`, events.Target{ID: "t", ARN: qARN + "flaky", RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: num(14)}})
	h.put("app", "t", `{}`)
	st := sqlstore.NewEventsStore(h.db)
	var gaps []time.Duration
	for i := 0; i < 14; i++ {
		h.next()
		var due time.Time
		h.waitFor("the retry", func() bool {
			if h.b.Stats().Retried.Load() != int64(i+1) {
				return false
			}
			ds, err := st.ClaimDeliveries(h.ctx, h.clock.Now().Add(time.Hour), h.clock.Now().Add(time.Hour), 1)
			if err != nil || len(ds) != 1 {
				return false
			}
			due = ds[0].DueAt
			// Put it back as it was (due, not leased).
			h.must(st.RetryDelivery(h.ctx, ds[0].ID, ds[0].Attempts, "", due))
			return true
		})
		gaps = append(gaps, due.Sub(h.clock.Now()))
		h.clock.Set(due)
		h.must(h.b.RunDue(h.ctx))
	}
	h.next()
	h.settle()
	for i, g := range gaps {
		hi := min(time.Second<<i, 10*time.Minute)
		if g < hi/2-time.Millisecond || g > hi+time.Millisecond {
			t.Errorf("gap %d = %s, want between %s and %s", i+1, g, hi/2, hi)
		}
	}
	if h.b.Stats().Dropped.Load() != 1 {
		t.Errorf("dropped = %d, want 1 (no dead-letter queue)", h.b.Stats().Dropped.Load())
	}
}

// TestMaximumEventAge: retries stop when the next one would come after the
// event's maximum age.
func TestMaximumEventAge(t *testing.T) {
	h := newHarness(t)
	h.sqs.setFail(qARN+"flaky", errors.New("down"))
	h.rule("r", `{"source":["app"]}`, events.Target{ID: "t", ARN: qARN + "flaky", DeadLetterARN: qARN + "dlq",
		RetryPolicy: &events.RetryPolicy{MaximumEventAgeInSeconds: num(60)}})
	h.put("app", "t", `{}`)
	for attempt := int64(1); attempt < 50; attempt++ {
		if h.next().ARN == qARN+"dlq" {
			break
		}
		h.waitFor("a retry or the dead-letter queue", func() bool {
			return len(h.sqs.to(qARN+"dlq")) > 0 || h.b.Stats().Retried.Load() == attempt
		})
		if len(h.sqs.to(qARN+"dlq")) > 0 {
			break
		}
		h.clock.Advance(20 * time.Second)
		h.must(h.b.RunDue(h.ctx))
	}
	h.settle()
	dlq := h.sqs.to(qARN + "dlq")
	if len(dlq) != 1 || dlq[0].Attributes["EXHAUSTED_RETRY_CONDITION"] != "MaximumEventAgeInSeconds" || dlq[0].Attributes["ERROR_CODE"] != "INTERNAL_ERROR" {
		t.Fatalf("dead letters: %+v", dlq)
	}
}

// TestPermanentFailureSkipsRetries: a missing resource goes to the
// dead-letter queue at once, without EXHAUSTED_RETRY_CONDITION.
func TestPermanentFailureSkipsRetries(t *testing.T) {
	h := newHarness(t)
	h.sqs.setFail(qARN+"gone", events.Permanent(events.ErrNoResource, "The queue does not exist."))
	h.rule("r", `{"source":["app"]}`, events.Target{ID: "t", ARN: qARN + "gone", DeadLetterARN: qARN + "dlq"},
		events.Target{ID: "auto", ARN: "arn:aws:ssm:us-east-1:000000000000:automation-definition/Recover", DeadLetterARN: qARN + "dlq"})
	h.put("app", "t", `{}`)
	h.settle()
	dlq := h.sqs.to(qARN + "dlq")
	if len(dlq) != 2 {
		t.Fatalf("dead letters: %+v", dlq)
	}
	for _, m := range dlq {
		if m.Attributes["RETRY_ATTEMPTS"] != "0" || m.Attributes["ERROR_CODE"] != "NO_RESOURCE" {
			t.Errorf("attributes %v", m.Attributes)
		}
		if _, ok := m.Attributes["EXHAUSTED_RETRY_CONDITION"]; ok {
			t.Errorf("EXHAUSTED_RETRY_CONDITION set for a permanent failure: %v", m.Attributes)
		}
	}
	if h.b.Stats().Retried.Load() != 0 {
		t.Error("a permanent failure was retried")
	}
}

// TestRulesMatchAfterChangesAndReopen: the pattern set follows enable,
// disable, replace and delete, and is rebuilt from the store at Open.
func TestRulesMatchAfterChangesAndReopen(t *testing.T) {
	h := newHarness(t)
	h.rule("r", `{"source":["a"]}`, sqsTarget("t", "q"))
	count := func() int { h.settle(); return len(h.sqs.to(qARN + "q")) }
	h.put("a", "t", `{}`)
	if count() != 1 {
		t.Fatal("enabled rule did not match")
	}
	h.must(h.b.DisableRule(h.ctx, nil, "r"))
	h.put("a", "t", `{}`)
	if count() != 1 {
		t.Fatal("disabled rule matched")
	}
	h.must(h.b.EnableRule(h.ctx, nil, "r"))
	h.put("a", "t", `{}`)
	if count() != 2 {
		t.Fatal("re-enabled rule did not match")
	}
	_, err := h.b.PutRule(h.ctx, events.PutRuleInput{Name: "r", EventPattern: str(`{"source":["b"]}`)})
	h.must(err)
	h.put("a", "t", `{}`)
	h.put("b", "t", `{}`)
	if count() != 3 {
		t.Fatal("replaced pattern not used")
	}
	h.b.Close()
	h.open()
	h.put("b", "t", `{}`)
	if count() != 4 {
		t.Fatal("rule not reloaded at Open")
	}
}

func TestRunCommandTarget(t *testing.T) {
	h := newHarness(t, func(o *events.Options) { o.NoOutbox = true }) // drained by hand below
	h.rule("alarm", `{"source":["aws.cloudwatch"],"detail":{"state":{"value":["ALARM"]}}}`, events.Target{
		ID: "rc", ARN: "arn:aws:ssm:us-east-1::document/AWS-RunShellScript", HasRunCommand: true,
		RunCommand: []events.RunCommandTarget{{Key: "InstanceIds", Values: []string{"mi-0123456789abcdef0"}}},
		Input:      str(`{"commands": ["echo 'Run Command Test Success!! Yeah!! Yeah!! '"], "executionTimeout": 60}`),
	})
	// aws.* sources cannot be put; the outbox is the way in for them.
	h.must(h.db.InTx(h.ctx, func(tx *sqlstore.Tx) error {
		return tx.AppendEvent(h.ctx, &steward.Event{ID: "e-1", Time: t0, Source: "aws.cloudwatch", DetailType: "CloudWatch Alarm State Change",
			Account: acct, Region: region, Resources: []string{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:a"},
			Detail: []byte(`{"state":{"value":"ALARM"}}`)})
	}))
	n, err := h.b.DrainOutbox(h.ctx)
	if err != nil || n != 1 {
		t.Fatalf("DrainOutbox = %d, %v", n, err)
	}
	h.settle()
	h.cmds.mu.Lock()
	defer h.cmds.mu.Unlock()
	if len(h.cmds.reqs) != 1 {
		t.Fatalf("commands: %+v", h.cmds.reqs)
	}
	r := h.cmds.reqs[0]
	if r.DocumentName != "AWS-RunShellScript" || r.Targets[0].Values[0] != "mi-0123456789abcdef0" ||
		r.Parameters["commands"][0] != "echo 'Run Command Test Success!! Yeah!! Yeah!! '" || r.Parameters["executionTimeout"][0] != "60" {
		t.Errorf("SendCommand request %+v", r)
	}
}

func TestBusToBusAndLoopProtection(t *testing.T) {
	h := newHarness(t)
	for _, n := range []string{"a", "b"} {
		_, err := h.b.CreateEventBus(h.ctx, events.CreateBusInput{Name: n})
		h.must(err)
	}
	busARN := func(n string) string { return "arn:aws:events:us-east-1:000000000000:event-bus/" + n }
	h.rule("to-a", `{"source":["app"]}`, events.Target{ID: "t", ARN: busARN("a")})
	for _, bus := range []string{"a", "b"} {
		other := map[string]string{"a": "b", "b": "a"}[bus]
		p := `{"source":["app"]}`
		_, err := h.b.PutRule(h.ctx, events.PutRuleInput{Name: "ping", EventBusName: str(bus), EventPattern: &p})
		h.must(err)
		_, err = h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "ping", EventBusName: str(bus),
			Targets: []events.Target{{ID: "fwd", ARN: busARN(other)}, sqsTarget("q", "seen-"+bus)}})
		h.must(err)
	}
	id := h.put("app", "t", `{}`)
	h.settle()
	// default → a → b → a → b → a: five hops, then loop protection drops it.
	a, b := h.sqs.to(qARN+"seen-a"), h.sqs.to(qARN+"seen-b")
	if len(a) != 3 || len(b) != 2 {
		t.Fatalf("seen on a %d times, on b %d times", len(a), len(b))
	}
	if m := decode(t, a[0].Body); m["id"] != id {
		t.Errorf("forwarded event changed its id: %v", m["id"])
	}
}

// TestSchedules: a rate rule fires on its minutes with the Scheduled Event
// envelope; a reopened Buses neither repeats nor loses a fire.
func TestSchedules(t *testing.T) {
	h := newHarness(t)
	_, err := h.b.PutRule(h.ctx, events.PutRuleInput{Name: "every5", ScheduleExpression: str("rate(5 minutes)")})
	h.must(err)
	_, err = h.b.PutTargets(h.ctx, events.PutTargetsInput{Rule: "every5", Targets: []events.Target{sqsTarget("t", "ticks")}})
	h.must(err)
	h.must(h.b.RunSchedules(h.ctx))
	h.settle()
	if n := len(h.sqs.to(qARN + "ticks")); n != 0 {
		t.Fatalf("fired %d times at creation", n)
	}
	h.clock.Advance(5*time.Minute + 10*time.Second)
	h.must(h.b.RunSchedules(h.ctx))
	h.must(h.b.RunSchedules(h.ctx)) // again: nothing new
	h.settle()
	ticks := h.sqs.to(qARN + "ticks")
	if len(ticks) != 1 {
		t.Fatalf("ticks after 5 minutes: %d", len(ticks))
	}
	m := decode(t, ticks[0].Body)
	if m["detail-type"] != "Scheduled Event" || m["source"] != "aws.events" || m["time"] != "2026-01-21T10:20:00Z" ||
		fmt.Sprint(m["resources"]) != "[arn:aws:events:us-east-1:000000000000:rule/every5]" || fmt.Sprint(m["detail"]) != "map[]" {
		t.Errorf("scheduled event %s", ticks[0].Body)
	}
	// Down across two fire times: both fire after the restart, once.
	h.b.Close()
	h.clock.Advance(10 * time.Minute)
	h.open()
	h.must(h.b.RunSchedules(h.ctx))
	h.settle()
	ticks = h.sqs.to(qARN + "ticks")
	if len(ticks) != 3 {
		t.Fatalf("ticks after the restart: %d, want 3", len(ticks))
	}
	h.must(h.b.DisableRule(h.ctx, nil, "every5"))
	h.clock.Advance(time.Hour)
	h.must(h.b.RunSchedules(h.ctx))
	h.settle()
	if len(h.sqs.to(qARN+"ticks")) != 3 {
		t.Error("a disabled schedule fired")
	}
}

func TestTestEventPattern(t *testing.T) {
	h := newHarness(t)
	ev := `{"id":"1","account":"1","source":"a","time":"2026-01-21T10:15:00Z","region":"r","detail-type":"t","resources":[],"detail":{"n":5}}`
	ok, err := h.b.TestEventPattern(h.ctx, `{"detail":{"n":[{"numeric":[">",4]}]}}`, ev)
	if err != nil || !ok {
		t.Errorf("match = %v, %v", ok, err)
	}
	if _, err := h.b.TestEventPattern(h.ctx, `{"detail":{"n":[{"numeric":[">"]}]}}`, ev); code(err) != events.CodeInvalidEventPattern {
		t.Errorf("bad pattern: %v", err)
	}
	if _, err := h.b.TestEventPattern(h.ctx, `{"source":["a"]}`, `{"source":"a"}`); code(err) != events.CodeValidation {
		t.Errorf("partial event: %v", err)
	}
}

// TestReplicasSeeEachOthersRules: two Buses on one database (replicas)
// reload rules the other changed.
func TestReplicasSeeEachOthersRules(t *testing.T) {
	h := newHarness(t, func(o *events.Options) { o.Exclusive, o.Refresh = false, 10*time.Millisecond })
	other := events.New(sqlstore.NewEventsStore(h.db), h.opts)
	h.must(other.Open(h.ctx))
	defer other.Close()
	h.rule("r", `{"source":["a"]}`, sqsTarget("t", "q"))
	detail, src, dt := `{}`, "a", "t"
	h.waitFor("the other replica to match the new rule", func() bool {
		res, err := other.PutEvents(h.ctx, []events.PutEventsEntry{{Source: &src, DetailType: &dt, Detail: &detail}})
		h.must(err)
		h.settle()
		return len(h.sqs.to(qARN+"q")) > 0 && res[0].EventID != ""
	})
	h.must(h.b.DisableRule(h.ctx, nil, "r"))
	n := len(h.sqs.to(qARN + "q"))
	h.waitFor("the other replica to drop the disabled rule", func() bool {
		_, err := other.PutEvents(h.ctx, []events.PutEventsEntry{{Source: &src, DetailType: &dt, Detail: &detail}})
		h.must(err)
		h.settle()
		m := len(h.sqs.to(qARN + "q"))
		defer func() { n = m }()
		return m == n
	})
}
