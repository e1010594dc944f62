package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm"
)

// State Manager associations: tables associations, association_versions,
// association_executions, association_targets and association_nodes
// (0016_associations.sql). Records are stored as JSON beside the columns
// queries use. The scheduler's claim is one UPDATE … RETURNING over a
// subquery that, on PostgreSQL, skips rows another server is claiming (FOR
// UPDATE SKIP LOCKED).

// AssociationsStore implements ssm.AssociationStore.
type AssociationsStore struct{ db *DB }

var _ ssm.AssociationStore = (*AssociationsStore)(nil)

// NewAssociationsStore returns the State Manager store on db.
func NewAssociationsStore(db *DB) *AssociationsStore { return &AssociationsStore{db: db} }

const assocCols = `next_run, last_execution, last_success, body`

func scanAssociation(r interface{ Scan(...any) error }) (*ssm.Association, error) {
	var next, last, success int64
	var body string
	if err := r.Scan(&next, &last, &success, &body); err != nil {
		return nil, err
	}
	a := &ssm.Association{}
	if err := json.Unmarshal([]byte(body), a); err != nil {
		return nil, err
	}
	a.NextRun, a.LastExecution, a.LastSuccess = FromMillis(next), FromMillis(last), FromMillis(success)
	return a, nil
}

func assocBody(a *ssm.Association) (string, error) {
	c := *a
	c.NextRun, c.LastExecution, c.LastSuccess = time.Time{}, time.Time{}, time.Time{}
	b, err := json.Marshal(&c)
	return string(b), err
}

func legacyKey(a *ssm.Association) any {
	if a.InstanceID == "" {
		return nil
	}
	return a.Name + "\x1f" + a.InstanceID
}

func (s *AssociationsStore) unique(err error) bool {
	return err != nil && s.db.dialect.IsUniqueViolation != nil && s.db.dialect.IsUniqueViolation(err)
}

// CreateAssociation implements ssm.AssociationStore.
func (s *AssociationsStore) CreateAssociation(ctx context.Context, a *ssm.Association, max int) error {
	body, err := assocBody(a)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM associations`).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return ssm.ErrAssociationLimit
		}
		_, err := tx.Exec(ctx, `INSERT INTO associations (association_id, version, legacy_key, next_run, last_execution, last_success, body)
			VALUES (?, ?, ?, ?, 0, 0, ?)`, a.AssociationID, a.Version, legacyKey(a), Millis(a.NextRun), body)
		if s.unique(err) {
			return ssm.ErrAssociationExists
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO association_versions (association_id, version, body) VALUES (?, ?, ?)`, a.AssociationID, a.Version, body)
		return err
	})
}

// UpdateAssociation implements ssm.AssociationStore.
func (s *AssociationsStore) UpdateAssociation(ctx context.Context, a *ssm.Association, prev int) error {
	body, err := assocBody(a)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		var cur int
		switch err := tx.QueryRow(ctx, `SELECT version FROM associations WHERE association_id = ?`, a.AssociationID).Scan(&cur); {
		case errors.Is(err, sql.ErrNoRows):
			return ssm.ErrAssociationNotFound
		case err != nil:
			return err
		}
		if cur != prev {
			return ssm.ErrAssociationVersion
		}
		res, err := tx.Exec(ctx, `UPDATE associations SET version = ?, legacy_key = ?, next_run = ?, body = ? WHERE association_id = ? AND version = ?`,
			a.Version, legacyKey(a), Millis(a.NextRun), body, a.AssociationID, prev)
		if s.unique(err) {
			return ssm.ErrAssociationExists
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ssm.ErrAssociationVersion
		}
		_, err = tx.Exec(ctx, `INSERT INTO association_versions (association_id, version, body) VALUES (?, ?, ?)`, a.AssociationID, a.Version, body)
		if s.unique(err) {
			return ssm.ErrAssociationVersion
		}
		return err
	})
}

