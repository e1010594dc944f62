package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlstore"
)

func testSNS(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *snsFixture)
	}{
		{"Topics", snsTopics},
		{"Subscriptions", snsSubscriptions},
		{"FifoSequenceAndDedup", snsFifo},
		{"Deliveries", snsDeliveries},
		{"ConcurrentClaims", snsConcurrentClaims},
		{"Purge", snsPurge},
		{"SigningKey", snsSigningKey},
		{"Rollback", snsRollback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			tc.run(t, &snsFixture{SNSStore: sqlstore.NewSNSStore(db), db: db})
		})
	}
}

// snsFixture is the store under test and its database.
type snsFixture struct {
	*sqlstore.SNSStore
	db *sqlstore.DB
}

var snsTime = time.UnixMilli(1769000100123).UTC()

const snsPrefix = "arn:aws:sns:us-east-1:000000000000:"

func snsUpdate(t *testing.T, s *snsFixture, fn func(sns.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func snsPutTopic(t *testing.T, s *snsFixture, name string, tags ...sns.Tag) *sns.TopicRecord {
	t.Helper()
	rec := &sns.TopicRecord{ARN: snsPrefix + name, Name: name, Attributes: map[string]string{"DisplayName": "表示 " + name}, CreatedAt: snsTime}
	snsUpdate(t, s, func(tx sns.Tx) error { return tx.InsertTopic(context.Background(), rec, tags) })
	return rec
}

func snsSub(topic, id, protocol, endpoint, state string) *sns.SubscriptionRecord {
	return &sns.SubscriptionRecord{
		ARN: snsPrefix + topic + ":" + id, TopicARN: snsPrefix + topic, Protocol: protocol, Endpoint: endpoint,
		Owner: "000000000000", State: state, Token: "tok-" + id, UnsubscribeToken: "un-" + id,
		Attributes: map[string]string{}, CreatedAt: snsTime, StateAt: snsTime,
	}
}

func snsTopics(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	if _, err := s.GetTopic(ctx, snsPrefix+"none"); !errors.Is(err, sns.ErrNotFound) {
		t.Fatalf("GetTopic(missing) = %v", err)
	}
	a := snsPutTopic(t, s, "a", sns.Tag{Key: "z", Value: "1"}, sns.Tag{Key: "b", Value: "2"})
	snsPutTopic(t, s, "b")
	fifo := &sns.TopicRecord{ARN: snsPrefix + "c.fifo", Name: "c.fifo", Fifo: true, Attributes: map[string]string{}, CreatedAt: snsTime}
	snsUpdate(t, s, func(tx sns.Tx) error { return tx.InsertTopic(ctx, fifo, nil) })

	got, err := s.GetTopic(ctx, a.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetTopic (-want +got):\n%s", diff)
	}
	if got, _ := s.GetTopic(ctx, fifo.ARN); !got.Fifo {
		t.Errorf("FIFO flag lost: %+v", got)
	}
	tags, err := s.TopicTags(ctx, a.ARN)
	if err != nil || !cmp.Equal(tags, []sns.Tag{{Key: "b", Value: "2"}, {Key: "z", Value: "1"}}) {
		t.Errorf("TopicTags = %v, %v", tags, err)
	}

	// Update in a transaction: attributes and tags.
	snsUpdate(t, s, func(tx sns.Tx) error {
		cur, err := tx.Topic(ctx, a.ARN)
		if err != nil || cur == nil {
			return fmt.Errorf("Topic in tx = %v, %v", cur, err)
		}
		cur.Attributes["Policy"] = "{}"
		if err := tx.UpdateTopic(ctx, cur); err != nil {
			return err
		}
		return tx.SetTags(ctx, a.ARN, []sns.Tag{{Key: "only", Value: "this"}})
	})
	got, _ = s.GetTopic(ctx, a.ARN)
	if got.Attributes["Policy"] != "{}" || got.Attributes["DisplayName"] != "表示 a" {
		t.Errorf("after UpdateTopic: %v", got.Attributes)
	}
	if tags, _ := s.TopicTags(ctx, a.ARN); len(tags) != 1 || tags[0].Key != "only" {
		t.Errorf("after SetTags: %v", tags)
	}

	// Pages in ARN order.
	var all []string
	token := ""
	for {
		arns, next, err := s.ListTopics(ctx, token, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, arns...)
		if next == "" {
			break
		}
		token = next
	}
	if want := []string{snsPrefix + "a", snsPrefix + "b", snsPrefix + "c.fifo"}; !cmp.Equal(all, want) {
		t.Errorf("ListTopics = %v, want %v", all, want)
	}
	if _, _, err := s.ListTopics(ctx, "bogus!", 2); !errors.Is(err, sns.ErrInvalidToken) {
		t.Errorf("ListTopics(bad token) = %v", err)
	}

	// Delete takes tags and subscriptions along; deleting again is fine.
	snsUpdate(t, s, func(tx sns.Tx) error {
		return tx.PutSubscription(ctx, snsSub("a", "s1", "sqs", "q", sns.StateConfirmed))
	})
	for range 2 {
		snsUpdate(t, s, func(tx sns.Tx) error { return tx.DeleteTopic(ctx, a.ARN) })
	}
	if _, err := s.GetTopic(ctx, a.ARN); !errors.Is(err, sns.ErrNotFound) {
		t.Errorf("deleted topic: %v", err)
	}
	if tags, _ := s.TopicTags(ctx, a.ARN); len(tags) != 0 {
		t.Errorf("tags survived: %v", tags)
	}
	if _, err := s.GetSubscription(ctx, snsPrefix+"a:s1"); !errors.Is(err, sns.ErrNotFound) {
		t.Errorf("subscription survived: %v", err)
	}
}

func snsSubscriptions(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	snsPutTopic(t, s, "t")
	snsPutTopic(t, s, "u")
	confirmed := snsSub("t", "1", "sqs", "arn:aws:sqs:us-east-1:000000000000:q", sns.StateConfirmed)
	confirmed.Attributes = map[string]string{"FilterPolicy": `{"a":["b"]}`, "RawMessageDelivery": "true"}
	confirmed.ConfirmationAuthenticated = true
	pending := snsSub("t", "2", "email", "ops@example.com", sns.StatePending)
	deleted := snsSub("t", "3", "http", "http://example.com/", sns.StateDeleted)
	other := snsSub("u", "4", "email", "ops@example.com", sns.StateConfirmed)
	snsUpdate(t, s, func(tx sns.Tx) error {
		for _, r := range []*sns.SubscriptionRecord{confirmed, pending, deleted, other} {
			if err := tx.PutSubscription(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.GetSubscription(ctx, confirmed.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(confirmed, got); diff != "" {
		t.Errorf("GetSubscription (-want +got):\n%s", diff)
	}
	if got, err := s.GetSubscription(ctx, deleted.ARN); err != nil || got.State != sns.StateDeleted {
		t.Errorf("tombstone = %v, %v", got, err)
	}
	counts, err := s.SubscriptionCounts(ctx, snsPrefix+"t")
	if err != nil || counts != (sns.SubscriptionCounts{Confirmed: 1, Pending: 1, Deleted: 1}) {
		t.Errorf("SubscriptionCounts = %+v, %v", counts, err)
	}
	active, err := s.Subscriptions(ctx, snsPrefix+"t")
	if err != nil || len(active) != 1 || active[0].ARN != confirmed.ARN {
		t.Errorf("Subscriptions = %v, %v", active, err)
	}
	byTopic, next, err := s.ListSubscriptions(ctx, snsPrefix+"t", "", 10)
	if err != nil || next != "" || len(byTopic) != 2 {
		t.Errorf("ListSubscriptions(t) = %d, %q, %v", len(byTopic), next, err)
	}
	var all []string
	token := ""
	for {
		page, next, err := s.ListSubscriptions(ctx, "", token, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			all = append(all, r.ARN)
		}
		if next == "" {
			break
		}
		token = next
	}
	if want := []string{confirmed.ARN, pending.ARN, other.ARN}; !cmp.Equal(all, want) {
		t.Errorf("ListSubscriptions() = %v, want %v", all, want)
	}

	snsUpdate(t, s, func(tx sns.Tx) error {
		found, err := tx.FindSubscription(ctx, snsPrefix+"t", "email", "ops@example.com")
		if err != nil || found == nil || found.ARN != pending.ARN {
			return fmt.Errorf("FindSubscription = %v, %v", found, err)
		}
		if found, err := tx.FindSubscription(ctx, snsPrefix+"t", "http", "http://example.com/"); err != nil || found != nil {
			return fmt.Errorf("FindSubscription found a tombstone: %v, %v", found, err)
		}
		byToken, err := tx.SubscriptionByToken(ctx, "tok-3")
		if err != nil || byToken == nil || byToken.ARN != deleted.ARN {
			return fmt.Errorf("SubscriptionByToken = %v, %v", byToken, err)
		}
		if n, err := tx.CountFilterPolicies(ctx, snsPrefix+"t", ""); err != nil || n != 1 {
			return fmt.Errorf("CountFilterPolicies = %d, %v", n, err)
		}
		if n, err := tx.CountFilterPolicies(ctx, snsPrefix+"t", confirmed.ARN); err != nil || n != 0 {
			return fmt.Errorf("CountFilterPolicies(except) = %d, %v", n, err)
		}
		// Update in place: confirm the pending one.
		found.State, found.StateAt = sns.StateConfirmed, snsTime.Add(time.Minute)
		return tx.PutSubscription(ctx, found)
	})
	if got, _ := s.GetSubscription(ctx, pending.ARN); got.State != sns.StateConfirmed || !got.StateAt.Equal(snsTime.Add(time.Minute)) {
		t.Errorf("after confirming: %+v", got)
	}
}

func snsFifo(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	topic := snsPutTopic(t, s, "f.fifo")
	var seqs []int64
	for range 3 {
		snsUpdate(t, s, func(tx sns.Tx) error {
			n, err := tx.NextSequence(ctx, topic.ARN)
			seqs = append(seqs, n)
			return err
		})
	}
	if !cmp.Equal(seqs, []int64{1, 2, 3}) {
		t.Errorf("sequences %v", seqs)
	}
	dedup := func(id string, now time.Time) (string, string) {
		var gotID, gotSeq string
		snsUpdate(t, s, func(tx sns.Tx) error {
			var err error
			gotID, gotSeq, err = tx.Deduplicate(ctx, topic.ARN, "d1", id, "seq-"+id, now.Add(5*time.Minute), now)
			return err
		})
		return gotID, gotSeq
	}
	if id, _ := dedup("m1", snsTime); id != "" {
		t.Errorf("first Deduplicate = %q", id)
	}
	if id, seq := dedup("m2", snsTime.Add(time.Minute)); id != "m1" || seq != "seq-m1" {
		t.Errorf("repeat within the window = %q %q", id, seq)
	}
	if id, _ := dedup("m3", snsTime.Add(6*time.Minute)); id != "" {
		t.Errorf("repeat after the window = %q", id)
	}
	if id, _ := dedup("m4", snsTime.Add(7*time.Minute)); id != "m3" {
		t.Errorf("repeat of the renewed entry = %q", id)
	}
}

func snsMessage(id string) *sns.MessageRecord {
	return &sns.MessageRecord{
		ID: id, TopicARN: snsPrefix + "t", Subject: "件名", Body: "本文 " + id, Structure: "",
		Attributes: []sns.MessageAttribute{
			{Name: "bin", DataType: "Binary", BinaryValue: []byte{0, 1, 0xff}},
			{Name: "sev", DataType: "String", StringValue: "high"},
		},
		GroupID: "g", DeduplicationID: "d", SequenceNumber: "10000000000000000001", PublishedAt: snsTime,
	}
}

func snsAdd(t *testing.T, s *snsFixture, m *sns.MessageRecord, subs []string, lease time.Time) []*sns.Delivery {
	t.Helper()
	var ds []*sns.Delivery
	for _, sub := range subs {
		kind, msgID := sns.TypeNotification, ""
		if m != nil {
			msgID = m.ID
		} else {
			kind, msgID = sns.TypeSubscriptionConfirmation, "conf-"+sub
		}
		ds = append(ds, &sns.Delivery{Kind: kind, SubscriptionARN: sub, MessageID: msgID, DueAt: snsTime, CreatedAt: snsTime})
	}
	snsUpdate(t, s, func(tx sns.Tx) error { return tx.AddDeliveries(context.Background(), m, ds, lease) })
	for _, d := range ds {
		if d.ID == 0 {
			t.Fatalf("AddDeliveries left an ID unset: %+v", d)
		}
	}
	return ds
}

func snsDeliveries(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	now := snsTime.Add(time.Second)
	m := snsMessage("m1")
	leased := snsAdd(t, s, m, []string{"s1", "s2"}, now.Add(time.Minute))
	free := snsAdd(t, s, nil, []string{"s3"}, time.Time{})

	// Leased rows wait for their lease; the unleased confirmation is due.
	got, err := s.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != free[0].ID || got[0].Kind != sns.TypeSubscriptionConfirmation || got[0].Message != nil {
		t.Fatalf("ClaimDeliveries = %+v", got)
	}
	if again, _ := s.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10); len(again) != 0 {
		t.Errorf("claimed a leased row twice: %+v", again)
	}
	// After the lease: both notifications, with their message.
	later := now.Add(2 * time.Minute)
	got, err = s.ClaimDeliveries(ctx, later, later.Add(time.Minute), 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("ClaimDeliveries after the leases = %d, %v", len(got), err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if got[0].ID != leased[0].ID || got[0].Message == nil {
		t.Fatalf("claimed %+v", got[0])
	}
	if diff := cmp.Diff(m, got[0].Message); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if got[0].SubscriptionARN != "s1" || !got[0].CreatedAt.Equal(snsTime) || got[0].Attempts != 0 {
		t.Errorf("delivery %+v", got[0])
	}

	// A retry: not due before its time, due after, with its attempt count.
	if err := s.RetryDelivery(ctx, leased[0].ID, 4, later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	has := func(ds []*sns.Delivery, id int64) *sns.Delivery {
		for _, d := range ds {
			if d.ID == id {
				return d
			}
		}
		return nil
	}
	if got, _ := s.ClaimDeliveries(ctx, later.Add(30*time.Minute), later.Add(31*time.Minute), 10); has(got, leased[0].ID) != nil {
		t.Errorf("retry claimed early: %+v", got)
	}
	got, _ = s.ClaimDeliveries(ctx, later.Add(time.Hour), later.Add(time.Hour+time.Minute), 10)
	if d := has(got, leased[0].ID); d == nil || d.Attempts != 4 || d.Message == nil {
		t.Errorf("retry claimed as %+v", d)
	}

	// Finishing: the message goes with its last row.
	if err := s.FinishDeliveries(ctx, []int64{leased[0].ID, free[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLeases(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ClaimDeliveries(ctx, later, later.Add(time.Minute), 10)
	if len(got) != 1 || got[0].ID != leased[1].ID || got[0].Message == nil {
		t.Fatalf("after finishing two and releasing leases: %+v", got)
	}
	if err := s.FinishDeliveries(ctx, []int64{leased[1].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseLeases(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDeliveries(ctx, later.Add(24*time.Hour), later.Add(25*time.Hour), 10); len(got) != 0 {
		t.Errorf("rows left: %+v", got)
	}
	// The message row is gone: a new row for it finds no message.
	snsAdd(t, s, nil, []string{"s9"}, time.Time{})
	var msgs int
	if err := snsCount(ctx, s, "sns_messages", &msgs); err != nil || msgs != 0 {
		t.Errorf("%d messages left, %v", msgs, err)
	}
}

func snsCount(ctx context.Context, s *snsFixture, table string, n *int) error {
	w, _ := s.db.Pools()
	return w.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(n)
}

func snsConcurrentClaims(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	var subs []string
	for i := range 60 {
		subs = append(subs, fmt.Sprint("s", i))
	}
	snsAdd(t, s, snsMessage("m"), subs, time.Time{})
	claimEachOnce(t, 4, 60, func() ([]*sns.Delivery, error) {
		return s.ClaimDeliveries(ctx, snsTime, snsTime.Add(time.Hour), 7)
	}, func(d *sns.Delivery) int64 { return d.ID })
}

func snsPurge(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	topic := snsPutTopic(t, s, "p")
	old := snsSub("p", "old", "email", "a@example.com", sns.StatePending)
	tomb := snsSub("p", "tomb", "http", "http://example.com/", sns.StateDeleted)
	fresh := snsSub("p", "fresh", "email", "b@example.com", sns.StatePending)
	fresh.StateAt = snsTime.Add(72 * time.Hour)
	keep := snsSub("p", "keep", "sqs", "q", sns.StateConfirmed)
	snsUpdate(t, s, func(tx sns.Tx) error {
		for _, r := range []*sns.SubscriptionRecord{old, tomb, fresh, keep} {
			if err := tx.PutSubscription(ctx, r); err != nil {
				return err
			}
		}
		_, _, err := tx.Deduplicate(ctx, topic.ARN, "d", "m", "1", snsTime.Add(5*time.Minute), snsTime)
		return err
	})
	now := snsTime.Add(72*time.Hour + time.Second)
	if err := s.Purge(ctx, now.Add(-72*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*sns.SubscriptionRecord{old, tomb} {
		if _, err := s.GetSubscription(ctx, r.ARN); !errors.Is(err, sns.ErrNotFound) {
			t.Errorf("%s not purged: %v", r.ARN, err)
		}
	}
	for _, r := range []*sns.SubscriptionRecord{fresh, keep} {
		if _, err := s.GetSubscription(ctx, r.ARN); err != nil {
			t.Errorf("%s purged: %v", r.ARN, err)
		}
	}
	var n int
	if err := snsCount(ctx, s, "sns_dedup", &n); err != nil || n != 0 {
		t.Errorf("%d dedup entries left, %v", n, err)
	}
}

func snsSigningKey(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	if _, err := s.SigningKey(ctx); !errors.Is(err, sns.ErrNotFound) {
		t.Fatalf("SigningKey on an empty store = %v", err)
	}
	first := &sns.SigningKey{ID: "aaaa", KeySealed: []byte{1, 2, 3}, CertPEM: []byte("cert-a"), CreatedAt: snsTime}
	got, err := s.EnsureSigningKey(ctx, first)
	if err != nil || !cmp.Equal(got, first) {
		t.Fatalf("EnsureSigningKey = %+v, %v", got, err)
	}
	second := &sns.SigningKey{ID: "bbbb", KeySealed: []byte{4}, CertPEM: []byte("cert-b"), CreatedAt: snsTime.Add(time.Second)}
	got, err = s.EnsureSigningKey(ctx, second)
	if err != nil || got.ID != "aaaa" {
		t.Errorf("a second EnsureSigningKey replaced the key: %+v, %v", got, err)
	}
	if got, _ := s.SigningKey(ctx); got.ID != "aaaa" {
		t.Errorf("SigningKey = %+v", got)
	}
}

func snsRollback(t *testing.T, s *snsFixture) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx sns.Tx) error {
		if err := tx.InsertTopic(ctx, &sns.TopicRecord{ARN: snsPrefix + "r", Name: "r", CreatedAt: snsTime}, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	if _, err := s.GetTopic(ctx, snsPrefix+"r"); !errors.Is(err, sns.ErrNotFound) {
		t.Errorf("a failed transaction left a topic: %v", err)
	}
}
