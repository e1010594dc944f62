package cloudwatch

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
)

var t0 = time.Date(2026, 1, 21, 10, 0, 0, 0, time.UTC)

func newTestService(t *testing.T) (*Service, *memStore, *steward.FakeClock) {
	t.Helper()
	st := newMemStore()
	clk := steward.NewFakeClock(t0)
	return New(st, Env{Clock: clk, Account: "000000000000", Region: "us-east-1"}, nil), st, clk
}

func f(v float64) *float64 { return &v }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestPutMetricDataValidation(t *testing.T) {
	ok := MetricDatum{MetricName: "m", Value: f(1)}
	dims := func(n int) []Dimension {
		ds := make([]Dimension, n)
		for i := range ds {
			ds[i] = Dimension{Name: "d" + itoa(i), Value: "v"}
		}
		return ds
	}
	many := make([]MetricDatum, 1001)
	for i := range many {
		many[i] = ok
	}
	with := func(mod func(*MetricDatum)) []MetricDatum {
		d := ok
		mod(&d)
		return []MetricDatum{ok, d}
	}
	cases := []struct {
		name string
		ns   string
		data []MetricDatum
		code string
	}{
		{"no namespace", "", []MetricDatum{ok}, CodeMissingParameter},
		{"long namespace", strings.Repeat("n", 256), []MetricDatum{ok}, CodeInvalidParameterValue},
		{"AWS namespace", "AWS/EC2", []MetricDatum{ok}, CodeInvalidParameterValue},
		{"colon namespace", ":x", []MetricDatum{ok}, CodeInvalidParameterValue},
		{"no data", "ns", nil, CodeMissingParameter},
		{"too much data", "ns", many, CodeInvalidParameterValue},
		{"no name", "ns", with(func(d *MetricDatum) { d.MetricName = "" }), CodeMissingParameter},
		{"long name", "ns", with(func(d *MetricDatum) { d.MetricName = strings.Repeat("m", 256) }), CodeInvalidParameterValue},
		{"31 dimensions", "ns", with(func(d *MetricDatum) { d.Dimensions = dims(31) }), CodeInvalidParameterValue},
		{"duplicate dimension", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{"a", "1"}, {"a", "2"}} }), CodeInvalidParameterValue},
		{"empty dimension value", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{"a", ""}} }), CodeMissingParameter},
		{"long dimension value", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{"a", strings.Repeat("v", 1025)}} }), CodeInvalidParameterValue},
		{"long dimension name", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{strings.Repeat("a", 256), "v"}} }), CodeInvalidParameterValue},
		{"control in namespace", "n\x00s", []MetricDatum{ok}, CodeInvalidParameterValue},
		{"bad UTF-8 name", "ns", with(func(d *MetricDatum) { d.MetricName = "m\xff" }), CodeInvalidParameterValue},
		{"control in dimension value", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{"a", "x\x01y"}} }), CodeInvalidParameterValue},
		{"colon dimension name", "ns", with(func(d *MetricDatum) { d.Dimensions = []Dimension{{":a", "v"}} }), CodeInvalidParameterValue},
		{"no value", "ns", with(func(d *MetricDatum) { d.Value = nil }), CodeInvalidParameterCombination},
		{"value and set", "ns", with(func(d *MetricDatum) { d.StatisticValues = &StatisticSet{1, 1, 1, 1} }), CodeInvalidParameterCombination},
		{"value and values", "ns", with(func(d *MetricDatum) { d.Values = []float64{1} }), CodeInvalidParameterCombination},
		{"counts alone", "ns", with(func(d *MetricDatum) { d.Value = nil; d.Counts = []float64{1} }), CodeInvalidParameterCombination},
		{"counts length", "ns", with(func(d *MetricDatum) { d.Value = nil; d.Values = []float64{1, 2}; d.Counts = []float64{1} }), CodeInvalidParameterValue},
		{"151 values", "ns", with(func(d *MetricDatum) { d.Value = nil; d.Values = make([]float64, 151) }), CodeInvalidParameterValue},
		{"negative count", "ns", with(func(d *MetricDatum) { d.Value = nil; d.Values = []float64{1}; d.Counts = []float64{-1} }), CodeInvalidParameterValue},
		{"NaN", "ns", with(func(d *MetricDatum) { d.Value = f(math.NaN()) }), CodeInvalidParameterValue},
		{"Inf", "ns", with(func(d *MetricDatum) { d.Value = f(math.Inf(-1)) }), CodeInvalidParameterValue},
		{"too big", "ns", with(func(d *MetricDatum) { d.Value = f(math.Ldexp(1, 361)) }), CodeInvalidParameterValue},
		{"NaN in values", "ns", with(func(d *MetricDatum) { d.Value = nil; d.Values = []float64{1, math.NaN()} }), CodeInvalidParameterValue},
		{"NaN in set", "ns", with(func(d *MetricDatum) { d.Value = nil; d.StatisticValues = &StatisticSet{1, math.NaN(), 1, 1} }), CodeInvalidParameterValue},
		{"set zero count", "ns", with(func(d *MetricDatum) { d.Value = nil; d.StatisticValues = &StatisticSet{0, 1, 1, 1} }), CodeInvalidParameterValue},
		{"set min > max", "ns", with(func(d *MetricDatum) { d.Value = nil; d.StatisticValues = &StatisticSet{2, 3, 2, 1} }), CodeInvalidParameterValue},
		{"bad unit", "ns", with(func(d *MetricDatum) { d.Unit = "Furlongs" }), CodeInvalidParameterValue},
		{"resolution 30", "ns", with(func(d *MetricDatum) { d.StorageResolution = 30 }), CodeInvalidParameterValue},
		{"too old", "ns", with(func(d *MetricDatum) { d.Timestamp = t0.Add(-15 * 24 * time.Hour) }), CodeInvalidParameterValue},
		{"too new", "ns", with(func(d *MetricDatum) { d.Timestamp = t0.Add(2*time.Hour + time.Second) }), CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, st, _ := newTestService(t)
			wantCode(t, s.PutMetricData(context.Background(), c.ns, c.data), c.code)
			if st.adds != 0 || len(st.buckets) != 0 {
				t.Fatalf("bad input stored something")
			}
		})
	}
}

