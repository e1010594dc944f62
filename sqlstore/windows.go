package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/stewardhq/steward/ssm"
)

// Maintenance Windows: tables maintenance_windows, maintenance_window_targets,
// maintenance_window_tasks, maintenance_window_executions,
// maintenance_window_task_executions and maintenance_window_invocations
// (0018_windows.sql). Records are stored as JSON beside the columns queries
// use; the claim is the associations' (UPDATE … RETURNING, SKIP LOCKED on
// PostgreSQL).

// WindowsStore implements ssm.WindowStore.
type WindowsStore struct{ db *DB }

var _ ssm.WindowStore = (*WindowsStore)(nil)

// NewWindowsStore returns the Maintenance Windows store on db.
func NewWindowsStore(db *DB) *WindowsStore { return &WindowsStore{db: db} }

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func scanWindow(r interface{ Scan(...any) error }) (*ssm.Window, error) {
	var next int64
	var body string
	if err := r.Scan(&next, &body); err != nil {
		return nil, err
	}
	w := &ssm.Window{}
	if err := json.Unmarshal([]byte(body), w); err != nil {
		return nil, err
	}
	w.NextRun = FromMillis(next)
	return w, nil
}

func windowBody(w *ssm.Window) (string, error) {
	c := *w
	c.NextRun = time.Time{}
	return toJSON(&c)
}

// CreateWindow implements ssm.WindowStore.
func (s *WindowsStore) CreateWindow(ctx context.Context, w *ssm.Window, max int) error {
	body, err := windowBody(w)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM maintenance_windows`).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ssm.ErrWindowLimit
		}
		_, err := tx.Exec(ctx, `INSERT INTO maintenance_windows (window_id, next_run, body) VALUES (?, ?, ?)`, w.WindowID, Millis(w.NextRun), body)
		return err
	})
}

// UpdateWindow implements ssm.WindowStore.
func (s *WindowsStore) UpdateWindow(ctx context.Context, w *ssm.Window) error {
	body, err := windowBody(w)
	if err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `UPDATE maintenance_windows SET next_run = ?, body = ? WHERE window_id = ?`, Millis(w.NextRun), body, w.WindowID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ssm.ErrWindowNotFound
	}
	return nil
}

// GetWindow implements ssm.WindowStore.
func (s *WindowsStore) GetWindow(ctx context.Context, id string) (*ssm.Window, error) {
	w, err := scanWindow(s.db.QueryRow(ctx, `SELECT next_run, body FROM maintenance_windows WHERE window_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrWindowNotFound
	}
	return w, err
}

// ListWindows implements ssm.WindowStore.
func (s *WindowsStore) ListWindows(ctx context.Context) ([]*ssm.Window, error) {
	rows, err := s.db.Query(ctx, `SELECT next_run, body FROM maintenance_windows ORDER BY window_id`)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*ssm.Window, error) { return scanWindow(r) })
}

