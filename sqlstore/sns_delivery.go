package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward/sns"
)

// SNS delivery work: tables sns_messages, sns_deliveries, sns_dedup and
// sns_signing_keys (0007_sns.sql). A delivery row is claimable when due and
// not leased; claiming leases it (PostgreSQL replicas skip rows another one
// is claiming: FOR UPDATE SKIP LOCKED). Finished rows are deleted with the
// messages no row needs any more.

// attrJSON is the stored form of a message attribute.
type attrJSON struct {
	N string `json:"n"`
	T string `json:"t"`
	S string `json:"s,omitempty"`
	B []byte `json:"b,omitempty"`
}

func messageAttrsJSON(attrs []sns.MessageAttribute) string {
	if len(attrs) == 0 {
		return "[]"
	}
	out := make([]attrJSON, len(attrs))
	for i, a := range attrs {
		out[i] = attrJSON{a.Name, a.DataType, a.StringValue, a.BinaryValue}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func messageAttrsFrom(s string) ([]sns.MessageAttribute, error) {
	var in []attrJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]sns.MessageAttribute, len(in))
	for i, a := range in {
		out[i] = sns.MessageAttribute{Name: a.N, DataType: a.T, StringValue: a.S, BinaryValue: a.B}
	}
	return out, nil
}

