package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward/sqs"
)

// SQS tables: sqs_queues, sqs_queue_tags, sqs_messages, sqs_dedup. See
// migrations 0006_sqs.sql.

// SQSStore is the SQS store on a DB. Its message transactions are group
// committed (sqs_commit.go), so make one per database and share it.
type SQSStore struct {
	db *DB

	prepOnce sync.Once
	group    sqsGroupCommit
}

var _ sqs.QueueStore = (*SQSStore)(nil)

// NewSQSStore returns the SQS store on db.
func NewSQSStore(db *DB) *SQSStore {
	return &SQSStore{db: db}
}

const sqsQueueCols = `id, name, attributes, dead_letter_target, created_at, modified_at, purged_at`

func sqsScanQueue(s interface{ Scan(...any) error }) (*sqs.QueueRecord, error) {
	var r sqs.QueueRecord
	var attrs string
	var created, modified, purged int64
	if err := s.Scan(&r.ID, &r.Name, &attrs, &r.DeadLetterTarget, &created, &modified, &purged); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
		return nil, fmt.Errorf("queue %s: attributes: %w", r.Name, err)
	}
	if r.Attributes == nil {
		r.Attributes = map[string]string{}
	}
	r.CreatedAt, r.ModifiedAt, r.PurgedAt = FromMillis(created), FromMillis(modified), FromMillis(purged)
	return &r, nil
}

func sqsAttrsJSON(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // map[string]string always marshals, keys sorted
	return string(b)
}

// CreateQueue implements sqs.QueueStore.
func (s *SQSStore) CreateQueue(ctx context.Context, rec *sqs.QueueRecord, tags map[string]string) (*sqs.QueueRecord, error) {
	var existing *sqs.QueueRecord
	err := s.db.InTx(ctx, func(tx *Tx) error {
		existing = nil
		r, err := sqsScanQueue(tx.QueryRow(ctx, `SELECT `+sqsQueueCols+` FROM sqs_queues WHERE name = ?`, rec.Name))
		if err == nil {
			existing = r
			return sqs.ErrQueueExists
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sqs_queues (id, name, attributes, dead_letter_target, created_at, modified_at, purged_at, fifo_seq)
			VALUES (?, ?, ?, ?, ?, ?, 0, 0)`,
			rec.ID, rec.Name, sqsAttrsJSON(rec.Attributes), rec.DeadLetterTarget, Millis(rec.CreatedAt), Millis(rec.ModifiedAt))
		if err != nil {
			return err
		}
		for k, v := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO sqs_queue_tags (queue_id, tag_key, tag_value) VALUES (?, ?, ?)`, rec.ID, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && s.db.dialect.IsUniqueViolation != nil && s.db.dialect.IsUniqueViolation(err) {
		// Lost a race with another creator: report the winner.
		r, gerr := s.GetQueue(ctx, rec.Name)
		if gerr != nil {
			return nil, gerr
		}
		return r, sqs.ErrQueueExists
	}
	return existing, err
}

// GetQueue implements sqs.QueueStore.
func (s *SQSStore) GetQueue(ctx context.Context, name string) (*sqs.QueueRecord, error) {
	r, err := sqsScanQueue(s.db.QueryRow(ctx, `SELECT `+sqsQueueCols+` FROM sqs_queues WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqs.ErrQueueNotFound
	}
	return r, err
}

// ListQueues implements sqs.QueueStore.
func (s *SQSStore) ListQueues(ctx context.Context, prefix, after string, limit int) ([]*sqs.QueueRecord, error) {
	q := `SELECT ` + sqsQueueCols + ` FROM sqs_queues WHERE name > ?`
	args := []any{after}
	if prefix != "" {
		// Queue names are ASCII below 0x7f: a range scan finds the prefix.
		q += ` AND name >= ? AND name < ?`
		args = append(args, prefix, prefix+"\x7f")
	}
	q += ` ORDER BY name LIMIT ?`
	rows, err := s.db.Query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*sqs.QueueRecord, error) { return sqsScanQueue(r) })
}

// ListDeadLetterSources implements sqs.QueueStore.
func (s *SQSStore) ListDeadLetterSources(ctx context.Context, arn, after string, limit int) ([]*sqs.QueueRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT `+sqsQueueCols+` FROM sqs_queues WHERE dead_letter_target = ? AND name > ? ORDER BY name LIMIT ?`, arn, after, limit)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*sqs.QueueRecord, error) { return sqsScanQueue(r) })
}

// SetQueueAttributes implements sqs.QueueStore.
func (s *SQSStore) SetQueueAttributes(ctx context.Context, id int64, attrs map[string]string, deadLetterTarget string, modified time.Time) error {
	res, err := s.db.Exec(ctx, `UPDATE sqs_queues SET attributes = ?, dead_letter_target = ?, modified_at = ? WHERE id = ?`,
		sqsAttrsJSON(attrs), deadLetterTarget, Millis(modified), id)
	return sqsAffected(res, err)
}

// sqsAffected turns "no row changed" into ErrQueueNotFound.
func sqsAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sqs.ErrQueueNotFound
	}
	return nil
}