// DeleteWindow implements ssm.WindowStore.
func (s *WindowsStore) DeleteWindow(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM maintenance_windows WHERE window_id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ssm.ErrWindowNotFound
		}
		for _, q := range []string{
			`DELETE FROM maintenance_window_invocations WHERE execution_id IN (SELECT execution_id FROM maintenance_window_executions WHERE window_id = ?)`,
			`DELETE FROM maintenance_window_task_executions WHERE execution_id IN (SELECT execution_id FROM maintenance_window_executions WHERE window_id = ?)`,
			`DELETE FROM maintenance_window_executions WHERE window_id = ?`,
			`DELETE FROM maintenance_window_targets WHERE window_id = ?`,
			`DELETE FROM maintenance_window_tasks WHERE window_id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// putItem adds or replaces a target or task row of an existing window.
func (s *WindowsStore) putItem(ctx context.Context, table, idCol, windowID, id string, v any, max int) error {
	body, err := toJSON(v)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var one int
		switch err := tx.QueryRow(ctx, `SELECT 1 FROM maintenance_windows WHERE window_id = ?`, windowID).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return ssm.ErrWindowNotFound
		case err != nil:
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE `+table+` SET body = ? WHERE window_id = ? AND `+idCol+` = ?`, body, windowID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE window_id = ?`, windowID).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ssm.ErrWindowLimit
		}
		_, err = tx.Exec(ctx, `INSERT INTO `+table+` (window_id, `+idCol+`, body) VALUES (?, ?, ?)`, windowID, id, body)
		return err
	})
}

func (s *WindowsStore) deleteItem(ctx context.Context, table, idCol, windowID, id string) error {
	res, err := s.db.Exec(ctx, `DELETE FROM `+table+` WHERE window_id = ? AND `+idCol+` = ?`, windowID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ssm.ErrWindowItemNotFound
	}
	return nil
}

func listBodies[T any](ctx context.Context, db *DB, query string, args ...any) ([]*T, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*T, error) {
		var body string
		if err := r.Scan(&body); err != nil {
			return nil, err
		}
		v := new(T)
		return v, json.Unmarshal([]byte(body), v)
	})
}

// PutTarget implements ssm.WindowStore.
func (s *WindowsStore) PutTarget(ctx context.Context, t *ssm.WindowTarget, max int) error {
	return s.putItem(ctx, "maintenance_window_targets", "target_id", t.WindowID, t.WindowTargetID, t, max)
}

// DeleteTarget implements ssm.WindowStore.
func (s *WindowsStore) DeleteTarget(ctx context.Context, windowID, targetID string) error {
	return s.deleteItem(ctx, "maintenance_window_targets", "target_id", windowID, targetID)
}

// ListTargets implements ssm.WindowStore.
func (s *WindowsStore) ListTargets(ctx context.Context, windowID string) ([]*ssm.WindowTarget, error) {
	return listBodies[ssm.WindowTarget](ctx, s.db, `SELECT body FROM maintenance_window_targets WHERE window_id = ? ORDER BY target_id`, windowID)
}

// PutTask implements ssm.WindowStore.
func (s *WindowsStore) PutTask(ctx context.Context, t *ssm.WindowTask, max int) error {
	return s.putItem(ctx, "maintenance_window_tasks", "task_id", t.WindowID, t.WindowTaskID, t, max)
}

// DeleteTask implements ssm.WindowStore.
func (s *WindowsStore) DeleteTask(ctx context.Context, windowID, taskID string) error {
	return s.deleteItem(ctx, "maintenance_window_tasks", "task_id", windowID, taskID)
}

// ListTasks implements ssm.WindowStore.
func (s *WindowsStore) ListTasks(ctx context.Context, windowID string) ([]*ssm.WindowTask, error) {
	return listBodies[ssm.WindowTask](ctx, s.db, `SELECT body FROM maintenance_window_tasks WHERE window_id = ? ORDER BY task_id`, windowID)
}

// ClaimDue implements ssm.WindowStore.
func (s *WindowsStore) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ssm.Window, error) {
	skip := ""
	if s.db.dialect.Name == "postgres" {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	n := Millis(now)
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM maintenance_windows WHERE next_run > 0 AND next_run <= ? LIMIT 1`, n).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var out []*ssm.Window
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `UPDATE maintenance_windows SET next_run = ?
			WHERE window_id IN (SELECT window_id FROM maintenance_windows WHERE next_run > 0 AND next_run <= ? ORDER BY next_run, window_id LIMIT ?`+skip+`)
			AND next_run > 0 AND next_run <= ?
			RETURNING next_run, body`, Millis(leaseUntil), n, limit, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*ssm.Window, error) { return scanWindow(r) })
		return err
	})
	return out, err
}

// SetNextRun implements ssm.WindowStore.
func (s *WindowsStore) SetNextRun(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE maintenance_windows SET next_run = ? WHERE window_id = ?`, Millis(at), id)
	return err
}

func (s *WindowsStore) saveExecution(ctx context.Context, tx *Tx, e *ssm.WindowExecution, leaseUntil time.Time) error {
	body, err := toJSON(e)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO maintenance_window_executions (execution_id, window_id, started, done, lease_until, body) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (execution_id) DO UPDATE SET done = excluded.done, body = excluded.body`,
		e.WindowExecutionID, e.WindowID, Millis(e.Start), Bool(e.Done), Millis(leaseUntil), body)
	return err
}

func (s *WindowsStore) saveTasks(ctx context.Context, tx *Tx, tasks []*ssm.WindowTaskExecution, invs []*ssm.WindowTaskInvocation) error {
	for _, t := range tasks {
		body, err := toJSON(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO maintenance_window_task_executions (execution_id, task_execution_id, priority, body) VALUES (?, ?, ?, ?)
			ON CONFLICT (execution_id, task_execution_id) DO UPDATE SET body = excluded.body`,
			t.WindowExecutionID, t.TaskExecutionID, t.Task.Priority, body); err != nil {
			return err
		}
	}
	for _, i := range invs {
		body, err := toJSON(i)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO maintenance_window_invocations (execution_id, task_execution_id, invocation_id, seq, body) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (execution_id, task_execution_id, invocation_id) DO UPDATE SET body = excluded.body`,
			i.WindowExecutionID, i.TaskExecutionID, i.InvocationID, i.Seq, body); err != nil {
			return err
		}
	}
	return nil
}

