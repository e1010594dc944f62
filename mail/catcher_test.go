package mail_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
	"github.com/stewardhq/steward/sqlite"
)

func newCatcher(t *testing.T, opts mail.CatcherOptions) *mail.Catcher {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := mail.NewCatcher(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatcherKeepsWhatARelayWouldGet(t *testing.T) {
	ctx := context.Background()
	clock := steward.NewFakeClock(time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC))
	c := newCatcher(t, mail.CatcherOptions{Clock: clock})
	if err := c.Send(ctx, alert); err != nil {
		t.Fatal(err)
	}
	list, next, err := c.List(ctx, "", 0)
	if err != nil || len(list) != 1 || next != "" {
		t.Fatalf("List = %v, %q, %v", list, next, err)
	}
	got, err := c.Get(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != alert.Subject || got.Text != alert.Text || got.From != alert.From || !slices.Equal(got.To, alert.To) ||
		!got.Time.Equal(clock.Now()) || got.Size != len(got.Raw) {
		t.Fatalf("caught %+v", got)
	}
	// The raw message is what a relay would have received.
	d, err := smtptest.Decode(got.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != alert.Subject || d.Text != alert.Text || d.From != alert.From || d.MessageID != got.MessageID || !d.Date.Equal(clock.Now()) {
		t.Fatalf("raw message decodes to %+v", d)
	}
	// A message without From gets the catcher's.
	if err := c.Send(ctx, mail.Message{To: []string{"ops@example.jp"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	list, _, _ = c.List(ctx, "", 1)
	if len(list) != 1 || list[0].From != "Steward <steward@localhost>" {
		t.Fatalf("default From: %+v", list)
	}
}

func TestCatcherKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	c := newCatcher(t, mail.CatcherOptions{Keep: 3})
	for i := range 5 {
		m := alert
		m.Subject = fmt.Sprintf("alert %d", i)
		if err := c.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var subjects []string
	token := ""
	for {
		page, next, err := c.List(ctx, token, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			subjects = append(subjects, m.Subject)
		}
		if next == "" {
			break
		}
		token = next
	}
	if !slices.Equal(subjects, []string{"alert 4", "alert 3", "alert 2"}) {
		t.Fatalf("listed %q", subjects)
	}
}

func TestCatcherErrors(t *testing.T) {
	ctx := context.Background()
	c := newCatcher(t, mail.CatcherOptions{})
	if _, err := c.Get(ctx, "00000000-0000-0000-0000-000000000000"); steward.ErrorCode(err) != mail.CodeMailNotFound {
		t.Errorf("Get(unknown) = %v", err)
	}
	if _, _, err := c.List(ctx, "bogus", 10); steward.ErrorCode(err) != mail.CodeInvalidNextToken {
		t.Errorf("List(bad token) = %v", err)
	}
	if _, _, err := c.List(ctx, "", mail.MaxListResults+1); steward.ErrorCode(err) != steward.CodeValidation {
		t.Errorf("List(too many) = %v", err)
	}
	err := c.Send(ctx, mail.Message{To: []string{"a@example.com\nBcc: b@example.com"}})
	if !errors.Is(err, mail.ErrInvalidMessage) || !mail.IsPermanent(err) {
		t.Errorf("Send(bad To) = %v", err)
	}
	if _, err := mail.NewCatcher(nil, mail.CatcherOptions{From: "nobody"}); err == nil {
		t.Error("NewCatcher accepted a bad From")
	}
}
