package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
)

// CloudWatch alarms: tables cloudwatch_alarms and cloudwatch_alarm_history
// (0015_alarms.sql). An alarm is stored as the JSON of cloudwatch.Alarm
// (tags included) beside the columns queries use. Writes are optimistic
// (version); the engine's claim is one UPDATE … RETURNING over a subquery
// that, on PostgreSQL, skips rows another server is claiming (FOR UPDATE
// SKIP LOCKED).

// AlarmsStore implements cloudwatch.AlarmStore.
type AlarmsStore struct{ db *DB }

var _ cloudwatch.AlarmStore = (*AlarmsStore)(nil)

// NewAlarmsStore returns the CloudWatch alarm store on db.
func NewAlarmsStore(db *DB) *AlarmsStore { return &AlarmsStore{db: db} }

const alarmCols = `version, next_eval, body`

func scanAlarm(r interface{ Scan(...any) error }) (*cloudwatch.Alarm, error) {
	var version, next int64
	var body string
	if err := r.Scan(&version, &next, &body); err != nil {
		return nil, err
	}
	var a cloudwatch.Alarm
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return nil, err
	}
	a.Version, a.NextEvaluation = version, FromMillis(next)
	return &a, nil
}

// GetAlarm implements cloudwatch.AlarmStore.
func (s *AlarmsStore) GetAlarm(ctx context.Context, name string) (*cloudwatch.Alarm, error) {
	a, err := scanAlarm(s.db.QueryRow(ctx, `SELECT `+alarmCols+` FROM cloudwatch_alarms WHERE name = ?`, name))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return a, err
}

// ListAlarms implements cloudwatch.AlarmStore.
func (s *AlarmsStore) ListAlarms(ctx context.Context, q cloudwatch.AlarmQuery) ([]*cloudwatch.Alarm, error) {
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT ` + alarmCols + ` FROM cloudwatch_alarms WHERE 1 = 1`)
	if len(q.Names) > 0 {
		b.WriteString(` AND name IN (?` + strings.Repeat(", ?", len(q.Names)-1) + `)`)
		for _, n := range q.Names {
			args = append(args, n)
		}
	}
	if q.Prefix != "" {
		b.WriteString(` AND substr(name, 1, ?) = ?`)
		args = append(args, len([]rune(q.Prefix)), q.Prefix)
	}
	if q.State != "" {
		b.WriteString(` AND state_value = ?`)
		args = append(args, q.State)
	}
	if q.After != "" {
		b.WriteString(` AND name > ?`)
		args = append(args, q.After)
	}
	b.WriteString(` ORDER BY name`)
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*cloudwatch.Alarm, error) { return scanAlarm(r) })
}

// Write implements cloudwatch.AlarmStore.
func (s *AlarmsStore) Write(ctx context.Context, w cloudwatch.AlarmWrite) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if a := w.Put; a != nil {
			stored := *a
			stored.Version, stored.NextEvaluation = 0, time.Time{}
			body, err := json.Marshal(&stored)
			if err != nil {
				return err
			}
			var res sql.Result
			if w.Expect == 0 {
				res, err = tx.Exec(ctx, `INSERT INTO cloudwatch_alarms (name, state_value, next_eval, version, body)
					VALUES (?, ?, ?, 1, ?) ON CONFLICT (name) DO NOTHING`, a.Name, a.State.Value, Millis(a.NextEvaluation), string(body))
			} else {
				res, err = tx.Exec(ctx, `UPDATE cloudwatch_alarms SET state_value = ?, next_eval = ?, version = version + 1, body = ?
					WHERE name = ? AND version = ?`, a.State.Value, Millis(a.NextEvaluation), string(body), a.Name, w.Expect)
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return cloudwatch.ErrAlarmConflict
			}
		}
		for _, name := range w.Delete {
			if _, err := tx.Exec(ctx, `DELETE FROM cloudwatch_alarms WHERE name = ?`, name); err != nil {
				return err
			}
		}
		for _, h := range w.History {
			if _, err := tx.Exec(ctx, `INSERT INTO cloudwatch_alarm_history (alarm_name, alarm_type, ts, item_type, summary, data)
				VALUES (?, ?, ?, ?, ?, ?)`, h.AlarmName, h.AlarmType, Millis(h.Time), h.Type, h.Summary, h.Data); err != nil {
				return err
			}
		}
		for _, e := range w.Events {
			if err := tx.AppendEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reschedule implements cloudwatch.AlarmStore.
func (s *AlarmsStore) Reschedule(ctx context.Context, name string, version int64, at time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE cloudwatch_alarms SET next_eval = ? WHERE name = ? AND version = ?`, Millis(at), name, version)
	return err
}

