package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/sqlstore"
)

func testMetrics(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.MetricsStore)
	}{
		{"Merge", metricsMerge},
		{"StatisticSets", metricsStatisticSets},
		{"Units", metricsUnits},
		{"Range", metricsRange},
		{"List", metricsList},
		{"LastPut", metricsLastPut},
		{"Purge", metricsPurge},
		{"Floats", metricsFloats},
		{"Concurrent", metricsConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, sqlstore.NewMetricsStore(newDB(t))) })
	}
}

var metricsT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func newMetric(ns, name string, at time.Time, dims ...cloudwatch.Dimension) cloudwatch.Metric {
	return cloudwatch.Metric{Namespace: ns, Name: name, Dimensions: dims, Key: cloudwatch.MetricKey(ns, name, dims), LastPut: at}
}

// sample is the aggregate of values, each one sample.
func sample(values ...float64) cloudwatch.Stats {
	var st cloudwatch.Stats
	for _, v := range values {
		st.Merge(cloudwatch.Stats{Count: 1, Sum: v, Min: v, Max: v, Values: []cloudwatch.ValueCount{{Value: v, Count: 1}}})
	}
	return st
}

func point(m cloudwatch.Metric, res int, at time.Time, unit string, st cloudwatch.Stats) cloudwatch.Point {
	return cloudwatch.Point{Key: m.Key, Unit: unit, Time: at, Resolution: res, Stats: st}
}

func mustAdd(t *testing.T, s *sqlstore.MetricsStore, ms []cloudwatch.Metric, ps ...cloudwatch.Point) {
	t.Helper()
	if err := s.AddPoints(context.Background(), ms, ps); err != nil {
		t.Fatalf("AddPoints: %v", err)
	}
}

func mustRead(t *testing.T, s *sqlstore.MetricsStore, key string, res int, start, end time.Time, unit string) []cloudwatch.Point {
	t.Helper()
	ps, err := s.ReadPoints(context.Background(), key, res, start, end, unit, true)
	if err != nil {
		t.Fatalf("ReadPoints: %v", err)
	}
	return ps
}

func metricsMerge(t *testing.T, s *sqlstore.MetricsStore) {
	m := newMetric("App", "Latency", metricsT0, cloudwatch.Dimension{Name: "Host", Value: "a"})
	ms := []cloudwatch.Metric{m}
	// Two data for one bucket in one batch, then two more batches.
	mustAdd(t, s, ms, point(m, 60, metricsT0, "Milliseconds", sample(3, 1)), point(m, 60, metricsT0, "Milliseconds", sample(2)))
	mustAdd(t, s, ms, point(m, 60, metricsT0, "Milliseconds", sample(2, 7)))
	mustAdd(t, s, ms, point(m, 60, metricsT0, "Milliseconds", sample(-4)))
	want := sample(3, 1, 2, 2, 7, -4)
	ps := mustRead(t, s, m.Key, 60, metricsT0, metricsT0.Add(time.Minute), "")
	if len(ps) != 1 {
		t.Fatalf("points = %+v", ps)
	}
	p := ps[0]
	if p.Key != m.Key || p.Unit != "Milliseconds" || p.Resolution != 60 || !p.Time.Equal(metricsT0) || p.Time.Location() != time.UTC {
		t.Errorf("point = %+v", p)
	}
	if !reflect.DeepEqual(p.Stats, want) {
		t.Errorf("stats = %+v, want %+v", p.Stats, want)
	}
	if p.Stats.Count != 6 || p.Stats.Sum != 11 || p.Stats.Min != -4 || p.Stats.Max != 7 ||
		!reflect.DeepEqual(p.Stats.Values, []cloudwatch.ValueCount{{Value: -4, Count: 1}, {Value: 1, Count: 1}, {Value: 2, Count: 2}, {Value: 3, Count: 1}, {Value: 7, Count: 1}}) {
		t.Errorf("stats = %+v", p.Stats)
	}
	// Without values: the same numbers, no distribution read.
	if ps, err := s.ReadPoints(context.Background(), m.Key, 60, metricsT0, metricsT0.Add(time.Minute), "", false); err != nil || len(ps) != 1 ||
		ps[0].Stats.Values != nil || ps[0].Stats.Count != 6 || ps[0].Stats.Sum != 11 {
		t.Errorf("ReadPoints without values = %+v, %v", ps, err)
	}
	// An empty read is no error.
	if ps := mustRead(t, s, "nope", 60, metricsT0, metricsT0.Add(time.Hour), ""); len(ps) != 0 {
		t.Errorf("unknown metric = %+v", ps)
	}
}

