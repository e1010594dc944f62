package postgres_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/postgres"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *sqlstore.DB {
		db, err := postgres.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

func TestMigrateTwice(t *testing.T) {
	url := pgtest.URL(t)
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		db.Close()
	}
}
