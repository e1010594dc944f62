package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm"
)

// Parameter Store tables: parameters (the latest version of each parameter),
// parameter_versions (every kept version), parameter_labels, tags. See
// migrations 0002_parameters.sql.

var _ ssm.ParameterStore = (*DB)(nil)

// paramCols selects a ParameterRecord; x is the alias of the table holding
// the version (p for the latest, v for a stored version), p the parameters
// row (for the name).
func paramCols(x string) string {
	return `p.name, ` + x + `.version, ` + x + `.type, ` + x + `.key_id, ` + x + `.description, ` +
		x + `.allowed_pattern, ` + x + `.tier, ` + x + `.policies, ` + x + `.data_type, ` + x + `.value, ` +
		x + `.modified_at, ` + x + `.modified_by`
}

var (
	latestCols  = paramCols("p")
	versionCols = paramCols("v")
)

func scanParam(s interface{ Scan(...any) error }, extra ...any) (*ssm.ParameterRecord, error) {
	var r ssm.ParameterRecord
	var at int64
	dest := append(extra, &r.Name, &r.Version, &r.Type, &r.KeyID, &r.Description, &r.AllowedPattern,
		&r.Tier, &r.Policies, &r.DataType, &r.Value, &at, &r.ModifiedBy)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	r.ModifiedAt = FromMillis(at)
	return &r, nil
}

const getLatestSQL = `SELECT ` + "p.name, p.version, p.type, p.key_id, p.description, p.allowed_pattern, p.tier, p.policies, p.data_type, p.value, p.modified_at, p.modified_by" + ` FROM parameters p WHERE p.pkey = ?`

// GetParameters implements ssm.ParameterStore: one round trip whatever the
// number of refs (a UNION ALL of at most three indexed lookups).
func (db *DB) GetParameters(ctx context.Context, refs []ssm.ParameterRef) ([]*ssm.ParameterRecord, error) {
	out := make([]*ssm.ParameterRecord, len(refs))
	if len(refs) == 1 && refs[0].Version == 0 && refs[0].Label == "" {
		// GetParameter's hot path: one point query on the primary key.
		rec, err := scanParam(db.QueryRow(ctx, getLatestSQL, refs[0].Key))
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		out[0] = rec
		return out, err
	}
	var plain, versions, labels []ssm.ParameterRef
	for _, r := range refs {
		switch {
		case r.Label != "":
			labels = append(labels, r)
		case r.Version != 0:
			versions = append(versions, r)
		default:
			plain = append(plain, r)
		}
	}
	var parts []string
	var args []any
	if len(plain) > 0 {
		parts = append(parts, `SELECT p.pkey, 0, '', `+latestCols+` FROM parameters p WHERE p.pkey IN (`+marks(len(plain))+`)`)
		for _, r := range plain {
			args = append(args, r.Key)
		}
	}
	if len(versions) > 0 {
		parts = append(parts, `SELECT v.pkey, 1, '', `+versionCols+` FROM parameter_versions v JOIN parameters p ON p.pkey = v.pkey
			WHERE `+repeatOr(len(versions), `(v.pkey = ? AND v.version = ?)`))
		for _, r := range versions {
			args = append(args, r.Key, r.Version)
		}
	}
	if len(labels) > 0 {
		parts = append(parts, `SELECT l.pkey, 2, l.label, `+versionCols+` FROM parameter_labels l
			JOIN parameter_versions v ON v.pkey = l.pkey AND v.version = l.version
			JOIN parameters p ON p.pkey = l.pkey
			WHERE `+repeatOr(len(labels), `(l.pkey = ? AND l.label = ?)`))
		for _, r := range labels {
			args = append(args, r.Key, r.Label)
		}
	}
	rows, err := db.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, label string
		var kind int
		rec, err := scanParam(rows, &key, &kind, &label)
		if err != nil {
			return nil, err
		}
		for i, r := range refs {
			var match bool
			switch kind {
			case 0:
				match = r.Version == 0 && r.Label == "" && r.Key == key
			case 1:
				match = r.Label == "" && r.Version == rec.Version && r.Key == key
			case 2:
				match = r.Label == label && r.Key == key
			}
			if match {
				out[i] = rec
			}
		}
	}
	return out, rows.Err()
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func repeatOr(n int, term string) string {
	return strings.TrimSuffix(strings.Repeat(term+" OR ", n), " OR ")
}

// listPos is the position encoded in a listing's NextToken.
type listPos struct {
	After string `json:"k"`
}

