package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardhq/steward/ssm"
	"github.com/stewardhq/steward/ssm/document"
)

// SSM documents (ssm.DocumentStore). The tables are in 0003_documents.sql.

// documentCols are the documents columns ssm.DocumentInfo holds, read as d;
// the version count is a range count on document_versions' primary key.
const documentCols = `d.name, d.owner, d.document_type, d.created_at, d.default_version, d.latest_version, d.max_version,
	(SELECT COUNT(*) FROM document_versions c WHERE c.name = d.name)`

// documentListCols is documentCols with 0 for the count, which listings do
// not show.
const documentListCols = `d.name, d.owner, d.document_type, d.created_at, d.default_version, d.latest_version, d.max_version, 0`

// docVersionCols are the document_versions columns of ssm.DocumentVersion, read
// as v; docVersionSummaryCols leave out the content and what only
// DescribeDocument shows.
const (
	docVersionCols = `v.name, v.version, v.version_name, v.display_name, v.content, v.format, v.hash, v.schema_version,
	v.description, v.parameters, v.platforms, v.target_type, v.requires, v.created_at`
	docVersionSummaryCols = `v.name, v.version, v.version_name, v.display_name, '', v.format, v.hash, v.schema_version,
	'', '', v.platforms, v.target_type, v.requires, v.created_at`
)

type docScanner interface{ Scan(...any) error }

func scanDocumentInfo(s docScanner, dst ...any) (*ssm.DocumentInfo, error) {
	var d ssm.DocumentInfo
	var created int64
	err := s.Scan(append([]any{&d.Name, &d.Owner, &d.Type, &created, &d.DefaultVersion, &d.LatestVersion,
		&d.MaxVersion, &d.VersionCount}, dst...)...)
	if err != nil {
		return nil, err
	}
	d.CreatedDate = FromMillis(created)
	return &d, nil
}

// docVersionRow receives a document_versions row.
type docVersionRow struct {
	v           ssm.DocumentVersion
	versionName sql.NullString
	format      string
	params      string
	platforms   int
	requires    string
	created     int64
}

func (r *docVersionRow) dest() []any {
	return []any{&r.v.Name, &r.v.Version, &r.versionName, &r.v.DisplayName, &r.v.Content, &r.format, &r.v.Hash,
		&r.v.SchemaVersion, &r.v.Description, &r.params, &r.platforms, &r.v.TargetType, &r.requires, &r.created}
}

func (r *docVersionRow) version() (*ssm.DocumentVersion, error) {
	v := r.v
	v.VersionName = r.versionName.String
	v.Format = document.Format(r.format)
	v.CreatedDate = FromMillis(r.created)
	v.PlatformTypes = platformTypes(r.platforms)
	var err error
	if v.Parameters, err = decodeDocParams(r.params); err != nil {
		return nil, fmt.Errorf("document %s version %d parameters: %w", v.Name, v.Version, err)
	}
	if v.Requires, err = decodeDocRequires(r.requires); err != nil {
		return nil, fmt.Errorf("document %s version %d requires: %w", v.Name, v.Version, err)
	}
	return &v, nil
}

func scanDocVersion(s docScanner) (*ssm.DocumentVersion, error) {
	var r docVersionRow
	if err := s.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.version()
}

// The platform bit set of document_versions.platforms, in AWS's order.
var platformBits = []struct {
	name string
	bit  int
}{{"Windows", 1}, {"Linux", 2}, {"MacOS", 4}}

func platformMask(types []string) int {
	m := 0
	for _, t := range types {
		for _, p := range platformBits {
			if t == p.name {
				m |= p.bit
			}
		}
	}
	return m
}

func platformTypes(mask int) []string {
	out := []string{}
	for _, p := range platformBits {
		if mask&p.bit != 0 {
			out = append(out, p.name)
		}
	}
	return out
}

// docParam is the stored form of an ssm.DocumentParameter.
type docParam struct {
	Name        string  `json:"n"`
	Type        string  `json:"t"`
	Description string  `json:"d,omitempty"`
	Default     *string `json:"v,omitempty"`
}

