package postgres_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/postgres"
	"github.com/stewardhq/steward/postgres/pgtest"
)

// A notification sent through the pool reaches every listener, in order;
// after Close nothing more is handed over.
func TestListenNotify(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := make(chan string, 10)
	a, err := postgres.Listen(ctx, url, "steward_test", func(p string) { got <- "a:" + p }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgres.Listen(ctx, url, "steward_test", func(p string) { got <- "b:" + p }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"one", "two"} {
		if err := postgres.Notify(ctx, db, "steward_test", p); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	for len(seen) < 4 {
		select {
		case p := <-got:
			seen = append(seen, p)
		case <-time.After(time.Minute):
			t.Fatalf("only %v", seen)
		}
	}
	joined := strings.Join(seen, " ")
	if strings.Index(joined, "a:one") > strings.Index(joined, "a:two") || strings.Index(joined, "b:one") > strings.Index(joined, "b:two") || len(seen) != 4 {
		t.Errorf("notifications %v", seen)
	}
	a.Close()
	b.Close()
	if err := postgres.Notify(ctx, db, "steward_test", "three"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		t.Errorf("after Close: %q", p)
	default:
	}
}