// ListParameters implements ssm.ParameterStore.
func (db *DB) ListParameters(ctx context.Context, q ssm.ParameterQuery) ([]*ssm.ParameterRecord, string, error) {
	var pos listPos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.After == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	if q.Limit < 1 {
		q.Limit = 1
	}
	x := "p"
	from := `parameters p`
	var args []any
	var where []string
	for _, f := range q.Filters {
		if f.Key == ssm.FilterLabel {
			x = "v"
			from = `parameters p JOIN parameter_versions v ON v.pkey = p.pkey AND v.version =
				(SELECT MAX(l.version) FROM parameter_labels l WHERE l.pkey = p.pkey AND l.label IN (` + marks(len(f.Values)) + `))`
			for _, v := range f.Values {
				args = append(args, v)
			}
		}
	}
	for _, f := range q.Filters {
		cond, a := db.filterSQL(x, f)
		if cond != "" {
			where = append(where, cond)
			args = append(args, a...)
		}
	}
	if pos.After != "" {
		where = append(where, `p.pkey > ?`)
		args = append(args, pos.After)
	}
	query := `SELECT ` + paramCols(x) + ` FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY p.pkey LIMIT ?`
	args = append(args, q.Limit+1)
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ssm.ParameterRecord
	for rows.Next() {
		rec, err := scanParam(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > q.Limit {
		out = out[:q.Limit]
		next = EncodeToken(listPos{After: ssm.ParameterKey(out[len(out)-1].Name)})
	}
	return out, next, nil
}

// filterSQL translates one normalized filter (see ssm.ParameterFilter) into
// a condition on the listing's rows: p is the parameters row, x the version
// returned. Text tests are byte comparisons, prefix ranges and substr, never
// LIKE (case rules differ between SQLite and PostgreSQL).
func (db *DB) filterSQL(x string, f ssm.ParameterFilter) (string, []any) {
	var conds []string
	var args []any
	switch f.Key {
	case ssm.FilterLabel:
		return "", nil // a join, see ListParameters
	case ssm.FilterName:
		switch f.Option {
		case ssm.OptionEquals:
			conds = append(conds, `p.pkey IN (`+marks(len(f.Values))+`)`)
			for _, v := range f.Values {
				args = append(args, v)
			}
		case ssm.OptionBeginsWith:
			for _, v := range f.Values {
				if v == "" {
					return "", nil // every name begins with "/"
				}
				if !rangeSafe(v) {
					c, a := textTest("p.pkey", ssm.OptionBeginsWith, []string{v})
					conds, args = append(conds, c), append(args, a...)
					continue
				}
				conds = append(conds, `(p.pkey >= ? AND p.pkey < ?)`)
				args = append(args, v, prefixEnd(v))
			}
		case ssm.OptionContains:
			fn := "instr('/' || p.pkey, ?) > 0"
			if db.dialect.Name == "postgres" {
				fn = "strpos('/' || p.pkey, ?) > 0"
			}
			for _, v := range f.Values {
				conds = append(conds, fn)
				args = append(args, v)
			}
		}
	case ssm.FilterPath:
		for _, v := range f.Values {
			if f.Option == ssm.OptionOneLevel {
				conds = append(conds, `p.parent = ?`)
				args = append(args, v)
				continue
			}
			if v == "" {
				return "", nil // everything is under the root
			}
			conds = append(conds, `(p.pkey >= ? AND p.pkey < ?)`)
			args = append(args, v+"/", prefixEnd(v+"/"))
		}
	case ssm.FilterType, ssm.FilterKeyID, ssm.FilterTier, ssm.FilterDataType:
		col := map[string]string{ssm.FilterType: "type", ssm.FilterKeyID: "key_id", ssm.FilterTier: "tier", ssm.FilterDataType: "data_type"}[f.Key]
		c, a := textTest(x+"."+col, f.Option, f.Values)
		conds, args = append(conds, c), a
	default: // tag:KEY
		cond := `EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = ? AND t.resource_id = p.pkey AND t.tag_key = ?`
		args = append(args, ssm.ResourceParameter, strings.TrimPrefix(f.Key, ssm.FilterTagPrefix))
		if len(f.Values) > 0 {
			c, a := textTest("t.tag_value", f.Option, f.Values)
			cond += ` AND ` + c
			args = append(args, a...)
		}
		conds = append(conds, cond+`)`)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// textTest is col = any of values (Equals) or col starts with any of them
// (BeginsWith, by character count: substr counts characters on both engines).
func textTest(col, option string, values []string) (string, []any) {
	var args []any
	if option == ssm.OptionBeginsWith {
		var conds []string
		for _, v := range values {
			conds = append(conds, fmt.Sprintf("substr(%s, 1, %d) = ?", col, utf8.RuneCountInString(v)))
			args = append(args, v)
		}
		return "(" + strings.Join(conds, " OR ") + ")", args
	}
	for _, v := range values {
		args = append(args, v)
	}
	return col + ` IN (` + marks(len(values)) + `)`, args
}

// rangeSafe reports whether prefixEnd(s) is valid UTF-8: s is ASCII below
// DEL. Parameter keys always are (names allow a-zA-Z0-9_.-/ only); a filter
// value that is not cannot match a key as a range and is tested with substr.
func rangeSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

// prefixEnd is the smallest key greater than every key starting with prefix
// (a rangeSafe one).
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	b[len(b)-1]++
	return string(b)
}

// historyPos is the position encoded in GetParameterHistory's NextToken.
type historyPos struct {
	After int64 `json:"v"`
}

// ParameterHistory implements ssm.ParameterStore: one query for the versions
// of the page and one for their labels.
func (db *DB) ParameterHistory(ctx context.Context, key, token string, limit int) ([]*ssm.ParameterRecord, string, error) {
	var pos historyPos
	if token != "" && (!DecodeToken(token, &pos) || pos.After < 1) {
		return nil, "", ssm.ErrInvalidNextToken
	}
	rows, err := db.Query(ctx, `SELECT `+versionCols+` FROM parameter_versions v JOIN parameters p ON p.pkey = v.pkey
		WHERE v.pkey = ? AND v.version > ? ORDER BY v.version LIMIT ?`, key, pos.After, limit+1)
	if err != nil {
		return nil, "", err
	}
	var out []*ssm.ParameterRecord
	for rows.Next() {
		rec, err := scanParam(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, rec)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) == 0 {
		recs, err := db.GetParameters(ctx, []ssm.ParameterRef{{Key: key}})
		if err != nil {
			return nil, "", err
		}
		if recs[0] == nil {
			return nil, "", ssm.ErrParameterNotFound
		}
		return out, "", nil
	}
	out, next := page(out, limit, func(last *ssm.ParameterRecord) any { return historyPos{After: last.Version} })
	lrows, err := db.Query(ctx, `SELECT version, label FROM parameter_labels
		WHERE pkey = ? AND version >= ? AND version <= ? ORDER BY version, label`,
		key, out[0].Version, out[len(out)-1].Version)
	if err != nil {
		return nil, "", err
	}
	defer lrows.Close()
	byVersion := make(map[int64]*ssm.ParameterRecord, len(out))
	for _, rec := range out {
		rec.Labels = []string{}
		byVersion[rec.Version] = rec
	}
	for lrows.Next() {
		var v int64
		var label string
		if err := lrows.Scan(&v, &label); err != nil {
			return nil, "", err
		}
		if rec := byVersion[v]; rec != nil {
			rec.Labels = append(rec.Labels, label)
		}
	}
	return out, next, lrows.Err()
}

// UpdateParameter implements ssm.ParameterStore. Writers of one parameter
// are serialized by the database (SQLite's single writer; a row lock on
// PostgreSQL); two creators racing for a new name collide on the primary key
// and the loser runs fn again, seeing the winner's parameter.
func (db *DB) UpdateParameter(ctx context.Context, key string, fn func(ssm.ParameterTx) error) error {
	for attempt := 0; attempt < 5; attempt++ {
		err := db.InTx(ctx, func(tx *Tx) error { return fn(&paramTx{tx: tx, key: key}) })
		if err == nil || db.dialect.IsUniqueViolation == nil || !db.dialect.IsUniqueViolation(err) {
			return err
		}
	}
	return ssm.ErrTooManyUpdates
}

// forUpdate locks the selected rows on PostgreSQL (SQLite has one writer).
func (db *DB) forUpdate() string {
	if db.dialect.Name == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}

// paramTx implements ssm.ParameterTx.
type paramTx struct {
	tx  *Tx
	key string
}

func (t *paramTx) Current(ctx context.Context) (*ssm.ParameterRecord, error) {
	rec, err := scanParam(t.tx.QueryRow(ctx, getLatestSQL+t.tx.db.forUpdate(), t.key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return rec, err
}

func (t *paramTx) Versions(ctx context.Context) (int, int64, error) {
	var n int
	var oldest int64
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(version), 0) FROM parameter_versions WHERE pkey = ?`, t.key).Scan(&n, &oldest)
	return n, oldest, err
}

func (t *paramTx) HasVersion(ctx context.Context, version int64) (bool, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM parameter_versions WHERE pkey = ? AND version = ?`, t.key, version).Scan(&n)
	return n > 0, err
}

func (t *paramTx) Labels(ctx context.Context, version int64) ([]string, error) {
	return t.labels(ctx, `SELECT label FROM parameter_labels WHERE pkey = ? AND version = ? ORDER BY label`, t.key, version)
}

func (t *paramTx) labels(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (t *paramTx) PutVersion(ctx context.Context, rec *ssm.ParameterRecord, tags []ssm.Tag) error {
	at := Millis(rec.ModifiedAt)
	var err error
	if rec.Version == 1 {
		_, err = t.tx.Exec(ctx, `INSERT INTO parameters (pkey, parent, name, version, type, key_id, description,
			allowed_pattern, tier, policies, data_type, value, modified_at, modified_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.key, ssm.ParameterParent(t.key), rec.Name, rec.Version, rec.Type, rec.KeyID, rec.Description,
			rec.AllowedPattern, rec.Tier, rec.Policies, rec.DataType, rec.Value, at, rec.ModifiedBy)
		if err == nil {
			// Tags left behind by a deleted parameter of the same name go.
			if err = t.tx.DeleteTags(ctx, ssm.ResourceParameter, t.key); err == nil {
				err = t.tx.PutTags(ctx, ssm.ResourceParameter, t.key, tags)
			}
		}
	} else {
		var res sql.Result
		res, err = t.tx.Exec(ctx, `UPDATE parameters SET version = ?, type = ?, key_id = ?, description = ?,
			allowed_pattern = ?, tier = ?, policies = ?, data_type = ?, value = ?, modified_at = ?, modified_by = ?
			WHERE pkey = ? AND version = ?`,
			rec.Version, rec.Type, rec.KeyID, rec.Description, rec.AllowedPattern, rec.Tier, rec.Policies,
			rec.DataType, rec.Value, at, rec.ModifiedBy, t.key, rec.Version-1)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return steward.Internal(fmt.Errorf("parameter %s: version %d is not the successor of the latest", t.key, rec.Version))
			}
		}
	}
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO parameter_versions (pkey, version, type, key_id, description,
		allowed_pattern, tier, policies, data_type, value, modified_at, modified_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.key, rec.Version, rec.Type, rec.KeyID, rec.Description, rec.AllowedPattern, rec.Tier, rec.Policies,
		rec.DataType, rec.Value, at, rec.ModifiedBy)
	return err
}

func (t *paramTx) DeleteVersion(ctx context.Context, version int64) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM parameter_labels WHERE pkey = ? AND version = ?`, t.key, version); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM parameter_versions WHERE pkey = ? AND version = ?`, t.key, version)
	return err
}

func (t *paramTx) MoveLabels(ctx context.Context, version int64, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	args := []any{t.key}
	for _, l := range labels {
		args = append(args, l)
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM parameter_labels WHERE pkey = ? AND label IN (`+marks(len(labels))+`)`, args...); err != nil {
		return err
	}
	ins := make([]any, 0, 3*len(labels))
	for _, l := range labels {
		ins = append(ins, t.key, l, version)
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO parameter_labels (pkey, label, version) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(labels)), ", "), ins...)
	return err
}

func (t *paramTx) RemoveLabels(ctx context.Context, version int64, labels []string) ([]string, error) {
	if len(labels) == 0 {
		return []string{}, nil
	}
	args := []any{t.key, version}
	for _, l := range labels {
		args = append(args, l)
	}
	in := `pkey = ? AND version = ? AND label IN (` + marks(len(labels)) + `)`
	removed, err := t.labels(ctx, `SELECT label FROM parameter_labels WHERE `+in+` ORDER BY label`, args...)
	if err != nil || len(removed) == 0 {
		return removed, err
	}
	_, err = t.tx.Exec(ctx, `DELETE FROM parameter_labels WHERE `+in, args...)
	return removed, err
}

func (t *paramTx) AppendEvent(ctx context.Context, e *steward.Event) error {
	return t.tx.AppendEvent(ctx, e)
}

// DeleteParameters implements ssm.ParameterStore.
func (db *DB) DeleteParameters(ctx context.Context, keys []string, event func(*ssm.ParameterRecord) *steward.Event) ([]*ssm.ParameterRecord, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var deleted []*ssm.ParameterRecord
	err := db.InTx(ctx, func(tx *Tx) error {
		deleted = deleted[:0]
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k
		}
		in := `IN (` + marks(len(keys)) + `)`
		rows, err := tx.Query(ctx, `SELECT p.pkey, `+latestCols+` FROM parameters p WHERE p.pkey `+in+` ORDER BY p.pkey`+db.forUpdate(), args...)
		if err != nil {
			return err
		}
		var found []any
		for rows.Next() {
			var key string
			rec, err := scanParam(rows, &key)
			if err != nil {
				rows.Close()
				return err
			}
			deleted = append(deleted, rec)
			found = append(found, key)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(found) == 0 {
			return err
		}
		in = `IN (` + marks(len(found)) + `)`
		for _, stmt := range []string{
			`DELETE FROM parameter_labels WHERE pkey ` + in,
			`DELETE FROM parameter_versions WHERE pkey ` + in,
			`DELETE FROM parameters WHERE pkey ` + in,
		} {
			if _, err := tx.Exec(ctx, stmt, found...); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tags WHERE resource_type = ? AND resource_id `+in,
			append([]any{ssm.ResourceParameter}, found...)...); err != nil {
			return err
		}
		for _, rec := range deleted {
			if err := tx.AppendEvent(ctx, event(rec)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}