func metricsStatisticSets(t *testing.T, s *sqlstore.MetricsStore) {
	m := newMetric("App", "Bytes", metricsT0)
	ms := []cloudwatch.Metric{m}
	set := cloudwatch.Stats{Count: 10, Sum: 100, Min: 1, Max: 30}
	// A statistic set alone, then merged with another.
	mustAdd(t, s, ms, point(m, 300, metricsT0, "Bytes", set))
	mustAdd(t, s, ms, point(m, 300, metricsT0, "Bytes", cloudwatch.Stats{Count: 5, Sum: 5, Min: 0.5, Max: 2}))
	ps := mustRead(t, s, m.Key, 300, metricsT0, metricsT0.Add(time.Hour), "Bytes")
	if want := (cloudwatch.Stats{Count: 15, Sum: 105, Min: 0.5, Max: 30}); len(ps) != 1 || !reflect.DeepEqual(ps[0].Stats, want) {
		t.Errorf("sets = %+v, want %+v", ps, want)
	}
	// Values into a set bucket: the numbers merge, no distribution appears.
	mustAdd(t, s, ms, point(m, 300, metricsT0, "Bytes", sample(50)))
	ps = mustRead(t, s, m.Key, 300, metricsT0, metricsT0.Add(time.Hour), "Bytes")
	if want := (cloudwatch.Stats{Count: 16, Sum: 155, Min: 0.5, Max: 50}); len(ps) != 1 || !reflect.DeepEqual(ps[0].Stats, want) {
		t.Errorf("set + values = %+v, want %+v", ps, want)
	}
	// A set into a bucket with values drops the distribution.
	mustAdd(t, s, ms, point(m, 60, metricsT0, "Bytes", sample(1, 2)))
	mustAdd(t, s, ms, point(m, 60, metricsT0, "Bytes", set))
	ps = mustRead(t, s, m.Key, 60, metricsT0, metricsT0.Add(time.Hour), "Bytes")
	if want := (cloudwatch.Stats{Count: 12, Sum: 103, Min: 1, Max: 30}); len(ps) != 1 || !reflect.DeepEqual(ps[0].Stats, want) {
		t.Errorf("values + set = %+v, want %+v", ps, want)
	}
	// An empty (but present) distribution stays present.
	empty := cloudwatch.Stats{Count: 1, Sum: 1, Min: 1, Max: 1, Values: []cloudwatch.ValueCount{}}
	mustAdd(t, s, ms, point(m, 3600, metricsT0, "Bytes", empty))
	ps = mustRead(t, s, m.Key, 3600, metricsT0, metricsT0.Add(time.Hour), "Bytes")
	if len(ps) != 1 || ps[0].Stats.Values == nil || len(ps[0].Stats.Values) != 0 {
		t.Errorf("empty distribution = %+v", ps)
	}
}

func metricsUnits(t *testing.T, s *sqlstore.MetricsStore) {
	m := newMetric("App", "Size", metricsT0)
	ms := []cloudwatch.Metric{m}
	mustAdd(t, s, ms,
		point(m, 60, metricsT0, "None", sample(1)),
		point(m, 60, metricsT0, "Bytes", sample(2)),
		point(m, 60, metricsT0.Add(time.Minute), "Bytes", sample(3)),
		point(m, 60, metricsT0, "Bytes", sample(4)))
	ps := mustRead(t, s, m.Key, 60, metricsT0, metricsT0.Add(time.Hour), "")
	got := ""
	for _, p := range ps {
		got += fmt.Sprintf("%s/%s/%g ", p.Time.Format("15:04"), p.Unit, p.Stats.Sum)
	}
	if want := "12:00/Bytes/6 12:00/None/1 12:01/Bytes/3 "; got != want {
		t.Errorf("all units = %q, want %q", got, want)
	}
	if ps := mustRead(t, s, m.Key, 60, metricsT0, metricsT0.Add(time.Hour), "None"); len(ps) != 1 || ps[0].Stats.Sum != 1 {
		t.Errorf("unit None = %+v", ps)
	}
	if ps := mustRead(t, s, m.Key, 60, metricsT0, metricsT0.Add(time.Hour), "Seconds"); len(ps) != 0 {
		t.Errorf("unit Seconds = %+v", ps)
	}
}

