package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/mail"
)

func testMail(t *testing.T, newDB NewDB) {
	db := newDB(t)
	ctx := context.Background()
	base := time.UnixMilli(1700000000123).UTC()
	mk := func(i int) *mail.Caught {
		return &mail.Caught{
			ID: fmt.Sprintf("m-%02d", i), Time: base.Add(time.Duration(i) * time.Second), MessageID: fmt.Sprintf("%d@example.com", i),
			From: "Steward <steward@example.com>", To: []string{"ops@example.com", "山田 <yamada@example.jp>"},
			// Every byte value a UTF-8 subject and body may hold, NUL included.
			Subject: fmt.Sprintf("【障害通知】サーバー監視アラート %d \x00\t", i),
			Text:    "1行目\n\x00 two\n",
			Raw:     []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i)),
			Size:    17,
		}
	}

	if _, err := db.GetCaughtMail(ctx, "m-00"); !errors.Is(err, mail.ErrMailNotFound) {
		t.Fatalf("GetCaughtMail(missing) = %v, want ErrMailNotFound", err)
	}
	if got, next, err := db.ListCaughtMail(ctx, "", 10); err != nil || len(got) != 0 || next != "" {
		t.Fatalf("ListCaughtMail(empty) = %v, %q, %v", got, next, err)
	}

	const keep = 5
	for i := 1; i <= 7; i++ {
		if err := db.PutCaughtMail(ctx, mk(i), keep); err != nil {
			t.Fatal(err)
		}
	}
	// A full read returns everything as stored.
	got, err := db.GetCaughtMail(ctx, "m-07")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mk(7), got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
	// Only the newest keep remain.
	for _, id := range []string{"m-01", "m-02"} {
		if _, err := db.GetCaughtMail(ctx, id); !errors.Is(err, mail.ErrMailNotFound) {
			t.Errorf("GetCaughtMail(%s) after pruning = %v, want ErrMailNotFound", id, err)
		}
	}

	// Newest first, in pages, without body and raw.
	var ids []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page, next, err := db.ListCaughtMail(ctx, token, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			ids = append(ids, m.ID)
			if m.Text != "" || len(m.Raw) != 0 {
				t.Errorf("listed %s with body or raw", m.ID)
			}
			want := mk(int(m.ID[3] - '0'))
			want.Text, want.Raw = "", nil
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("listed %s (-want +got):\n%s", m.ID, diff)
			}
		}
		if next == "" {
			break
		}
		token = next
	}
	if diff := cmp.Diff([]string{"m-07", "m-06", "m-05", "m-04", "m-03"}, ids); diff != "" {
		t.Fatalf("listing order (-want +got):\n%s", diff)
	}

	// A page token stays valid while newer mail arrives and older goes.
	first, next, err := db.ListCaughtMail(ctx, "", 2)
	if err != nil || len(first) != 2 || next == "" {
		t.Fatalf("first page = %d, %q, %v", len(first), next, err)
	}
	if err := db.PutCaughtMail(ctx, mk(8), keep); err != nil {
		t.Fatal(err)
	}
	rest, _, err := db.ListCaughtMail(ctx, next, 10)
	if err != nil {
		t.Fatal(err)
	}
	var restIDs []string
	for _, m := range rest {
		restIDs = append(restIDs, m.ID)
	}
	if diff := cmp.Diff([]string{"m-05", "m-04"}, restIDs); diff != "" {
		t.Fatalf("page after a new mail (-want +got):\n%s", diff)
	}

	for _, bad := range []string{"nope", "e30", "!!"} {
		if _, _, err := db.ListCaughtMail(ctx, bad, 10); !errors.Is(err, mail.ErrInvalidNextToken) {
			t.Errorf("ListCaughtMail(token %q) = %v, want ErrInvalidNextToken", bad, err)
		}
	}

	// An empty body and subject stay empty (not NULL).
	empty := &mail.Caught{ID: "m-empty", Time: base, From: "a@example.com", To: []string{"b@example.com"}, Raw: []byte{}}
	if err := db.PutCaughtMail(ctx, empty, keep); err != nil {
		t.Fatal(err)
	}
	got, err = db.GetCaughtMail(ctx, "m-empty")
	if err != nil || got.Subject != "" || got.Text != "" || len(got.Raw) != 0 {
		t.Fatalf("empty mail = %+v, %v", got, err)
	}
}
