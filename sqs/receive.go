package sqs

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Message system attribute names (ReceiveMessage AttributeNames /
// MessageSystemAttributeNames).
const (
	SysSenderID                         = "SenderId"
	SysSentTimestamp                    = "SentTimestamp"
	SysApproximateReceiveCount          = "ApproximateReceiveCount"
	SysApproximateFirstReceiveTimestamp = "ApproximateFirstReceiveTimestamp"
	SysSequenceNumber                   = "SequenceNumber"
	SysMessageDeduplicationID           = "MessageDeduplicationId"
	SysMessageGroupID                   = "MessageGroupId"
	SysAWSTraceHeader                   = "AWSTraceHeader"
	SysDeadLetterQueueSourceArn         = "DeadLetterQueueSourceArn"
)

// ReceiveInput is a ReceiveMessage request. Nil pointers are "not given".
type ReceiveInput struct {
	MaxNumberOfMessages *int
	VisibilityTimeout   *int
	WaitTimeSeconds     *int
	// SystemAttributeNames merges AttributeNames and
	// MessageSystemAttributeNames: "All" or names; unknown names are ignored.
	SystemAttributeNames []string
	// MessageAttributeNames: "All", ".*", names, or "prefix.*".
	MessageAttributeNames   []string
	ReceiveRequestAttemptID string
}

// Message is a received message.
type Message struct {
	MessageID              string
	ReceiptHandle          string
	Body                   string
	MD5OfBody              string
	Attributes             map[string]string // the system attributes asked for
	MessageAttributes      map[string]MessageAttributeValue
	MD5OfMessageAttributes string // over MessageAttributes; "" when none
}

// ReceiveMessage takes up to MaxNumberOfMessages visible messages and hides
// them for the visibility timeout. With a wait (WaitTimeSeconds, else the
// queue's ReceiveMessageWaitTimeSeconds) it returns as soon as at least one
// message is available, or empty when the wait ends. A message received
// more than its queue's maxReceiveCount times moves to the dead-letter queue
// instead of being returned.
func (q *Queues) ReceiveMessage(ctx context.Context, url string, in ReceiveInput) ([]*Message, error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	n := 1
	if in.MaxNumberOfMessages != nil {
		n = *in.MaxNumberOfMessages
		if n < 1 || n > MaxReceiveMessages {
			return nil, invalidParam("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)
		}
	}
	vt := e.cfg.visibility
	if in.VisibilityTimeout != nil {
		v := *in.VisibilityTimeout
		if v < 0 || v > MaxVisibilitySeconds {
			return nil, invalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", v)
		}
		vt = time.Duration(v) * time.Second
	}
	wait := e.cfg.wait
	if in.WaitTimeSeconds != nil {
		w := *in.WaitTimeSeconds
		if w < 0 || w > MaxWaitSeconds {
			return nil, invalidParam("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", w)
		}
		wait = time.Duration(w) * time.Second
	}
	attempt := ""
	if in.ReceiveRequestAttemptID != "" {
		if !validFIFOID(in.ReceiveRequestAttemptID) {
			return nil, invalidParam("Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.", in.ReceiveRequestAttemptID)
		}
		if e.cfg.fifo {
			attempt = in.ReceiveRequestAttemptID
		}
	}
	sel := selection{sys: sysNames(in.SystemAttributeNames), user: in.MessageAttributeNames}
	if attempt != "" {
		if msgs := q.replayAttempt(ctx, e, attempt); msgs != nil {
			return msgs, nil
		}
	}

	var timeout <-chan time.Time
	for {
		ch := q.waiters.watch(e.rec.ID)
		recs, err := q.receiveOnce(ctx, e, n, vt)
		if err != nil || len(recs) > 0 || wait <= 0 {
			q.waiters.release(e.rec.ID, ch)
			if err != nil {
				return nil, err
			}
			msgs := make([]*Message, len(recs))
			for i, r := range recs {
				msgs[i] = sel.message(r, e)
			}
			if attempt != "" && len(msgs) > 0 {
				q.attempt.put(e.rec.ID, attempt, recs, msgs, q.now().Add(DedupWindow))
			}
			return msgs, nil
		}
		if timeout == nil {
			timeout = q.opt.After(wait)
		}
		var recheck, poll <-chan time.Time
		now := q.now()
		if next, err := q.store.NextVisible(ctx, e.rec.ID, now); err == nil && !next.IsZero() {
			recheck = q.opt.After(max(next.Sub(now), time.Millisecond))
		}
		if q.opt.RecheckEvery > 0 {
			poll = q.opt.After(q.opt.RecheckEvery)
		}
		select {
		case <-ch:
		case <-recheck:
		case <-poll:
		case <-timeout:
			wait = 0 // one last look, then answer
		case <-ctx.Done():
			q.waiters.release(e.rec.ID, ch)
			return nil, nil // the client is gone; nothing was taken
		case <-q.closing:
			q.waiters.release(e.rec.ID, ch)
			return nil, nil
		}
		q.waiters.release(e.rec.ID, ch)
		if e, err = q.byName(ctx, e.rec.Name); err != nil {
			return nil, err // deleted while we waited
		}
	}
}

// receiveOnce takes up to n messages in one transaction, redriving those
// past maxReceiveCount on the way.
func (q *Queues) receiveOnce(ctx context.Context, e *queueEntry, n int, vt time.Duration) ([]*MessageRecord, error) {
	var dlq *queueEntry
	if p := e.cfg.redrive; p != nil {
		var err error
		if dlq, err = q.byARN(ctx, p.DeadLetterTargetARN); err != nil {
			dlq = nil // no target (deleted since): deliver rather than lose
		}
	}
	now := q.now()
	var got []*MessageRecord
	moved := false
	err := q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		got, moved = got[:0], false
		for round := 0; len(got) < n && round < 10; round++ {
			limit := n - len(got)
			cands, err := tx.Candidates(ctx, CandidateQuery{
				QueueID: e.rec.ID, Now: now, ExpiredBefore: now.Add(-e.cfg.retention), Limit: limit, FIFO: e.cfg.fifo,
			})
			if err != nil {
				return err
			}
			take := make([]*MessageRecord, 0, len(cands))
			movedNow := false
			for _, m := range cands {
				if dlq != nil && m.ReceiveCount >= e.cfg.redrive.MaxReceiveCount {
					if err := tx.Move(ctx, m, dlq.rec.ID, e.arn, now); err != nil {
						return err
					}
					movedNow = true
					continue
				}
				take = append(take, m)
			}
			if len(take) > 0 {
				ids := make([]int64, len(take))
				for i, m := range take {
					ids[i] = m.ID
				}
				if err := tx.MarkReceived(ctx, e.rec.ID, ids, now, now.Add(vt)); err != nil {
					return err
				}
				for _, m := range take {
					m.ReceiveCount++
					if m.FirstReceiveAt.IsZero() {
						m.FirstReceiveAt = now
					}
					m.ReceivedAt, m.VisibleAt = now, now.Add(vt)
				}
				got = append(got, take...)
			}
			moved = moved || movedNow
			if !movedNow || len(cands) < limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, q.storeErr(e.rec.Name, err)
	}
	if moved {
		q.wake(dlq.rec.ID)
	}
	if vt == 0 && len(got) > 0 {
		q.wake(e.rec.ID) // visible again at once
	}
	return got, nil
}

// selection is what a receive asked to see of each message.
type selection struct {
	sys  map[string]bool // nil: none; contains "All" for every one
	user []string
}

func sysNames(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (s selection) wants(name string) bool { return s.sys[AttrAll] || s.sys[name] }

// message renders a received record.
func (s selection) message(r *MessageRecord, e *queueEntry) *Message {
	m := &Message{
		MessageID:     r.MessageID,
		ReceiptHandle: EncodeReceipt(MessageRef{QueueID: r.QueueID, RowID: r.ID, MessageID: r.MessageID, ReceiveCount: r.ReceiveCount}),
		Body:          r.Body,
		MD5OfBody:     MD5OfBody(r.Body),
	}
	if len(s.sys) > 0 {
		a := make(map[string]string)
		set := func(name, v string) {
			if v != "" && s.wants(name) {
				a[name] = v
			}
		}
		ms := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return strconv.FormatInt(t.UnixMilli(), 10)
		}
		set(SysSenderID, r.SenderID)
		set(SysSentTimestamp, ms(r.SentAt))
		set(SysApproximateReceiveCount, strconv.Itoa(r.ReceiveCount))
		set(SysApproximateFirstReceiveTimestamp, ms(r.FirstReceiveAt))
		if e.cfg.fifo {
			set(SysSequenceNumber, SequenceNumber(r.Sequence))
			set(SysMessageDeduplicationID, r.DedupID)
		}
		set(SysMessageGroupID, r.GroupID)
		set(SysDeadLetterQueueSourceArn, r.DeadLetterSource)
		if len(r.SystemAttributes) > 0 && s.wants(SysAWSTraceHeader) {
			if sa, err := DecodeAttributes(r.SystemAttributes); err == nil {
				set(SysAWSTraceHeader, sa[SysAWSTraceHeader].StringValue)
			}
		}
		if len(a) > 0 {
			m.Attributes = a
		}
	}
	if enc := selectAttributes(r.Attributes, s.user); len(enc) > 0 {
		if attrs, err := DecodeAttributes(enc); err == nil && len(attrs) > 0 {
			m.MessageAttributes = attrs
			m.MD5OfMessageAttributes = MD5Hex(enc)
		}
	}
	return m
}

// attempts remembers FIFO receives by ReceiveRequestAttemptId for the
// deduplication window, so that a retried receive gets the same messages
// and receipt handles while nothing about them has changed. It lives in
// process memory (a retry that reaches another replica receives afresh).
type attempts struct {
	mu sync.Mutex
	m  map[attemptKey]*attemptEntry
}

type attemptKey struct {
	queue int64
	id    string
}

type attemptEntry struct {
	refs    []MessageRef
	msgs    []*Message
	expires time.Time
}

func (a *attempts) init() { a.m = make(map[attemptKey]*attemptEntry) }

func (a *attempts) put(queue int64, id string, recs []*MessageRecord, msgs []*Message, expires time.Time) {
	refs := make([]MessageRef, len(recs))
	for i, r := range recs {
		refs[i] = MessageRef{QueueID: r.QueueID, RowID: r.ID, MessageID: r.MessageID, ReceiveCount: r.ReceiveCount}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.m) > 10000 {
		for k, e := range a.m {
			if !e.expires.After(expires.Add(-DedupWindow)) {
				delete(a.m, k)
			}
		}
	}
	a.m[attemptKey{queue, id}] = &attemptEntry{refs: refs, msgs: msgs, expires: expires}
}

func (a *attempts) get(queue int64, id string, now time.Time) *attemptEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := attemptKey{queue, id}
	e := a.m[k]
	if e != nil && !now.Before(e.expires) {
		delete(a.m, k)
		e = nil
	}
	return e
}

// replayAttempt returns the messages an earlier receive with the same
// attempt ID returned, if every one of them is still in flight under that
// receive; nil otherwise.
func (q *Queues) replayAttempt(ctx context.Context, e *queueEntry, attempt string) []*Message {
	now := q.now()
	a := q.attempt.get(e.rec.ID, attempt, now)
	if a == nil {
		return nil
	}
	recs, err := q.store.GetMessages(ctx, a.refs)
	if err != nil {
		return nil
	}
	for i, r := range recs {
		if r == nil || r.ReceiveCount != a.refs[i].ReceiveCount || !r.VisibleAt.After(now) {
			return nil
		}
	}
	return slices.Clone(a.msgs)
}
