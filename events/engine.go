package events

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// The delivery engine. Work arrives two ways: in memory right after the
// transaction that wrote it commits (PutEvents, schedules, the outbox,
// forwards; the rows are inserted already leased to this process), and from
// the store, where the scanner claims rows that are due and unleased —
// retries whose delay has passed, rows of a previous run, rows a replica
// gave up. Both end in one queue served by Options.Workers workers.
//
// A delivery that ends (delivered, dead-lettered or dropped) is recorded by
// the completer, which deletes finished rows and adds their metrics in
// batches. A retry is written to its row (attempts, due time, lease
// released) and a timer wakes the scanner when it is due.
//
// Retries: exponential backoff with jitter — the n-th retry waits between
// half and all of min(2^(n-1) s, 10 min) — until MaximumRetryAttempts
// retries were made or the next one would come after
// MaximumEventAgeInSeconds from ingestion. With the defaults (185, 24 h)
// that spreads the attempts over about a day, as on AWS. Permanent failures
// (missing resource, no permission, invalid input) skip the retries.
//
// Lifecycle: run starts the workers, the scanner and the completer and
// returns when ctx ends and they have stopped.

type engine struct {
	b *Buses

	mu     sync.Mutex
	queue  []*Delivery
	active map[int64]struct{} // rows queued or in flight here
	timer  *time.Timer
	next   time.Time // when the retry timer fires

	wake      chan struct{} // workers
	scan      chan struct{} // scanner
	schedWake chan struct{} // scheduler
	done      chan finished
	stopped   chan struct{} // closed when the completer has exited

	stats Stats
}

// Stats are the engine's counters since Open (tests and benchmarks; the
// durable per-rule counters are Metrics).
type Stats struct {
	Delivered    atomic.Int64 // targets that took the event
	Retried      atomic.Int64 // attempts that failed and were rescheduled
	DeadLettered atomic.Int64 // events sent to a dead-letter queue
	Dropped      atomic.Int64 // events that failed for good without a dead-letter queue (or whose queue refused them)
}

type finished struct {
	id      int64
	metrics []Metric
}

