// Package sqlite opens Steward's embedded SQLite database (WAL, busy timeout,
// foreign keys), applies its migrations and returns the dialect-neutral
// *sqlstore.DB that implements every domain store.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"

	"github.com/stewardhq/steward/sqlstore"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's sqlstore dialect.
var Dialect = sqlstore.Dialect{
	Name:              "sqlite",
	IsUniqueViolation: isUniqueViolation,
	IsBusy:            isBusy,
}

// Open opens (creating if needed) the SQLite database at path and migrates it.
// Writes use one connection with BEGIN IMMEDIATE; reads use a pool of
// read-only connections.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db := sqlstore.New(write, nil, Dialect)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := db.Migrate(ctx, sub, ""); err != nil {
		write.Close()
		return nil, err
	}

	rparams := url.Values{}
	rparams.Add("_pragma", "busy_timeout(10000)")
	rparams.Add("_pragma", "foreign_keys(1)")
	rparams.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+rparams.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxLifetime(0)
	return sqlstore.New(write, read, Dialect), nil
}

func code(err error) (int, bool) {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}

func isUniqueViolation(err error) bool {
	c, ok := code(err)
	return ok && (c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func isBusy(err error) bool {
	c, ok := code(err)
	return ok && (c&0xff == sqlite3.SQLITE_BUSY || c&0xff == sqlite3.SQLITE_LOCKED)
}