// ClaimDue implements cloudwatch.AlarmStore.
func (s *AlarmsStore) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*cloudwatch.Alarm, error) {
	skip := ""
	if s.db.dialect.Name == "postgres" {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	// Most ticks find nothing due: ask the read pool first, so that an idle
	// SQLite database sees no write transaction every tick.
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM cloudwatch_alarms WHERE next_eval <= ? LIMIT 1`, Millis(now)).Scan(&one); err {
	case nil:
	case sql.ErrNoRows:
		return nil, nil
	default:
		return nil, err
	}
	var out []*cloudwatch.Alarm
	err := s.db.InTx(ctx, func(tx *Tx) error {
		n := Millis(now)
		rows, err := tx.Query(ctx, `UPDATE cloudwatch_alarms SET next_eval = ?
			WHERE name IN (SELECT name FROM cloudwatch_alarms WHERE next_eval <= ? ORDER BY next_eval, name LIMIT ?`+skip+`)
			AND next_eval <= ?
			RETURNING `+alarmCols, Millis(leaseUntil), n, limit, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*cloudwatch.Alarm, error) { return scanAlarm(r) })
		return err
	})
	return out, err
}

// History implements cloudwatch.AlarmStore.
func (s *AlarmsStore) History(ctx context.Context, q cloudwatch.HistoryQuery) ([]cloudwatch.HistoryItem, error) {
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT id, alarm_name, alarm_type, ts, item_type, summary, data FROM cloudwatch_alarm_history WHERE 1 = 1`)
	if q.AlarmName != "" {
		b.WriteString(` AND alarm_name = ?`)
		args = append(args, q.AlarmName)
	}
	if q.AlarmType != "" {
		b.WriteString(` AND alarm_type = ?`)
		args = append(args, q.AlarmType)
	}
	if q.Type != "" {
		b.WriteString(` AND item_type = ?`)
		args = append(args, q.Type)
	}
	if !q.Start.IsZero() {
		b.WriteString(` AND ts >= ?`)
		args = append(args, Millis(q.Start))
	}
	if !q.End.IsZero() {
		b.WriteString(` AND ts < ?`)
		args = append(args, Millis(q.End))
	}
	order := ` ORDER BY id`
	if q.After > 0 {
		if q.Descending {
			b.WriteString(` AND id < ?`)
		} else {
			b.WriteString(` AND id > ?`)
		}
		args = append(args, q.After)
	}
	if q.Descending {
		order += ` DESC`
	}
	b.WriteString(order)
	if q.Limit > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, q.Limit)
	}
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (cloudwatch.HistoryItem, error) {
		var h cloudwatch.HistoryItem
		var ts int64
		err := r.Scan(&h.ID, &h.AlarmName, &h.AlarmType, &ts, &h.Type, &h.Summary, &h.Data)
		h.Time = FromMillis(ts)
		return h, err
	})
}

// PurgeHistory implements cloudwatch.AlarmStore.
func (s *AlarmsStore) PurgeHistory(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM cloudwatch_alarm_history WHERE ts < ?`, Millis(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