func newEngine(b *Buses) *engine {
	return &engine{
		b: b, active: map[int64]struct{}{},
		wake: make(chan struct{}, 1), scan: make(chan struct{}, 1), schedWake: make(chan struct{}, 1),
		done: make(chan finished, 1024), stopped: make(chan struct{}),
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Stats returns the engine's counters.
func (b *Buses) Stats() *Stats { return &b.engine.stats }

func (e *engine) wakeScheduler() { signal(e.schedWake) }

// submit queues deliveries (rows leased to this process).
func (e *engine) submit(ds ...*Delivery) {
	if len(ds) == 0 {
		return
	}
	e.mu.Lock()
	for _, d := range ds {
		if _, ok := e.active[d.ID]; ok {
			continue
		}
		e.active[d.ID] = struct{}{}
		e.queue = append(e.queue, d)
	}
	e.mu.Unlock()
	signal(e.wake)
}

func (e *engine) pop() (*Delivery, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		return nil, false
	}
	d := e.queue[0]
	e.queue[0] = nil
	e.queue = e.queue[1:]
	return d, len(e.queue) > 0
}

func (e *engine) release(id int64) {
	e.mu.Lock()
	delete(e.active, id)
	e.mu.Unlock()
}

func (e *engine) run(ctx context.Context) {
	var workers, loops sync.WaitGroup
	for range e.b.opts.Workers {
		workers.Add(1)
		go func() { defer workers.Done(); e.work(ctx) }()
	}
	loops.Add(1)
	go func() { defer loops.Done(); e.scanLoop(ctx) }()
	quit := make(chan struct{})
	go func() { defer close(e.stopped); e.complete(quit) }()
	signal(e.scan) // pick up what a previous run left
	loops.Wait()
	workers.Wait()
	close(quit)
	<-e.stopped
	e.mu.Lock()
	if e.timer != nil {
		e.timer.Stop()
	}
	e.mu.Unlock()
}

func (e *engine) work(ctx context.Context) {
	for {
		d, more := e.pop()
		if d == nil {
			select {
			case <-ctx.Done():
				return
			case <-e.wake:
				continue
			}
		}
		if more {
			signal(e.wake)
		}
		if ctx.Err() != nil {
			e.release(d.ID)
			continue
		}
		e.deliver(ctx, d)
	}
}

// complete deletes finished rows with their metrics, batching what arrives
// together, until quit (then it records what is left).
func (e *engine) complete(quit chan struct{}) {
	ctx := context.Background()
	for {
		var batch []finished
		select {
		case f := <-e.done:
			batch = append(batch, f)
		case <-quit:
		}
	drain:
		for len(batch) < 500 {
			select {
			case f := <-e.done:
				batch = append(batch, f)
			default:
				break drain
			}
		}
		if len(batch) == 0 {
			return
		}
		ids := make([]int64, len(batch))
		var ms []Metric
		for i, f := range batch {
			ids[i] = f.id
			ms = append(ms, f.metrics...)
		}
		if err := e.b.store.FinishDeliveries(ctx, ids, mergeMetrics(ms)); err != nil {
			e.b.log.Error("events: recording finished deliveries", "count", len(ids), "err", err)
		}
		for _, id := range ids {
			e.release(id)
		}
	}
}

// finish records a row as done, with its metrics.
func (e *engine) finish(d *Delivery, names ...string) {
	minute := e.b.now().Truncate(time.Minute)
	f := finished{id: d.ID}
	for _, n := range names {
		f.metrics = append(f.metrics, Metric{Bus: d.Bus, Rule: d.Rule, Name: n, Minute: minute, Value: 1})
	}
	select {
	case e.done <- f:
	case <-e.stopped:
		if err := e.b.store.FinishDeliveries(context.Background(), []int64{f.id}, f.metrics); err != nil {
			e.b.log.Error("events: recording a finished delivery", "err", err)
		}
		e.release(d.ID)
	}
}

// retryAt makes the scanner look again at due (or earlier).
func (e *engine) retryAt(due time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.next.IsZero() && !due.Before(e.next) {
		return
	}
	e.next = due
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timer = time.AfterFunc(max(due.Sub(e.b.opts.Clock.Now()), 0), func() {
		e.mu.Lock()
		e.next = time.Time{}
		e.mu.Unlock()
		signal(e.scan)
	})
}

// scanLoop claims due rows every Poll and when woken; it also purges old
// metrics now and then.
func (e *engine) scanLoop(ctx context.Context) {
	tick := time.NewTicker(e.b.opts.Poll)
	defer tick.Stop()
	var purged time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-e.scan:
		}
		if err := e.b.RunDue(ctx); err != nil && ctx.Err() == nil {
			e.b.log.Error("events: claiming due deliveries", "err", err)
		}
		if now := e.b.now(); now.Sub(purged) > time.Hour {
			purged = now
			if err := e.b.store.PurgeMetrics(ctx, now.Add(-metricRetention)); err != nil && ctx.Err() == nil {
				e.b.log.Error("events: purging old metrics", "err", err)
			}
		}
	}
}

// claimBatch is how many rows one claim takes.
const claimBatch = 256

// RunDue claims every due delivery and queues it. The engine calls it every
// Poll and when a retry falls due; tests call it after moving a fake clock.
func (b *Buses) RunDue(ctx context.Context) error {
	for {
		now := b.now()
		ds, err := b.store.ClaimDeliveries(ctx, now, now.Add(b.opts.Lease), claimBatch)
		if err != nil {
			return err
		}
		b.engine.submit(ds...)
		if len(ds) < claimBatch {
			return nil
		}
	}
}

// failure is what a row waiting for its dead-letter queue remembers.
type failure struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Condition string `json:"condition,omitempty"` // MaximumRetryAttempts or MaximumEventAgeInSeconds
	Retries   int    `json:"retries"`
}

