package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
)

// CloudWatch metrics: tables metrics, metric_dimensions and metric_points
// (0013_metrics.sql).
//
// Keys (cloudwatch.MetricKey) contain NUL bytes, which PostgreSQL TEXT
// rejects, so they are bound and stored as bytes (BLOB/BYTEA) on both
// engines; bytes compare like Go strings, so Key order is the same
// everywhere.
//
// AddPoints reads the stored buckets a batch touches in a few multi-row
// queries, merges in Go with Stats.Merge (so count, sum, min, max and the
// distribution come from one computation) and writes them back in a few
// multi-row statements. On SQLite the single writer serializes batches. On
// PostgreSQL, where several servers may write at once, a batch first locks
// its existing metrics (key order), so batches sharing a metric take turns;
// beyond that, stored buckets are read FOR UPDATE and a new bucket is
// inserted with ON CONFLICT DO NOTHING, so one that another transaction
// created meanwhile is read (locked) and merged again, never overwritten.

// MetricsStore implements cloudwatch.Store.
type MetricsStore struct{ db *DB }

var _ cloudwatch.Store = (*MetricsStore)(nil)

// NewMetricsStore returns the CloudWatch metrics store on db.
func NewMetricsStore(db *DB) *MetricsStore { return &MetricsStore{db: db} }

// metricsChunk bounds the rows of one multi-row statement (at most 9
// parameters a row, well under either engine's parameter limit).
const metricsChunk = 500

// purgeChunk bounds the rows one PurgePoints transaction deletes, so a large
// purge never holds SQLite's writer for long.
const purgeChunk = 5000

// bucket identifies a stored bucket.
type bucket struct {
	metric int64
	res    int
	ts     int64
	unit   string
}

func compareBuckets(a, b bucket) int {
	if c := cmp.Compare(a.metric, b.metric); c != 0 {
		return c
	}
	if c := cmp.Compare(a.res, b.res); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ts, b.ts); c != 0 {
		return c
	}
	return strings.Compare(a.unit, b.unit)
}

func (s *MetricsStore) postgres() bool { return s.db.dialect.Name == "postgres" }

// dyn rebinds a query built for one batch without filling the rebind cache.
func (s *MetricsStore) dyn(q string) string {
	if s.db.dialect.NumberedParams {
		return rebind(q)
	}
	return q
}

// rowsSQL is n parenthesized groups of width '?'s, comma-separated.
func rowsSQL(n, width int) string {
	row := "(?" + strings.Repeat(", ?", width-1) + ")"
	return row + strings.Repeat(", "+row, n-1)
}

// AddPoints implements cloudwatch.Store.
func (s *MetricsStore) AddPoints(ctx context.Context, metrics []cloudwatch.Metric, points []cloudwatch.Point) error {
	if len(metrics) == 0 && len(points) == 0 {
		return nil
	}
	return s.db.InTx(ctx, func(tx *Tx) error { return addMetricPoints(ctx, tx, metrics, points) })
}

// addMetricPoints is AddPoints in tx (other stores add metrics in their own
// transactions: EventBridge's per-rule counters).
func addMetricPoints(ctx context.Context, tx *Tx, metrics []cloudwatch.Metric, points []cloudwatch.Point) error {
	s := &MetricsStore{db: tx.db}
	// One entry per key, LastPut the latest.
	byKey := make(map[string]int, len(metrics))
	var ms []cloudwatch.Metric
	for _, m := range metrics {
		if i, ok := byKey[m.Key]; ok {
			if m.LastPut.After(ms[i].LastPut) {
				ms[i].LastPut = m.LastPut
			}
			continue
		}
		byKey[m.Key] = len(ms)
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b cloudwatch.Metric) int { return strings.Compare(a.Key, b.Key) })
	// Points by bucket, in batch order: each is merged into the stored
	// bucket in turn, as if put one by one (floating-point sums depend on
	// the order).
	type pkey struct {
		key  string
		res  int
		ts   int64
		unit string
	}
	batch := make(map[pkey][]cloudwatch.Stats, len(points))
	for _, p := range points {
		if _, ok := byKey[p.Key]; !ok {
			return fmt.Errorf("cloudwatch: point of metric %q not in the batch's metrics", p.Key)
		}
		if p.Stats.Count == 0 {
			continue // Merge ignores it
		}
		k := pkey{p.Key, p.Resolution, p.Time.UnixMilli(), p.Unit}
		batch[k] = append(batch[k], p.Stats)
	}
	ids, err := s.upsertMetrics(ctx, tx, ms)
	if err != nil {
		return err
	}
	byBucket := make(map[bucket][]cloudwatch.Stats, len(batch))
	for k, sts := range batch {
		byBucket[bucket{ids[k.key], k.res, k.ts, k.unit}] = sts
	}
	return s.mergeBuckets(ctx, tx, byBucket)
}

