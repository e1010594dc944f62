package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"github.com/stewardhq/steward/cloudwatch"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/events"
)

// EventBridge data plane: tables event_deliveries and event_metrics, the
// schedule columns of event_rules, and the outbox drain. A delivery row is
// claimable when ready_at <= now (one index range); claiming sets ready_at
// to the end of the lease, a retry to its due time. PostgreSQL replicas
// skip rows another one is claiming (FOR UPDATE SKIP LOCKED).

const deliveryCols = `id, bus, rule, target_id, event_id, event, ingested_at, hops, attempts, due_at, failure`

func scanDelivery(s rowScanner) (*events.Delivery, error) {
	var d events.Delivery
	var ev string
	var ingested, due int64
	if err := s.Scan(&d.ID, &d.Bus, &d.Rule, &d.TargetID, &d.EventID, &ev, &ingested, &d.Hops, &d.Attempts, &due, &d.Failure); err != nil {
		return nil, err
	}
	d.Event, d.IngestedAt, d.DueAt = []byte(ev), FromMillis(ingested), FromMillis(due)
	return &d, nil
}

// deliveriesPerInsert bounds the rows of one multi-row INSERT (11 values
// each).
const deliveriesPerInsert = 200

// Ingest implements events.Store.
func (s *EventsStore) Ingest(ctx context.Context, in *events.Ingest) error {
	return s.db.InTx(ctx, func(tx *Tx) error { return s.ingest(ctx, tx, in) })
}

func (s *EventsStore) ingest(ctx context.Context, tx *Tx, in *events.Ingest) error {
	if f := in.Fire; f != nil {
		res, err := tx.Exec(ctx, `UPDATE event_rules SET next_fire_at = ? WHERE bus = ? AND name = ? AND next_fire_at = ?`,
			Millis(f.To), f.Bus, f.Rule, Millis(f.From))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = events.ErrConflict
			}
			return err
		}
	}
	lease := Millis(in.LeaseUntil)
	for ds := in.Deliveries; len(ds) > 0; {
		chunk := ds[:min(len(ds), deliveriesPerInsert)]
		ds = ds[len(chunk):]
		args := make([]any, 0, 11*len(chunk))
		for _, d := range chunk {
			args = append(args, d.Bus, d.Rule, d.TargetID, d.EventID, string(d.Event), Millis(d.IngestedAt), d.Hops, d.Attempts,
				Millis(d.DueAt), lease, d.Failure)
		}
		rows, err := tx.Query(ctx, `INSERT INTO event_deliveries (bus, rule, target_id, event_id, event, ingested_at, hops, attempts, due_at, ready_at, failure)
			VALUES `+rowsOf(11, len(chunk))+` RETURNING id, bus, rule, target_id, event_id`, args...)
		if err != nil {
			return err
		}
		// RETURNING's order is not promised: match rows by their key
		// (unique within one ingest).
		byKey := make(map[[4]string][]*events.Delivery, len(chunk))
		for _, d := range chunk {
			k := [4]string{d.Bus, d.Rule, d.TargetID, d.EventID}
			byKey[k] = append(byKey[k], d)
		}
		if _, err := scanRows(rows, func(r *sql.Rows) (struct{}, error) {
			var id int64
			var k [4]string
			if err := r.Scan(&id, &k[0], &k[1], &k[2], &k[3]); err != nil {
				return struct{}{}, err
			}
			if l := byKey[k]; len(l) > 0 {
				l[0].ID = id
				byKey[k] = l[1:]
			}
			return struct{}{}, nil
		}); err != nil {
			return err
		}
	}
	return addMetrics(ctx, tx, in.Metrics)
}