func metricsRange(t *testing.T, s *sqlstore.MetricsStore) {
	m := newMetric("App", "Hits", metricsT0)
	other := newMetric("App", "Misses", metricsT0)
	ms := []cloudwatch.Metric{m, other}
	var ps []cloudwatch.Point
	for i := range 5 {
		at := metricsT0.Add(time.Duration(i) * time.Minute)
		ps = append(ps, point(m, 60, at, "Count", sample(float64(i))), point(other, 60, at, "Count", sample(100)))
		ps = append(ps, point(m, 1, at, "Count", sample(50)))
	}
	mustAdd(t, s, ms, ps...)
	got := mustRead(t, s, m.Key, 60, metricsT0.Add(time.Minute), metricsT0.Add(3*time.Minute), "")
	if len(got) != 2 || got[0].Stats.Sum != 1 || got[1].Stats.Sum != 2 || !got[0].Time.Equal(metricsT0.Add(time.Minute)) {
		t.Errorf("[1m, 3m) = %+v", got)
	}
	// Another resolution and a range between buckets.
	if got := mustRead(t, s, m.Key, 1, metricsT0, metricsT0.Add(time.Hour), ""); len(got) != 5 || got[0].Resolution != 1 {
		t.Errorf("1 s buckets = %+v", got)
	}
	if got := mustRead(t, s, m.Key, 300, metricsT0, metricsT0.Add(time.Hour), ""); len(got) != 0 {
		t.Errorf("300 s buckets = %+v", got)
	}
	if got := mustRead(t, s, m.Key, 60, metricsT0.Add(time.Second), metricsT0.Add(time.Minute), ""); len(got) != 0 {
		t.Errorf("(0, 1m) = %+v", got)
	}
}

