package sns_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
)

// newTopics opens SNS on a fresh SQLite database, driven by clock.
func newTopics(t *testing.T, clock steward.Clock) (*sns.Topics, *sqlstore.SNSStore, *sqlstore.DB) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.New(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	store := sqlstore.NewSNSStore(db)
	topics := sns.New(store, sns.Options{Clock: clock, Account: "000000000000", Region: "us-east-1", Sealer: ring, Exclusive: true,
		PublicURL: func() string { return "http://127.0.0.1:1" }})
	if err := topics.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		topics.Close()
		db.Close()
	})
	return topics, store, db
}

func ctxAsAdmin() context.Context {
	return steward.WithCaller(context.Background(), &steward.Caller{Account: "000000000000", ARN: "arn:aws:iam::000000000000:user/admin"})
}

// wait receives from ch, failing the test if nothing comes for a long while
// (a hang, not a timing assertion).
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("no %s", what)
	}
	var zero T
	return zero
}

// eventually polls cond until it holds; it waits for other goroutines, not
// for time to pass, and fails only when something hangs.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRetriesFollowTheClock: an HTTP endpoint answering 500 gets its first
// attempt at once and each retry only when the (fake) clock reaches the
// policy's delay; after numRetries the delivery ends.
func TestRetriesFollowTheClock(t *testing.T) {
	clock := steward.NewFakeClock(time.Date(2026, 1, 21, 10, 0, 0, 0, time.UTC))
	topics, store, db := newTopics(t, clock)
	ctx := ctxAsAdmin()

	attempts := make(chan time.Time, 10)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct{ Type, Token, TopicArn string }
		_ = json.Unmarshal(body, &env)
		if env.Type == sns.TypeSubscriptionConfirmation {
			if _, err := topics.ConfirmSubscription(ctx, env.TopicArn, env.Token, "", true); err != nil {
				t.Errorf("confirm: %v", err)
			}
			return
		}
		attempts <- clock.Now()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer ts.Close()

	arn, err := topics.CreateTopic(ctx, "clocked", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	subARN, err := topics.Subscribe(ctx, sns.SubscribeInput{TopicARN: arn, Protocol: "http", Endpoint: ts.URL, ReturnSubscriptionArn: true,
		Attributes: map[string]string{"DeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":2}}`}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the endpoint's confirmation", func() bool {
		a, err := topics.GetSubscriptionAttributes(ctx, subARN)
		if err != nil {
			t.Fatal(err)
		}
		return a["PendingConfirmation"] == "false"
	})
	start := clock.Now()
	if _, err := topics.Publish(ctx, sns.PublishInput{TopicARN: arn, PublishEntry: sns.PublishEntry{Message: "retry me"}}); err != nil {
		t.Fatal(err)
	}
	if at := wait(t, attempts, "first attempt"); !at.Equal(start) {
		t.Errorf("first attempt at %v", at)
	}
	for i := 1; i <= 2; i++ {
		// The engine records the retry: attempts made, due in 20 s, released.
		eventually(t, "the retry to be recorded", func() bool {
			var attempts int
			var due, lease int64
			err := db.QueryRow(ctx, `SELECT attempts, due_at, lease_until FROM sns_deliveries WHERE kind = 'Notification'`).Scan(&attempts, &due, &lease)
			return err == nil && attempts == i && lease == 0 && due == clock.Now().Add(20*time.Second).UnixMilli()
		})
		// Not due yet: nothing is claimed.
		if err := topics.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(20 * time.Second)
		if err := topics.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if at := wait(t, attempts, "a retry"); at.Sub(start) != time.Duration(i)*20*time.Second {
			t.Errorf("retry %d at +%v", i, at.Sub(start))
		}
	}
	// Exhausted: the row is finished (the completer records it
	// asynchronously), nothing is left to claim.
	eventually(t, "the delivery to end", func() bool {
		clock.Advance(time.Hour)
		left, err := store.ClaimDeliveries(ctx, clock.Now(), clock.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(left) == 0
	})
	select {
	case at := <-attempts:
		t.Errorf("an attempt after the policy was exhausted, at +%v", at.Sub(start))
	default:
	}
}

// TestConfirmationTokensExpire: a pending subscription's token confirms
// within 3 days, not after.
func TestConfirmationTokensExpire(t *testing.T) {
	clock := steward.NewFakeClock(time.Date(2026, 1, 21, 10, 0, 0, 0, time.UTC))
	topics, store, _ := newTopics(t, clock)
	ctx := ctxAsAdmin()
	arn, err := topics.CreateTopic(ctx, "tokens", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	token := func(endpoint string) string {
		sub, err := topics.Subscribe(ctx, sns.SubscribeInput{TopicARN: arn, Protocol: "email", Endpoint: endpoint, ReturnSubscriptionArn: true})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := store.GetSubscription(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Token
	}
	early, late := token("a@example.com"), token("b@example.com")
	clock.Advance(72*time.Hour - time.Second)
	if _, err := topics.ConfirmSubscription(ctx, arn, early, "", true); err != nil {
		t.Errorf("confirming within 3 days: %v", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := topics.ConfirmSubscription(ctx, arn, late, "", true); steward.ErrorCode(err) != sns.CodeInvalidParameter {
		t.Errorf("confirming after 3 days: %v", err)
	}
}
