package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/stewardhq/steward/ssm"
)

// Hybrid activations: table activations (migrations 0004_nodes.sql). Tags
// and registration metadata are JSON arrays in the row: written once, read
// with it, never queried.

var _ ssm.ActivationStore = (*DB)(nil)

const activationCols = `a.id, a.code_hash, a.description, a.default_instance_name, a.iam_role,
	a.registration_limit, a.registrations_count, a.expires_at, a.created_at, a.tags, a.metadata`

// pairJSON is the stored form of a tag or a metadata item.
type pairJSON struct {
	K string `json:"k"`
	V string `json:"v"`
}

func scanActivation(s interface{ Scan(...any) error }) (*ssm.ActivationRecord, error) {
	var a ssm.ActivationRecord
	var expires, created int64
	var tags, meta string
	if err := s.Scan(&a.ID, &a.CodeHash, &a.Description, &a.DefaultInstanceName, &a.IamRole,
		&a.RegistrationLimit, &a.RegistrationsCount, &expires, &created, &tags, &meta); err != nil {
		return nil, err
	}
	a.ExpirationDate, a.CreatedDate = FromMillis(expires), FromMillis(created)
	var tp, mp []pairJSON
	if err := json.Unmarshal([]byte(tags), &tp); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(meta), &mp); err != nil {
		return nil, err
	}
	a.Tags = make([]ssm.Tag, len(tp))
	for i, p := range tp {
		a.Tags[i] = ssm.Tag{Key: p.K, Value: p.V}
	}
	if len(mp) > 0 {
		a.Metadata = make([]ssm.RegistrationMetadata, len(mp))
		for i, p := range mp {
			a.Metadata[i] = ssm.RegistrationMetadata{Key: p.K, Value: p.V}
		}
	}
	return &a, nil
}

// CreateActivation implements ssm.ActivationStore.
func (db *DB) CreateActivation(ctx context.Context, a *ssm.ActivationRecord) error {
	tags := make([]pairJSON, len(a.Tags))
	for i, t := range a.Tags {
		tags[i] = pairJSON{t.Key, t.Value}
	}
	meta := make([]pairJSON, len(a.Metadata))
	for i, m := range a.Metadata {
		meta[i] = pairJSON{m.Key, m.Value}
	}
	tj, _ := json.Marshal(tags)
	mj, _ := json.Marshal(meta)
	_, err := db.Exec(ctx, `INSERT INTO activations (id, code_hash, description, default_instance_name, iam_role,
		registration_limit, registrations_count, expires_at, created_at, tags, metadata)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.CodeHash, a.Description, a.DefaultInstanceName, a.IamRole, a.RegistrationLimit, a.RegistrationsCount,
		Millis(a.ExpirationDate), Millis(a.CreatedDate), string(tj), string(mj))
	return err
}

// activationPos is the position encoded in DescribeActivations' NextToken.
type activationPos struct {
	Created int64  `json:"c"`
	ID      string `json:"i"`
}

// ListActivations implements ssm.ActivationStore.
func (db *DB) ListActivations(ctx context.Context, q ssm.ActivationQuery) ([]*ssm.ActivationRecord, string, error) {
	var pos activationPos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.ID == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	where := []string{"1 = 1"}
	var args []any
	for _, c := range []struct {
		col    string
		values []string
	}{{"a.id", q.IDs}, {"a.default_instance_name", q.DefaultInstanceNames}, {"a.iam_role", q.IamRoles}} {
		if c.values == nil {
			continue
		}
		if len(c.values) == 0 {
			return nil, "", nil
		}
		where = append(where, c.col+` IN (`+marks(len(c.values))+`)`)
		for _, v := range c.values {
			args = append(args, v)
		}
	}
	if pos.ID != "" {
		where = append(where, `(a.created_at > ? OR (a.created_at = ? AND a.id > ?))`)
		args = append(args, pos.Created, pos.Created, pos.ID)
	}
	limit := max(q.Limit, 1)
	args = append(args, limit+1)
	rows, err := db.Query(ctx, `SELECT `+activationCols+` FROM activations a WHERE `+strings.Join(where, " AND ")+
		` ORDER BY a.created_at, a.id LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*ssm.ActivationRecord, error) { return scanActivation(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *ssm.ActivationRecord) any {
		return activationPos{Created: Millis(last.CreatedDate), ID: last.ID}
	})
	return out, next, nil
}

// DeleteActivation implements ssm.ActivationStore.
func (db *DB) DeleteActivation(ctx context.Context, id string) error {
	res, err := db.Exec(ctx, `DELETE FROM activations WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ssm.ErrActivationNotFound
	}
	return nil
}

// getActivationForUpdate reads an activation inside tx, locking it against
// concurrent registrations (PostgreSQL row lock; SQLite has one writer). It
// returns nil when there is none.
func (t *Tx) getActivationForUpdate(ctx context.Context, id string) (*ssm.ActivationRecord, error) {
	a, err := scanActivation(t.QueryRow(ctx, `SELECT `+activationCols+` FROM activations a WHERE a.id = ?`+t.db.forUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, err
}