func metricsList(t *testing.T, s *sqlstore.MetricsStore) {
	ctx := context.Background()
	d := func(n, v string) cloudwatch.Dimension { return cloudwatch.Dimension{Name: n, Value: v} }
	old := metricsT0.Add(-time.Hour)
	ms := []cloudwatch.Metric{
		newMetric("App", "CPU", metricsT0, d("Host", "a")),
		newMetric("App", "CPU", metricsT0, d("Host", "b")),
		newMetric("App", "CPU", old, d("Host", "a"), d("Disk", "sda")),
		newMetric("App", "CPU", metricsT0),
		newMetric("App", "Mem", metricsT0, d("Host", "a")),
		newMetric("App2", "CPU", metricsT0, d("Host", "a")), // key shares the prefix "App"
		newMetric("Ap", "CPU", old, d("Host", "ab")),
	}
	mustAdd(t, s, ms)
	keys := func(got []cloudwatch.Metric) []string {
		var out []string
		for _, m := range got {
			out = append(out, m.Key)
		}
		return out
	}
	list := func(q cloudwatch.MetricQuery) []cloudwatch.Metric {
		t.Helper()
		got, err := s.ListMetrics(ctx, q)
		if err != nil {
			t.Fatalf("ListMetrics(%+v): %v", q, err)
		}
		return got
	}
	all := list(cloudwatch.MetricQuery{})
	if len(all) != len(ms) {
		t.Fatalf("all = %q", keys(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Key >= all[i].Key {
			t.Errorf("not in key order: %q", keys(all))
		}
	}
	byKey := map[string]cloudwatch.Metric{}
	for _, m := range all {
		byKey[m.Key] = m
	}
	for _, m := range ms {
		got, ok := byKey[m.Key]
		m.Dimensions = sortedDims(m.Dimensions)
		if !ok || !reflect.DeepEqual(got, m) || got.LastPut.Location() != time.UTC {
			t.Errorf("listed %+v, want %+v", got, m)
		}
	}
	host := "a"
	empty := ""
	cases := []struct {
		q    cloudwatch.MetricQuery
		want []cloudwatch.Metric
	}{
		{cloudwatch.MetricQuery{Namespace: "App"}, []cloudwatch.Metric{ms[3], ms[2], ms[0], ms[1], ms[4]}},
		{cloudwatch.MetricQuery{Namespace: "App", Name: "CPU"}, []cloudwatch.Metric{ms[3], ms[2], ms[0], ms[1]}},
		{cloudwatch.MetricQuery{Name: "Mem"}, []cloudwatch.Metric{ms[4]}},
		{cloudwatch.MetricQuery{Namespace: "App", Dimensions: []cloudwatch.DimensionFilter{{Name: "Host", Value: &host}}},
			[]cloudwatch.Metric{ms[2], ms[0], ms[4]}},
		{cloudwatch.MetricQuery{Namespace: "App", Dimensions: []cloudwatch.DimensionFilter{{Name: "Host"}}},
			[]cloudwatch.Metric{ms[2], ms[0], ms[1], ms[4]}},
		{cloudwatch.MetricQuery{Dimensions: []cloudwatch.DimensionFilter{{Name: "Host", Value: &host}, {Name: "Disk"}}},
			[]cloudwatch.Metric{ms[2]}},
		{cloudwatch.MetricQuery{Dimensions: []cloudwatch.DimensionFilter{{Name: "Host", Value: &empty}}}, nil},
		{cloudwatch.MetricQuery{Dimensions: []cloudwatch.DimensionFilter{{Name: "Nope"}}}, nil},
		{cloudwatch.MetricQuery{Namespace: "App", ActiveSince: metricsT0}, []cloudwatch.Metric{ms[3], ms[0], ms[1], ms[4]}},
		{cloudwatch.MetricQuery{ActiveSince: metricsT0.Add(time.Millisecond)}, nil},
		{cloudwatch.MetricQuery{Namespace: "Ap"}, []cloudwatch.Metric{ms[6]}},
		{cloudwatch.MetricQuery{Namespace: "App", Limit: 2}, []cloudwatch.Metric{ms[3], ms[2]}},
		{cloudwatch.MetricQuery{Namespace: "App", After: ms[2].Key, Limit: 2}, []cloudwatch.Metric{ms[0], ms[1]}},
		{cloudwatch.MetricQuery{Namespace: "App", After: ms[1].Key, Limit: 2}, []cloudwatch.Metric{ms[4]}},
		{cloudwatch.MetricQuery{After: ms[4].Key}, []cloudwatch.Metric{ms[5]}},
	}
	for _, c := range cases {
		got := keys(list(c.q))
		want := keys(c.want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListMetrics(%+v) = %q, want %q", c.q, got, want)
		}
	}
	// Paging through everything one at a time visits each metric once.
	var paged []string
	after := ""
	for range 20 {
		got := list(cloudwatch.MetricQuery{After: after, Limit: 1})
		if len(got) == 0 {
			break
		}
		paged = append(paged, got[0].Key)
		after = got[0].Key
	}
	if !reflect.DeepEqual(paged, keys(all)) {
		t.Errorf("paged = %q, want %q", paged, keys(all))
	}
}

func sortedDims(ds []cloudwatch.Dimension) []cloudwatch.Dimension {
	if len(ds) == 0 {
		return nil
	}
	out := append([]cloudwatch.Dimension(nil), ds...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Name < out[i].Name {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func metricsLastPut(t *testing.T, s *sqlstore.MetricsStore) {
	ctx := context.Background()
	m := newMetric("App", "CPU", metricsT0)
	later, earlier := m, m
	later.LastPut = metricsT0.Add(time.Minute)
	earlier.LastPut = metricsT0.Add(-time.Minute)
	mustAdd(t, s, []cloudwatch.Metric{m})
	mustAdd(t, s, []cloudwatch.Metric{later})
	mustAdd(t, s, []cloudwatch.Metric{earlier})
	// The same metric twice in a batch, with points.
	mustAdd(t, s, []cloudwatch.Metric{earlier, earlier}, point(m, 60, metricsT0, "None", sample(1)))
	got, err := s.ListMetrics(ctx, cloudwatch.MetricQuery{})
	if err != nil || len(got) != 1 || !got[0].LastPut.Equal(later.LastPut) {
		t.Errorf("LastPut = %+v, %v; want %v", got, err, later.LastPut)
	}
	// A point whose metric is not in the batch is refused.
	other := newMetric("App", "Other", metricsT0)
	if err := s.AddPoints(ctx, []cloudwatch.Metric{m}, []cloudwatch.Point{point(other, 60, metricsT0, "None", sample(1))}); err == nil {
		t.Error("point without its metric: no error")
	}
}

func metricsPurge(t *testing.T, s *sqlstore.MetricsStore) {
	ctx := context.Background()
	now := metricsT0
	day := 24 * time.Hour
	fresh := newMetric("App", "Fresh", now)
	stale := newMetric("App", "Stale", now.Add(-20*day))                   // buckets left: stays
	gone := newMetric("App", "Gone", now.Add(-20*day))                     // no bucket left: goes
	bare := newMetric("App", "Bare", now.Add(-cloudwatch.MetricActiveFor)) // exactly at the limit: stays
	mustAdd(t, s, []cloudwatch.Metric{fresh, stale, gone, bare},
		// 1 s: 3 hours.
		point(fresh, 1, now.Add(-3*time.Hour-time.Second), "None", sample(1)),
		point(fresh, 1, now.Add(-3*time.Hour), "None", sample(1)),
		point(fresh, 1, now.Add(-time.Second), "None", sample(1)),
		// 60 s: 15 days.
		point(fresh, 60, now.Add(-15*day-time.Minute), "None", sample(1)),
		point(fresh, 60, now.Add(-15*day), "None", sample(1)),
		// 300 s: 63 days.
		point(stale, 300, now.Add(-64*day), "None", sample(1)),
		point(stale, 300, now.Add(-62*day), "None", sample(1)),
		// 3600 s: 455 days.
		point(stale, 3600, now.Add(-456*day), "None", sample(1)),
		point(stale, 3600, now.Add(-454*day), "None", sample(1)),
		point(gone, 60, now.Add(-16*day), "None", sample(1)),
		point(gone, 3600, now.Add(-500*day), "None", sample(1)),
	)
	n, err := s.PurgePoints(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 { // 6 buckets and the metric Gone
		t.Errorf("purged %d rows, want 7", n)
	}
	count := func(m cloudwatch.Metric, res int) int {
		return len(mustRead(t, s, m.Key, res, now.Add(-1000*day), now.Add(day), ""))
	}
	for _, c := range []struct {
		m    cloudwatch.Metric
		res  int
		want int
	}{{fresh, 1, 2}, {fresh, 60, 1}, {stale, 300, 1}, {stale, 3600, 1}, {gone, 60, 0}, {gone, 3600, 0}} {
		if got := count(c.m, c.res); got != c.want {
			t.Errorf("%s at %d s: %d buckets, want %d", c.m.Name, c.res, got, c.want)
		}
	}
	ms, err := s.ListMetrics(ctx, cloudwatch.MetricQuery{})
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if err != nil || !reflect.DeepEqual(names, []string{"Bare", "Fresh", "Stale"}) {
		t.Errorf("metrics after purge = %q, %v", names, err)
	}
	if n, err := s.PurgePoints(ctx, now); n != 0 || err != nil {
		t.Errorf("second purge = %d, %v", n, err)
	}
	// A purged metric comes back with new data, dimensions included.
	g := newMetric("App", "Gone", now, cloudwatch.Dimension{Name: "Host", Value: "a"})
	gone.Dimensions = g.Dimensions
	mustAdd(t, s, []cloudwatch.Metric{g}, point(g, 60, now, "None", sample(1)))
	host := "a"
	if ms, err := s.ListMetrics(ctx, cloudwatch.MetricQuery{Dimensions: []cloudwatch.DimensionFilter{{Name: "Host", Value: &host}}}); err != nil || len(ms) != 1 || ms[0].Name != "Gone" {
		t.Errorf("re-created metric = %+v, %v", ms, err)
	}
}

func metricsFloats(t *testing.T, s *sqlstore.MetricsStore) {
	// Keys with NUL bytes in several places, and dimension values that
	// sort around them.
	d := func(n, v string) cloudwatch.Dimension { return cloudwatch.Dimension{Name: n, Value: v} }
	m := newMetric("App", "F", metricsT0, d("A", "x"), d("B", ""))
	m2 := newMetric("App", "F", metricsT0, d("A", "x"))
	ms := []cloudwatch.Metric{m, m2}
	huge := -math.Pow(2, 360)
	vals := []float64{0.1, 1e-300, huge, math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3}
	var ps []cloudwatch.Point
	for i, v := range vals {
		at := metricsT0.Add(time.Duration(i) * time.Minute)
		ps = append(ps, point(m, 60, at, "None", sample(v)), point(m2, 60, at, "None", cloudwatch.Stats{Count: 3, Sum: v, Min: v, Max: v}))
	}
	mustAdd(t, s, ms, ps...)
	for _, key := range []string{m.Key, m2.Key} {
		got := mustRead(t, s, key, 60, metricsT0, metricsT0.Add(time.Hour), "")
		if len(got) != len(vals) {
			t.Fatalf("read %d points, want %d", len(got), len(vals))
		}
		for i, p := range got {
			v := vals[i]
			if p.Stats.Sum != v || p.Stats.Min != v || p.Stats.Max != v || p.Key != key {
				t.Errorf("stored %v as %+v", v, p.Stats)
			}
			if key == m.Key && (len(p.Stats.Values) != 1 || p.Stats.Values[0].Value != v) {
				t.Errorf("distribution of %v = %+v", v, p.Stats.Values)
			}
		}
	}
	// Sums of inexact values merge in Go, exactly as Merge does.
	mustAdd(t, s, ms, point(m, 300, metricsT0, "None", sample(0.1)))
	mustAdd(t, s, ms, point(m, 300, metricsT0, "None", sample(0.2)))
	mustAdd(t, s, ms, point(m, 300, metricsT0, "None", sample(0.3)))
	want := sample(0.1, 0.2, 0.3)
	if got := mustRead(t, s, m.Key, 300, metricsT0, metricsT0.Add(time.Hour), ""); len(got) != 1 || !reflect.DeepEqual(got[0].Stats, want) {
		t.Errorf("0.1+0.2+0.3 = %+v, want %+v", got, want)
	}
	// Within one batch too: each point merges into the bucket in turn.
	mustAdd(t, s, ms, point(m, 300, metricsT0, "None", sample(0.7)), point(m, 300, metricsT0, "None", sample(0.1)),
		point(m, 300, metricsT0, "None", sample(1e-17)))
	want = sample(0.1, 0.2, 0.3, 0.7, 0.1, 1e-17)
	if got := mustRead(t, s, m.Key, 300, metricsT0, metricsT0.Add(time.Hour), ""); len(got) != 1 || !reflect.DeepEqual(got[0].Stats, want) {
		t.Errorf("one batch = %+v, want %+v", got, want)
	}
	got, err := s.ListMetrics(context.Background(), cloudwatch.MetricQuery{Namespace: "App"})
	if err != nil || len(got) != 2 || got[0].Key != m2.Key || got[1].Key != m.Key {
		t.Errorf("NUL keys listed = %+v, %v", got, err)
	}
	if got, _ := s.ListMetrics(context.Background(), cloudwatch.MetricQuery{After: m2.Key}); len(got) != 1 || got[0].Key != m.Key {
		t.Errorf("after a NUL key = %+v", got)
	}
}

// metricsConcurrent: batches racing on the same metrics and buckets lose
// nothing (PostgreSQL allows concurrent writers). First the metrics are new
// (and LastPut moves); then they exist, LastPut stays and only the buckets
// are new.
func metricsConcurrent(t *testing.T, s *sqlstore.MetricsStore) {
	ctx := context.Background()
	const workers, rounds = 4, 5
	race := func(bucketAt func(w, r int) time.Time, lastPut func(w, r int) time.Time) {
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					var ms []cloudwatch.Metric
					var ps []cloudwatch.Point
					for i := range 10 {
						m := newMetric("Race", fmt.Sprint("m", i), lastPut(w, r))
						ms = append(ms, m)
						ps = append(ps, point(m, 60, bucketAt(w, r), "None", sample(float64(w))))
					}
					if err := s.AddPoints(ctx, ms, ps); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	check := func(at time.Time) {
		t.Helper()
		for i := range 10 {
			m := newMetric("Race", fmt.Sprint("m", i), metricsT0)
			got := mustRead(t, s, m.Key, 60, at, at.Add(time.Minute), "")
			if len(got) != 1 || got[0].Stats.Count != workers*rounds || got[0].Stats.Sum != 30 || len(got[0].Stats.Values) != workers {
				t.Errorf("%s = %+v", m.Name, got)
			}
		}
	}
	race(func(w, r int) time.Time { return metricsT0 },
		func(w, r int) time.Time { return metricsT0.Add(time.Duration(w*rounds+r) * time.Second) })
	check(metricsT0)
	ms, err := s.ListMetrics(ctx, cloudwatch.MetricQuery{Namespace: "Race"})
	if err != nil || len(ms) != 10 || !ms[0].LastPut.Equal(metricsT0.Add((workers*rounds-1)*time.Second)) {
		t.Errorf("metrics = %+v, %v", ms, err)
	}
	next := metricsT0.Add(time.Minute)
	race(func(w, r int) time.Time { return next }, func(w, r int) time.Time { return metricsT0 })
	check(next)
}
