package sns

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The delivery engine. Work arrives two ways: in memory from Publish,
// Subscribe and Unsubscribe right after their transaction commits (the rows
// are inserted already leased to this process), and from the store, where
// the scanner claims rows that are due and unleased — retries whose delay
// has passed, rows of a previous run, rows other replicas gave up. Both end
// in the same lanes: "local" for SQS (fast, never blocked behind slow
// endpoints) and "remote" for HTTP/HTTPS and email, each with its own bound
// on deliveries in flight.
//
// A delivery that succeeds is recorded by the completer, which deletes
// finished rows in batches. A failure is retried at once while the policy's
// immediate retries last; a later retry is written to its row (attempt
// count, due time, lease released) and claimed by the scanner when due (a
// timer wakes it for the earliest retry this process scheduled; the Poll
// tick finds the others).
// Permanent failures and exhausted policies go to the subscription's
// dead-letter queue, when it has one, and end.
//
// Lifecycle: run starts the scanner, the completer and one dispatcher per
// lane, and returns when ctx ends and they have stopped. Every goroutine is
// started here and waited for here.

// deadLetterAttempts marks a row whose next step is the dead-letter queue.
const deadLetterAttempts = 1 << 30

// job is a delivery with what it needs. Publish fills everything; the
// scanner loads sub and topic from the store.
type job struct {
	d      *Delivery
	sub    *SubscriptionRecord
	topic  *TopicRecord
	msg    *MessageRecord
	bodies map[string]string
	sigs   *sigCache
}

type lane struct {
	mu    sync.Mutex
	queue []*job
	wake  chan struct{}
	sem   chan struct{}
}

type engine struct {
	t       *Topics
	local   *lane
	remote  *lane
	scan    chan struct{}
	done    chan int64
	stopped chan struct{} // closed when the completer has exited

	mu     sync.Mutex
	active map[int64]struct{} // rows queued or in flight here
	chains map[string]*chain  // FIFO: one delivery at a time per subscription and message group
	timer  *time.Timer
	next   time.Time // when the timer fires
}

