package cloudwatch

import (
	"context"
	"testing"
	"time"
)

func put(t *testing.T, s *Service, data ...MetricDatum) {
	t.Helper()
	if err := s.PutMetricData(context.Background(), "ns", data); err != nil {
		t.Fatal(err)
	}
}

func TestGetMetricStatisticsAggregates(t *testing.T) {
	s, _, _ := newTestService(t)
	base := t0.Add(-time.Hour) // 09:00
	// Values every minute for 10 minutes, alternating units; one datum in
	// another metric (other dimensions) that must not count.
	for i := range 10 {
		unit := "Count"
		if i%2 == 1 {
			unit = "Percent"
		}
		put(t, s, MetricDatum{MetricName: "m", Timestamp: base.Add(time.Duration(i) * time.Minute), Value: f(float64(i)), Unit: unit})
	}
	put(t, s, MetricDatum{MetricName: "m", Dimensions: []Dimension{{"a", "b"}}, Timestamp: base, Value: f(100)})

	in := GetMetricStatisticsInput{Namespace: "ns", MetricName: "m", StartTime: base.Add(17 * time.Second), EndTime: base.Add(10 * time.Minute),
		Period: 300, Statistics: []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}}
	out, err := s.GetMetricStatistics(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Label != "m" {
		t.Fatalf("label %q", out.Label)
	}
	type want struct {
		at                   time.Duration
		unit                 string
		n, sum, min, max, av float64
	}
	wants := []want{
		{0, "Count", 3, 0 + 2 + 4, 0, 4, 2},
		{0, "Percent", 2, 1 + 3, 1, 3, 2},
		{5 * time.Minute, "Count", 2, 6 + 8, 6, 8, 7},
		{5 * time.Minute, "Percent", 3, 5 + 7 + 9, 5, 9, 7},
	}
	if len(out.Datapoints) != len(wants) {
		t.Fatalf("datapoints = %+v", out.Datapoints)
	}
	for i, w := range wants {
		d := out.Datapoints[i]
		if !d.Timestamp.Equal(base.Add(w.at)) || d.Unit != w.unit || *d.SampleCount != w.n || *d.Sum != w.sum ||
			*d.Minimum != w.min || *d.Maximum != w.max || *d.Average != w.av {
			t.Errorf("datapoint %d = %v %s n=%v sum=%v min=%v max=%v avg=%v, want %+v", i, d.Timestamp, d.Unit,
				*d.SampleCount, *d.Sum, *d.Minimum, *d.Maximum, *d.Average, w)
		}
	}

	in.Unit, in.Statistics = "Percent", []string{"Sum"}
	out, err = s.GetMetricStatistics(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Datapoints) != 2 || *out.Datapoints[0].Sum != 4 || *out.Datapoints[1].Sum != 21 || out.Datapoints[0].Average != nil {
		t.Fatalf("Percent only: %+v", out.Datapoints)
	}
}

func TestGetMetricStatisticsValidation(t *testing.T) {
	s, _, _ := newTestService(t)
	ok := GetMetricStatisticsInput{Namespace: "AWS/EC2", MetricName: "m", StartTime: t0.Add(-time.Hour), EndTime: t0, Period: 60, Statistics: []string{"Sum"}}
	cases := []struct {
		name string
		mod  func(*GetMetricStatisticsInput)
		code string
	}{
		{"ok", func(*GetMetricStatisticsInput) {}, ""},
		{"no namespace", func(in *GetMetricStatisticsInput) { in.Namespace = "" }, CodeMissingParameter},
		{"no metric", func(in *GetMetricStatisticsInput) { in.MetricName = "" }, CodeMissingParameter},
		{"no start", func(in *GetMetricStatisticsInput) { in.StartTime = time.Time{} }, CodeMissingParameter},
		{"no period", func(in *GetMetricStatisticsInput) { in.Period = 0 }, CodeMissingParameter},
		{"period 45", func(in *GetMetricStatisticsInput) { in.Period = 45 }, CodeInvalidParameterValue},
		{"period 90", func(in *GetMetricStatisticsInput) { in.Period = 90 }, CodeInvalidParameterValue},
		{"no statistics", func(in *GetMetricStatisticsInput) { in.Statistics = nil }, CodeInvalidParameterCombination},
		{"both statistics", func(in *GetMetricStatisticsInput) { in.ExtendedStatistics = []string{"p99"} }, CodeInvalidParameterCombination},
		{"bad statistic", func(in *GetMetricStatisticsInput) { in.Statistics = []string{"Median"} }, CodeInvalidParameterValue},
		{"six statistics", func(in *GetMetricStatisticsInput) {
			in.Statistics = []string{"Sum", "Sum", "Sum", "Sum", "Sum", "Sum"}
		}, CodeInvalidParameterValue},
		{"bad extended", func(in *GetMetricStatisticsInput) { in.Statistics, in.ExtendedStatistics = nil, []string{"p101"} }, CodeInvalidParameterValue},
		{"bad unit", func(in *GetMetricStatisticsInput) { in.Unit = "Parsecs" }, CodeInvalidParameterValue},
		{"end before start", func(in *GetMetricStatisticsInput) { in.EndTime = in.StartTime }, CodeInvalidParameterValue},
		{"1440 datapoints", func(in *GetMetricStatisticsInput) { in.StartTime = t0.Add(-24 * time.Hour) }, ""},
		{"1441 datapoints", func(in *GetMetricStatisticsInput) { in.StartTime = t0.Add(-24*time.Hour - time.Minute) }, CodeInvalidParameterCombination},
		{"too many dimensions", func(in *GetMetricStatisticsInput) { in.Dimensions = make([]Dimension, 31) }, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.mod(&in)
			_, err := s.GetMetricStatistics(context.Background(), in)
			wantCode(t, err, c.code)
		})
	}
}