// backoff is the wait before retry n (n ≥ 1): between half and all of
// min(2^(n-1) s, 10 min).
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 10)
	d = min(d, 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// deliver makes one attempt of a delivery (or its dead-letter step).
func (e *engine) deliver(ctx context.Context, d *Delivery) {
	b := e.b
	rs := b.router.rule(d.Bus, d.Rule)
	var t *target
	if rs != nil {
		t = rs.target(d.TargetID)
	}
	if t == nil { // the rule or target is gone: nothing to deliver to
		e.finish(d, MetricDeadLetterInvocations)
		return
	}
	if d.Failure != "" {
		var f failure
		if err := json.Unmarshal([]byte(d.Failure), &f); err != nil {
			f = failure{Code: ErrInternal, Message: "The delivery failed."}
		}
		e.deadLetter(ctx, rs, t, d, f)
		return
	}
	body, err := b.payload(rs, t, d)
	if err == nil {
		err = b.invoke(ctx, rs, t, d, body)
	}
	if err == nil {
		b.engine.stats.Delivered.Add(1)
		e.finish(d, MetricInvocations)
		return
	}
	if ctx.Err() != nil {
		e.release(d.ID) // abandoned: the row stays for the next run
		return
	}
	te := asTargetError(err)
	if errors.Is(te, errLoop) {
		b.log.Warn("events: event dropped by loop protection", "rule", rs.arn, "target", t.ARN, "event", d.EventID)
		e.finish(d, MetricDeadLetterInvocations)
		return
	}
	attempts := d.Attempts + 1
	f := failure{Code: te.Code, Message: te.Message, Retries: attempts - 1}
	if !te.Permanent {
		now := b.now()
		if attempts-1 < t.maxRetries {
			due := now.Add(backoff(attempts))
			if due.Sub(d.IngestedAt) <= t.maxAge {
				b.log.Debug("events: delivery failed, retrying", "rule", rs.arn, "target", t.ARN, "event", d.EventID, "attempt", attempts, "at", due, "err", err)
				e.reschedule(ctx, d, attempts, "", due)
				b.engine.stats.Retried.Add(1) // after the row is released: tests wait on it
				return
			}
			f.Condition = "MaximumEventAgeInSeconds"
		} else {
			f.Condition = "MaximumRetryAttempts"
		}
	}
	b.log.Info("events: delivery failed", "rule", rs.arn, "target", t.ARN, "event", d.EventID, "attempts", attempts, "code", te.Code, "err", err)
	d.Attempts = attempts
	e.deadLetter(ctx, rs, t, d, f)
}

// deadLetter sends a failed event to the target's dead-letter queue, or
// drops it when there is none.
func (e *engine) deadLetter(ctx context.Context, rs *ruleState, t *target, d *Delivery, f failure) {
	b := e.b
	if t.DeadLetterARN == "" {
		b.engine.stats.Dropped.Add(1)
		b.log.Warn("events: delivery failed for good and the target has no dead-letter queue; event dropped",
			"rule", rs.arn, "target", t.ARN, "event", d.EventID, "code", f.Code, "message", f.Message)
		e.finish(d, MetricInvocations, MetricFailedInvocations)
		return
	}
	body, err := b.payload(rs, t, d)
	if err != nil {
		body = d.Event
	}
	attrs := map[string]string{
		"RULE_ARN":       rs.arn,
		"TARGET_ARN":     t.ARN,
		"ERROR_CODE":     f.Code,
		"ERROR_MESSAGE":  f.Message,
		"RETRY_ATTEMPTS": itoa(f.Retries),
	}
	if f.Condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = f.Condition
	}
	err = errors.New("the SQS service is not running")
	if b.opts.Queues != nil {
		err = b.opts.Queues.SendToQueue(ctx, t.DeadLetterARN, QueueMessage{Body: string(body), Attributes: attrs})
	}
	if err == nil {
		b.engine.stats.DeadLettered.Add(1)
		b.log.Info("events: event sent to the dead-letter queue", "rule", rs.arn, "target", t.ARN, "event", d.EventID, "queue", t.DeadLetterARN, "code", f.Code)
		e.finish(d, MetricInvocations, MetricFailedInvocations, MetricInvocationsSentToDLQ)
		return
	}
	if ctx.Err() != nil {
		e.release(d.ID)
		return
	}
	te := asTargetError(err)
	now := b.now()
	if te.Permanent || now.Sub(d.IngestedAt) > t.maxAge+time.Hour {
		b.engine.stats.Dropped.Add(1)
		b.log.Warn("events: the dead-letter queue refused the event; dropped", "rule", rs.arn, "target", t.ARN, "event", d.EventID, "queue", t.DeadLetterARN, "err", err)
		e.finish(d, MetricInvocations, MetricFailedInvocations, MetricInvocationsFailedToBeSentToDLQ)
		return
	}
	raw, _ := json.Marshal(f)
	e.reschedule(ctx, d, d.Attempts, string(raw), now.Add(20*time.Second))
}

// reschedule records the next attempt and releases the job.
func (e *engine) reschedule(ctx context.Context, d *Delivery, attempts int, failure string, due time.Time) {
	if err := e.b.store.RetryDelivery(ctx, d.ID, attempts, failure, due); err != nil {
		// The lease runs out and the row is claimed again: a retry, later.
		e.b.log.Error("events: recording a retry", "event", d.EventID, "err", err)
	}
	e.release(d.ID)
	e.retryAt(due)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