// DeleteQueue implements sqs.QueueStore: messages, tags and deduplication
// entries go with the queue (ON DELETE CASCADE).
func (s *SQSStore) DeleteQueue(ctx context.Context, id int64) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sqs_queues WHERE id = ?`, id)
		return sqsAffected(res, err)
	})
}

// QueueTags implements sqs.QueueStore.
func (s *SQSStore) QueueTags(ctx context.Context, id int64) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT tag_key, tag_value FROM sqs_queue_tags WHERE queue_id = ?`, id)
	if err != nil {
		return nil, err
	}
	return sqsTagMap(rows)
}

func sqsTagMap(rows *sql.Rows) (map[string]string, error) {
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}

// UpdateQueueTags implements sqs.QueueStore.
func (s *SQSStore) UpdateQueueTags(ctx context.Context, id int64, fn func(tags map[string]string) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM sqs_queues WHERE id = ?`+s.lockRow(), id).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return sqs.ErrQueueNotFound
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT tag_key, tag_value FROM sqs_queue_tags WHERE queue_id = ?`, id)
		if err != nil {
			return err
		}
		tags, err := sqsTagMap(rows)
		if err != nil {
			return err
		}
		if err := fn(tags); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sqs_queue_tags WHERE queue_id = ?`, id); err != nil {
			return err
		}
		for k, v := range tags {
			if _, err := tx.Exec(ctx, `INSERT INTO sqs_queue_tags (queue_id, tag_key, tag_value) VALUES (?, ?, ?)`, id, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// lockRow is the row-lock suffix of a SELECT inside a write transaction:
// PostgreSQL needs it; SQLite's single writer already excludes the others.
func (s *SQSStore) lockRow() string {
	if s.db.dialect.Name == "postgres" {
		return ` FOR UPDATE`
	}
	return ""
}

// PurgeQueue implements sqs.QueueStore: the purge is recorded in one
// transaction, the messages sent up to then are deleted in chunks after it.
func (s *SQSStore) PurgeQueue(ctx context.Context, id int64, now time.Time, interval time.Duration) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var last int64
		if err := tx.QueryRow(ctx, `SELECT purged_at FROM sqs_queues WHERE id = ?`+s.lockRow(), id).Scan(&last); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return sqs.ErrQueueNotFound
			}
			return err
		}
		if last != 0 && now.Sub(FromMillis(last)) < interval {
			return sqs.ErrPurgeInProgress
		}
		_, err := tx.Exec(ctx, `UPDATE sqs_queues SET purged_at = ? WHERE id = ?`, Millis(now), id)
		return err
	})
	if err != nil {
		return err
	}
	_, err = s.DeleteExpired(ctx, id, now)
	return err
}

// CountMessages implements sqs.QueueStore.
func (s *SQSStore) CountMessages(ctx context.Context, id int64, now, expiredBefore time.Time) (sqs.MessageCounts, error) {
	var c sqs.MessageCounts
	t := Millis(now)
	err := s.db.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN visible_at > ? AND receive_count > 0 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN visible_at > ? AND receive_count = 0 THEN 1 ELSE 0 END), 0)
		FROM sqs_messages WHERE queue_id = ? AND sent_at > ?`, t, t, t, id, Millis(expiredBefore)).Scan(&c.Visible, &c.InFlight, &c.Delayed)
	return c, err
}

