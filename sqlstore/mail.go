package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/stewardhq/steward/mail"
)

// The mail catcher's store: table caught_mail (migrations 0008_mail.sql).

var _ mail.Store = (*DB)(nil)

const caughtMailCols = `seq, id, caught_at, message_id, mail_from, mail_to, subject, size`

// caughtMailPos is the position encoded in a ListCaughtMail token.
type caughtMailPos struct {
	Seq int64 `json:"s"`
}

// caughtRow is a listed mail with its sequence number.
type caughtRow struct {
	seq int64
	m   *mail.Caught
}

func scanCaughtMail(s interface{ Scan(...any) error }, extra ...any) (caughtRow, error) {
	var r caughtRow
	var m mail.Caught
	var at int64
	var to string
	var subject []byte
	if err := s.Scan(append([]any{&r.seq, &m.ID, &at, &m.MessageID, &m.From, &to, &subject, &m.Size}, extra...)...); err != nil {
		return r, err
	}
	m.Time = FromMillis(at)
	m.Subject = string(subject)
	if err := json.Unmarshal([]byte(to), &m.To); err != nil {
		return r, err
	}
	r.m = &m
	return r, nil
}

// PutCaughtMail implements mail.Store.
func (db *DB) PutCaughtMail(ctx context.Context, m *mail.Caught, keep int) error {
	to, err := json.Marshal(m.To)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO caught_mail (id, caught_at, message_id, mail_from, mail_to, subject, size, body, raw)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, Millis(m.Time), m.MessageID, m.From, string(to), nonNilBytes([]byte(m.Subject)), m.Size, nonNilBytes([]byte(m.Text)), nonNilBytes(m.Raw)); err != nil {
			return err
		}
		// Everything at or below the (keep+1)-th newest goes; with fewer
		// rows the subquery is NULL and nothing matches.
		_, err := tx.Exec(ctx, `DELETE FROM caught_mail WHERE seq <=
			(SELECT seq FROM caught_mail ORDER BY seq DESC LIMIT 1 OFFSET ?)`, keep)
		return err
	})
}

// ListCaughtMail implements mail.Store.
func (db *DB) ListCaughtMail(ctx context.Context, token string, limit int) ([]*mail.Caught, string, error) {
	var pos caughtMailPos
	if token != "" && (!DecodeToken(token, &pos) || pos.Seq <= 0) {
		return nil, "", mail.ErrInvalidNextToken
	}
	limit = max(limit, 1)
	var rows *sql.Rows
	var err error
	if pos.Seq > 0 {
		rows, err = db.Query(ctx, `SELECT `+caughtMailCols+` FROM caught_mail WHERE seq < ? ORDER BY seq DESC LIMIT ?`, pos.Seq, limit+1)
	} else {
		rows, err = db.Query(ctx, `SELECT `+caughtMailCols+` FROM caught_mail ORDER BY seq DESC LIMIT ?`, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	got, err := scanRows(rows, func(r *sql.Rows) (caughtRow, error) { return scanCaughtMail(r) })
	if err != nil {
		return nil, "", err
	}
	got, next := page(got, limit, func(last caughtRow) any { return caughtMailPos{Seq: last.seq} })
	out := make([]*mail.Caught, len(got))
	for i, r := range got {
		out[i] = r.m
	}
	return out, next, nil
}

// GetCaughtMail implements mail.Store.
func (db *DB) GetCaughtMail(ctx context.Context, id string) (*mail.Caught, error) {
	var body, raw []byte
	r, err := scanCaughtMail(db.QueryRow(ctx, `SELECT `+caughtMailCols+`, body, raw FROM caught_mail WHERE id = ?`, id), &body, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, mail.ErrMailNotFound
	}
	if err != nil {
		return nil, err
	}
	r.m.Text, r.m.Raw = string(body), raw
	if r.m.Raw == nil {
		r.m.Raw = []byte{}
	}
	return r.m, nil
}

// nonNilBytes keeps an empty value from becoming NULL (drivers bind nil []byte
// as NULL).
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
