package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"

	"github.com/stewardhq/steward/sns"
)

// SNS: tables sns_topics, sns_topic_tags, sns_subscriptions (migrations
// 0007_sns.sql); the message, delivery, deduplication and signing-key
// tables are in sns_delivery.go. Attribute maps are JSON objects in the row.

// SNSStore implements sns.Store.
type SNSStore struct {
	db *DB

	prepOnce sync.Once
	hot      map[string]*sql.Stmt // SQLite: the publish and delivery statements, prepared once
}

var _ sns.Store = (*SNSStore)(nil)

// NewSNSStore returns the SNS store on db.
func NewSNSStore(db *DB) *SNSStore { return &SNSStore{db: db} }

func attrsJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func attrsFrom(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

const snsTopicCols = `arn, name, fifo, attributes, created_at`

func scanSNSTopic(s interface{ Scan(...any) error }) (*sns.TopicRecord, error) {
	var t sns.TopicRecord
	var fifo int
	var attrs string
	var created int64
	if err := s.Scan(&t.ARN, &t.Name, &fifo, &attrs, &created); err != nil {
		return nil, err
	}
	t.Fifo, t.CreatedAt = fifo == 1, FromMillis(created)
	var err error
	if t.Attributes, err = attrsFrom(attrs); err != nil {
		return nil, err
	}
	return &t, nil
}

const snsSubCols = `arn, topic_arn, protocol, endpoint, owner, state, token, unsubscribe_token,
	confirmation_authenticated, authenticate_on_unsubscribe, attributes, created_at, state_at`

func scanSNSSub(s interface{ Scan(...any) error }) (*sns.SubscriptionRecord, error) {
	var r sns.SubscriptionRecord
	var ca, aou int
	var attrs string
	var created, stateAt int64
	if err := s.Scan(&r.ARN, &r.TopicARN, &r.Protocol, &r.Endpoint, &r.Owner, &r.State, &r.Token, &r.UnsubscribeToken,
		&ca, &aou, &attrs, &created, &stateAt); err != nil {
		return nil, err
	}
	r.ConfirmationAuthenticated, r.AuthenticateOnUnsubscribe = ca == 1, aou == 1
	r.CreatedAt, r.StateAt = FromMillis(created), FromMillis(stateAt)
	var err error
	if r.Attributes, err = attrsFrom(attrs); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetTopic implements sns.Store.
func (s *SNSStore) GetTopic(ctx context.Context, arn string) (*sns.TopicRecord, error) {
	t, err := scanSNSTopic(s.db.QueryRow(ctx, `SELECT `+snsTopicCols+` FROM sns_topics WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sns.ErrNotFound
	}
	return t, err
}

// ListTopics implements sns.Store.
func (s *SNSStore) ListTopics(ctx context.Context, token string, limit int) ([]string, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", sns.ErrInvalidToken
	}
	rows, err := s.db.Query(ctx, `SELECT arn FROM sns_topics WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	arns, err := scanRows(rows, func(r *sql.Rows) (string, error) {
		var a string
		return a, r.Scan(&a)
	})
	if err != nil {
		return nil, "", err
	}
	arns, next := page(arns, limit, func(last string) any { return last })
	return arns, next, nil
}

// TopicTags implements sns.Store.
func (s *SNSStore) TopicTags(ctx context.Context, arn string) ([]sns.Tag, error) {
	return snsTags(ctx, s.db.read, s.db, arn)
}

func snsTags(ctx context.Context, q querier, db *DB, arn string) ([]sns.Tag, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT tag_key, tag_value FROM sns_topic_tags WHERE topic_arn = ? ORDER BY tag_key`), arn)
	if err != nil {
		return nil, err
	}
	tags, err := scanRows(rows, func(r *sql.Rows) (sns.Tag, error) {
		var t sns.Tag
		return t, r.Scan(&t.Key, &t.Value)
	})
	if tags == nil && err == nil {
		tags = []sns.Tag{}
	}
	return tags, err
}

// SubscriptionCounts implements sns.Store.
func (s *SNSStore) SubscriptionCounts(ctx context.Context, topicARN string) (sns.SubscriptionCounts, error) {
	var c sns.SubscriptionCounts
	rows, err := s.db.Query(ctx, `SELECT state, COUNT(*) FROM sns_subscriptions WHERE topic_arn = ? GROUP BY state`, topicARN)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, err
		}
		switch state {
		case sns.StateConfirmed:
			c.Confirmed = n
		case sns.StatePending:
			c.Pending = n
		case sns.StateDeleted:
			c.Deleted = n
		}
	}
	return c, rows.Err()
}

// GetSubscription implements sns.Store.
func (s *SNSStore) GetSubscription(ctx context.Context, arn string) (*sns.SubscriptionRecord, error) {
	r, err := scanSNSSub(s.db.QueryRow(ctx, `SELECT `+snsSubCols+` FROM sns_subscriptions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sns.ErrNotFound
	}
	return r, err
}

// ListSubscriptions implements sns.Store.
func (s *SNSStore) ListSubscriptions(ctx context.Context, topicARN, token string, limit int) ([]*sns.SubscriptionRecord, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", sns.ErrInvalidToken
	}
	var rows *sql.Rows
	var err error
	if topicARN == "" {
		rows, err = s.db.Query(ctx, `SELECT `+snsSubCols+` FROM sns_subscriptions
			WHERE state <> 'deleted' AND arn > ? ORDER BY arn LIMIT ?`, after, limit+1)
	} else {
		rows, err = s.db.Query(ctx, `SELECT `+snsSubCols+` FROM sns_subscriptions
			WHERE topic_arn = ? AND state <> 'deleted' AND arn > ? ORDER BY arn LIMIT ?`, topicARN, after, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	subs, err := scanRows(rows, func(r *sql.Rows) (*sns.SubscriptionRecord, error) { return scanSNSSub(r) })
	if err != nil {
		return nil, "", err
	}
	subs, next := page(subs, limit, func(last *sns.SubscriptionRecord) any { return last.ARN })
	return subs, next, nil
}

// Subscriptions implements sns.Store.
func (s *SNSStore) Subscriptions(ctx context.Context, topicARN string) ([]*sns.SubscriptionRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT `+snsSubCols+` FROM sns_subscriptions WHERE topic_arn = ? AND state = 'confirmed' ORDER BY arn`, topicARN)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*sns.SubscriptionRecord, error) { return scanSNSSub(r) })
}

// Update implements sns.Store.
func (s *SNSStore) Update(ctx context.Context, fn func(sns.Tx) error) error {
	s.prepare(ctx)
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(&snsTx{tx: tx, s: s}) })
}

// snsHot are the statements of every publish and delivery. On SQLite
// parsing them costs more than running them, so they are prepared once on
// the write connection (outside any transaction: that pool has one
// connection) and bound to each transaction.
var snsHot = []string{
	insertSNSMessageSQL, insertSNSDeliverySQL, finishSNSDeliverySQL, dropSNSMessageSQL,
}

func (s *SNSStore) prepare(ctx context.Context) {
	s.prepOnce.Do(func() {
		if s.db.dialect.Name != "sqlite" {
			return
		}
		m := map[string]*sql.Stmt{}
		for _, q := range snsHot {
			st, err := s.db.write.PrepareContext(context.WithoutCancel(ctx), s.db.q(q))
			if err != nil {
				return // unprepared statements still work
			}
			m[q] = st
			// DB.Close closes the cached statements.
			s.db.stmts.Store("\x00sns\x00"+q, st)
		}
		s.hot = m
	})
}

// exec runs a statement in tx, prepared when it is hot.
func (s *SNSStore) exec(ctx context.Context, tx *Tx, query string, args ...any) (sql.Result, error) {
	if st := s.hot[query]; st != nil {
		return tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.Exec(ctx, query, args...)
}

func (s *SNSStore) queryRow(ctx context.Context, tx *Tx, query string, args ...any) *sql.Row {
	if st := s.hot[query]; st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRow(ctx, query, args...)
}

// snsTx implements sns.Tx.
type snsTx struct {
	tx *Tx
	s  *SNSStore
}

func (t *snsTx) Topic(ctx context.Context, arn string) (*sns.TopicRecord, error) {
	r, err := scanSNSTopic(t.tx.QueryRow(ctx, `SELECT `+snsTopicCols+` FROM sns_topics WHERE arn = ?`+t.tx.db.forUpdate(), arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

func (t *snsTx) InsertTopic(ctx context.Context, r *sns.TopicRecord, tags []sns.Tag) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO sns_topics (arn, name, fifo, attributes, seq, created_at) VALUES (?, ?, ?, ?, 0, ?)`,
		r.ARN, r.Name, Bool(r.Fifo), attrsJSON(r.Attributes), Millis(r.CreatedAt)); err != nil {
		return err
	}
	return t.SetTags(ctx, r.ARN, tags)
}

func (t *snsTx) UpdateTopic(ctx context.Context, r *sns.TopicRecord) error {
	_, err := t.tx.Exec(ctx, `UPDATE sns_topics SET attributes = ? WHERE arn = ?`, attrsJSON(r.Attributes), r.ARN)
	return err
}

func (t *snsTx) DeleteTopic(ctx context.Context, arn string) error {
	for _, q := range []string{
		`DELETE FROM sns_topic_tags WHERE topic_arn = ?`,
		`DELETE FROM sns_subscriptions WHERE topic_arn = ?`,
		`DELETE FROM sns_dedup WHERE topic_arn = ?`,
		`DELETE FROM sns_topics WHERE arn = ?`,
	} {
		if _, err := t.tx.Exec(ctx, q, arn); err != nil {
			return err
		}
	}
	return nil
}

func (t *snsTx) Tags(ctx context.Context, arn string) ([]sns.Tag, error) {
	return snsTags(ctx, t.tx.tx, t.tx.db, arn)
}

func (t *snsTx) SetTags(ctx context.Context, arn string, tags []sns.Tag) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM sns_topic_tags WHERE topic_arn = ?`, arn); err != nil {
		return err
	}
	for _, tag := range tags {
		if _, err := t.tx.Exec(ctx, `INSERT INTO sns_topic_tags (topic_arn, tag_key, tag_value) VALUES (?, ?, ?)`, arn, tag.Key, tag.Value); err != nil {
			return err
		}
	}
	return nil
}

func (t *snsTx) sub(ctx context.Context, where string, args ...any) (*sns.SubscriptionRecord, error) {
	r, err := scanSNSSub(t.tx.QueryRow(ctx, `SELECT `+snsSubCols+` FROM sns_subscriptions WHERE `+where+t.tx.db.forUpdate(), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

func (t *snsTx) Subscription(ctx context.Context, arn string) (*sns.SubscriptionRecord, error) {
	return t.sub(ctx, `arn = ?`, arn)
}

func (t *snsTx) FindSubscription(ctx context.Context, topicARN, protocol, endpoint string) (*sns.SubscriptionRecord, error) {
	return t.sub(ctx, `topic_arn = ? AND protocol = ? AND endpoint = ? AND state <> 'deleted' ORDER BY arn LIMIT 1`, topicARN, protocol, endpoint)
}

func (t *snsTx) SubscriptionByToken(ctx context.Context, token string) (*sns.SubscriptionRecord, error) {
	return t.sub(ctx, `token = ? ORDER BY arn LIMIT 1`, token)
}

func (t *snsTx) PutSubscription(ctx context.Context, r *sns.SubscriptionRecord) error {
	args := []any{r.TopicARN, r.Protocol, r.Endpoint, r.Owner, r.State, r.Token, r.UnsubscribeToken,
		Bool(r.ConfirmationAuthenticated), Bool(r.AuthenticateOnUnsubscribe), attrsJSON(r.Attributes),
		Bool(r.Attributes[sns.AttrFilterPolicy] != ""), Millis(r.CreatedAt), Millis(r.StateAt), r.ARN}
	res, err := t.tx.Exec(ctx, `UPDATE sns_subscriptions SET topic_arn = ?, protocol = ?, endpoint = ?, owner = ?, state = ?, token = ?,
		unsubscribe_token = ?, confirmation_authenticated = ?, authenticate_on_unsubscribe = ?, attributes = ?, has_filter = ?,
		created_at = ?, state_at = ? WHERE arn = ?`, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO sns_subscriptions (topic_arn, protocol, endpoint, owner, state, token, unsubscribe_token,
		confirmation_authenticated, authenticate_on_unsubscribe, attributes, has_filter, created_at, state_at, arn)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return err
}

func (t *snsTx) CountFilterPolicies(ctx context.Context, topicARN, except string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM sns_subscriptions WHERE topic_arn = ? AND state <> 'deleted' AND has_filter = 1 AND arn <> ?`,
		topicARN, except).Scan(&n)
	return n, err
}

func (t *snsTx) NextSequence(ctx context.Context, topicARN string) (int64, error) {
	var n int64
	err := t.tx.QueryRow(ctx, `UPDATE sns_topics SET seq = seq + 1 WHERE arn = ? RETURNING seq`, topicARN).Scan(&n)
	return n, err
}