// CreateExecution implements ssm.WindowStore.
func (s *WindowsStore) CreateExecution(ctx context.Context, e *ssm.WindowExecution, tasks []*ssm.WindowTaskExecution, leaseUntil time.Time) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := s.saveExecution(ctx, tx, e, leaseUntil); err != nil {
			return err
		}
		return s.saveTasks(ctx, tx, tasks, nil)
	})
}

// SaveExecution implements ssm.WindowStore.
func (s *WindowsStore) SaveExecution(ctx context.Context, e *ssm.WindowExecution, tasks []*ssm.WindowTaskExecution, invs []*ssm.WindowTaskInvocation) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if e != nil {
			if err := s.saveExecution(ctx, tx, e, time.Time{}); err != nil {
				return err
			}
		}
		return s.saveTasks(ctx, tx, tasks, invs)
	})
}

// ClaimOpen implements ssm.WindowStore.
func (s *WindowsStore) ClaimOpen(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ssm.WindowExecution, error) {
	skip := ""
	if s.db.dialect.Name == "postgres" {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	n := Millis(now)
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM maintenance_window_executions WHERE done = 0 AND lease_until <= ? LIMIT 1`, n).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var out []*ssm.WindowExecution
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `UPDATE maintenance_window_executions SET lease_until = ?
			WHERE execution_id IN (SELECT execution_id FROM maintenance_window_executions WHERE done = 0 AND lease_until <= ? ORDER BY started, execution_id LIMIT ?`+skip+`)
			AND done = 0 AND lease_until <= ?
			RETURNING body`, Millis(leaseUntil), n, limit, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*ssm.WindowExecution, error) {
			var body string
			if err := r.Scan(&body); err != nil {
				return nil, err
			}
			e := &ssm.WindowExecution{}
			return e, json.Unmarshal([]byte(body), e)
		})
		return err
	})
	return out, err
}

// ReleaseExecution implements ssm.WindowStore.
func (s *WindowsStore) ReleaseExecution(ctx context.Context, executionID string) error {
	_, err := s.db.Exec(ctx, `UPDATE maintenance_window_executions SET lease_until = 0 WHERE execution_id = ?`, executionID)
	return err
}

// HasOpenExecution implements ssm.WindowStore.
func (s *WindowsStore) HasOpenExecution(ctx context.Context, windowID string) (bool, error) {
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM maintenance_window_executions WHERE window_id = ? AND done = 0 LIMIT 1`, windowID).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// ListExecutions implements ssm.WindowStore.
func (s *WindowsStore) ListExecutions(ctx context.Context, windowID string) ([]*ssm.WindowExecution, error) {
	return listBodies[ssm.WindowExecution](ctx, s.db, `SELECT body FROM maintenance_window_executions WHERE window_id = ? ORDER BY started DESC, execution_id DESC`, windowID)
}

// GetExecution implements ssm.WindowStore.
func (s *WindowsStore) GetExecution(ctx context.Context, executionID string) (*ssm.WindowExecution, error) {
	es, err := listBodies[ssm.WindowExecution](ctx, s.db, `SELECT body FROM maintenance_window_executions WHERE execution_id = ?`, executionID)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, ssm.ErrWindowExecNotFound
	}
	return es[0], nil
}

// ExecutionTasks implements ssm.WindowStore.
func (s *WindowsStore) ExecutionTasks(ctx context.Context, executionID string) ([]*ssm.WindowTaskExecution, error) {
	return listBodies[ssm.WindowTaskExecution](ctx, s.db, `SELECT body FROM maintenance_window_task_executions WHERE execution_id = ? ORDER BY priority, task_execution_id`, executionID)
}

// TaskInvocations implements ssm.WindowStore.
func (s *WindowsStore) TaskInvocations(ctx context.Context, executionID, taskExecutionID string) ([]*ssm.WindowTaskInvocation, error) {
	return listBodies[ssm.WindowTaskInvocation](ctx, s.db, `SELECT body FROM maintenance_window_invocations WHERE execution_id = ? AND task_execution_id = ? ORDER BY seq, invocation_id`, executionID, taskExecutionID)
}
