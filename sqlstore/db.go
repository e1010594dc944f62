// Package sqlstore implements the domain stores on database/sql, once, for
// both SQLite and PostgreSQL. The sqlite and postgres packages open a
// database, run their own dialect's migrations and hand back a *DB; the
// statements here are written with '?' placeholders and rebound per dialect.
//
// Conventions shared by every table: timestamps are BIGINT milliseconds since
// the epoch (UTC), booleans are INTEGER 0/1, binary data is BLOB/BYTEA, IDs are
// generated in Go, and pagination tokens are opaque strings made by
// EncodeToken.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dialect is what differs between the SQL engines.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// NumberedParams rewrites '?' placeholders to $1, $2, … (PostgreSQL).
	NumberedParams bool
	// IsUniqueViolation reports whether err is a unique or primary-key
	// constraint violation (SQLite extended code / PostgreSQL SQLSTATE 23505).
	IsUniqueViolation func(err error) bool
	// IsBusy reports a transient lock conflict worth retrying
	// (SQLITE_BUSY, PostgreSQL serialization failure / deadlock).
	IsBusy func(err error) bool
}

// DB is an open database. Writes go through write; reads through read, which
// is the same pool on PostgreSQL and a separate read-only pool on SQLite (WAL
// lets readers run beside the single writer).
type DB struct {
	write   *sql.DB
	read    *sql.DB
	dialect Dialect

	mu      sync.RWMutex
	rebound map[string]string

	stmts  sync.Map // query -> *sql.Stmt prepared on the read pool
	nstmts atomic.Int64

	closers []func() error // run by Close before the pools close
}

// OnClose registers f to run when the database closes, before the pools do
// (a dialect's background work, for example).
func (db *DB) OnClose(f func() error) { db.closers = append(db.closers, f) }

// New wraps open pools. read may equal write.
func New(write, read *sql.DB, d Dialect) *DB {
	if read == nil {
		read = write
	}
	return &DB{write: write, read: read, dialect: d, rebound: map[string]string{}}
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

var errCacheFull = errors.New("statement cache full")

// Close closes the prepared statements and both pools.
func (db *DB) Close() error {
	var err error
	for _, f := range db.closers {
		err = errors.Join(err, f())
	}
	db.closers = nil
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Pools exposes the raw pools (for tests and admin tools).
func (db *DB) Pools() (write, read *sql.DB) { return db.write, db.read }

// q rebinds a '?' query for the dialect, caching the result.
func (db *DB) q(query string) string {
	if !db.dialect.NumberedParams {
		return query
	}
	db.mu.RLock()
	r, ok := db.rebound[query]
	db.mu.RUnlock()
	if ok {
		return r
	}
	r = rebind(query)
	db.mu.Lock()
	if len(db.rebound) < maxRebound {
		db.rebound[query] = r
	}
	db.mu.Unlock()
	return r
}

// maxRebound bounds the rebind cache; dynamically built queries past it are
// rebound each time (cheap) rather than remembered.
const maxRebound = 4096

func rebind(query string) string {
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// querier is the part of *sql.DB and *sql.Tx the stores use.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.q(query), args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.q(query), args...)
}

// QueryRow runs a single-row query in the transaction.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.q(query), args...)
}

// InTx runs fn in a write transaction, committing when it returns nil. A
// transient lock conflict before commit is retried a few times.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.inTx(ctx, fn)
		if err == nil || db.dialect.IsBusy == nil || !db.dialect.IsBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) inTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{db: db, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Query runs a read query on the read pool. Statements are prepared once and
// reused (parsing SQL costs more than running a point query).
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return db.read.QueryContext(ctx, db.q(query), args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRow runs a single-row read query on the read pool, like Query.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.prepared(ctx, query)
	if err != nil {
		// Let database/sql report the preparation error through Row.Scan.
		return db.read.QueryRowContext(ctx, db.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// maxPrepared bounds the statement cache; queries built dynamically (filters)
// beyond it run unprepared.
const maxPrepared = 512

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	if db.nstmts.Load() >= maxPrepared {
		return nil, errCacheFull
	}
	st, err := db.read.PrepareContext(context.WithoutCancel(ctx), db.q(query))
	if err != nil {
		return nil, err
	}
	db.nstmts.Add(1)
	if actual, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return actual.(*sql.Stmt), nil
	}
	return st, nil
}

// Exec runs a single write statement outside an explicit transaction.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.q(query), args...)
}

// Millis converts t to the stored form.
func Millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMillis converts a stored time back; 0 is the zero time.
func FromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Bool converts b to the stored form.
func Bool(b bool) int {
	if b {
		return 1
	}
	return 0
}
