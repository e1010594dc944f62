package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/stewardhq/steward"
)

// AppendEvent writes e to the outbox inside tx, so the event is durable exactly
// when the change it reports is.
func (t *Tx) AppendEvent(ctx context.Context, e *steward.Event) error {
	res, err := json.Marshal(e.Resources)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO outbox (event_id, event_time, account, region, source, detail_type, resources, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, Millis(e.Time), e.Account, e.Region, e.Source, e.DetailType, string(res), string(e.Detail))
	return err
}

// OutboxEntry is an event in the outbox with its sequence number.
type OutboxEntry struct {
	Seq   int64
	Event steward.Event
}

// ReadOutbox returns up to limit events with sequence numbers above after, in
// order. EventBridge's router drains the outbox with it.
func (db *DB) ReadOutbox(ctx context.Context, after int64, limit int) ([]OutboxEntry, error) {
	rows, err := db.Query(ctx, `SELECT id, event_id, event_time, account, region, source, detail_type, resources, detail
		FROM outbox WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var o OutboxEntry
		var t int64
		var res, detail string
		if err := rows.Scan(&o.Seq, &o.Event.ID, &t, &o.Event.Account, &o.Event.Region, &o.Event.Source, &o.Event.DetailType, &res, &detail); err != nil {
			return nil, err
		}
		o.Event.Time = FromMillis(t)
		if err := json.Unmarshal([]byte(res), &o.Event.Resources); err != nil {
			return nil, err
		}
		o.Event.Detail = json.RawMessage(detail)
		out = append(out, o)
	}
	return out, rows.Err()
}
