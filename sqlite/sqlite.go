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
	"time"

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
	// Checkpoints run in the background (checkpointer), not inside the
	// commit that happens to cross the WAL size limit: that commit would
	// hold the only write connection for the whole copy and fsync.
	params.Add("_pragma", "wal_autocheckpoint(0)")
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
	out := sqlstore.New(write, read, Dialect)
	cp, err := startCheckpointer(path)
	if err != nil {
		out.Close()
		return nil, err
	}
	out.OnClose(cp.stop)
	return out, nil
}

// CheckpointInterval is how often the background checkpointer copies the
// WAL into the database file.
const CheckpointInterval = 250 * time.Millisecond

// checkpointer runs PASSIVE checkpoints on a connection of its own. A
// passive checkpoint runs alongside readers and the writer, so a commit
// never waits for one; once every frame is copied, the next write starts the
// WAL from its beginning, which keeps it small.
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
}

func startCheckpointer(path string) (*checkpointer, error) {
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			// Errors (SQLITE_BUSY while another checkpoint runs) are
			// retried at the next tick.
			_, _ = c.db.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// stop ends the loop and makes a last checkpoint, truncating the WAL.
func (c *checkpointer) stop() error {
	close(c.quit)
	<-c.done
	_, _ = c.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return c.db.Close()
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
