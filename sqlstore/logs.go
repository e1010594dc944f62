package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward/logs"
)

// CloudWatch Logs: tables log_groups, log_streams and log_events
// (0012_logs.sql).

// LogsStore implements logs.Store.
type LogsStore struct{ db *DB }

var _ logs.Store = (*LogsStore)(nil)

// NewLogsStore returns the CloudWatch Logs store on db.
func NewLogsStore(db *DB) *LogsStore { return &LogsStore{db: db} }

func (s *LogsStore) unique(err error) bool {
	return err != nil && s.db.dialect.IsUniqueViolation != nil && s.db.dialect.IsUniqueViolation(err)
}

// likePrefix escapes a prefix for LIKE … ESCAPE '\'.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// CreateLogGroup implements logs.Store.
func (s *LogsStore) CreateLogGroup(ctx context.Context, g logs.Group) error {
	_, err := s.db.Exec(ctx, `INSERT INTO log_groups (name, created_at, stored_bytes) VALUES (?, ?, 0)`, g.Name, Millis(g.CreationTime))
	if s.unique(err) {
		return logs.ErrExists
	}
	return err
}

// ListLogGroups implements logs.Store.
func (s *LogsStore) ListLogGroups(ctx context.Context, prefix, after string, limit int) ([]logs.Group, error) {
	rows, err := s.db.Query(ctx, `SELECT name, created_at, stored_bytes FROM log_groups
		WHERE name LIKE ? ESCAPE '\' AND name > ? ORDER BY name LIMIT ?`, likePrefix(prefix), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []logs.Group
	for rows.Next() {
		var g logs.Group
		var created int64
		if err := rows.Scan(&g.Name, &created, &g.StoredBytes); err != nil {
			return nil, err
		}
		g.CreationTime = FromMillis(created)
		out = append(out, g)
	}
	return out, rows.Err()
}

// DeleteLogGroup implements logs.Store.
func (s *LogsStore) DeleteLogGroup(ctx context.Context, name string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM log_events WHERE group_name = ?`, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM log_streams WHERE group_name = ?`, name); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM log_groups WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return logs.ErrNotFound
		}
		return nil
	})
}

func (s *LogsStore) groupExists(ctx context.Context, q querier, name string) error {
	var one int
	err := q.QueryRowContext(ctx, s.db.q(`SELECT 1 FROM log_groups WHERE name = ?`), name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return logs.ErrNotFound
	}
	return err
}

// CreateLogStream implements logs.Store.
func (s *LogsStore) CreateLogStream(ctx context.Context, st logs.Stream) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := s.groupExists(ctx, tx.tx, st.Group); err != nil {
			return err
		}
		return s.insertStream(ctx, tx, st.Group, st.Name, st.CreationTime)
	})
}

func (s *LogsStore) insertStream(ctx context.Context, tx *Tx, group, name string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO log_streams (group_name, name, created_at, first_event_at, last_event_at, last_ingestion, next_seq)
		VALUES (?, ?, ?, 0, 0, 0, 0)`, group, name, Millis(at))
	if s.unique(err) {
		return logs.ErrExists
	}
	return err
}

// ListLogStreams implements logs.Store.
func (s *LogsStore) ListLogStreams(ctx context.Context, group, prefix, after string, limit int) ([]logs.Stream, error) {
	if err := s.groupExists(ctx, s.db.read, group); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT name, created_at, first_event_at, last_event_at, last_ingestion FROM log_streams
		WHERE group_name = ? AND name LIKE ? ESCAPE '\' AND name > ? ORDER BY name LIMIT ?`, group, likePrefix(prefix), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []logs.Stream
	for rows.Next() {
		st := logs.Stream{Group: group}
		var created, first, last, ingest int64
		if err := rows.Scan(&st.Name, &created, &first, &last, &ingest); err != nil {
			return nil, err
		}
		st.CreationTime = FromMillis(created)
		if first != 0 || last != 0 {
			st.FirstEventTime, st.LastEventTime, st.LastIngestion = FromMillis(first), FromMillis(last), FromMillis(ingest)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// AppendEvents implements logs.Store.
func (s *LogsStore) AppendEvents(ctx context.Context, group, stream string, create bool, evs []logs.Event, now time.Time) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := s.groupExists(ctx, tx.tx, group); err != nil {
			return err
		}
		var seq, first, last int64
		err := tx.QueryRow(ctx, `SELECT next_seq, first_event_at, last_event_at FROM log_streams WHERE group_name = ? AND name = ?`,
			group, stream).Scan(&seq, &first, &last)
		if errors.Is(err, sql.ErrNoRows) {
			if !create {
				return logs.ErrNotFound
			}
			if err := s.insertStream(ctx, tx, group, stream, now); err != nil {
				return err
			}
			err = nil
		}
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		var bytes int64
		for _, e := range evs {
			if _, err := tx.Exec(ctx, `INSERT INTO log_events (group_name, stream_name, ts, seq, ingested_at, message) VALUES (?, ?, ?, ?, ?, ?)`,
				group, stream, e.Timestamp, seq, e.Ingestion, e.Message); err != nil {
				return err
			}
			seq++
			bytes += int64(len(e.Message))
			if first == 0 || e.Timestamp < first {
				first = e.Timestamp
			}
			last = max(last, e.Timestamp)
		}
		if _, err := tx.Exec(ctx, `UPDATE log_streams SET next_seq = ?, first_event_at = ?, last_event_at = ?, last_ingestion = ?
			WHERE group_name = ? AND name = ?`, seq, first, last, Millis(now), group, stream); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE name = ?`, bytes, group)
		return err
	})
}

// ReadEvents implements logs.Store.
func (s *LogsStore) ReadEvents(ctx context.Context, q logs.EventQuery) ([]logs.Event, error) {
	var b strings.Builder
	b.WriteString(`SELECT stream_name, ts, seq, ingested_at, message FROM log_events WHERE group_name = ? AND ts >= ?`)
	args := []any{q.Group, q.Start}
	if q.End > 0 {
		b.WriteString(` AND ts < ?`)
		args = append(args, q.End)
	}
	if len(q.Streams) > 0 {
		b.WriteString(` AND stream_name IN (?` + strings.Repeat(", ?", len(q.Streams)-1) + `)`)
		for _, st := range q.Streams {
			args = append(args, st)
		}
	}
	cmp, order := ">", "ASC"
	if q.Backward {
		cmp, order = "<", "DESC"
	}
	if q.After != nil {
		b.WriteString(` AND (ts, stream_name, seq) ` + cmp + ` (?, ?, ?)`)
		args = append(args, q.After.Timestamp, q.After.Stream, q.After.Seq)
	}
	b.WriteString(` ORDER BY ts ` + order + `, stream_name ` + order + `, seq ` + order + ` LIMIT ?`)
	args = append(args, q.Limit)
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []logs.Event
	for rows.Next() {
		var e logs.Event
		if err := rows.Scan(&e.Stream, &e.Timestamp, &e.Seq, &e.Ingestion, &e.Message); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
