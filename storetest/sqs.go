package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
)

func testSQS(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.SQSStore)
	}{
		{"Queues", sqsQueues},
		{"ListQueues", sqsListQueues},
		{"Tags", sqsTags},
		{"DeadLetterSources", sqsDeadLetterSources},
		{"SendReceiveDelete", sqsSendReceiveDelete},
		{"Visibility", sqsVisibility},
		{"Counts", sqsCounts},
		{"FIFOGroups", sqsFIFOGroups},
		{"Dedup", sqsDedup},
		{"Move", sqsMove},
		{"Expiry", sqsExpiry},
		{"Purge", sqsPurge},
		{"DeletedQueue", sqsDeletedQueue},
		{"GroupCommit", sqsGroupCommit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, sqlstore.NewSQSStore(newDB(t))) })
	}
}

var sqsT0 = time.UnixMilli(1769000100000).UTC()

func sqsQueue(t *testing.T, s *sqlstore.SQSStore, name string, attrs map[string]string) *sqs.QueueRecord {
	t.Helper()
	if attrs == nil {
		attrs = map[string]string{"VisibilityTimeout": "30"}
	}
	rec := &sqs.QueueRecord{ID: rand.Int64N(1<<62) + 1, Name: name, Attributes: attrs, CreatedAt: sqsT0, ModifiedAt: sqsT0}
	if _, err := s.CreateQueue(context.Background(), rec, nil); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return rec
}

func sqsMsg(queue int64, body string, sent time.Time) *sqs.MessageRecord {
	return &sqs.MessageRecord{
		QueueID: queue, MessageID: uuid.NewString(), Body: body, SenderID: "AIDATEST", SentAt: sent, VisibleAt: sent,
		Attributes: sqs.EncodeAttributes(map[string]sqs.MessageAttributeValue{"k": {DataType: "String", StringValue: body}}),
	}
}

