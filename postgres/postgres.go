// Package postgres opens a PostgreSQL database for Steward (several servers
// may share one), applies its migrations under an advisory lock and returns the
// dialect-neutral *sqlstore.DB that implements every domain store.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/stewardhq/steward/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's sqlstore dialect.
var Dialect = sqlstore.Dialect{
	Name:              "postgres",
	NumberedParams:    true,
	IsUniqueViolation: func(err error) bool { return sqlstate(err) == "23505" },
	IsBusy: func(err error) bool {
		s := sqlstate(err)
		return s == "40001" || s == "40P01"
	},
}

// migrationLock is an arbitrary advisory-lock key held while migrating.
const migrationLock = `SELECT pg_advisory_xact_lock(7465346)`

// Open connects to the database at url (postgres://…) and migrates it.
func Open(ctx context.Context, url string) (*sqlstore.DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := sqlstore.New(pool, pool, Dialect)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := db.Migrate(ctx, sub, migrationLock); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func sqlstate(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
