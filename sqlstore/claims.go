package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ClaimPeriod claims the period starting at start for the job name: true
// for exactly one caller per (name, start) however many replicas ask, and
// false for a period not later than one already claimed. Jobs that publish
// something once per period (the per-node health metric) claim before they
// run.
func (db *DB) ClaimPeriod(ctx context.Context, name string, start time.Time) (bool, error) {
	var got string
	err := db.InTx(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO periodic_claims (name, period) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET period = excluded.period WHERE periodic_claims.period < excluded.period
			RETURNING name`, name, Millis(start)).Scan(&got)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
