package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *sqlstore.DB {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steward.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO outbox (event_id, event_time, account, region, source, detail_type, resources, detail) VALUES ('e', 1, 'a', 'r', 's', 'd', '[]', '{}')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path) // migrations run again: must be a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("after reopen: %v %v", got, err)
	}
}
