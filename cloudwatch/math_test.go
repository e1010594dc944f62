package cloudwatch

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestParseMath(t *testing.T) {
	for _, s := range []string{"m1", "m1+m2", "(m1 + m2) / 2", "-m1 * 3.5", "SUM(METRICS())", "AVG([m1, m2 * 2])", "MAX(m1)",
		"m1/ (m2-1)", " MIN( METRICS() ) ", "e1 * 100"} {
		if _, ok := parseMath(s); !ok {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"", "m1 +", "M1", "RATE(m1)", "SUM(", "SUM()", "SUM([])", "SUM([m1,])", "(m1", "m1)", "1e5", "m1 ^ 2",
		"METRICS()", "m1 m2", "sum(m1)", "1..2", "--------------------------------------------------------------------------------m1"} {
		if _, ok := parseMath(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestGetMetricDataMath(t *testing.T) {
	s, _, _ := newTestService(t)
	base := t0.Add(-time.Hour)
	for i := range 3 {
		ts := base.Add(time.Duration(i) * time.Minute)
		put(t, s, MetricDatum{MetricName: "a", Timestamp: ts, Value: f(float64(i + 1))})
		if i != 1 {
			put(t, s, MetricDatum{MetricName: "b", Timestamp: ts, Value: f(10)})
		}
	}
	no := false
	qa, qb := statQuery("a", "a", "Sum", 60), statQuery("b", "b", "Sum", 60)
	qb.ReturnData = &no
	out, err := s.GetMetricData(context.Background(), GetMetricDataInput{StartTime: base, EndTime: base.Add(5 * time.Minute), ScanBy: ScanAscending,
		Queries: []MetricDataQuery{qa, qb,
			{ID: "plus", Expression: "a + b"},
			{ID: "pct", Expression: "100 * a / (a + b)", Label: "share"},
			{ID: "total", Expression: "SUM(METRICS())"},
			{ID: "avg", Expression: "AVG([a, b, 4])"},
			{ID: "neg", Expression: "-MAX(a) + plus"},
			{ID: "zero", Expression: "a / (b - 10)"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a":     "[0 60 120] [1 2 3]",
		"plus":  "[0 120] [11 13]",
		"pct":   fmt.Sprintf("[0 120] [%v %v]", 100*1/11.0, 100*3/13.0),
		"total": "[0 60 120] [11 2 13]",
		"avg":   fmt.Sprintf("[0 60 120] [5 3 %v]", 17/3.0),
		"neg":   "[0 120] [10 10]",
		"zero":  "[] []",
	}
	if len(out.Results) != len(want) {
		t.Fatalf("results: %+v", out.Results)
	}
	for _, r := range out.Results {
		var offs []int64
		for _, ts := range r.Timestamps {
			offs = append(offs, int64(ts.Sub(base)/time.Second))
		}
		got := fmt.Sprintf("%v %v", offs, r.Values)
		if offs == nil {
			got = fmt.Sprintf("[] %v", r.Values)
		}
		if got != want[r.ID] {
			t.Errorf("%s = %s, want %s", r.ID, got, want[r.ID])
		}
		for _, v := range r.Values {
			if math.IsInf(v, 0) || math.IsNaN(v) {
				t.Errorf("%s has %v", r.ID, v)
			}
		}
	}
	if out.Results[2].Label != "share" || out.Results[1].Label != "plus" {
		t.Errorf("labels: %q %q", out.Results[1].Label, out.Results[2].Label)
	}
}

func FuzzMetricMath(f *testing.F) {
	for _, s := range []string{"m1", "(m1 + m2) / 2", "SUM(METRICS())", "AVG([m1, m2 * 2, 3])", "-MAX(m1) - -1", "m1/(m2-m2)"} {
		f.Add(s)
	}
	m1 := series{0: 1, 60: 2, 120: -3}
	m2 := series{60: 0, 120: 5}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseMath(s)
		if !ok {
			return
		}
		n.eval(func(id string) series {
			if id == "m2" {
				return m2
			}
			return m1
		}, []series{m1, m2})
	})
}
