package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
)

// BenchmarkMetricsAddPoints measures MetricsStore.AddPoints on SQLite for a
// fleet of 1,000 nodes each putting 20 metrics (dimension InstanceId) once a
// minute: every datum becomes buckets at 60, 300 and 3600 s. "node" puts one
// node's 20 data per call (one PutMetricData each); "batch50" puts 50 nodes'
// data per call (1,000 data, a batching server's write). It reports data/s
// and per-call latency percentiles. The timed part is steady state: the
// metrics exist (a first minute is put before the timer starts) and buckets
// are merged into.
func BenchmarkMetricsAddPoints(b *testing.B) {
	for _, nodesPerCall := range []int{1, 50} {
		name := "node"
		if nodesPerCall > 1 {
			name = fmt.Sprintf("batch%d", nodesPerCall)
		}
		b.Run(name, func(b *testing.B) { benchAddPoints(b, nodesPerCall) })
	}
}

func benchAddPoints(b *testing.B, nodesPerCall int) {
	const nodes, perNode = 1000, 20
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "steward.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := sqlstore.NewMetricsStore(db)
	t0 := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	// call i puts nodes [n, n+nodesPerCall) at minute m.
	put := func(call int) error {
		first := (call * nodesPerCall) % nodes
		minute := call * nodesPerCall / nodes
		at := t0.Add(time.Duration(minute) * time.Minute)
		var ms []cloudwatch.Metric
		var ps []cloudwatch.Point
		for n := first; n < first+nodesPerCall; n++ {
			dims := []cloudwatch.Dimension{{Name: "InstanceId", Value: fmt.Sprintf("i-%08x", n)}}
			for k := range perNode {
				name := fmt.Sprintf("metric%02d", k)
				m := cloudwatch.Metric{Namespace: "Steward/Bench", Name: name, Dimensions: dims,
					Key: cloudwatch.MetricKey("Steward/Bench", name, dims), LastPut: at}
				ms = append(ms, m)
				v := float64((n*31 + k*7 + minute) % 97)
				st := cloudwatch.Stats{Count: 1, Sum: v, Min: v, Max: v, Values: []cloudwatch.ValueCount{{Value: v, Count: 1}}}
				for _, res := range []int{60, 300, 3600} {
					r := time.Duration(res) * time.Second
					ps = append(ps, cloudwatch.Point{Key: m.Key, Unit: "Percent", Time: at.Truncate(r), Resolution: res, Stats: st})
				}
			}
		}
		return s.AddPoints(ctx, ms, ps)
	}
	warm := nodes / nodesPerCall
	for i := range warm {
		if err := put(i); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := put(warm + i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(float64(b.N*nodesPerCall*perNode)/elapsed.Seconds(), "data/s")
	b.ReportMetric(pct(0.5), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