// NextVisible implements sqs.QueueStore.
func (s *SQSStore) NextVisible(ctx context.Context, id int64, now time.Time) (time.Time, error) {
	var next sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?`, id, Millis(now)).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, err
	}
	return FromMillis(next.Int64), nil
}

// sqsExpireChunk bounds one deleting transaction of the sweep, so that a
// large backlog does not hold the writer for long.
const sqsExpireChunk = 1000

// DeleteExpired implements sqs.QueueStore. The expired rows are found on
// the read pool (on SQLite, a scan there holds no write lock) and deleted
// by ID in short transactions.
func (s *SQSStore) DeleteExpired(ctx context.Context, id int64, before time.Time) (int64, error) {
	var total int64
	for {
		rows, err := s.db.Query(ctx, `SELECT id FROM sqs_messages WHERE queue_id = ? AND sent_at <= ? LIMIT `+strconv.Itoa(sqsExpireChunk), id, Millis(before))
		if err != nil {
			return total, err
		}
		ids, err := scanRows(rows, func(r *sql.Rows) (any, error) {
			var id int64
			return id, r.Scan(&id)
		})
		if err != nil || len(ids) == 0 {
			return total, err
		}
		var n int64
		err = s.db.InTx(ctx, func(tx *Tx) error {
			res, err := tx.Exec(ctx, `DELETE FROM sqs_messages WHERE id IN (`+marks(len(ids))+`) AND sent_at <= ?`, append(ids, Millis(before))...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += n
		if err != nil || len(ids) < sqsExpireChunk {
			return total, err
		}
	}
}

// DeleteExpiredDedup implements sqs.QueueStore.
func (s *SQSStore) DeleteExpiredDedup(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM sqs_dedup WHERE expires_at <= ?`, Millis(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const sqsMessageCols = `id, queue_id, message_id, body, attributes, system_attributes, sender_id, sent_at, visible_at,
	receive_count, first_receive_at, received_at, group_id, dedup_id, sequence, dead_letter_source`

func sqsScanMessage(s interface{ Scan(...any) error }) (*sqs.MessageRecord, error) {
	var m sqs.MessageRecord
	var sent, visible, first, received int64
	if err := s.Scan(&m.ID, &m.QueueID, &m.MessageID, &m.Body, &m.Attributes, &m.SystemAttributes, &m.SenderID,
		&sent, &visible, &m.ReceiveCount, &first, &received, &m.GroupID, &m.DedupID, &m.Sequence, &m.DeadLetterSource); err != nil {
		return nil, err
	}
	m.SentAt, m.VisibleAt, m.FirstReceiveAt, m.ReceivedAt = FromMillis(sent), FromMillis(visible), FromMillis(first), FromMillis(received)
	if len(m.Attributes) == 0 {
		m.Attributes = nil
	}
	if len(m.SystemAttributes) == 0 {
		m.SystemAttributes = nil
	}
	return &m, nil
}

// GetMessages implements sqs.QueueStore.
func (s *SQSStore) GetMessages(ctx context.Context, refs []sqs.MessageRef) ([]*sqs.MessageRecord, error) {
	out := make([]*sqs.MessageRecord, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	args := make([]any, len(refs))
	for i, r := range refs {
		args[i] = r.RowID
	}
	rows, err := s.db.Query(ctx, `SELECT `+sqsMessageCols+` FROM sqs_messages WHERE id IN (`+marks(len(refs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	recs, err := scanRows(rows, func(r *sql.Rows) (*sqs.MessageRecord, error) { return sqsScanMessage(r) })
	if err != nil {
		return nil, err
	}
	for i, ref := range refs {
		for _, m := range recs {
			if m.ID == ref.RowID && m.QueueID == ref.QueueID && m.MessageID == ref.MessageID {
				out[i] = m
			}
		}
	}
	return out, nil
}

// sqsTx is a message transaction: a share of a group-committed write
// transaction.
type sqsTx struct {
	s      *SQSStore
	tx     *Tx
	queues map[int64]bool // queues known to exist in this transaction
}

var _ sqs.MessageTx = (*sqsTx)(nil)

const sqsInsertMessageSQL = `INSERT INTO sqs_messages (queue_id, message_id, body, attributes, system_attributes, sender_id,
	sent_at, visible_at, receive_count, first_receive_at, received_at, group_id, dedup_id, sequence, dead_letter_source)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// checkQueue makes sure queue id exists (once per transaction) and, on
// PostgreSQL, keeps it from being deleted until the transaction ends.
func (t *sqsTx) checkQueue(ctx context.Context, id int64) error {
	if t.queues[id] {
		return nil
	}
	q := `SELECT 1 FROM sqs_queues WHERE id = ?`
	if t.s.db.dialect.Name == "postgres" {
		q += ` FOR KEY SHARE`
	}
	var one int
	if err := t.tx.hotQueryRow(ctx, q, id).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sqs.ErrQueueNotFound
		}
		return err
	}
	t.queues[id] = true
	return nil
}

func sqsBlob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Insert implements sqs.MessageTx.
func (t *sqsTx) Insert(ctx context.Context, m *sqs.MessageRecord) error {
	if err := t.checkQueue(ctx, m.QueueID); err != nil {
		return err
	}
	_, err := t.tx.hotExec(ctx, sqsInsertMessageSQL, m.QueueID, m.MessageID, m.Body, sqsBlob(m.Attributes), sqsBlob(m.SystemAttributes),
		m.SenderID, Millis(m.SentAt), Millis(m.VisibleAt), m.ReceiveCount, Millis(m.FirstReceiveAt), Millis(m.ReceivedAt),
		m.GroupID, m.DedupID, m.Sequence, m.DeadLetterSource)
	return err
}

const sqsNextSequenceSQL = `UPDATE sqs_queues SET fifo_seq = fifo_seq + 1 WHERE id = ? RETURNING fifo_seq`

// NextSequence implements sqs.MessageTx.
func (t *sqsTx) NextSequence(ctx context.Context, queueID int64) (int64, error) {
	var seq int64
	err := t.tx.hotQueryRow(ctx, sqsNextSequenceSQL, queueID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, sqs.ErrQueueNotFound
	}
	return seq, err
}

const sqsDedupSQL = `SELECT message_id, sequence FROM sqs_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ? AND expires_at > ?`

// Dedup implements sqs.MessageTx.
func (t *sqsTx) Dedup(ctx context.Context, queueID int64, scope, dedupID string, now time.Time) (string, int64, bool, error) {
	var id string
	var seq int64
	err := t.tx.hotQueryRow(ctx, sqsDedupSQL, queueID, scope, dedupID, Millis(now)).Scan(&id, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, false, nil
	}
	return id, seq, err == nil, err
}

const sqsPutDedupSQL = `INSERT INTO sqs_dedup (queue_id, scope, dedup_id, message_id, sequence, expires_at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET message_id = excluded.message_id, sequence = excluded.sequence, expires_at = excluded.expires_at`

// PutDedup implements sqs.MessageTx.
func (t *sqsTx) PutDedup(ctx context.Context, queueID int64, scope, dedupID, messageID string, seq int64, expires time.Time) error {
	_, err := t.tx.hotExec(ctx, sqsPutDedupSQL, queueID, scope, dedupID, messageID, seq, Millis(expires))
	return err
}

const sqsStandardCandidatesSQL = `SELECT ` + sqsMessageCols + ` FROM sqs_messages
	WHERE queue_id = ? AND visible_at <= ? AND sent_at > ? ORDER BY visible_at, id LIMIT `

// sqsFifoCandidatesSQL selects the visible messages of groups with nothing
// in flight and nothing hidden ahead of them, in sequence order. The
// "group_id <> empty" terms let both engines use the partial FIFO indexes;
// the unary + keeps SQLite from ranging over visible_at and sorting, so
// that it walks (queue_id, id) in order and stops at LIMIT.
const sqsFifoCandidatesSQL = `SELECT ` + sqsMessageCols + ` FROM sqs_messages m
	WHERE m.queue_id = ? AND m.group_id <> '' AND +m.visible_at <= ? AND m.sent_at > ?
	AND NOT EXISTS (SELECT 1 FROM sqs_messages b
		WHERE b.queue_id = m.queue_id AND b.group_id = m.group_id AND b.group_id <> ''
		AND b.visible_at > ? AND (b.receive_count > 0 OR b.id < m.id))
	ORDER BY m.id LIMIT `

// sqsCandidatesSQL returns the candidate query for a limit. The limit is
// written into the text: SQLite (with STAT4) plans ORDER BY … LIMIT with
// the limit's value, so a bound LIMIT re-prepares the statement on every
// run (about half the cost of a receive).
func sqsCandidatesSQL(fifo bool, limit int) string {
	limit = min(max(limit, 1), sqs.MaxReceiveMessages)
	if fifo {
		return sqsCandidateSQLs[1][limit]
	}
	return sqsCandidateSQLs[0][limit]
}

var sqsCandidateSQLs = func() [2][]string {
	var out [2][]string
	for i, base := range []string{sqsStandardCandidatesSQL, sqsFifoCandidatesSQL} {
		out[i] = make([]string, sqs.MaxReceiveMessages+1)
		for n := 1; n <= sqs.MaxReceiveMessages; n++ {
			out[i][n] = base + strconv.Itoa(n)
		}
	}
	return out
}()

// Candidates implements sqs.MessageTx.
func (t *sqsTx) Candidates(ctx context.Context, q sqs.CandidateQuery) ([]*sqs.MessageRecord, error) {
	now, cutoff := Millis(q.Now), Millis(q.ExpiredBefore)
	var rows *sql.Rows
	var err error
	pg := t.s.db.dialect.Name == "postgres"
	if q.FIFO {
		if pg {
			// One FIFO receive at a time per queue: the group rule reads
			// rows other receivers are about to hide.
			var one int
			if err := t.tx.QueryRow(ctx, `SELECT 1 FROM sqs_queues WHERE id = ? FOR NO KEY UPDATE`, q.QueueID).Scan(&one); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil, nil
				}
				return nil, err
			}
		}
		query := sqsCandidatesSQL(true, q.Limit)
		if pg {
			query += ` FOR UPDATE OF m`
		}
		rows, err = t.tx.hotQuery(ctx, query, q.QueueID, now, cutoff, now)
	} else {
		query := sqsCandidatesSQL(false, q.Limit)
		if pg {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err = t.tx.hotQuery(ctx, query, q.QueueID, now, cutoff)
	}
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*sqs.MessageRecord, error) { return sqsScanMessage(r) })
}

// sqsMarkReceivedSQL returns the statement marking n messages received.
func sqsMarkReceivedSQL(n int) string {
	// +queue_id: without statistics SQLite would otherwise pick the
	// (queue_id, visible_at) index and scan the queue's whole backlog for
	// the listed IDs; the unary plus keeps it on the primary key (a no-op
	// for PostgreSQL).
	return `UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, received_at = ?,
		first_receive_at = CASE WHEN first_receive_at = 0 THEN ? ELSE first_receive_at END
		WHERE +queue_id = ? AND id IN (` + marks(n) + `)`
}

var sqsMarkReceivedSQLs = func() []string {
	out := make([]string, sqs.MaxReceiveMessages+1)
	for n := 1; n <= sqs.MaxReceiveMessages; n++ {
		out[n] = sqsMarkReceivedSQL(n)
	}
	return out
}()

// MarkReceived implements sqs.MessageTx.
func (t *sqsTx) MarkReceived(ctx context.Context, queueID int64, rowIDs []int64, now, visibleAt time.Time) error {
	for len(rowIDs) > 0 {
		chunk := rowIDs[:min(len(rowIDs), sqs.MaxReceiveMessages)]
		rowIDs = rowIDs[len(chunk):]
		args := make([]any, 0, 4+len(chunk))
		args = append(args, Millis(visibleAt), Millis(now), Millis(now), queueID)
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := t.tx.hotExec(ctx, sqsMarkReceivedSQLs[len(chunk)], args...); err != nil {
			return err
		}
	}
	return nil
}

const sqsDeleteByRowSQL = `DELETE FROM sqs_messages WHERE id = ?`

// Move implements sqs.MessageTx.
func (t *sqsTx) Move(ctx context.Context, m *sqs.MessageRecord, to int64, source string, now time.Time) error {
	moved := *m
	moved.QueueID, moved.VisibleAt, moved.ReceiveCount = to, now, 0
	moved.FirstReceiveAt, moved.ReceivedAt, moved.DeadLetterSource = time.Time{}, time.Time{}, source
	if err := t.Insert(ctx, &moved); err != nil {
		return err
	}
	_, err := t.tx.hotExec(ctx, sqsDeleteByRowSQL, m.ID)
	return err
}

const sqsDeleteMessageSQL = `DELETE FROM sqs_messages WHERE id = ? AND queue_id = ? AND message_id = ? AND receive_count = ?`

// Delete implements sqs.MessageTx.
func (t *sqsTx) Delete(ctx context.Context, ref sqs.MessageRef) (bool, error) {
	res, err := t.tx.hotExec(ctx, sqsDeleteMessageSQL, ref.RowID, ref.QueueID, ref.MessageID, ref.ReceiveCount)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const sqsLookupMessageSQL = `SELECT ` + sqsMessageCols + ` FROM sqs_messages WHERE id = ? AND queue_id = ? AND message_id = ?`

// Lookup implements sqs.MessageTx.
func (t *sqsTx) Lookup(ctx context.Context, ref sqs.MessageRef) (*sqs.MessageRecord, error) {
	q := sqsLookupMessageSQL
	if t.s.db.dialect.Name == "postgres" {
		q += ` FOR UPDATE`
	}
	m, err := sqsScanMessage(t.tx.hotQueryRow(ctx, q, ref.RowID, ref.QueueID, ref.MessageID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

const sqsSetVisibilitySQL = `UPDATE sqs_messages SET visible_at = ? WHERE id = ? AND queue_id = ? AND receive_count = ?`

// SetVisibility implements sqs.MessageTx.
func (t *sqsTx) SetVisibility(ctx context.Context, ref sqs.MessageRef, visibleAt time.Time) error {
	_, err := t.tx.hotExec(ctx, sqsSetVisibilitySQL, Millis(visibleAt), ref.RowID, ref.QueueID, ref.ReceiveCount)
	return err
}

// sqsHotQueries are the statements of the message paths, prepared once on
// SQLite's write connection.
func sqsHotQueries() []string {
	qs := []string{sqsInsertMessageSQL, sqsNextSequenceSQL, sqsDedupSQL, sqsPutDedupSQL,
		sqsDeleteByRowSQL, sqsDeleteMessageSQL, sqsLookupMessageSQL, sqsSetVisibilitySQL, `SELECT 1 FROM sqs_queues WHERE id = ?`}
	qs = append(qs, sqsCandidateSQLs[0][1:]...)
	qs = append(qs, sqsCandidateSQLs[1][1:]...)
	return append(qs, sqsMarkReceivedSQLs[1:]...)
}

// prepareHot prepares the hot statements (SQLite only; outside any
// transaction, as the write pool has one connection).
func (s *SQSStore) prepareHot(ctx context.Context) {
	if s.db.dialect.Name != "sqlite" {
		return
	}
	for _, q := range sqsHotQueries() {
		st, err := s.db.write.PrepareContext(context.WithoutCancel(ctx), s.db.q(q))
		if err != nil {
			return // unprepared statements still work
		}
		if _, loaded := s.db.stmts.LoadOrStore(hotPrefix+q, st); loaded {
			st.Close()
		}
	}
}
