package cloudwatch

import (
	"context"
	"strings"
	"testing"
	"time"
)

func statQuery(id, name, stat string, period int) MetricDataQuery {
	return MetricDataQuery{ID: id, MetricStat: &MetricStat{Metric: Metric{Namespace: "ns", Name: name}, Period: period, Stat: stat}}
}

func TestGetMetricData(t *testing.T) {
	s, _, _ := newTestService(t)
	base := t0.Add(-time.Hour)
	for i := range 5 {
		ts := base.Add(time.Duration(i) * time.Minute)
		put(t, s, MetricDatum{MetricName: "a", Timestamp: ts, Value: f(float64(i)), Unit: "Count"},
			MetricDatum{MetricName: "a", Timestamp: ts, Value: f(10), Unit: "Percent"},
			MetricDatum{MetricName: "b", Timestamp: ts, Values: []float64{1, 2, 3}})
	}
	no := false
	in := GetMetricDataInput{StartTime: base, EndTime: base.Add(5 * time.Minute), Queries: []MetricDataQuery{
		statQuery("sum_a", "a", "Sum", 60),
		{ID: "hidden", MetricStat: &MetricStat{Metric: Metric{Namespace: "ns", Name: "a"}, Period: 60, Stat: "Sum"}, ReturnData: &no},
		{ID: "count", Label: "counted", MetricStat: &MetricStat{Metric: Metric{Namespace: "ns", Name: "a"}, Period: 300, Stat: "Sum", Unit: "Count"}},
		statQuery("p", "b", "p50", 120),
		statQuery("none", "missing", "Average", 60),
	}}
	out, err := s.GetMetricData(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if out.NextToken != "" || len(out.Results) != 4 {
		t.Fatalf("results: %+v", out)
	}
	r := out.Results[0]
	if r.ID != "sum_a" || r.Label != "a" || r.StatusCode != StatusComplete || len(r.Values) != 5 {
		t.Fatalf("sum_a: %+v", r)
	}
	// Descending by default; units merged.
	if !r.Timestamps[0].Equal(base.Add(4*time.Minute)) || r.Values[0] != 14 || r.Values[4] != 10 {
		t.Fatalf("sum_a: %+v", r)
	}
	if r := out.Results[1]; r.ID != "count" || r.Label != "counted" || len(r.Values) != 1 || r.Values[0] != 0+1+2+3+4 {
		t.Fatalf("count: %+v", r)
	}
	if r := out.Results[2]; len(r.Values) != 3 || r.Values[0] != 2 || !r.Timestamps[0].Equal(base.Add(4*time.Minute)) {
		t.Fatalf("p: %+v", r)
	}
	if r := out.Results[3]; r.ID != "none" || len(r.Values) != 0 || r.Values == nil || r.StatusCode != StatusComplete {
		t.Fatalf("none: %+v", r)
	}

	in.ScanBy = ScanAscending
	out, err = s.GetMetricData(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Results[0]; !r.Timestamps[0].Equal(base) || r.Values[0] != 10 {
		t.Fatalf("ascending: %+v", r)
	}
}

func TestGetMetricDataPagination(t *testing.T) {
	s, _, _ := newTestService(t)
	base := t0.Add(-time.Hour)
	for i := range 7 {
		put(t, s, MetricDatum{MetricName: "a", Timestamp: base.Add(time.Duration(i) * time.Minute), Value: f(float64(i))},
			MetricDatum{MetricName: "b", Timestamp: base.Add(time.Duration(i) * time.Minute), Value: f(float64(100 + i))})
	}
	in := GetMetricDataInput{StartTime: base, EndTime: base.Add(time.Hour), ScanBy: ScanAscending, MaxDatapoints: 4,
		Queries: []MetricDataQuery{statQuery("a", "a", "Maximum", 60), statQuery("b", "b", "Maximum", 60)}}
	got := map[string][]float64{}
	pages := 0
	for {
		out, err := s.GetMetricData(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n := 0
		for _, r := range out.Results {
			n += len(r.Values)
			got[r.ID] = append(got[r.ID], r.Values...)
			if (r.StatusCode == StatusPartialData) != (out.NextToken != "" && len(got[r.ID]) < 7) {
				t.Fatalf("page %d: %s status %s", pages, r.ID, r.StatusCode)
			}
		}
		if n > 4 {
			t.Fatalf("page %d has %d datapoints", pages, n)
		}
		if out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if pages != 4 || len(got["a"]) != 7 || len(got["b"]) != 7 || got["a"][6] != 6 || got["b"][0] != 100 {
		t.Fatalf("%d pages: %v", pages, got)
	}
	in.NextToken = "bogus"
	_, err := s.GetMetricData(context.Background(), in)
	wantCode(t, err, CodeInvalidNextToken)
}

func TestGetMetricDataValidation(t *testing.T) {
	s, _, _ := newTestService(t)
	q := statQuery("m1", "a", "Sum", 60)
	cases := []struct {
		name string
		mod  func(*GetMetricDataInput)
		code string
	}{
		{"ok", func(*GetMetricDataInput) {}, ""},
		{"no queries", func(in *GetMetricDataInput) { in.Queries = nil }, CodeMissingParameter},
		{"501 queries", func(in *GetMetricDataInput) { in.Queries = make([]MetricDataQuery, 501) }, CodeInvalidParameterValue},
		{"no id", func(in *GetMetricDataInput) { in.Queries[0].ID = "" }, CodeMissingParameter},
		{"upper id", func(in *GetMetricDataInput) { in.Queries[0].ID = "M1" }, CodeInvalidParameterValue},
		{"dash id", func(in *GetMetricDataInput) { in.Queries[0].ID = "m-1" }, CodeInvalidParameterValue},
		{"duplicate id", func(in *GetMetricDataInput) { in.Queries = append(in.Queries, q) }, CodeInvalidParameterValue},
		{"expression", func(in *GetMetricDataInput) {
			in.Queries[0].MetricStat, in.Queries[0].Expression = nil, "SUM(METRICS())"
		}, ""},
		{"unsupported expression", func(in *GetMetricDataInput) { in.Queries[0].MetricStat, in.Queries[0].Expression = nil, "RATE(m1)" }, CodeInvalidParameterValue},
		{"unknown id", func(in *GetMetricDataInput) {
			in.Queries = append(in.Queries, MetricDataQuery{ID: "e1", Expression: "m1 + m9"})
		}, CodeInvalidParameterValue},
		{"cycle", func(in *GetMetricDataInput) {
			in.Queries = append(in.Queries, MetricDataQuery{ID: "e1", Expression: "e2 * 2"}, MetricDataQuery{ID: "e2", Expression: "e1 + m1"})
		}, CodeInvalidParameterValue},
		{"scalar expression", func(in *GetMetricDataInput) {
			in.Queries = append(in.Queries, MetricDataQuery{ID: "e1", Expression: "2 * 3"})
		}, CodeInvalidParameterValue},
		{"long expression", func(in *GetMetricDataInput) {
			in.Queries = append(in.Queries, MetricDataQuery{ID: "e1", Expression: "m1" + strings.Repeat("+m1", 700)})
		}, CodeInvalidParameterValue},
		{"both", func(in *GetMetricDataInput) { in.Queries[0].Expression = "m2*2" }, CodeInvalidParameterCombination},
		{"neither", func(in *GetMetricDataInput) { in.Queries[0].MetricStat = nil }, CodeInvalidParameterCombination},
		{"bad stat", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Stat = "Median" }, CodeInvalidParameterValue},
		{"no stat", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Stat = "" }, CodeMissingParameter},
		{"extended stat", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Stat = "TM(10%:90%)" }, ""},
		{"bad period", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Period = 7 }, CodeInvalidParameterValue},
		{"no namespace", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Metric.Namespace = "" }, CodeMissingParameter},
		{"bad unit", func(in *GetMetricDataInput) { in.Queries[0].MetricStat.Unit = "x" }, CodeInvalidParameterValue},
		{"bad scan", func(in *GetMetricDataInput) { in.ScanBy = "Sideways" }, CodeInvalidParameterValue},
		{"negative max", func(in *GetMetricDataInput) { in.MaxDatapoints = -1 }, CodeInvalidParameterValue},
		{"end before start", func(in *GetMetricDataInput) { in.EndTime = in.StartTime.Add(-time.Second) }, CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qq := q
			ms := *q.MetricStat
			qq.MetricStat = &ms
			in := GetMetricDataInput{StartTime: t0.Add(-time.Hour), EndTime: t0, Queries: []MetricDataQuery{qq}}
			c.mod(&in)
			_, err := s.GetMetricData(context.Background(), in)
			wantCode(t, err, c.code)
		})
	}
}