func encodeDocParams(ps []ssm.DocumentParameter) (string, error) {
	if len(ps) == 0 {
		return "", nil
	}
	out := make([]docParam, len(ps))
	for i, p := range ps {
		out[i] = docParam{Name: p.Name, Type: p.Type, Description: p.Description}
		if p.HasDefault {
			out[i].Default = &p.DefaultValue
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeDocParams(s string) ([]ssm.DocumentParameter, error) {
	if s == "" {
		return nil, nil
	}
	var in []docParam
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]ssm.DocumentParameter, len(in))
	for i, p := range in {
		out[i] = ssm.DocumentParameter{Name: p.Name, Type: p.Type, Description: p.Description}
		if p.Default != nil {
			out[i].DefaultValue, out[i].HasDefault = *p.Default, true
		}
	}
	return out, nil
}

// docRequire is the stored form of an ssm.DocumentRequires.
type docRequire struct {
	Name        string `json:"n"`
	Version     string `json:"v,omitempty"`
	RequireType string `json:"t,omitempty"`
	VersionName string `json:"vn,omitempty"`
}

func encodeDocRequires(rs []ssm.DocumentRequires) (string, error) {
	if len(rs) == 0 {
		return "", nil
	}
	out := make([]docRequire, len(rs))
	for i, r := range rs {
		out[i] = docRequire(r)
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeDocRequires(s string) ([]ssm.DocumentRequires, error) {
	if s == "" {
		return nil, nil
	}
	var in []docRequire
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]ssm.DocumentRequires, len(in))
	for i, r := range in {
		out[i] = ssm.DocumentRequires(r)
	}
	return out, nil
}

// GetDocument implements ssm.DocumentStore.
func (db *DB) GetDocument(ctx context.Context, name string) (*ssm.DocumentInfo, error) {
	info, err := scanDocumentInfo(db.QueryRow(ctx, `SELECT `+documentCols+` FROM documents d WHERE d.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrDocumentNotFound
	}
	return info, err
}

// docVersionQuery selects one version of name by number and/or version name.
func docVersionQuery(name string, version int, versionName string) (string, []any) {
	query := `SELECT ` + docVersionCols + ` FROM document_versions v WHERE v.name = ?`
	args := []any{name}
	if version != 0 {
		query += ` AND v.version = ?`
		args = append(args, version)
	}
	if versionName != "" {
		query += ` AND v.version_name = ?`
		args = append(args, versionName)
	}
	return query, args
}

// GetDocumentVersion implements ssm.DocumentStore.
func (db *DB) GetDocumentVersion(ctx context.Context, name string, version int, versionName string) (*ssm.DocumentVersion, error) {
	if version == 0 && versionName == "" {
		return nil, errors.New("sqlstore: GetDocumentVersion needs a version or a version name")
	}
	query, args := docVersionQuery(name, version, versionName)
	v, err := scanDocVersion(db.QueryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		err = db.QueryRow(ctx, `SELECT 1 FROM documents WHERE name = ?`, name).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ssm.ErrDocumentNotFound
		}
		if err != nil {
			return nil, err
		}
		return nil, ssm.ErrDocumentVersionNotFound
	}
	return v, err
}

// DocumentTags implements ssm.DocumentStore.
func (db *DB) DocumentTags(ctx context.Context, name string) ([]ssm.Tag, error) {
	return listTags(ctx, db.read, db, ssm.ResourceDocument, name)
}

// docListPos is the position encoded in ListDocuments' NextToken.
type docListPos struct {
	After string `json:"n"`
}

// ListDocuments implements ssm.DocumentStore: one query for the page (each
// document joined to its default version) and one for the page's tags.
func (db *DB) ListDocuments(ctx context.Context, q ssm.DocumentQuery) ([]*ssm.DocumentDescription, string, error) {
	var pos docListPos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.After == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	where := []string{"1 = 1"}
	var args []any
	if q.Owner != "" {
		where = append(where, `d.owner = ?`)
		args = append(args, q.Owner)
	}
	if pos.After != "" {
		where = append(where, `d.name > ?`)
		args = append(args, pos.After)
	}
	for _, c := range q.Conditions {
		cond, a := db.documentCondition(c)
		where = append(where, cond)
		args = append(args, a...)
	}
	limit := max(q.Limit, 1)
	args = append(args, limit+1)
	rows, err := db.Query(ctx, `SELECT `+documentListCols+`, `+docVersionSummaryCols+`
		FROM documents d JOIN document_versions v ON v.name = d.name AND v.version = d.default_version
		WHERE `+strings.Join(where, " AND ")+` ORDER BY d.name LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ssm.DocumentDescription
	for rows.Next() {
		var r docVersionRow
		info, err := scanDocumentInfo(rows, r.dest()...)
		if err != nil {
			return nil, "", err
		}
		v, err := r.version()
		if err != nil {
			return nil, "", err
		}
		out = append(out, &ssm.DocumentDescription{Document: *info, Version: *v, Tags: []ssm.Tag{}})
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	out, next := page(out, limit, func(last *ssm.DocumentDescription) any { return docListPos{After: last.Document.Name} })
	if err := db.fillDocumentTags(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// documentCondition translates one condition into SQL on d (documents) and
// v (the default version). Text tests are byte comparisons and ranges, never
// LIKE, whose case rules differ between SQLite and PostgreSQL.
func (db *DB) documentCondition(c ssm.DocumentCondition) (string, []any) {
	var conds []string
	var args []any
	in := func(col string) {
		conds = append(conds, col+` IN (`+marks(len(c.Values))+`)`)
		for _, v := range c.Values {
			args = append(args, v)
		}
	}
	switch c.Field {
	case ssm.DocumentNamePrefix:
		for _, v := range c.Values {
			if v == "" {
				return "1 = 1", nil
			}
			conds = append(conds, `(d.name >= ? AND d.name < ?)`)
			args = append(args, v, prefixEnd(v))
		}
	case ssm.DocumentTypeIs:
		in("d.document_type")
	case ssm.DocumentSchemaVersionIs:
		in("v.schema_version")
	case ssm.DocumentTargetTypeIs:
		in("v.target_type")
	case ssm.DocumentPlatform:
		conds = append(conds, `(v.platforms & ?) <> 0`)
		args = append(args, platformMask(c.Values))
	case ssm.DocumentKeyword:
		fn := "instr(lower(d.name), ?) > 0"
		if db.dialect.Name == "postgres" {
			fn = "strpos(lower(d.name), ?) > 0"
		}
		for _, v := range c.Values {
			conds = append(conds, fn)
			args = append(args, strings.ToLower(v))
		}
	case ssm.DocumentTag:
		cond := `EXISTS (SELECT 1 FROM tags t WHERE t.resource_type = ? AND t.resource_id = d.name AND t.tag_key = ?`
		args = append(args, ssm.ResourceDocument, c.TagKey)
		if len(c.Values) > 0 {
			cond += ` AND t.tag_value IN (` + marks(len(c.Values)) + `)`
			for _, v := range c.Values {
				args = append(args, v)
			}
		}
		return cond + `)`, args
	default:
		return "1 = 0", nil
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// fillDocumentTags reads the tags of the listed documents in one query.
func (db *DB) fillDocumentTags(ctx context.Context, docs []*ssm.DocumentDescription) error {
	if len(docs) == 0 {
		return nil
	}
	byName := make(map[string]*ssm.DocumentDescription, len(docs))
	args := []any{ssm.ResourceDocument}
	for _, d := range docs {
		byName[d.Document.Name] = d
		args = append(args, d.Document.Name)
	}
	rows, err := db.Query(ctx, `SELECT resource_id, tag_key, tag_value FROM tags
		WHERE resource_type = ? AND resource_id IN (`+marks(len(docs))+`) ORDER BY resource_id, tag_key`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var t ssm.Tag
		if err := rows.Scan(&id, &t.Key, &t.Value); err != nil {
			return err
		}
		if d := byName[id]; d != nil {
			d.Tags = append(d.Tags, t)
		}
	}
	return rows.Err()
}

// docVersionPos is the position encoded in ListDocumentVersions' NextToken.
type docVersionPos struct {
	After int `json:"v"`
}

// ListDocumentVersions implements ssm.DocumentStore.
func (db *DB) ListDocumentVersions(ctx context.Context, name, token string, limit int) ([]*ssm.DocumentVersion, string, error) {
	var pos docVersionPos
	if token != "" && (!DecodeToken(token, &pos) || pos.After < 1) {
		return nil, "", ssm.ErrInvalidNextToken
	}
	var one int
	err := db.QueryRow(ctx, `SELECT 1 FROM documents WHERE name = ?`, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ssm.ErrDocumentNotFound
	}
	if err != nil {
		return nil, "", err
	}
	limit = max(limit, 1)
	rows, err := db.Query(ctx, `SELECT `+docVersionSummaryCols+` FROM document_versions v
		WHERE v.name = ? AND v.version > ? ORDER BY v.version LIMIT ?`, name, pos.After, limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*ssm.DocumentVersion, error) { return scanDocVersion(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *ssm.DocumentVersion) any { return docVersionPos{After: last.Version} })
	return out, next, nil
}

// WriteDocument implements ssm.DocumentStore. Writers of one document are
// serialized by the database (SQLite's single writer; a row lock on
// PostgreSQL, taken by DocumentTx.Document). Two creators racing for a new
// name collide on the primary key: the loser's CreateDocument returns
// ssm.ErrDocumentExists.
func (db *DB) WriteDocument(ctx context.Context, name string, fn func(ssm.DocumentTx) error) error {
	return db.InTx(ctx, func(tx *Tx) error { return fn(&docTx{tx: tx, name: name}) })
}

// docTx implements ssm.DocumentTx.
type docTx struct {
	tx   *Tx
	name string
}

func (t *docTx) Document(ctx context.Context) (*ssm.DocumentInfo, error) {
	info, err := scanDocumentInfo(t.tx.QueryRow(ctx, `SELECT `+documentListCols+` FROM documents d WHERE d.name = ?`+
		t.tx.db.forUpdate(), t.name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Counted once the row is locked: on PostgreSQL a statement that waited
	// for the lock still reads with the snapshot it started with.
	err = t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM document_versions WHERE name = ?`, t.name).Scan(&info.VersionCount)
	return info, err
}

func (t *docTx) Version(ctx context.Context, version int, versionName string) (*ssm.DocumentVersion, error) {
	if version == 0 && versionName == "" {
		return nil, errors.New("sqlstore: DocumentTx.Version needs a version or a version name")
	}
	query, args := docVersionQuery(t.name, version, versionName)
	v, err := scanDocVersion(t.tx.QueryRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (t *docTx) CountDocuments(ctx context.Context, owner string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM documents WHERE owner = ?`, owner).Scan(&n)
	return n, err
}

func (t *docTx) CreateDocument(ctx context.Context, info *ssm.DocumentInfo, v *ssm.DocumentVersion, tags []ssm.Tag) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO documents
		(name, owner, document_type, created_at, default_version, latest_version, max_version)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.name, info.Owner, info.Type, Millis(info.CreatedDate), v.Version, v.Version, v.Version)
	if err != nil {
		if t.tx.db.dialect.IsUniqueViolation != nil && t.tx.db.dialect.IsUniqueViolation(err) {
			return ssm.ErrDocumentExists
		}
		return err
	}
	if err := t.insertVersion(ctx, v); err != nil {
		return err
	}
	return t.tx.PutTags(ctx, ssm.ResourceDocument, t.name, tags)
}

func (t *docTx) insertVersion(ctx context.Context, v *ssm.DocumentVersion) error {
	params, err := encodeDocParams(v.Parameters)
	if err != nil {
		return err
	}
	requires, err := encodeDocRequires(v.Requires)
	if err != nil {
		return err
	}
	versionName := sql.NullString{String: v.VersionName, Valid: v.VersionName != ""}
	_, err = t.tx.Exec(ctx, `INSERT INTO document_versions
		(name, version, version_name, display_name, content, format, hash, schema_version, description,
		 parameters, platforms, target_type, requires, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.name, v.Version, versionName, v.DisplayName, v.Content, string(v.Format), v.Hash, v.SchemaVersion,
		v.Description, params, platformMask(v.PlatformTypes), v.TargetType, requires, Millis(v.CreatedDate))
	return err
}

func (t *docTx) PutVersion(ctx context.Context, v *ssm.DocumentVersion) error {
	if err := t.insertVersion(ctx, v); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `UPDATE documents SET latest_version = ?, max_version = ? WHERE name = ?`,
		v.Version, v.Version, t.name)
	return err
}

func (t *docTx) SetDefaultVersion(ctx context.Context, version int) error {
	_, err := t.tx.Exec(ctx, `UPDATE documents SET default_version = ? WHERE name = ?`, version, t.name)
	return err
}

func (t *docTx) DeleteVersion(ctx context.Context, version int) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM document_versions WHERE name = ? AND version = ?`, t.name, version); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `UPDATE documents SET latest_version =
		(SELECT MAX(version) FROM document_versions WHERE name = ?) WHERE name = ?`, t.name, t.name)
	return err
}

func (t *docTx) DeleteDocument(ctx context.Context) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM document_versions WHERE name = ?`, t.name); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM documents WHERE name = ?`, t.name); err != nil {
		return err
	}
	return t.tx.DeleteTags(ctx, ssm.ResourceDocument, t.name)
}
