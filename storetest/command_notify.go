package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

// testCommandNotifications checks the Run Command SNS notification work
// table: written in the command's transaction (and only when it commits),
// claimed once while leased, retried, deleted.
func testCommandNotifications(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	now := cmdTime
	c := cmdRecord("55555555-5555-5555-5555-555555555555", now, 1)
	notes := []*ssm.CommandNotification{
		{TopicARN: "arn:aws:sns:us-east-1:000000000000:a", Message: `{"status":"InProgress"}`, DueAt: now, CreatedAt: now},
		{TopicARN: "arn:aws:sns:us-east-1:000000000000:b", Message: `{"status":"Success"}`, DueAt: now.Add(time.Millisecond), CreatedAt: now},
	}
	createCommand(t, db, c, cmdInvocations(c, 1), func(tx ssm.CommandTx) error { return tx.AddNotifications(ctx, notes) })
	if notes[0].ID == 0 || notes[1].ID == 0 || notes[0].ID == notes[1].ID {
		t.Fatalf("IDs %d, %d", notes[0].ID, notes[1].ID)
	}
	// A transaction that fails writes nothing.
	boom := errors.New("boom")
	err := db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error {
		if err := tx.AddNotifications(ctx, []*ssm.CommandNotification{{TopicARN: "x", Message: "{}", DueAt: now, CreatedAt: now}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateCommand = %v", err)
	}

	claim := func(at time.Time, limit int) []*ssm.CommandNotification {
		t.Helper()
		got, err := db.ClaimNotifications(ctx, at, at.Add(time.Minute), limit)
		if err != nil {
			t.Fatalf("ClaimNotifications: %v", err)
		}
		return got
	}
	if got := claim(now.Add(-time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed before due: %v", got)
	}
	got := claim(now, 10)
	if len(got) != 1 || got[0].ID != notes[0].ID || got[0].TopicARN != notes[0].TopicARN || got[0].Message != notes[0].Message ||
		got[0].Attempts != 0 || !got[0].DueAt.Equal(now) || !got[0].CreatedAt.Equal(now) {
		t.Fatalf("claim at now = %+v", got)
	}
	got = claim(now.Add(time.Second), 10)
	if len(got) != 1 || got[0].ID != notes[1].ID {
		t.Fatalf("second claim = %+v (the first row is leased)", got)
	}
	if got := claim(now.Add(30*time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed while leased: %+v", got)
	}

	// Retry: attempts and due time kept, lease freed.
	if err := db.RetryNotification(ctx, notes[0].ID, 1, now.Add(40*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := claim(now.Add(39*time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed before its retry: %+v", got)
	}
	got = claim(now.Add(40*time.Second), 10)
	if len(got) != 1 || got[0].ID != notes[0].ID || got[0].Attempts != 1 || !got[0].DueAt.Equal(now.Add(40*time.Second)) {
		t.Fatalf("retried claim = %+v", got)
	}

	// An expired lease makes the row claimable again (the publisher died).
	got = claim(now.Add(61*time.Second), 10)
	if len(got) != 1 || got[0].ID != notes[1].ID {
		t.Fatalf("claim after lease = %+v", got)
	}

	// Delete.
	for _, n := range notes {
		if err := db.DeleteNotification(ctx, n.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteNotification(ctx, notes[0].ID); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if got := claim(now.Add(time.Hour), 10); len(got) != 0 {
		t.Fatalf("claimed after delete: %+v", got)
	}

	// Claimers at once take each row once.
	var many []*ssm.CommandNotification
	for range 40 {
		many = append(many, &ssm.CommandNotification{TopicARN: "t", Message: "{}", DueAt: now, CreatedAt: now})
	}
	if err := db.UpdateCommand(ctx, c.CommandID, func(tx ssm.CommandTx) error { return tx.AddNotifications(ctx, many) }); err != nil {
		t.Fatal(err)
	}
	at := now.Add(2 * time.Hour)
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				got, err := db.ClaimNotifications(ctx, at, at.Add(time.Minute), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, n := range got {
					seen[n.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != len(many) {
		t.Fatalf("claimed %d rows, want %d", len(seen), len(many))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}
