package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/stewardhq/steward/iam"
)

// IAM roles and customer managed policies (iam.RoleStore). The tables are in
// 0009_iam.sql. Keys are iam.RoleKey / iam.PolicyKey of the names, so a
// listing's position is the key of its last row.

const iamRoleCols = `name, role_id, path, trust_policy, description, max_session_duration, boundary_arn, boundary_key, tags, created_at`

// iamPolicyCols are the iam_policies columns of iam.PolicyRecord, read as p,
// with the usage counts.
const iamPolicyCols = `p.name, p.policy_id, p.path, p.description, p.default_version, p.next_version, p.tags, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM iam_role_attachments a2 WHERE a2.policy_key = p.policy_key),
	(SELECT COUNT(*) FROM iam_roles r2 WHERE r2.boundary_key = p.policy_key)`

type iamScanner interface{ Scan(...any) error }

func scanIAMRole(s iamScanner) (*iam.RoleRecord, error) {
	var r iam.RoleRecord
	var tags string
	var created int64
	if err := s.Scan(&r.Name, &r.RoleID, &r.Path, &r.TrustPolicy, &r.Description, &r.MaxSessionDuration,
		&r.PermissionsBoundary, &r.BoundaryKey, &tags, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = FromMillis(created)
	var err error
	if r.Tags, err = decodeIAMTags(tags); err != nil {
		return nil, fmt.Errorf("role %s tags: %w", r.Name, err)
	}
	return &r, nil
}

func scanIAMPolicy(s iamScanner) (*iam.PolicyRecord, error) {
	var p iam.PolicyRecord
	var tags string
	var created, updated int64
	if err := s.Scan(&p.Name, &p.PolicyID, &p.Path, &p.Description, &p.DefaultVersion, &p.NextVersion, &tags,
		&created, &updated, &p.AttachmentCount, &p.BoundaryCount); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = FromMillis(created), FromMillis(updated)
	var err error
	if p.Tags, err = decodeIAMTags(tags); err != nil {
		return nil, fmt.Errorf("policy %s tags: %w", p.Name, err)
	}
	return &p, nil
}

func encodeIAMTags(tags []iam.Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func decodeIAMTags(s string) ([]iam.Tag, error) {
	var tags []iam.Tag
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

// iamPos is the position encoded in IAM listing markers: the last key
// returned.
type iamPos struct {
	After string `json:"k"`
}

func iamMarker(marker string) (string, error) {
	if marker == "" {
		return "", nil
	}
	var pos iamPos
	if !DecodeToken(marker, &pos) || pos.After == "" {
		return "", iam.ErrInvalidMarker
	}
	return pos.After, nil
}

// iamPathPrefix is the condition "col starts with prefix" (none for the
// root), by character count as substr counts on both engines.
func iamPathPrefix(col, prefix string) (string, []any) {
	if prefix == "" || prefix == "/" {
		return "", nil
	}
	return ` AND substr(` + col + `, 1, ?) = ?`, []any{utf8.RuneCountInString(prefix), prefix}
}

// GetRole implements iam.RoleStore.
func (db *DB) GetRole(ctx context.Context, key string) (*iam.RoleRecord, error) {
	r, err := scanIAMRole(db.QueryRow(ctx, `SELECT `+iamRoleCols+` FROM iam_roles WHERE role_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNoSuchRole
	}
	return r, err
}

// ListRoles implements iam.RoleStore.
func (db *DB) ListRoles(ctx context.Context, q iam.ListQuery) ([]*iam.RoleRecord, string, error) {
	after, err := iamMarker(q.Marker)
	if err != nil {
		return nil, "", err
	}
	cond, args := iamPathPrefix("path", q.PathPrefix)
	rows, err := db.Query(ctx, `SELECT `+iamRoleCols+` FROM iam_roles WHERE role_key > ?`+cond+` ORDER BY role_key LIMIT ?`,
		append(append([]any{after}, args...), q.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(rows *sql.Rows) (*iam.RoleRecord, error) { return scanIAMRole(rows) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, q.Limit, func(last *iam.RoleRecord) any { return iamPos{After: iam.RoleKey(last.Name)} })
	return out, next, nil
}

// iamRoleExists reports whether the role exists (read pool).
func (db *DB) iamRoleExists(ctx context.Context, key string) error {
	var one int
	err := db.QueryRow(ctx, `SELECT 1 FROM iam_roles WHERE role_key = ?`, key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return iam.ErrNoSuchRole
	}
	return err
}

// GetRolePolicy implements iam.RoleStore.
func (db *DB) GetRolePolicy(ctx context.Context, roleKey, policyKey string) (*iam.InlinePolicy, error) {
	var name, doc sql.NullString
	var size sql.NullInt64
	err := db.QueryRow(ctx, `SELECT p.name, p.document, p.size FROM iam_roles r
		LEFT JOIN iam_role_policies p ON p.role_key = r.role_key AND p.policy_key = ?
		WHERE r.role_key = ?`, policyKey, roleKey).Scan(&name, &doc, &size)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, iam.ErrNoSuchRole
	case err != nil:
		return nil, err
	case !name.Valid:
		return nil, iam.ErrNoSuchRolePolicy
	}
	return &iam.InlinePolicy{Name: name.String, Document: doc.String, Size: int(size.Int64)}, nil
}

// ListRolePolicies implements iam.RoleStore.
func (db *DB) ListRolePolicies(ctx context.Context, roleKey string, q iam.ListQuery) ([]string, string, error) {
	after, err := iamMarker(q.Marker)
	if err != nil {
		return nil, "", err
	}
	if err := db.iamRoleExists(ctx, roleKey); err != nil {
		return nil, "", err
	}
	rows, err := db.Query(ctx, `SELECT name FROM iam_role_policies WHERE role_key = ? AND policy_key > ?
		ORDER BY policy_key LIMIT ?`, roleKey, after, q.Limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(rows *sql.Rows) (string, error) {
		var s string
		return s, rows.Scan(&s)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, q.Limit, func(last string) any { return iamPos{After: iam.PolicyKey(last)} })
	return out, next, nil
}

// ListAttachedRolePolicies implements iam.RoleStore.
func (db *DB) ListAttachedRolePolicies(ctx context.Context, roleKey string, q iam.ListQuery) ([]*iam.PolicyRecord, string, error) {
	after, err := iamMarker(q.Marker)
	if err != nil {
		return nil, "", err
	}
	if err := db.iamRoleExists(ctx, roleKey); err != nil {
		return nil, "", err
	}
	cond, args := iamPathPrefix("p.path", q.PathPrefix)
	rows, err := db.Query(ctx, `SELECT `+iamPolicyCols+` FROM iam_role_attachments a
		JOIN iam_policies p ON p.policy_key = a.policy_key
		WHERE a.role_key = ? AND a.policy_key > ?`+cond+` ORDER BY a.policy_key LIMIT ?`,
		append(append([]any{roleKey, after}, args...), q.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return db.iamPolicyPage(rows, q.Limit)
}

func (db *DB) iamPolicyPage(rows *sql.Rows, limit int) ([]*iam.PolicyRecord, string, error) {
	out, err := scanRows(rows, func(rows *sql.Rows) (*iam.PolicyRecord, error) { return scanIAMPolicy(rows) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *iam.PolicyRecord) any { return iamPos{After: iam.PolicyKey(last.Name)} })
	return out, next, nil
}

// GetPolicy implements iam.RoleStore.
func (db *DB) GetPolicy(ctx context.Context, key string) (*iam.PolicyRecord, error) {
	p, err := scanIAMPolicy(db.QueryRow(ctx, `SELECT `+iamPolicyCols+` FROM iam_policies p WHERE p.policy_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNoSuchPolicy
	}
	return p, err
}

func scanIAMPolicyVersion(s iamScanner) (*iam.PolicyVersion, error) {
	var v iam.PolicyVersion
	var created int64
	if err := s.Scan(&v.Version, &v.Document, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = FromMillis(created)
	return &v, nil
}

// GetPolicyVersion implements iam.RoleStore.
func (db *DB) GetPolicyVersion(ctx context.Context, key string, version int64) (*iam.PolicyVersion, error) {
	v, err := scanIAMPolicyVersion(db.QueryRow(ctx, `SELECT version, document, created_at FROM iam_policy_versions
		WHERE policy_key = ? AND version = ?`, key, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNoSuchPolicy
	}
	return v, err
}

// ListPolicyVersions implements iam.RoleStore.
func (db *DB) ListPolicyVersions(ctx context.Context, key string) ([]*iam.PolicyVersion, error) {
	rows, err := db.Query(ctx, `SELECT version, document, created_at FROM iam_policy_versions
		WHERE policy_key = ? ORDER BY version DESC`, key)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(rows *sql.Rows) (*iam.PolicyVersion, error) { return scanIAMPolicyVersion(rows) })
}

// ListPolicies implements iam.RoleStore.
func (db *DB) ListPolicies(ctx context.Context, q iam.PolicyQuery) ([]*iam.PolicyRecord, string, error) {
	after, err := iamMarker(q.Marker)
	if err != nil {
		return nil, "", err
	}
	cond, args := iamPathPrefix("p.path", q.PathPrefix)
	const attached = `EXISTS (SELECT 1 FROM iam_role_attachments a WHERE a.policy_key = p.policy_key)`
	const boundary = `EXISTS (SELECT 1 FROM iam_roles r WHERE r.boundary_key = p.policy_key)`
	if q.OnlyAttached {
		switch q.Usage {
		case iam.UsagePermissionsPolicy:
			cond += ` AND ` + attached
		case iam.UsagePermissionsBoundary:
			cond += ` AND ` + boundary
		default:
			cond += ` AND (` + attached + ` OR ` + boundary + `)`
		}
	}
	rows, err := db.Query(ctx, `SELECT `+iamPolicyCols+` FROM iam_policies p WHERE p.policy_key > ?`+cond+`
		ORDER BY p.policy_key LIMIT ?`, append(append([]any{after}, args...), q.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	return db.iamPolicyPage(rows, q.Limit)
}

// RoleDocuments implements iam.RoleStore.
func (db *DB) RoleDocuments(ctx context.Context, roleKey string) (*iam.RoleDocuments, error) {
	role, err := db.GetRole(ctx, roleKey)
	if err != nil {
		return nil, err
	}
	docs := &iam.RoleDocuments{Role: role}
	scanDoc := func(rows *sql.Rows) (string, error) {
		var s string
		return s, rows.Scan(&s)
	}
	rows, err := db.Query(ctx, `SELECT document FROM iam_role_policies WHERE role_key = ? ORDER BY policy_key`, roleKey)
	if err != nil {
		return nil, err
	}
	if docs.Inline, err = scanRows(rows, scanDoc); err != nil {
		return nil, err
	}
	rows, err = db.Query(ctx, `SELECT v.document FROM iam_role_attachments a
		JOIN iam_policies p ON p.policy_key = a.policy_key
		JOIN iam_policy_versions v ON v.policy_key = p.policy_key AND v.version = p.default_version
		WHERE a.role_key = ? ORDER BY a.policy_key`, roleKey)
	if err != nil {
		return nil, err
	}
	if docs.Attached, err = scanRows(rows, scanDoc); err != nil {
		return nil, err
	}
	if role.BoundaryKey != "" {
		var doc string
		err := db.QueryRow(ctx, `SELECT v.document FROM iam_policies p
			JOIN iam_policy_versions v ON v.policy_key = p.policy_key AND v.version = p.default_version
			WHERE p.policy_key = ?`, role.BoundaryKey).Scan(&doc)
		switch {
		case err == nil:
			docs.Boundary = &doc
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	return docs, nil
}

// UpdateIAM implements iam.RoleStore. Writers are serialized by the
// database (SQLite's single writer; row locks on PostgreSQL, roles before
// policies); two creators racing for one name or ID collide on a unique
// key and the loser runs fn again.
func (db *DB) UpdateIAM(ctx context.Context, fn func(iam.IAMTx) error) error {
	for attempt := 0; attempt < 5; attempt++ {
		err := db.InTx(ctx, func(tx *Tx) error { return fn(&iamTx{tx: tx}) })
		if err == nil || db.dialect.IsUniqueViolation == nil || !db.dialect.IsUniqueViolation(err) {
			return err
		}
	}
	return iam.ErrTooManyUpdates
}

// iamTx implements iam.IAMTx.
type iamTx struct{ tx *Tx }

func (t *iamTx) Role(ctx context.Context, key string) (*iam.RoleRecord, error) {
	r, err := scanIAMRole(t.tx.QueryRow(ctx, `SELECT `+iamRoleCols+` FROM iam_roles WHERE role_key = ?`+t.tx.db.forUpdate(), key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

func (t *iamTx) CreateRole(ctx context.Context, r *iam.RoleRecord) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO iam_roles (role_key, `+iamRoleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		iam.RoleKey(r.Name), r.Name, r.RoleID, r.Path, r.TrustPolicy, r.Description, r.MaxSessionDuration,
		r.PermissionsBoundary, r.BoundaryKey, encodeIAMTags(r.Tags), Millis(r.CreatedAt))
	return err
}

func (t *iamTx) PutRole(ctx context.Context, r *iam.RoleRecord) error {
	_, err := t.tx.Exec(ctx, `UPDATE iam_roles SET name = ?, path = ?, trust_policy = ?, description = ?,
		max_session_duration = ?, boundary_arn = ?, boundary_key = ?, tags = ? WHERE role_key = ?`,
		r.Name, r.Path, r.TrustPolicy, r.Description, r.MaxSessionDuration, r.PermissionsBoundary, r.BoundaryKey,
		encodeIAMTags(r.Tags), iam.RoleKey(r.Name))
	return err
}

func (t *iamTx) DeleteRole(ctx context.Context, key string) error {
	for _, q := range []string{
		`DELETE FROM iam_role_attachments WHERE role_key = ?`,
		`DELETE FROM iam_role_policies WHERE role_key = ?`,
		`DELETE FROM iam_roles WHERE role_key = ?`,
	} {
		if _, err := t.tx.Exec(ctx, q, key); err != nil {
			return err
		}
	}
	return nil
}

func (t *iamTx) InlinePolicies(ctx context.Context, roleKey string) ([]iam.InlinePolicy, error) {
	rows, err := t.tx.Query(ctx, `SELECT name, document, size FROM iam_role_policies WHERE role_key = ? ORDER BY policy_key`, roleKey)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(rows *sql.Rows) (iam.InlinePolicy, error) {
		var p iam.InlinePolicy
		return p, rows.Scan(&p.Name, &p.Document, &p.Size)
	})
}

func (t *iamTx) PutInlinePolicy(ctx context.Context, roleKey string, p iam.InlinePolicy) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO iam_role_policies (role_key, policy_key, name, document, size) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (role_key, policy_key) DO UPDATE SET name = excluded.name, document = excluded.document, size = excluded.size`,
		roleKey, iam.PolicyKey(p.Name), p.Name, p.Document, p.Size)
	return err
}

func (t *iamTx) DeleteInlinePolicy(ctx context.Context, roleKey, policyKey string) (bool, error) {
	return t.deleted(ctx, `DELETE FROM iam_role_policies WHERE role_key = ? AND policy_key = ?`, roleKey, policyKey)
}

func (t *iamTx) deleted(ctx context.Context, q string, args ...any) (bool, error) {
	res, err := t.tx.Exec(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t *iamTx) Attached(ctx context.Context, roleKey string) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT policy_key FROM iam_role_attachments WHERE role_key = ? ORDER BY policy_key`, roleKey)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(rows *sql.Rows) (string, error) {
		var s string
		return s, rows.Scan(&s)
	})
}

func (t *iamTx) Attach(ctx context.Context, roleKey, policyKey string) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO iam_role_attachments (role_key, policy_key) VALUES (?, ?)
		ON CONFLICT (role_key, policy_key) DO NOTHING`, roleKey, policyKey)
	return err
}

func (t *iamTx) Detach(ctx context.Context, roleKey, policyKey string) (bool, error) {
	return t.deleted(ctx, `DELETE FROM iam_role_attachments WHERE role_key = ? AND policy_key = ?`, roleKey, policyKey)
}

func (t *iamTx) Policy(ctx context.Context, key string) (*iam.PolicyRecord, error) {
	p, err := scanIAMPolicy(t.tx.QueryRow(ctx, `SELECT `+iamPolicyCols+` FROM iam_policies p WHERE p.policy_key = ?`+t.tx.db.forUpdate(), key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, err
}

func (t *iamTx) CreatePolicy(ctx context.Context, p *iam.PolicyRecord, v *iam.PolicyVersion) error {
	key := iam.PolicyKey(p.Name)
	_, err := t.tx.Exec(ctx, `INSERT INTO iam_policies (policy_key, name, policy_id, path, description, default_version,
		next_version, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		key, p.Name, p.PolicyID, p.Path, p.Description, p.DefaultVersion, p.NextVersion, encodeIAMTags(p.Tags),
		Millis(p.CreatedAt), Millis(p.UpdatedAt))
	if err != nil {
		return err
	}
	return t.PutVersion(ctx, key, v)
}

func (t *iamTx) PutPolicy(ctx context.Context, p *iam.PolicyRecord) error {
	_, err := t.tx.Exec(ctx, `UPDATE iam_policies SET description = ?, default_version = ?, next_version = ?, tags = ?,
		updated_at = ? WHERE policy_key = ?`,
		p.Description, p.DefaultVersion, p.NextVersion, encodeIAMTags(p.Tags), Millis(p.UpdatedAt), iam.PolicyKey(p.Name))
	return err
}

func (t *iamTx) DeletePolicy(ctx context.Context, key string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM iam_policy_versions WHERE policy_key = ?`, key); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM iam_policies WHERE policy_key = ?`, key)
	return err
}

func (t *iamTx) Versions(ctx context.Context, policyKey string) ([]int64, error) {
	rows, err := t.tx.Query(ctx, `SELECT version FROM iam_policy_versions WHERE policy_key = ? ORDER BY version`, policyKey)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(rows *sql.Rows) (int64, error) {
		var v int64
		return v, rows.Scan(&v)
	})
}

func (t *iamTx) PutVersion(ctx context.Context, policyKey string, v *iam.PolicyVersion) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_key, version, document, created_at) VALUES (?, ?, ?, ?)`,
		policyKey, v.Version, v.Document, Millis(v.CreatedAt))
	return err
}

func (t *iamTx) DeleteVersion(ctx context.Context, policyKey string, version int64) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM iam_policy_versions WHERE policy_key = ? AND version = ?`, policyKey, version)
	return err
}