// GetAssociation implements ssm.AssociationStore.
func (s *AssociationsStore) GetAssociation(ctx context.Context, id string) (*ssm.Association, error) {
	a, err := scanAssociation(s.db.QueryRow(ctx, `SELECT `+assocCols+` FROM associations WHERE association_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrAssociationNotFound
	}
	return a, err
}

// GetAssociationVersion implements ssm.AssociationStore.
func (s *AssociationsStore) GetAssociationVersion(ctx context.Context, id string, version int) (*ssm.Association, error) {
	var body string
	err := s.db.QueryRow(ctx, `SELECT body FROM association_versions WHERE association_id = ? AND version = ?`, id, version).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrAssociationNotFound
	}
	if err != nil {
		return nil, err
	}
	a := &ssm.Association{}
	return a, json.Unmarshal([]byte(body), a)
}

// ListAssociations implements ssm.AssociationStore.
func (s *AssociationsStore) ListAssociations(ctx context.Context) ([]*ssm.Association, error) {
	rows, err := s.db.Query(ctx, `SELECT `+assocCols+` FROM associations ORDER BY association_id`)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*ssm.Association, error) { return scanAssociation(r) })
}

// ListAssociationVersions implements ssm.AssociationStore.
func (s *AssociationsStore) ListAssociationVersions(ctx context.Context, id string) ([]*ssm.Association, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_versions WHERE association_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*ssm.Association, error) {
		var body string
		if err := r.Scan(&body); err != nil {
			return nil, err
		}
		a := &ssm.Association{}
		return a, json.Unmarshal([]byte(body), a)
	})
	if err == nil && len(out) == 0 {
		return nil, ssm.ErrAssociationNotFound
	}
	return out, err
}

// DeleteAssociation implements ssm.AssociationStore.
func (s *AssociationsStore) DeleteAssociation(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM associations WHERE association_id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ssm.ErrAssociationNotFound
		}
		for _, table := range []string{"association_versions", "association_executions", "association_targets", "association_nodes"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE association_id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClaimDue implements ssm.AssociationStore.
func (s *AssociationsStore) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ssm.Association, error) {
	skip := ""
	if s.db.dialect.Name == "postgres" {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	n := Millis(now)
	var one int
	switch err := s.db.QueryRow(ctx, `SELECT 1 FROM associations WHERE next_run > 0 AND next_run <= ? LIMIT 1`, n).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	}
	var out []*ssm.Association
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `UPDATE associations SET next_run = ?
			WHERE association_id IN (SELECT association_id FROM associations WHERE next_run > 0 AND next_run <= ? ORDER BY next_run, association_id LIMIT ?`+skip+`)
			AND next_run > 0 AND next_run <= ?
			RETURNING `+assocCols, Millis(leaseUntil), n, limit, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*ssm.Association, error) { return scanAssociation(r) })
		return err
	})
	return out, err
}

// SetNextRun implements ssm.AssociationStore.
func (s *AssociationsStore) SetNextRun(ctx context.Context, id string, version int, at time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE associations SET next_run = ? WHERE association_id = ? AND version = ?`, Millis(at), id, version)
	return err
}

func assocJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// StartExecution implements ssm.AssociationStore.
func (s *AssociationsStore) StartExecution(ctx context.Context, e *ssm.AssociationExecution, targets []*ssm.AssociationTarget, maxPerNode int) ([]string, error) {
	var admitted []string
	err := s.db.InTx(ctx, func(tx *Tx) error {
		admitted = admitted[:0]
		body, err := assocJSON(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO association_executions (seq, association_id, execution_id, created, done, body)
			VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM association_executions WHERE association_id = ?), ?, ?, ?, ?, ?)`,
			e.AssociationID, e.AssociationID, e.ExecutionID, Millis(e.Created), Bool(e.Done), body); err != nil {
			return err
		}
		for _, t0 := range targets {
			t := *t0
			if s.db.dialect.Name == "postgres" {
				// Serialize the per-node count with other servers' runs
				// (callers pass targets in node-ID order: no deadlock).
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ssm-association-node:' || ?))`, t.NodeID); err != nil {
					return err
				}
			}
			var limited int
			err := tx.QueryRow(ctx, `SELECT limited FROM association_nodes WHERE association_id = ? AND node_id = ?`, e.AssociationID, t.NodeID).Scan(&limited)
			switch {
			case err == nil && limited == 0:
			case err == nil || errors.Is(err, sql.ErrNoRows):
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM association_nodes WHERE node_id = ? AND limited = 0 AND association_id <> ?`,
					t.NodeID, e.AssociationID).Scan(&n); err != nil {
					return err
				}
				limited = Bool(n >= maxPerNode)
			default:
				return err
			}
			if limited == 1 {
				t.Status, t.DetailedStatus, t.ErrorCode = ssm.AssocFailed, ssm.AssocLimitHit, ""
				t.ExecutionSummary = "The node is already the target of the maximum number of associations (20)."
			} else {
				admitted = append(admitted, t.NodeID)
			}
			tb, err := assocJSON(&t)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO association_targets (association_id, execution_id, node_id, body) VALUES (?, ?, ?, ?)`,
				e.AssociationID, e.ExecutionID, t.NodeID, tb); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO association_nodes (association_id, node_id, execution_id, limited, body) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (association_id, node_id) DO UPDATE SET execution_id = excluded.execution_id, limited = excluded.limited, body = excluded.body`,
				e.AssociationID, t.NodeID, e.ExecutionID, limited, tb); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE associations SET last_execution = ? WHERE association_id = ?`, Millis(e.Created), e.AssociationID)
		return err
	})
	return admitted, err
}