func newEngine(t *Topics) *engine {
	mk := func(n int) *lane { return &lane{wake: make(chan struct{}, 1), sem: make(chan struct{}, n)} }
	return &engine{
		t: t, local: mk(max(t.opts.Workers/4, 8)), remote: mk(t.opts.Workers),
		scan: make(chan struct{}, 1), done: make(chan int64, 1024), stopped: make(chan struct{}),
		active: map[int64]struct{}{}, chains: map[string]*chain{},
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// submit queues jobs for delivery (rows already leased to this process).
func (e *engine) submit(jobs ...*job) {
	e.mu.Lock()
	var fresh []*job
	for _, j := range jobs {
		if _, ok := e.active[j.d.ID]; ok {
			continue
		}
		e.active[j.d.ID] = struct{}{}
		fresh = append(fresh, j)
	}
	e.mu.Unlock()
	for _, j := range fresh {
		l := e.remote
		if j.sub.Protocol == ProtocolSQS {
			l = e.local
		}
		l.mu.Lock()
		l.queue = append(l.queue, j)
		l.mu.Unlock()
		signal(l.wake)
	}
}

func (e *engine) release(id int64) {
	e.mu.Lock()
	delete(e.active, id)
	e.mu.Unlock()
}

// retryAt makes the scanner look again at due (or earlier).
func (e *engine) retryAt(due time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.next.IsZero() && !due.Before(e.next) {
		return
	}
	e.next = due
	d := max(due.Sub(e.t.opts.Clock.Now()), 0)
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timer = time.AfterFunc(d, func() {
		e.mu.Lock()
		e.next = time.Time{}
		e.mu.Unlock()
		signal(e.scan)
	})
}

func (e *engine) run(ctx context.Context) {
	var workers, loops sync.WaitGroup
	loops.Add(3)
	go func() { defer loops.Done(); e.dispatch(ctx, e.local, &workers) }()
	go func() { defer loops.Done(); e.dispatch(ctx, e.remote, &workers) }()
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

// dispatch starts the lane's jobs, at most cap(sem) at once.
func (e *engine) dispatch(ctx context.Context, l *lane, workers *sync.WaitGroup) {
	for {
		l.mu.Lock()
		var j *job
		if len(l.queue) > 0 {
			j = l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
		}
		l.mu.Unlock()
		if j == nil {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
				continue
			}
		}
		key := fifoKey(j)
		if key != "" && e.park(key, j) {
			continue // its group is busy: it runs after the jobs before it
		}
		select {
		case <-ctx.Done():
			return
		case l.sem <- struct{}{}:
		}
		workers.Add(1)
		go func() {
			defer workers.Done()
			defer func() { <-l.sem }()
			for j != nil {
				e.deliver(ctx, j)
				if key == "" {
					return
				}
				j = e.nextInChain(key)
			}
		}()
	}
}

// chain orders the deliveries of one FIFO message group to one
// subscription: one at a time, in the order they were queued.
type chain struct {
	parked []*job
}

// fifoKey is the chain of a FIFO notification, "" for anything else.
func fifoKey(j *job) string {
	if !j.topic.Fifo || j.msg == nil {
		return ""
	}
	return j.sub.ARN + "\x00" + j.msg.GroupID
}

// park queues j behind its chain's running job and reports true, or marks
// the chain busy and reports false (j runs now).
func (e *engine) park(key string, j *job) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.chains[key]; ok {
		c.parked = append(c.parked, j)
		return true
	}
	e.chains[key] = &chain{}
	return false
}

// nextInChain returns the chain's next job, or nil (and frees the chain).
func (e *engine) nextInChain(key string) *job {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.chains[key]
	if c == nil || len(c.parked) == 0 {
		delete(e.chains, key)
		return nil
	}
	j := c.parked[0]
	c.parked[0] = nil
	c.parked = c.parked[1:]
	return j
}

// complete deletes finished rows, batching what arrives together, until
// quit (then it records what is left).
func (e *engine) complete(quit chan struct{}) {
	ctx := context.Background()
	for {
		var ids []int64
		select {
		case id := <-e.done:
			ids = append(ids, id)
		case <-quit:
		}
	drain:
		for len(ids) < 500 {
			select {
			case id := <-e.done:
				ids = append(ids, id)
			default:
				break drain
			}
		}
		if len(ids) == 0 {
			return
		}
		if err := e.t.store.FinishDeliveries(ctx, ids); err != nil {
			e.t.log.Error("sns: recording finished deliveries", "count", len(ids), "err", err)
		}
		for _, id := range ids {
			e.release(id)
		}
	}
}

// finish records a row as done (through the completer while it runs).
func (e *engine) finish(id int64) {
	select {
	case e.done <- id:
	case <-e.stopped:
		if err := e.t.store.FinishDeliveries(context.Background(), []int64{id}); err != nil {
			e.t.log.Error("sns: recording a finished delivery", "err", err)
		}
		e.release(id)
	}
}

// scanLoop claims due rows every Poll, and when woken.
func (e *engine) scanLoop(ctx context.Context) {
	tick := time.NewTicker(e.t.opts.Poll)
	defer tick.Stop()
	purged := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-e.scan:
		}
		if err := e.t.RunDue(ctx); err != nil && ctx.Err() == nil {
			e.t.log.Error("sns: claiming due deliveries", "err", err)
		}
		if now := e.t.now(); now.Sub(purged) > time.Minute {
			purged = now
			if err := e.t.store.Purge(ctx, now.Add(-pendingTTL), now); err != nil && ctx.Err() == nil {
				e.t.log.Error("sns: purging expired subscriptions", "err", err)
			}
		}
	}
}

// RunDue claims every due delivery and queues it. The engine calls it every
// Poll and when a retry falls due; tests call it after moving a fake clock.
func (t *Topics) RunDue(ctx context.Context) error {
	e := t.engine
	for {
		now := t.now()
		ds, err := t.store.ClaimDeliveries(ctx, now, now.Add(t.opts.Lease), 100)
		if err != nil {
			return err
		}
		subs := map[string]*SubscriptionRecord{}
		topics := map[string]*TopicRecord{}
		var jobs []*job
		for _, d := range ds {
			j, err := t.load(ctx, d, subs, topics)
			if err != nil {
				return err
			}
			if j == nil {
				e.mu.Lock()
				e.active[d.ID] = struct{}{}
				e.mu.Unlock()
				e.finish(d.ID) // its subscription or topic is gone: nothing to deliver
				continue
			}
			jobs = append(jobs, j)
		}
		e.submit(jobs...)
		if len(ds) < 100 {
			return nil
		}
	}
}

