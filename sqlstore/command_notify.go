package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/stewardhq/steward/ssm"
)

// Run Command SNS notifications (ssm.NotificationStore): table
// command_notifications (0019_command_notifications.sql). Claiming leases
// rows; PostgreSQL replicas skip rows another one is claiming (FOR UPDATE
// SKIP LOCKED).

const insertCommandNotificationSQL = `INSERT INTO command_notifications (topic_arn, message, attempts, due_at, lease_until, created_at)
	VALUES (?, ?, ?, ?, 0, ?) RETURNING id`

// AddNotifications implements ssm.CommandTx.
func (t *cmdTx) AddNotifications(ctx context.Context, notes []*ssm.CommandNotification) error {
	for _, n := range notes {
		if err := t.tx.QueryRow(ctx, insertCommandNotificationSQL,
			n.TopicARN, n.Message, n.Attempts, Millis(n.DueAt), Millis(n.CreatedAt)).Scan(&n.ID); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) skipLocked() string {
	if db.dialect.Name == "postgres" {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ClaimNotifications implements ssm.NotificationStore.
func (db *DB) ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*ssm.CommandNotification, error) {
	var out []*ssm.CommandNotification
	err := db.InTx(ctx, func(tx *Tx) error {
		n := Millis(now)
		rows, err := tx.Query(ctx, `UPDATE command_notifications SET lease_until = ?
			WHERE id IN (SELECT id FROM command_notifications WHERE due_at <= ? AND lease_until <= ?
				ORDER BY due_at, id LIMIT ?`+db.skipLocked()+`)
			AND due_at <= ? AND lease_until <= ?
			RETURNING id, topic_arn, message, attempts, due_at, created_at`,
			Millis(leaseUntil), n, n, limit, n, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*ssm.CommandNotification, error) {
			var c ssm.CommandNotification
			var due, created int64
			if err := r.Scan(&c.ID, &c.TopicARN, &c.Message, &c.Attempts, &due, &created); err != nil {
				return nil, err
			}
			c.DueAt, c.CreatedAt = FromMillis(due), FromMillis(created)
			return &c, nil
		})
		return err
	})
	return out, err
}

// DeleteNotification implements ssm.NotificationStore.
func (db *DB) DeleteNotification(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM command_notifications WHERE id = ?`, id)
		return err
	})
}

// RetryNotification implements ssm.NotificationStore.
func (db *DB) RetryNotification(ctx context.Context, id int64, attempts int, dueAt time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE command_notifications SET attempts = ?, due_at = ?, lease_until = 0 WHERE id = ?`,
			attempts, Millis(dueAt), id)
		return err
	})
}