func sqsInsert(t *testing.T, s *sqlstore.SQSStore, ms ...*sqs.MessageRecord) {
	t.Helper()
	err := s.Messages(context.Background(), func(ctx context.Context, tx sqs.MessageTx) error {
		for _, m := range ms {
			if err := tx.Insert(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
}

// sqsReceive takes up to n candidates and marks them received, the way the
// domain does, returning them as stored after the receive.
func sqsReceive(t *testing.T, s *sqlstore.SQSStore, q *sqs.QueueRecord, n int, fifo bool, now time.Time, vt time.Duration) []*sqs.MessageRecord {
	t.Helper()
	var got []*sqs.MessageRecord
	err := s.Messages(context.Background(), func(ctx context.Context, tx sqs.MessageTx) error {
		c, err := tx.Candidates(ctx, sqs.CandidateQuery{QueueID: q.ID, Now: now, ExpiredBefore: now.Add(-time.Hour), Limit: n, FIFO: fifo})
		if err != nil {
			return err
		}
		ids := make([]int64, len(c))
		for i, m := range c {
			ids[i] = m.ID
		}
		if len(ids) > 0 {
			if err := tx.MarkReceived(ctx, q.ID, ids, now, now.Add(vt)); err != nil {
				return err
			}
		}
		got = c
		return nil
	})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	refs := make([]sqs.MessageRef, len(got))
	for i, m := range got {
		refs[i] = sqs.MessageRef{QueueID: m.QueueID, RowID: m.ID, MessageID: m.MessageID}
	}
	fresh, err := s.GetMessages(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	return fresh
}

func sqsBodies(ms []*sqs.MessageRecord) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

func sqsQueues(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	rec := sqsQueue(t, s, "orders", map[string]string{"VisibilityTimeout": "30", "DelaySeconds": "5"})
	got, err := s.GetQueue(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rec, got); diff != "" {
		t.Errorf("GetQueue (-want +got):\n%s", diff)
	}
	if _, err := s.GetQueue(ctx, "nope"); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("unknown queue: %v", err)
	}
	// Creating a taken name returns the existing queue.
	dup := &sqs.QueueRecord{ID: 77, Name: "orders", Attributes: map[string]string{}, CreatedAt: sqsT0, ModifiedAt: sqsT0}
	existing, err := s.CreateQueue(ctx, dup, nil)
	if !errors.Is(err, sqs.ErrQueueExists) || existing == nil || existing.ID != rec.ID {
		t.Errorf("create taken name: %v %+v", err, existing)
	}
	later := sqsT0.Add(time.Minute)
	if err := s.SetQueueAttributes(ctx, rec.ID, map[string]string{"VisibilityTimeout": "60"}, "arn:aws:sqs:r:000000000000:dlq", later); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetQueue(ctx, "orders")
	if got.Attributes["VisibilityTimeout"] != "60" || got.Attributes["DelaySeconds"] != "" || !got.ModifiedAt.Equal(later) ||
		got.DeadLetterTarget != "arn:aws:sqs:r:000000000000:dlq" || !got.CreatedAt.Equal(sqsT0) {
		t.Errorf("after SetQueueAttributes: %+v", got)
	}
	if err := s.SetQueueAttributes(ctx, 12345, nil, "", later); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("set unknown: %v", err)
	}
	if err := s.DeleteQueue(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteQueue(ctx, rec.ID); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := s.GetQueue(ctx, "orders"); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func sqsListQueues(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	for _, n := range []string{"b-2", "a_1", "b-1", "b_x", "c.fifo", "b"} {
		sqsQueue(t, s, n, nil)
	}
	names := func(prefix, after string, limit int) []string {
		recs, err := s.ListQueues(ctx, prefix, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Name)
		}
		return out
	}
	if got, want := names("", "", 100), []string{"a_1", "b", "b-1", "b-2", "b_x", "c.fifo"}; !slices.Equal(got, want) {
		t.Errorf("all: %v, want %v", got, want)
	}
	if got, want := names("b", "", 100), []string{"b", "b-1", "b-2", "b_x"}; !slices.Equal(got, want) {
		t.Errorf("prefix b: %v, want %v", got, want)
	}
	// '_' is no wildcard.
	if got, want := names("b_", "", 100), []string{"b_x"}; !slices.Equal(got, want) {
		t.Errorf("prefix b_: %v, want %v", got, want)
	}
	if got, want := names("b", "b-1", 2), []string{"b-2", "b_x"}; !slices.Equal(got, want) {
		t.Errorf("page: %v, want %v", got, want)
	}
}

func sqsTags(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "tagged", nil)
	rec := &sqs.QueueRecord{ID: 4242, Name: "born-tagged", Attributes: map[string]string{}, CreatedAt: sqsT0, ModifiedAt: sqsT0}
	if _, err := s.CreateQueue(ctx, rec, map[string]string{"team": "ops", "env": "prod"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.QueueTags(ctx, rec.ID); !cmp.Equal(got, map[string]string{"team": "ops", "env": "prod"}) {
		t.Errorf("tags at create: %v", got)
	}
	err := s.UpdateQueueTags(ctx, q.ID, func(m map[string]string) error {
		m["a"], m["b"] = "1", "2"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.UpdateQueueTags(ctx, q.ID, func(m map[string]string) error {
		delete(m, "a")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("fn error: %v", err)
	}
	if got, _ := s.QueueTags(ctx, q.ID); !cmp.Equal(got, map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("tags after failed update: %v", got)
	}
	if err := s.UpdateQueueTags(ctx, 999999, func(map[string]string) error { return nil }); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("unknown queue: %v", err)
	}
}

func sqsDeadLetterSources(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	const dlq = "arn:aws:sqs:us-east-1:000000000000:dlq"
	for _, n := range []string{"src-b", "src-a", "other"} {
		q := sqsQueue(t, s, n, nil)
		target := dlq
		if n == "other" {
			target = ""
		}
		if err := s.SetQueueAttributes(ctx, q.ID, map[string]string{}, target, sqsT0); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.ListDeadLetterSources(ctx, dlq, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Name != "src-a" || recs[1].Name != "src-b" {
		t.Errorf("sources: %+v", recs)
	}
	recs, _ = s.ListDeadLetterSources(ctx, dlq, "src-a", 10)
	if len(recs) != 1 || recs[0].Name != "src-b" {
		t.Errorf("sources after src-a: %+v", recs)
	}
}

func sqsSendReceiveDelete(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "work", nil)
	other := sqsQueue(t, s, "other", nil)
	var ms []*sqs.MessageRecord
	for i := range 5 {
		ms = append(ms, sqsMsg(q.ID, fmt.Sprint("m", i), sqsT0.Add(time.Duration(i)*time.Millisecond)))
	}
	sqsInsert(t, s, ms...)
	sqsInsert(t, s, sqsMsg(other.ID, "elsewhere", sqsT0))
	now := sqsT0.Add(time.Second)
	got := sqsReceive(t, s, q, 3, false, now, 30*time.Second)
	if want := []string{"m0", "m1", "m2"}; !slices.Equal(sqsBodies(got), want) {
		t.Fatalf("first receive: %v, want %v", sqsBodies(got), want)
	}
	m := got[0]
	if m.ReceiveCount != 1 || !m.FirstReceiveAt.Equal(now) || !m.ReceivedAt.Equal(now) || !m.VisibleAt.Equal(now.Add(30*time.Second)) ||
		m.SenderID != "AIDATEST" || !m.SentAt.Equal(sqsT0) {
		t.Errorf("received record: %+v", m)
	}
	attrs, err := sqs.DecodeAttributes(m.Attributes)
	if err != nil || attrs["k"].StringValue != "m0" {
		t.Errorf("attributes round trip: %v %v", attrs, err)
	}
	// In flight: the rest come next.
	if got := sqsReceive(t, s, q, 10, false, now, 30*time.Second); !slices.Equal(sqsBodies(got), []string{"m3", "m4"}) {
		t.Errorf("second receive: %v", sqsBodies(got))
	}
	// Delete needs the latest receive count.
	ref := sqs.MessageRef{QueueID: q.ID, RowID: m.ID, MessageID: m.MessageID, ReceiveCount: 1}
	stale := ref
	stale.ReceiveCount = 7
	wrongID := ref
	wrongID.MessageID = uuid.NewString()
	for _, r := range []sqs.MessageRef{stale, wrongID} {
		var deleted bool
		err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
			var err error
			deleted, err = tx.Delete(ctx, r)
			return err
		})
		if err != nil || deleted {
			t.Errorf("delete %+v: %v %v", r, deleted, err)
		}
	}
	var deleted bool
	err = s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		var err error
		deleted, err = tx.Delete(ctx, ref)
		return err
	})
	if err != nil || !deleted {
		t.Errorf("delete: %v %v", deleted, err)
	}
	if fresh, _ := s.GetMessages(ctx, []sqs.MessageRef{ref}); fresh[0] != nil {
		t.Errorf("deleted message still stored")
	}
	// After the visibility timeout the others come back, counted twice.
	later := now.Add(31 * time.Second)
	again := sqsReceive(t, s, q, 10, false, later, time.Second)
	if len(again) != 4 {
		t.Fatalf("redelivery: %v", sqsBodies(again))
	}
	for _, m := range again {
		if m.ReceiveCount != 2 || !m.FirstReceiveAt.Equal(now) || !m.ReceivedAt.Equal(later) {
			t.Errorf("redelivered %s: count %d first %v", m.Body, m.ReceiveCount, m.FirstReceiveAt)
		}
	}
}

func sqsVisibility(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "vis", nil)
	sqsInsert(t, s, sqsMsg(q.ID, "a", sqsT0))
	m := sqsReceive(t, s, q, 1, false, sqsT0, 30*time.Second)[0]
	ref := sqs.MessageRef{QueueID: q.ID, RowID: m.ID, MessageID: m.MessageID, ReceiveCount: 1}
	err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		got, err := tx.Lookup(ctx, ref)
		if err != nil || got == nil || got.ReceiveCount != 1 {
			return fmt.Errorf("lookup: %+v %v", got, err)
		}
		if err := tx.SetVisibility(ctx, ref, sqsT0); err != nil {
			return err
		}
		gone := ref
		gone.RowID = 99999999
		if got, err := tx.Lookup(ctx, gone); got != nil || err != nil {
			return fmt.Errorf("lookup of a missing message: %+v %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sqsReceive(t, s, q, 1, false, sqsT0, time.Second); len(got) != 1 || got[0].ReceiveCount != 2 {
		t.Errorf("after visibility 0: %+v", got)
	}
	next, err := s.NextVisible(ctx, q.ID, sqsT0)
	if err != nil || !next.Equal(sqsT0.Add(time.Second)) {
		t.Errorf("NextVisible: %v %v", next, err)
	}
	if next, _ := s.NextVisible(ctx, q.ID, sqsT0.Add(time.Hour)); !next.IsZero() {
		t.Errorf("NextVisible with nothing hidden: %v", next)
	}
}

func sqsCounts(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "counts", nil)
	delayed := sqsMsg(q.ID, "delayed", sqsT0)
	delayed.VisibleAt = sqsT0.Add(time.Minute)
	expired := sqsMsg(q.ID, "expired", sqsT0.Add(-2*time.Hour))
	sqsInsert(t, s, sqsMsg(q.ID, "a", sqsT0), sqsMsg(q.ID, "b", sqsT0), sqsMsg(q.ID, "c", sqsT0), delayed, expired)
	sqsReceive(t, s, q, 1, false, sqsT0, time.Minute)
	c, err := s.CountMessages(ctx, q.ID, sqsT0, sqsT0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := (sqs.MessageCounts{Visible: 2, InFlight: 1, Delayed: 1}); c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
}

func sqsFIFOGroups(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "f.fifo", nil)
	var ms []*sqs.MessageRecord
	for i, g := range []string{"a", "b", "a", "c", "b", "a"} {
		m := sqsMsg(q.ID, fmt.Sprint(g, i), sqsT0)
		m.GroupID, m.DedupID, m.Sequence = g, fmt.Sprint("d", i), int64(i+1)
		ms = append(ms, m)
	}
	sqsInsert(t, s, ms...)
	// Two of the queue's messages: a0, b1 (sequence order).
	first := sqsReceive(t, s, q, 2, true, sqsT0, 30*time.Second)
	if want := []string{"a0", "b1"}; !slices.Equal(sqsBodies(first), want) {
		t.Fatalf("first: %v, want %v", sqsBodies(first), want)
	}
	// Groups a and b have messages in flight: only c moves.
	if got := sqsReceive(t, s, q, 10, true, sqsT0, 30*time.Second); !slices.Equal(sqsBodies(got), []string{"c3"}) {
		t.Fatalf("second: %v", sqsBodies(got))
	}
	if got := sqsReceive(t, s, q, 10, true, sqsT0, 30*time.Second); len(got) != 0 {
		t.Fatalf("all groups blocked, got %v", sqsBodies(got))
	}
	// Deleting a0 unblocks a: a2 and a5 in order, in one receive.
	a0 := first[0]
	err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		_, err := tx.Delete(ctx, sqs.MessageRef{QueueID: q.ID, RowID: a0.ID, MessageID: a0.MessageID, ReceiveCount: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sqsReceive(t, s, q, 10, true, sqsT0, 30*time.Second); !slices.Equal(sqsBodies(got), []string{"a2", "a5"}) {
		t.Fatalf("after deleting a0: %v", sqsBodies(got))
	}
	// Every visibility timeout runs out: b1 is first in sequence again, and
	// while it is in flight b4 waits behind it.
	later := sqsT0.Add(31 * time.Second)
	if got := sqsReceive(t, s, q, 1, true, later, 30*time.Second); !slices.Equal(sqsBodies(got), []string{"b1"}) {
		t.Fatalf("after expiry: %v", sqsBodies(got))
	}
	if got := sqsReceive(t, s, q, 10, true, later, 30*time.Second); !slices.Equal(sqsBodies(got), []string{"a2", "c3", "a5"}) {
		t.Fatalf("b4 must wait for b1: %v", sqsBodies(got))
	}
}

func sqsDedup(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "d.fifo", nil)
	err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		if _, _, found, err := tx.Dedup(ctx, q.ID, "", "x", sqsT0); err != nil || found {
			return fmt.Errorf("empty: %v %v", found, err)
		}
		s1, err := tx.NextSequence(ctx, q.ID)
		if err != nil {
			return err
		}
		s2, err := tx.NextSequence(ctx, q.ID)
		if err != nil || s2 != s1+1 {
			return fmt.Errorf("sequence %d then %d: %v", s1, s2, err)
		}
		if err := tx.PutDedup(ctx, q.ID, "", "x", "mid-1", s1, sqsT0.Add(5*time.Minute)); err != nil {
			return err
		}
		id, seq, found, err := tx.Dedup(ctx, q.ID, "", "x", sqsT0.Add(time.Minute))
		if err != nil || !found || id != "mid-1" || seq != s1 {
			return fmt.Errorf("dedup hit: %s %d %v %v", id, seq, found, err)
		}
		if _, _, found, _ := tx.Dedup(ctx, q.ID, "g", "x", sqsT0); found {
			return errors.New("another scope matched")
		}
		if _, _, found, _ := tx.Dedup(ctx, q.ID, "", "x", sqsT0.Add(5*time.Minute)); found {
			return errors.New("expired entry matched")
		}
		// Re-recording replaces an expired entry.
		return tx.PutDedup(ctx, q.ID, "", "x", "mid-2", s2, sqsT0.Add(10*time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteExpiredDedup(ctx, sqsT0.Add(9*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredDedup(ctx, sqsT0.Add(10*time.Minute)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredDedup: %d %v", n, err)
	}
}

func sqsMove(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	src := sqsQueue(t, s, "src", nil)
	dlq := sqsQueue(t, s, "dlq", nil)
	sqsInsert(t, s, sqsMsg(src.ID, "poison", sqsT0))
	m := sqsReceive(t, s, src, 1, false, sqsT0, 0)[0]
	now := sqsT0.Add(time.Minute)
	err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		return tx.Move(ctx, m, dlq.ID, "arn:aws:sqs:us-east-1:000000000000:src", now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sqsReceive(t, s, src, 10, false, now, time.Second); len(got) != 0 {
		t.Errorf("still in the source: %v", sqsBodies(got))
	}
	got := sqsReceive(t, s, dlq, 10, false, now, time.Second)
	if len(got) != 1 {
		t.Fatalf("dead-letter queue: %v", sqsBodies(got))
	}
	d := got[0]
	if d.MessageID != m.MessageID || d.Body != "poison" || d.ReceiveCount != 1 || !d.SentAt.Equal(sqsT0) ||
		d.DeadLetterSource != "arn:aws:sqs:us-east-1:000000000000:src" || !cmp.Equal(d.Attributes, m.Attributes) {
		t.Errorf("moved message: %+v", d)
	}
}

func sqsExpiry(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "old", nil)
	var ms []*sqs.MessageRecord
	for i := range 2500 {
		ms = append(ms, sqsMsg(q.ID, fmt.Sprint(i), sqsT0.Add(-2*time.Hour)))
	}
	ms = append(ms, sqsMsg(q.ID, "fresh", sqsT0))
	sqsInsert(t, s, ms...)
	// Receives never see expired messages, swept or not.
	if got := sqsReceive(t, s, q, 10, false, sqsT0, time.Second); !slices.Equal(sqsBodies(got), []string{"fresh"}) {
		t.Errorf("receive: %v", sqsBodies(got))
	}
	n, err := s.DeleteExpired(ctx, q.ID, sqsT0.Add(-time.Hour))
	if err != nil || n != 2500 {
		t.Errorf("DeleteExpired: %d %v", n, err)
	}
	c, _ := s.CountMessages(ctx, q.ID, sqsT0.Add(time.Hour), time.Time{})
	if c.Visible != 1 {
		t.Errorf("left: %+v", c)
	}
}

func sqsPurge(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "purge", nil)
	sqsInsert(t, s, sqsMsg(q.ID, "a", sqsT0), sqsMsg(q.ID, "b", sqsT0))
	if err := s.PurgeQueue(ctx, q.ID, sqsT0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeQueue(ctx, q.ID, sqsT0.Add(59*time.Second), time.Minute); !errors.Is(err, sqs.ErrPurgeInProgress) {
		t.Errorf("second purge: %v", err)
	}
	c, _ := s.CountMessages(ctx, q.ID, sqsT0, time.Time{})
	if c.Visible != 0 {
		t.Errorf("after purge: %+v", c)
	}
	if err := s.PurgeQueue(ctx, q.ID, sqsT0.Add(time.Minute), time.Minute); err != nil {
		t.Errorf("purge after the interval: %v", err)
	}
	if err := s.PurgeQueue(ctx, 31337, sqsT0, time.Minute); !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("purge unknown: %v", err)
	}
}

func sqsDeletedQueue(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "doomed", nil)
	sqsInsert(t, s, sqsMsg(q.ID, "a", sqsT0))
	if err := s.UpdateQueueTags(ctx, q.ID, func(m map[string]string) error { m["k"] = "v"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteQueue(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	err := s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
		return tx.Insert(ctx, sqsMsg(q.ID, "late", sqsT0))
	})
	if !errors.Is(err, sqs.ErrQueueNotFound) {
		t.Errorf("insert into a deleted queue: %v", err)
	}
	// A queue created again under the name has no messages or tags.
	again := sqsQueue(t, s, "doomed", nil)
	if got := sqsReceive(t, s, again, 10, false, sqsT0, time.Second); len(got) != 0 {
		t.Errorf("messages survived: %v", sqsBodies(got))
	}
	if tags, _ := s.QueueTags(ctx, again.ID); len(tags) != 0 {
		t.Errorf("tags survived: %v", tags)
	}
}

// sqsGroupCommit: many concurrent message transactions, some failing; each
// caller sees its own outcome and only the successful ones are stored.
func sqsGroupCommit(t *testing.T, s *sqlstore.SQSStore) {
	ctx := context.Background()
	q := sqsQueue(t, s, "group", nil)
	const n = 200
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Messages(ctx, func(ctx context.Context, tx sqs.MessageTx) error {
				if err := tx.Insert(ctx, sqsMsg(q.ID, fmt.Sprint(i), sqsT0)); err != nil {
					return err
				}
				if i%7 == 0 {
					return boom // after a write: it must be undone
				}
				return nil
			})
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		if i%7 == 0 {
			if !errors.Is(err, boom) {
				t.Errorf("op %d: %v, want boom", i, err)
			}
			continue
		}
		want++
		if err != nil {
			t.Errorf("op %d: %v", i, err)
		}
	}
	c, err := s.CountMessages(ctx, q.ID, sqsT0, time.Time{})
	if err != nil || c.Visible != int64(want) {
		t.Errorf("stored %d (%v), want %d", c.Visible, err, want)
	}
}