func (s *AssociationsStore) updateExecution(ctx context.Context, tx *Tx, e *ssm.AssociationExecution) error {
	body, err := assocJSON(e)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE association_executions SET done = ?, body = ? WHERE association_id = ? AND execution_id = ?`,
		Bool(e.Done), body, e.AssociationID, e.ExecutionID)
	return err
}

// SetExecutionCommand implements ssm.AssociationStore.
func (s *AssociationsStore) SetExecutionCommand(ctx context.Context, associationID, executionID, commandID string) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		e, err := getExecution(ctx, tx, associationID, executionID)
		if err != nil {
			return err
		}
		e.CommandID = commandID
		return s.updateExecution(ctx, tx, e)
	})
}

func decodeExecution(body string) (*ssm.AssociationExecution, error) {
	e := &ssm.AssociationExecution{}
	return e, json.Unmarshal([]byte(body), e)
}

func getExecution(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) *sql.Row
}, associationID, executionID string) (*ssm.AssociationExecution, error) {
	var body string
	err := q.QueryRow(ctx, `SELECT body FROM association_executions WHERE association_id = ? AND execution_id = ?`, associationID, executionID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrAssociationExecNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeExecution(body)
}

// OpenExecutions implements ssm.AssociationStore.
func (s *AssociationsStore) OpenExecutions(ctx context.Context, limit int) ([]*ssm.AssociationExecution, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_executions WHERE done = 0 ORDER BY created LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanExecution)
}

func scanExecution(r *sql.Rows) (*ssm.AssociationExecution, error) {
	var body string
	if err := r.Scan(&body); err != nil {
		return nil, err
	}
	return decodeExecution(body)
}

// SaveExecution implements ssm.AssociationStore.
func (s *AssociationsStore) SaveExecution(ctx context.Context, e *ssm.AssociationExecution, targets []*ssm.AssociationTarget, events []*steward.Event) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if e.CommandID == "" { // keep the command SetExecutionCommand recorded
			cur, err := getExecution(ctx, tx, e.AssociationID, e.ExecutionID)
			if err != nil {
				return err
			}
			c := *e
			c.CommandID = cur.CommandID
			e = &c
		}
		if err := s.updateExecution(ctx, tx, e); err != nil {
			return err
		}
		for _, t := range targets {
			tb, err := assocJSON(t)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE association_targets SET body = ? WHERE association_id = ? AND execution_id = ? AND node_id = ?`,
				tb, e.AssociationID, e.ExecutionID, t.NodeID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE association_nodes SET body = ? WHERE association_id = ? AND node_id = ? AND execution_id = ?`,
				tb, e.AssociationID, t.NodeID, e.ExecutionID); err != nil {
				return err
			}
		}
		for _, ev := range events {
			if err := tx.AppendEvent(ctx, ev); err != nil {
				return err
			}
		}
		if e.Done && e.Status == ssm.AssocSuccess {
			_, err := tx.Exec(ctx, `UPDATE associations SET last_success = ? WHERE association_id = ?`, Millis(e.LastExecution), e.AssociationID)
			return err
		}
		return nil
	})
}

// ListExecutions implements ssm.AssociationStore.
func (s *AssociationsStore) ListExecutions(ctx context.Context, associationID string) ([]*ssm.AssociationExecution, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_executions WHERE association_id = ? ORDER BY seq DESC`, associationID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanExecution)
}