// addMetrics adds counter increments (keys unique within ms). They reach
// CloudWatch through ExportMetrics.
func addMetrics(ctx context.Context, tx *Tx, ms []events.Metric) error {
	for len(ms) > 0 {
		chunk := ms[:min(len(ms), 200)]
		ms = ms[len(chunk):]
		args := make([]any, 0, 5*len(chunk))
		for _, m := range chunk {
			args = append(args, m.Bus, m.Rule, m.Name, Millis(m.Minute), m.Value)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_metrics (bus, rule, metric, minute, value) VALUES `+rowsOf(5, len(chunk))+`
			ON CONFLICT (bus, rule, metric, minute) DO UPDATE SET value = event_metrics.value + excluded.value`, args...); err != nil {
			return err
		}
	}
	return nil
}

// ExportMetrics folds what EventBridge's counters gained since the last
// export into CloudWatch's metrics (namespace AWS/Events, eventsCloudWatch),
// in one transaction that also records it as exported, so each increment
// reaches CloudWatch exactly once. The counters stay cheap on the delivery
// path (one upsert of a small row); CloudWatch's buckets are written here,
// a few times a minute. It returns how many counters were exported.
func (s *EventsStore) ExportMetrics(ctx context.Context) (int, error) {
	n := 0
	lock := ""
	if s.db.dialect.Name == "postgres" {
		lock = " FOR UPDATE" // an increment waits for the export, a second exporter sees nothing left
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `SELECT bus, rule, metric, minute, value - exported FROM event_metrics WHERE value > exported`+lock)
		if err != nil {
			return err
		}
		ms, err := scanRows(rows, func(r *sql.Rows) (events.Metric, error) {
			var m events.Metric
			var minute int64
			err := r.Scan(&m.Bus, &m.Rule, &m.Name, &minute, &m.Value)
			m.Minute = FromMillis(minute)
			return m, err
		})
		if err != nil || len(ms) == 0 {
			return err
		}
		metrics, points := eventsCloudWatch(ms)
		if err := addMetricPoints(ctx, tx, metrics, points); err != nil {
			return err
		}
		// Exactly the rows read, by the amount read (VALUES columns are
		// column1… on both engines).
		for chunk := range slices.Chunk(ms, 200) {
			args := make([]any, 0, 5*len(chunk))
			for _, m := range chunk {
				args = append(args, m.Bus, m.Rule, m.Name, Millis(m.Minute), m.Value)
			}
			if _, err := tx.Exec(ctx, `UPDATE event_metrics SET exported = event_metrics.exported + v.column5
				FROM (VALUES `+strings.TrimSuffix(strings.Repeat(`(?, ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT)), `, len(chunk)), ", ")+`) AS v
				WHERE event_metrics.bus = v.column1 AND event_metrics.rule = v.column2 AND event_metrics.metric = v.column3
				AND event_metrics.minute = v.column4`, args...); err != nil {
				return err
			}
		}
		n = len(ms)
		return nil
	})
	return n, err
}

// eventsCloudWatch is EventBridge's counters as CloudWatch data in
// namespace AWS/Events (reference A9): a rule's metrics have the dimension
// RuleName (and EventBusName on a custom bus), a bus's (Rule "") none on
// the default bus and EventBusName on others; unit Count. An increment of
// n is n samples of 1, so Sum and SampleCount both count, at the 60-, 300-
// and 3600-second resolutions.
func eventsCloudWatch(ms []events.Metric) ([]cloudwatch.Metric, []cloudwatch.Point) {
	const namespace = "AWS/Events"
	metrics := make([]cloudwatch.Metric, 0, len(ms))
	points := make([]cloudwatch.Point, 0, 3*len(ms))
	for _, m := range ms {
		if m.Value <= 0 {
			continue
		}
		var dims []cloudwatch.Dimension
		if m.Bus != events.DefaultBus {
			dims = append(dims, cloudwatch.Dimension{Name: "EventBusName", Value: m.Bus})
		}
		if m.Rule != "" {
			dims = append(dims, cloudwatch.Dimension{Name: "RuleName", Value: m.Rule})
		}
		key := cloudwatch.MetricKey(namespace, m.Name, dims)
		metrics = append(metrics, cloudwatch.Metric{Namespace: namespace, Name: m.Name, Dimensions: dims, Key: key, LastPut: m.Minute})
		n := float64(m.Value)
		st := cloudwatch.Stats{Count: n, Sum: n, Min: 1, Max: 1, Values: []cloudwatch.ValueCount{{Value: 1, Count: n}}}
		for _, res := range cloudwatch.Resolutions {
			if res < 60 {
				continue
			}
			at := m.Minute.UTC().Truncate(time.Duration(res) * time.Second)
			points = append(points, cloudwatch.Point{Key: key, Unit: "Count", Time: at, Resolution: res, Stats: st})
		}
	}
	return metrics, points
}

func (s *EventsStore) skipLocked() string {
	if s.db.dialect.Name == "postgres" {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// ClaimDeliveries implements events.Store.
func (s *EventsStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*events.Delivery, error) {
	var out []*events.Delivery
	err := s.db.InTx(ctx, func(tx *Tx) error {
		n := Millis(now)
		rows, err := tx.Query(ctx, `UPDATE event_deliveries SET ready_at = ?
			WHERE id IN (SELECT id FROM event_deliveries WHERE ready_at <= ? ORDER BY ready_at, id LIMIT ?`+s.skipLocked()+`)
			AND ready_at <= ?
			RETURNING `+deliveryCols, Millis(leaseUntil), n, limit, n)
		if err != nil {
			return err
		}
		out, err = scanRows(rows, func(r *sql.Rows) (*events.Delivery, error) { return scanDelivery(r) })
		return err
	})
	return out, err
}

// FinishDeliveries implements events.Store.
func (s *EventsStore) FinishDeliveries(ctx context.Context, ids []int64, metrics []events.Metric) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		for rest := ids; len(rest) > 0; {
			chunk := rest[:min(len(rest), 500)]
			rest = rest[len(chunk):]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if _, err := tx.Exec(ctx, `DELETE FROM event_deliveries WHERE id IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
				return err
			}
		}
		return addMetrics(ctx, tx, metrics)
	})
}