// Deduplicate implements sns.Tx. The topic row is locked by NextSequence
// first, so concurrent publishers of one FIFO topic are serialized.
func (t *snsTx) Deduplicate(ctx context.Context, topicARN, dedupID, messageID, seq string, expires, now time.Time) (string, string, error) {
	var id, s string
	var exp int64
	err := t.tx.QueryRow(ctx, `SELECT message_id, seq, expires_at FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ?`, topicARN, dedupID).Scan(&id, &s, &exp)
	switch {
	case err == nil && exp > Millis(now):
		return id, s, nil
	case err == nil:
		if _, err := t.tx.Exec(ctx, `DELETE FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ?`, topicARN, dedupID); err != nil {
			return "", "", err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return "", "", err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO sns_dedup (topic_arn, dedup_id, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?)`,
		topicARN, dedupID, messageID, seq, Millis(expires))
	return "", "", err
}

const (
	insertSNSMessageSQL = `INSERT INTO sns_messages (id, topic_arn, subject, body, structure, attributes, group_id, dedup_id, seq, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertSNSDeliverySQL = `INSERT INTO sns_deliveries (kind, subscription_arn, message_id, attempts, due_at, lease_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`
	finishSNSDeliverySQL = `DELETE FROM sns_deliveries WHERE id = ? RETURNING message_id, kind`
	dropSNSMessageSQL    = `DELETE FROM sns_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sns_deliveries d WHERE d.message_id = ?)`
)

// AddDeliveries implements sns.Tx.
func (t *snsTx) AddDeliveries(ctx context.Context, m *sns.MessageRecord, ds []*sns.Delivery, leaseUntil time.Time) error {
	if m != nil {
		if _, err := t.s.exec(ctx, t.tx, insertSNSMessageSQL,
			m.ID, m.TopicARN, m.Subject, m.Body, m.Structure, messageAttrsJSON(m.Attributes), m.GroupID, m.DeduplicationID,
			m.SequenceNumber, Millis(m.PublishedAt)); err != nil {
			return err
		}
	}
	lease := Millis(leaseUntil)
	for _, d := range ds {
		if err := t.s.queryRow(ctx, t.tx, insertSNSDeliverySQL,
			d.Kind, d.SubscriptionARN, d.MessageID, d.Attempts, Millis(d.DueAt), lease, Millis(d.CreatedAt)).Scan(&d.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *SNSStore) skipLocked() string {
	if s.db.dialect.Name == "postgres" {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ClaimDeliveries implements sns.Store.
func (s *SNSStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*sns.Delivery, error) {
	var out []*sns.Delivery
	err := s.db.InTx(ctx, func(tx *Tx) error {
		out = nil
		n := Millis(now)
		rows, err := tx.Query(ctx, `UPDATE sns_deliveries SET lease_until = ?
			WHERE id IN (SELECT id FROM sns_deliveries WHERE due_at <= ? AND lease_until <= ? ORDER BY due_at, id LIMIT ?`+s.skipLocked()+`)
			AND due_at <= ? AND lease_until <= ?
			RETURNING id, kind, subscription_arn, message_id, attempts, due_at, created_at`,
			Millis(leaseUntil), n, n, limit, n, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*sns.Delivery, error) {
			var d sns.Delivery
			var due, created int64
			if err := r.Scan(&d.ID, &d.Kind, &d.SubscriptionARN, &d.MessageID, &d.Attempts, &due, &created); err != nil {
				return nil, err
			}
			d.DueAt, d.CreatedAt = FromMillis(due), FromMillis(created)
			return &d, nil
		})
		if err != nil {
			return err
		}
		var ids []any
		for _, d := range out {
			if d.Kind == sns.TypeNotification {
				ids = append(ids, d.MessageID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		msgs := map[string]*sns.MessageRecord{}
		rows, err = tx.Query(ctx, `SELECT id, topic_arn, subject, body, structure, attributes, group_id, dedup_id, seq, published_at
			FROM sns_messages WHERE id IN (`+placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return err
		}
		if _, err := scanRows(rows, func(r *sql.Rows) (struct{}, error) {
			var m sns.MessageRecord
			var attrs string
			var published int64
			if err := r.Scan(&m.ID, &m.TopicARN, &m.Subject, &m.Body, &m.Structure, &attrs, &m.GroupID, &m.DeduplicationID,
				&m.SequenceNumber, &published); err != nil {
				return struct{}{}, err
			}
			m.PublishedAt = FromMillis(published)
			var err error
			if m.Attributes, err = messageAttrsFrom(attrs); err != nil {
				return struct{}{}, err
			}
			msgs[m.ID] = &m
			return struct{}{}, nil
		}); err != nil {
			return err
		}
		for _, d := range out {
			if d.Kind == sns.TypeNotification {
				d.Message = msgs[d.MessageID]
			}
		}
		return nil
	})
	return out, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// FinishDeliveries implements sns.Store.
func (s *SNSStore) FinishDeliveries(ctx context.Context, ids []int64) error {
	s.prepare(ctx)
	return s.db.InTx(ctx, func(tx *Tx) error {
		msgs := map[string]bool{}
		for _, id := range ids {
			var msg, kind string
			err := s.queryRow(ctx, tx, finishSNSDeliverySQL, id).Scan(&msg, &kind)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if kind == sns.TypeNotification {
				msgs[msg] = true
			}
		}
		for msg := range msgs {
			if _, err := s.exec(ctx, tx, dropSNSMessageSQL, msg, msg); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetryDelivery implements sns.Store.
func (s *SNSStore) RetryDelivery(ctx context.Context, id int64, attempts int, due time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE sns_deliveries SET attempts = ?, due_at = ?, lease_until = 0 WHERE id = ?`, attempts, Millis(due), id)
	return err
}

// ReleaseLeases implements sns.Store.
func (s *SNSStore) ReleaseLeases(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `UPDATE sns_deliveries SET lease_until = 0 WHERE lease_until > 0`)
	return err
}

// Purge implements sns.Store.
func (s *SNSStore) Purge(ctx context.Context, before, now time.Time) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sns_subscriptions WHERE state IN ('pending', 'deleted') AND state_at < ?`, Millis(before)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sns_dedup WHERE expires_at <= ?`, Millis(now)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sns_messages WHERE NOT EXISTS (SELECT 1 FROM sns_deliveries d WHERE d.message_id = sns_messages.id)`)
		return err
	})
}

// SigningKey implements sns.Store.
func (s *SNSStore) SigningKey(ctx context.Context) (*sns.SigningKey, error) {
	var k sns.SigningKey
	var cert string
	var created int64
	err := s.db.QueryRow(ctx, `SELECT id, key_sealed, cert_pem, created_at FROM sns_signing_keys ORDER BY created_at, id LIMIT 1`).
		Scan(&k.ID, &k.KeySealed, &cert, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sns.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	k.CertPEM, k.CreatedAt = []byte(cert), FromMillis(created)
	return &k, nil
}

// EnsureSigningKey implements sns.Store: k is stored unless a key exists
// (another replica won the race); the stored key is returned.
func (s *SNSStore) EnsureSigningKey(ctx context.Context, k *sns.SigningKey) (*sns.SigningKey, error) {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sns_signing_keys`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO sns_signing_keys (id, key_sealed, cert_pem, created_at) VALUES (?, ?, ?, ?)`,
			k.ID, k.KeySealed, string(k.CertPEM), Millis(k.CreatedAt))
		return err
	})
	if err != nil && !(s.db.dialect.IsUniqueViolation != nil && s.db.dialect.IsUniqueViolation(err)) {
		return nil, err
	}
	return s.SigningKey(ctx)
}