// GetExecution implements ssm.AssociationStore.
func (s *AssociationsStore) GetExecution(ctx context.Context, associationID, executionID string) (*ssm.AssociationExecution, error) {
	return getExecution(ctx, s.db, associationID, executionID)
}

func scanAssocTarget(r *sql.Rows) (*ssm.AssociationTarget, error) {
	var body string
	if err := r.Scan(&body); err != nil {
		return nil, err
	}
	t := &ssm.AssociationTarget{}
	return t, json.Unmarshal([]byte(body), t)
}

// ExecutionTargets implements ssm.AssociationStore.
func (s *AssociationsStore) ExecutionTargets(ctx context.Context, associationID, executionID string) ([]*ssm.AssociationTarget, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_targets WHERE association_id = ? AND execution_id = ? ORDER BY node_id`, associationID, executionID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanAssocTarget)
}

// NodeStatuses implements ssm.AssociationStore.
func (s *AssociationsStore) NodeStatuses(ctx context.Context, nodeID string) ([]*ssm.AssociationTarget, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_nodes WHERE node_id = ? ORDER BY association_id`, nodeID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanAssocTarget)
}

// NodesStatuses implements ssm.AssociationStore.
func (s *AssociationsStore) NodesStatuses(ctx context.Context, nodeIDs []string) (map[string][]*ssm.AssociationTarget, error) {
	out := make(map[string][]*ssm.AssociationTarget, len(nodeIDs))
	for chunk := range slices.Chunk(nodeIDs, 500) {
		rows, err := s.db.Query(ctx, `SELECT body FROM association_nodes WHERE node_id IN (`+marks(len(chunk))+`) ORDER BY node_id, association_id`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		ts, err := scanRows(rows, scanAssocTarget)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out[t.NodeID] = append(out[t.NodeID], t)
		}
	}
	return out, nil
}

// NodeCounts implements ssm.AssociationStore.
func (s *AssociationsStore) NodeCounts(ctx context.Context, nodeIDs []string) (map[string]int, error) {
	out := make(map[string]int, len(nodeIDs))
	for chunk := range slices.Chunk(nodeIDs, 500) {
		rows, err := s.db.Query(ctx, `SELECT node_id, COUNT(*) FROM association_nodes WHERE node_id IN (`+marks(len(chunk))+`) GROUP BY node_id`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = n
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AssociationStatuses implements ssm.AssociationStore.
func (s *AssociationsStore) AssociationStatuses(ctx context.Context, associationID string) ([]*ssm.AssociationTarget, error) {
	rows, err := s.db.Query(ctx, `SELECT body FROM association_nodes WHERE association_id = ? ORDER BY node_id`, associationID)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, scanAssocTarget)
}