// upsertMetrics creates the metrics that do not exist, moves LastPut
// forward on those that do, and returns every metric's id by key.
func (s *MetricsStore) upsertMetrics(ctx context.Context, tx *Tx, ms []cloudwatch.Metric) (map[string]int64, error) {
	ids := make(map[string]int64, len(ms))
	// Existing metrics. On PostgreSQL they are locked, in key order, for
	// the whole transaction: PurgePoints cannot delete one under this
	// batch's buckets, and batches sharing metrics take turns instead of
	// deadlocking on the last_put update.
	lock := ""
	if s.postgres() {
		lock = " ORDER BY key FOR NO KEY UPDATE"
	}
	stored := make(map[string]int64, len(ms)) // key -> last_put
	for c := range slices.Chunk(ms, metricsChunk) {
		args := make([]any, len(c))
		for i, m := range c {
			args[i] = []byte(m.Key)
		}
		rows, err := tx.tx.QueryContext(ctx, s.dyn(`SELECT id, key, last_put FROM metrics WHERE key IN (?`+
			strings.Repeat(", ?", len(c)-1)+`)`+lock), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, last int64
			var key []byte
			if err := rows.Scan(&id, &key, &last); err != nil {
				rows.Close()
				return nil, err
			}
			ids[string(key)] = id
			stored[string(key)] = last
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Move LastPut forward, one statement per distinct time (a batch
	// usually has one: the server's clock).
	moved := map[int64][]any{}
	var fresh []cloudwatch.Metric
	for _, m := range ms {
		last, ok := stored[m.Key]
		if !ok {
			fresh = append(fresh, m)
			continue
		}
		if at := Millis(m.LastPut); at > last {
			moved[at] = append(moved[at], ids[m.Key])
		}
	}
	for _, at := range slices.Sorted(maps.Keys(moved)) {
		for c := range slices.Chunk(moved[at], metricsChunk) {
			args := append([]any{at, at}, c...)
			if _, err := tx.tx.ExecContext(ctx, s.dyn(`UPDATE metrics SET last_put = ? WHERE last_put < ? AND id IN (?`+
				strings.Repeat(", ?", len(c)-1)+`)`), args...); err != nil {
				return nil, err
			}
		}
	}
	// New metrics and their dimensions. ON CONFLICT covers a metric
	// another PostgreSQL writer created since the read above.
	for c := range slices.Chunk(fresh, metricsChunk) {
		args := make([]any, 0, 5*len(c))
		for _, m := range c {
			dims := slices.Clone(m.Dimensions)
			if dims == nil {
				dims = []cloudwatch.Dimension{}
			}
			slices.SortFunc(dims, func(a, b cloudwatch.Dimension) int { return strings.Compare(a.Name, b.Name) })
			dj, err := json.Marshal(dims)
			if err != nil {
				return nil, err
			}
			args = append(args, []byte(m.Key), m.Namespace, m.Name, string(dj), Millis(m.LastPut))
		}
		rows, err := tx.tx.QueryContext(ctx, s.dyn(`INSERT INTO metrics (key, namespace, name, dimensions, last_put) VALUES `+
			rowsSQL(len(c), 5)+` ON CONFLICT (key) DO UPDATE SET last_put = CASE WHEN excluded.last_put > metrics.last_put
			THEN excluded.last_put ELSE metrics.last_put END RETURNING id, key`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var key []byte
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, err
			}
			ids[string(key)] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var dargs []any
	for _, m := range fresh {
		for _, d := range m.Dimensions {
			dargs = append(dargs, ids[m.Key], d.Name, d.Value)
		}
	}
	for c := range slices.Chunk(dargs, 3*metricsChunk) {
		if _, err := tx.tx.ExecContext(ctx, s.dyn(`INSERT INTO metric_dimensions (metric_id, name, value) VALUES `+
			rowsSQL(len(c)/3, 3)+` ON CONFLICT DO NOTHING`), c...); err != nil {
			return nil, err
		}
	}
	for _, m := range ms {
		if _, ok := ids[m.Key]; !ok {
			return nil, fmt.Errorf("cloudwatch: metric %q has no id after upsert", m.Key)
		}
	}
	return ids, nil
}

// mergeBuckets merges each bucket's batch aggregates, in order, into the
// stored bucket (or into nothing when there is none).
func (s *MetricsStore) mergeBuckets(ctx context.Context, tx *Tx, batch map[bucket][]cloudwatch.Stats) error {
	fold := func(st cloudwatch.Stats, b bucket) cloudwatch.Stats {
		for _, o := range batch[b] {
			st.Merge(o)
		}
		return st
	}
	pending := slices.SortedFunc(maps.Keys(batch), compareBuckets)
	// A bucket that another PostgreSQL transaction inserted between the
	// read and the insert comes back round, so a pass or two suffice;
	// SQLite needs one.
	for pass := 0; len(pending) > 0; pass++ {
		if pass == 5 {
			return fmt.Errorf("cloudwatch: buckets kept changing under the merge (%d left)", len(pending))
		}
		stored, err := s.readBuckets(ctx, tx, pending)
		if err != nil {
			return err
		}
		var update, insert []bucket
		merged := make(map[bucket]cloudwatch.Stats, len(pending))
		for _, b := range pending {
			st, ok := stored[b]
			if ok {
				update = append(update, b)
			} else {
				insert = append(insert, b)
			}
			merged[b] = fold(st, b)
		}
		for c := range slices.Chunk(update, metricsChunk) {
			if _, err := tx.tx.ExecContext(ctx, s.dyn(`INSERT INTO metric_points (metric_id, resolution, ts, unit, count, sum, min, max, dist) VALUES `+
				rowsSQL(len(c), 9)+` ON CONFLICT (metric_id, resolution, ts, unit) DO UPDATE SET count = excluded.count, sum = excluded.sum,
				min = excluded.min, max = excluded.max, dist = excluded.dist`), bucketArgs(c, merged)...); err != nil {
				return err
			}
		}
		pending = pending[:0:0]
		for c := range slices.Chunk(insert, metricsChunk) {
			rows, err := tx.tx.QueryContext(ctx, s.dyn(`INSERT INTO metric_points (metric_id, resolution, ts, unit, count, sum, min, max, dist) VALUES `+
				rowsSQL(len(c), 9)+` ON CONFLICT (metric_id, resolution, ts, unit) DO NOTHING RETURNING metric_id, resolution, ts, unit`), bucketArgs(c, merged)...)
			if err != nil {
				return err
			}
			done := make(map[bucket]bool, len(c))
			for rows.Next() {
				var b bucket
				if err := rows.Scan(&b.metric, &b.res, &b.ts, &b.unit); err != nil {
					rows.Close()
					return err
				}
				done[b] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, b := range c {
				if !done[b] {
					pending = append(pending, b)
				}
			}
		}
	}
	return nil
}

func bucketArgs(bs []bucket, stats map[bucket]cloudwatch.Stats) []any {
	args := make([]any, 0, 9*len(bs))
	for _, b := range bs {
		st := stats[b]
		var dist any
		if st.Values != nil {
			dist = cloudwatch.EncodeValues(st.Values)
		}
		args = append(args, b.metric, b.res, b.ts, b.unit, st.Count, st.Sum, st.Min, st.Max, dist)
	}
	return args
}

// readBuckets returns the stored buckets among bs (sorted), locked for
// update on PostgreSQL.
func (s *MetricsStore) readBuckets(ctx context.Context, tx *Tx, bs []bucket) (map[bucket]cloudwatch.Stats, error) {
	out := make(map[bucket]cloudwatch.Stats, len(bs))
	lock := ""
	if s.postgres() {
		lock = " ORDER BY p.metric_id, p.resolution, p.ts, p.unit FOR UPDATE OF p"
	}
	for c := range slices.Chunk(bs, metricsChunk) {
		// A join with the list (VALUES columns are column1… on both
		// engines) is a primary-key lookup per bucket; the first row's
		// casts type the list on PostgreSQL.
		q := `SELECT p.metric_id, p.resolution, p.ts, p.unit, p.count, p.sum, p.min, p.max, p.dist
			FROM (VALUES (CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS TEXT))`
		if len(c) > 1 {
			q += ", " + rowsSQL(len(c)-1, 4)
		}
		q += `) AS v JOIN metric_points p ON p.metric_id = v.column1 AND p.resolution = v.column2
			AND p.ts = v.column3 AND p.unit = v.column4` + lock
		args := make([]any, 0, 4*len(c))
		for _, b := range c {
			args = append(args, b.metric, b.res, b.ts, b.unit)
		}
		rows, err := tx.tx.QueryContext(ctx, s.dyn(q), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var b bucket
			var st cloudwatch.Stats
			var dist []byte
			if err := rows.Scan(&b.metric, &b.res, &b.ts, &b.unit, &st.Count, &st.Sum, &st.Min, &st.Max, &dist); err != nil {
				rows.Close()
				return nil, err
			}
			if st.Values, err = cloudwatch.DecodeValues(dist); err != nil {
				rows.Close()
				return nil, err
			}
			out[b] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReadPoints implements cloudwatch.Store.
func (s *MetricsStore) ReadPoints(ctx context.Context, key string, resolution int, start, end time.Time, unit string, values bool) ([]cloudwatch.Point, error) {
	dist := "NULL"
	if values {
		dist = "p.dist"
	}
	q := `SELECT p.unit, p.ts, p.count, p.sum, p.min, p.max, ` + dist + ` FROM metrics m JOIN metric_points p ON p.metric_id = m.id
		WHERE m.key = ? AND p.resolution = ? AND p.ts >= ? AND p.ts < ?`
	args := []any{[]byte(key), resolution, start.UnixMilli(), end.UnixMilli()}
	if unit != "" {
		q += ` AND p.unit = ?`
		args = append(args, unit)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY p.ts, p.unit`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cloudwatch.Point
	for rows.Next() {
		p := cloudwatch.Point{Key: key, Resolution: resolution}
		var ts int64
		var dist []byte
		if err := rows.Scan(&p.Unit, &ts, &p.Stats.Count, &p.Stats.Sum, &p.Stats.Min, &p.Stats.Max, &dist); err != nil {
			return nil, err
		}
		p.Time = time.UnixMilli(ts).UTC()
		if p.Stats.Values, err = cloudwatch.DecodeValues(dist); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ListMetrics implements cloudwatch.Store. A Limit of 0 or less means no
// limit. Metrics without dimensions come back with nil Dimensions.
func (s *MetricsStore) ListMetrics(ctx context.Context, mq cloudwatch.MetricQuery) ([]cloudwatch.Metric, error) {
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT key, namespace, name, dimensions, last_put FROM metrics WHERE 1 = 1`)
	if mq.Namespace != "" {
		b.WriteString(` AND namespace = ?`)
		args = append(args, mq.Namespace)
	}
	if mq.Name != "" {
		b.WriteString(` AND name = ?`)
		args = append(args, mq.Name)
	}
	if !mq.ActiveSince.IsZero() {
		b.WriteString(` AND last_put >= ?`)
		args = append(args, Millis(mq.ActiveSince))
	}
	if mq.After != "" {
		b.WriteString(` AND key > ?`)
		args = append(args, []byte(mq.After))
	}
	for _, f := range mq.Dimensions {
		b.WriteString(` AND id IN (SELECT metric_id FROM metric_dimensions WHERE name = ?`)
		args = append(args, f.Name)
		if f.Value != nil {
			b.WriteString(` AND value = ?`)
			args = append(args, *f.Value)
		}
		b.WriteString(`)`)
	}
	b.WriteString(` ORDER BY key`)
	if mq.Limit > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, mq.Limit)
	}
	rows, err := s.db.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cloudwatch.Metric
	for rows.Next() {
		var m cloudwatch.Metric
		var key []byte
		var dims string
		var last int64
		if err := rows.Scan(&key, &m.Namespace, &m.Name, &dims, &last); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(dims), &m.Dimensions); err != nil {
			return nil, fmt.Errorf("cloudwatch: stored dimensions of %q: %w", key, err)
		}
		if len(m.Dimensions) == 0 {
			m.Dimensions = nil
		}
		m.Key, m.LastPut = string(key), FromMillis(last)
		out = append(out, m)
	}
	return out, rows.Err()
}

// PurgePoints implements cloudwatch.Store. It deletes in transactions of at
// most purgeChunk rows (so SQLite's writer is never held for long) until
// nothing is left to delete or ctx ends; the count is of buckets and
// metrics (a metric's dimension rows go with it uncounted).
func (s *MetricsStore) PurgePoints(ctx context.Context, now time.Time) (int, error) {
	total := 0
	run := func(q string, args ...any) error {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			res, err := s.db.Exec(ctx, q, append(args, purgeChunk)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
			if n < purgeChunk {
				return nil
			}
		}
	}
	for _, r := range cloudwatch.Resolutions {
		cut := now.Add(-cloudwatch.Retention[r]).UnixMilli()
		if err := run(`DELETE FROM metric_points WHERE (metric_id, resolution, ts, unit) IN
			(SELECT metric_id, resolution, ts, unit FROM metric_points WHERE resolution = ? AND ts < ? LIMIT ?)`, r, cut); err != nil {
			return total, err
		}
	}
	// last_put is checked again in the outer statement so that, on
	// PostgreSQL, a metric that AddPoints updated meanwhile stays.
	cut := Millis(now.Add(-cloudwatch.MetricActiveFor))
	err := run(`DELETE FROM metrics WHERE last_put < ? AND id IN (SELECT m.id FROM metrics m WHERE m.last_put < ?
		AND NOT EXISTS (SELECT 1 FROM metric_points p WHERE p.metric_id = m.id) LIMIT ?)`, cut, cut)
	return total, err
}