func TestPutServiceMetricDataAllowsAWS(t *testing.T) {
	s, st, _ := newTestService(t)
	if err := s.PutServiceMetricData(context.Background(), "AWS/Events", []MetricDatum{{MetricName: "Invocations", Value: f(1), Unit: "Count"}}); err != nil {
		t.Fatal(err)
	}
	if len(st.metrics) != 1 {
		t.Fatalf("metrics = %d", len(st.metrics))
	}
}

func TestPutMetricDataBuckets(t *testing.T) {
	s, st, _ := newTestService(t)
	ctx := context.Background()
	ts := t0.Add(-90 * time.Second) // 09:58:30
	err := s.PutMetricData(ctx, "ns", []MetricDatum{
		{MetricName: "m", Dimensions: []Dimension{{"b", "2"}, {"a", "1"}}, Timestamp: ts, Value: f(5), StorageResolution: 1},
		{MetricName: "m", Dimensions: []Dimension{{"a", "1"}, {"b", "2"}}, Timestamp: ts, Value: f(7)},
		{MetricName: "m", Dimensions: []Dimension{{"a", "1"}, {"b", "2"}}, Timestamp: ts, Value: f(9), Unit: "Count"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.adds != 1 {
		t.Fatalf("AddPoints calls = %d, want 1", st.adds)
	}
	if len(st.metrics) != 1 {
		t.Fatalf("metrics = %d, want 1 (dimension order does not matter)", len(st.metrics))
	}
	key := MetricKey("ns", "m", []Dimension{{"a", "1"}, {"b", "2"}})
	m := st.metrics[key]
	if m.Dimensions[0].Name != "a" || !m.LastPut.Equal(t0) {
		t.Fatalf("metric = %+v", m)
	}
	want := map[memBucket]Stats{
		{key, "None", ts.Unix(), 1}:                                              {Count: 1, Sum: 5, Min: 5, Max: 5},
		{key, "None", bucketStart(ts, 60).Unix(), 60}:                            {Count: 2, Sum: 12, Min: 5, Max: 7},
		{key, "None", bucketStart(ts, 300).Unix(), 300}:                          {Count: 2, Sum: 12, Min: 5, Max: 7},
		{key, "None", time.Date(2026, 1, 21, 9, 0, 0, 0, time.UTC).Unix(), 3600}: {Count: 2, Sum: 12, Min: 5, Max: 7},
		{key, "Count", bucketStart(ts, 60).Unix(), 60}:                           {Count: 1, Sum: 9, Min: 9, Max: 9},
		{key, "Count", bucketStart(ts, 300).Unix(), 300}:                         {Count: 1, Sum: 9, Min: 9, Max: 9},
		{key, "Count", bucketStart(ts, 3600).Unix(), 3600}:                       {Count: 1, Sum: 9, Min: 9, Max: 9},
	}
	if len(st.buckets) != len(want) {
		t.Fatalf("buckets = %d, want %d: %v", len(st.buckets), len(want), st.buckets)
	}
	for b, w := range want {
		got, ok := st.buckets[b]
		if !ok || got.Count != w.Count || got.Sum != w.Sum || got.Min != w.Min || got.Max != w.Max || got.Values == nil {
			t.Errorf("bucket %+v = %+v (present %v), want %+v", b, got, ok, w)
		}
	}
}

func TestPutMetricDataDistributions(t *testing.T) {
	cases := []struct {
		d      MetricDatum
		want   Stats
		values bool
	}{
		{MetricDatum{Values: []float64{3, 1, 3, 2}, Counts: []float64{1, 2, 3, 0}}, Stats{Count: 6, Sum: 14, Min: 1, Max: 3}, true},
		{MetricDatum{Values: []float64{4, 2}}, Stats{Count: 2, Sum: 6, Min: 2, Max: 4}, true},
		{MetricDatum{StatisticValues: &StatisticSet{4, 10, 1, 5}}, Stats{Count: 4, Sum: 10, Min: 1, Max: 5}, false},
		{MetricDatum{StatisticValues: &StatisticSet{4, 8, 2, 2}}, Stats{Count: 4, Sum: 8, Min: 2, Max: 2}, true},
		{MetricDatum{StatisticValues: &StatisticSet{1, 3, 3, 3}}, Stats{Count: 1, Sum: 3, Min: 3, Max: 3}, true},
	}
	for i, c := range cases {
		c.d.MetricName = "m"
		got, err := checkDatum(&c.d, "d", t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Count != c.want.Count || got.Sum != c.want.Sum || got.Min != c.want.Min || got.Max != c.want.Max || (got.Values != nil) != c.values {
			t.Errorf("case %d: %+v, want %+v (values %v)", i, got, c.want, c.values)
		}
	}
}

func TestSweep(t *testing.T) {
	s, st, clk := newTestService(t)
	ctx := context.Background()
	if err := s.PutMetricData(ctx, "ns", []MetricDatum{{MetricName: "m", Value: f(1), StorageResolution: 1}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * time.Hour)
	n, err := s.Sweep(ctx)
	if err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want the 1 s bucket", n, err)
	}
	clk.Advance(456 * 24 * time.Hour)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(st.buckets) != 0 || len(st.metrics) != 0 {
		t.Fatalf("left %d buckets, %d metrics", len(st.buckets), len(st.metrics))
	}
}