// load builds the job of a claimed row; nil when there is nothing left to
// deliver (subscription or topic gone, confirmation no longer wanted).
func (t *Topics) load(ctx context.Context, d *Delivery, subs map[string]*SubscriptionRecord, topics map[string]*TopicRecord) (*job, error) {
	sub, ok := subs[d.SubscriptionARN]
	if !ok {
		var err error
		sub, err = t.store.GetSubscription(ctx, d.SubscriptionARN)
		if errors.Is(err, ErrNotFound) {
			sub = nil
		} else if err != nil {
			return nil, err
		}
		subs[d.SubscriptionARN] = sub
	}
	if sub == nil {
		return nil, nil
	}
	switch d.Kind {
	case TypeNotification:
		if sub.State != StateConfirmed || d.Message == nil {
			return nil, nil
		}
	case TypeSubscriptionConfirmation:
		if sub.State != StatePending {
			return nil, nil
		}
	case TypeUnsubscribeConfirmation:
		if sub.State != StateDeleted {
			return nil, nil
		}
	}
	topic, ok := topics[sub.TopicARN]
	if !ok {
		var err error
		topic, err = t.store.GetTopic(ctx, sub.TopicARN)
		if errors.Is(err, ErrNotFound) {
			topic = nil
		} else if err != nil {
			return nil, err
		}
		topics[sub.TopicARN] = topic
	}
	if topic == nil {
		return nil, nil
	}
	return &job{d: d, sub: sub, topic: topic, msg: d.Message}, nil
}

// policyFor is the retry policy of a subscription.
func (t *Topics) policyFor(j *job) (retryPolicy, string) {
	switch j.sub.Protocol {
	case ProtocolSQS:
		return managedPolicy, ""
	case ProtocolEmail, ProtocolEmailJSON:
		return smtpPolicy, ""
	}
	h := resolveHTTP(j.topic.Attributes[AttrDeliveryPolicy], j.sub.Attributes[AttrDeliveryPolicy])
	return h.retry, h.contentType
}

// deliver makes the attempts of one job.
func (e *engine) deliver(ctx context.Context, j *job) {
	t := e.t
	policy, contentType := t.policyFor(j)
	attempts := j.d.Attempts
	var err error
	if attempts < deadLetterAttempts {
		for {
			err = t.attempt(ctx, j, contentType)
			attempts++
			if err == nil {
				e.finish(j.d.ID)
				return
			}
			if ctx.Err() != nil {
				e.release(j.d.ID) // abandoned: the row stays for the next run
				return
			}
			if IsPermanent(err) {
				break
			}
			delay, ok := policy.delay(attempts)
			if !ok {
				break
			}
			t.log.Debug("sns: delivery failed, retrying", "subscription", j.sub.ARN, "message", j.d.MessageID, "attempt", attempts, "in", delay, "err", err)
			if delay == 0 {
				continue
			}
			e.reschedule(ctx, j, attempts, t.now().Add(delay))
			return
		}
	}
	// Permanent failure or exhausted policy: the dead-letter queue, if any.
	dlq := ""
	if src := j.sub.Attributes[AttrRedrivePolicy]; src != "" {
		if p, perr := t.parseRedrivePolicy(src, j.topic.Fifo); perr == nil {
			dlq = p.DeadLetterTargetArn
		}
	}
	if dlq == "" || j.d.Kind != TypeNotification {
		t.log.Warn("sns: delivery failed, message dropped", "subscription", j.sub.ARN, "message", j.d.MessageID, "attempts", attempts, "err", err)
		e.finish(j.d.ID)
		return
	}
	if derr := t.deadLetter(ctx, j, dlq); derr != nil {
		if ctx.Err() != nil {
			e.release(j.d.ID)
			return
		}
		if IsPermanent(derr) {
			t.log.Warn("sns: dead-letter queue refused the message, dropped", "subscription", j.sub.ARN, "message", j.d.MessageID, "queue", dlq, "err", derr)
			e.finish(j.d.ID)
			return
		}
		e.reschedule(ctx, j, deadLetterAttempts, t.now().Add(20*time.Second))
		return
	}
	t.log.Info("sns: delivery failed, message moved to the dead-letter queue", "subscription", j.sub.ARN, "message", j.d.MessageID, "attempts", attempts, "queue", dlq, "err", err)
	e.finish(j.d.ID)
}

// reschedule records the next attempt and releases the job.
func (e *engine) reschedule(ctx context.Context, j *job, attempts int, due time.Time) {
	if err := e.t.store.RetryDelivery(ctx, j.d.ID, attempts, due); err != nil {
		// The lease runs out and the row is claimed again: a retry, later.
		e.t.log.Error("sns: recording a retry", "subscription", j.sub.ARN, "err", err)
	}
	e.release(j.d.ID)
	e.retryAt(due)
}