func TestPlanResolution(t *testing.T) {
	now := t0
	cases := []struct {
		age    time.Duration
		period int
		res    int
		ok     bool
		round  int // start rounded to a multiple of this
	}{
		{time.Hour, 1, 1, true, 1},
		{time.Hour, 10, 1, true, 10},
		{time.Hour, 60, 60, true, 60},
		{time.Hour, 300, 60, true, 60},
		{4 * time.Hour, 1, 0, false, 1},
		{4 * time.Hour, 30, 0, false, 30},
		{4 * time.Hour, 60, 60, true, 60},
		{4 * time.Hour, 120, 60, true, 60},
		{16 * 24 * time.Hour, 60, 0, false, 300},
		{16 * 24 * time.Hour, 120, 0, false, 300},
		{16 * 24 * time.Hour, 600, 300, true, 300},
		{16 * 24 * time.Hour, 3600, 300, true, 300},
		{64 * 24 * time.Hour, 300, 0, false, 3600},
		{64 * 24 * time.Hour, 7200, 3600, true, 3600},
		{456 * 24 * time.Hour, 3600, 0, false, 3600},
	}
	for _, c := range cases {
		start := now.Add(-c.age).Add(-1234567 * time.Millisecond)
		w := plan(now, start, now, c.period)
		if w.ok != c.ok || w.ok && w.res != c.res {
			t.Errorf("age %v period %d: res %d ok %v, want %d %v", c.age, c.period, w.res, w.ok, c.res, c.ok)
		}
		if w.start.After(start) || w.start.Unix()%int64(c.round) != 0 || start.Sub(w.start) >= time.Duration(c.round)*time.Second {
			t.Errorf("age %v period %d: start %v rounded to %v, want a multiple of %d s", c.age, c.period, start, w.start, c.round)
		}
	}
}

func TestHighResolutionReads(t *testing.T) {
	s, _, clk := newTestService(t)
	base := t0.Add(-10 * time.Minute)
	for i := range 20 {
		put(t, s, MetricDatum{MetricName: "hr", Timestamp: base.Add(time.Duration(i) * time.Second), Value: f(float64(i)), StorageResolution: 1})
	}
	get := func(period int) []Datapoint {
		t.Helper()
		out, err := s.GetMetricStatistics(context.Background(), GetMetricStatisticsInput{Namespace: "ns", MetricName: "hr",
			StartTime: base, EndTime: base.Add(time.Minute), Period: period, Statistics: []string{"Sum"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Datapoints
	}
	if d := get(1); len(d) != 20 || *d[3].Sum != 3 {
		t.Fatalf("period 1: %d datapoints", len(d))
	}
	if d := get(5); len(d) != 4 || *d[1].Sum != 5+6+7+8+9 || !d[1].Timestamp.Equal(base.Add(5*time.Second)) {
		t.Fatalf("period 5: %+v", d)
	}
	if d := get(60); len(d) != 1 || *d[0].Sum != 190 {
		t.Fatalf("period 60: %+v", d)
	}
	clk.Advance(4 * time.Hour) // the 1 s data is past its retention
	if d := get(1); len(d) != 0 {
		t.Fatalf("period 1 after 4 h: %+v", d)
	}
	if d := get(60); len(d) != 1 || *d[0].Sum != 190 {
		t.Fatalf("period 60 after 4 h: %+v", d)
	}
}

func TestOldDataAtCoarserPeriods(t *testing.T) {
	s, _, clk := newTestService(t)
	ts := t0.Add(-13 * 24 * time.Hour)
	put(t, s, MetricDatum{MetricName: "old", Timestamp: ts, Value: f(4)})
	clk.Advance(10 * 24 * time.Hour) // now 23 days old
	get := func(period int) []Datapoint {
		out, err := s.GetMetricStatistics(context.Background(), GetMetricStatisticsInput{Namespace: "ns", MetricName: "old",
			StartTime: ts.Add(-time.Hour), EndTime: ts.Add(time.Hour), Period: period, Statistics: []string{"Maximum"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Datapoints
	}
	if d := get(60); len(d) != 0 {
		t.Fatalf("period 60 at 23 days: %+v", d)
	}
	if d := get(600); len(d) != 1 || *d[0].Maximum != 4 {
		t.Fatalf("period 600 at 23 days: %+v", d)
	}
}