// RetryDelivery implements events.Store.
func (s *EventsStore) RetryDelivery(ctx context.Context, id int64, attempts int, failure string, due time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE event_deliveries SET attempts = ?, failure = ?, due_at = ?, ready_at = ? WHERE id = ?`,
		attempts, failure, Millis(due), Millis(due), id)
	return err
}

// ReleaseLeases implements events.Store.
func (s *EventsStore) ReleaseLeases(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `UPDATE event_deliveries SET ready_at = due_at WHERE ready_at > due_at`)
	return err
}

// CountDeliveries implements events.Store.
func (s *EventsStore) CountDeliveries(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM event_deliveries`).Scan(&n)
	return n, err
}

// DueSchedules implements events.Store.
func (s *EventsStore) DueSchedules(ctx context.Context, now time.Time) ([]*events.RuleRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT `+ruleCols+` FROM event_rules
		WHERE next_fire_at > 0 AND next_fire_at <= ? AND state <> 'DISABLED' ORDER BY next_fire_at, bus, name`, Millis(now))
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*events.RuleRecord, error) { return scanRule(r) })
}

// Metrics implements events.Store.
func (s *EventsStore) Metrics(ctx context.Context, since time.Time) ([]events.Metric, error) {
	rows, err := s.db.Query(ctx, `SELECT bus, rule, metric, minute, value FROM event_metrics WHERE minute >= ?
		ORDER BY bus, rule, metric, minute`, Millis(since))
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (events.Metric, error) {
		var m events.Metric
		var minute int64
		err := r.Scan(&m.Bus, &m.Rule, &m.Name, &minute, &m.Value)
		m.Minute = FromMillis(minute)
		return m, err
	})
}

// PurgeMetrics implements events.Store.
func (s *EventsStore) PurgeMetrics(ctx context.Context, before time.Time) error {
	_, err := s.db.Exec(ctx, `DELETE FROM event_metrics WHERE minute < ?`, Millis(before))
	return err
}

// DrainOutbox implements events.Store.
func (s *EventsStore) DrainOutbox(ctx context.Context, limit int, fn func([]events.OutboxEvent) (*events.Ingest, error)) (int, error) {
	n := 0
	forUpdate := ""
	if s.db.dialect.Name == "postgres" {
		forUpdate = " FOR UPDATE" // a second drainer waits, then sees the rows gone
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `SELECT id, event_id, event_time, account, region, source, detail_type, resources, detail
			FROM outbox ORDER BY id LIMIT ?`+forUpdate, limit)
		if err != nil {
			return err
		}
		evs, err := scanRows(rows, func(r *sql.Rows) (events.OutboxEvent, error) {
			var o events.OutboxEvent
			var t int64
			var res, detail string
			if err := r.Scan(&o.Seq, &o.Event.ID, &t, &o.Event.Account, &o.Event.Region, &o.Event.Source, &o.Event.DetailType, &res, &detail); err != nil {
				return o, err
			}
			o.Event.Time = FromMillis(t)
			if err := json.Unmarshal([]byte(res), &o.Event.Resources); err != nil {
				o.Event.Resources = nil
			}
			o.Event.Detail = json.RawMessage(detail)
			return o, nil
		})
		if err != nil || len(evs) == 0 {
			return err
		}
		in, err := fn(evs)
		if err != nil {
			return err
		}
		if in != nil {
			if err := s.ingest(ctx, tx, in); err != nil {
				return err
			}
		}
		args := make([]any, len(evs))
		for i, e := range evs {
			args[i] = e.Seq
		}
		res, err := tx.Exec(ctx, `DELETE FROM outbox WHERE id IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return err
		}
		if m, err := res.RowsAffected(); err != nil || int(m) != len(evs) {
			if err == nil {
				err = events.ErrConflict
			}
			return err
		}
		n = len(evs)
		return nil
	})
	return n, err
}
