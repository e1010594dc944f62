package cloudwatch

import (
	"context"
	"testing"
	"time"
)

func TestListMetrics(t *testing.T) {
	s, _, clk := newTestService(t)
	ctx := context.Background()
	var data []MetricDatum
	for i := range 1000 {
		data = append(data, MetricDatum{MetricName: "m", Dimensions: []Dimension{{"host", "h" + itoa(i)}, {"role", "web"}}, Value: f(1)})
	}
	if err := s.PutMetricData(ctx, "ns", data); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMetricData(ctx, "other", []MetricDatum{{MetricName: "x", Value: f(1)}, {MetricName: "y", Dimensions: []Dimension{{"role", "db"}}, Value: f(1)}}); err != nil {
		t.Fatal(err)
	}
	list := func(in ListMetricsInput) []Metric {
		t.Helper()
		var all []Metric
		for pages := 0; ; pages++ {
			ms, next, err := s.ListMetrics(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) > 500 {
				t.Fatalf("page of %d", len(ms))
			}
			all = append(all, ms...)
			if next == "" {
				return all
			}
			in.NextToken = next
		}
	}
	if n := len(list(ListMetricsInput{})); n != 1002 {
		t.Fatalf("all: %d", n)
	}
	if ms := list(ListMetricsInput{Namespace: "other"}); len(ms) != 2 {
		t.Fatalf("other: %+v", ms)
	}
	web := "web"
	if n := len(list(ListMetricsInput{Dimensions: []DimensionFilter{{Name: "role", Value: &web}}})); n != 1000 {
		t.Fatalf("role=web: %d", n)
	}
	if ms := list(ListMetricsInput{Dimensions: []DimensionFilter{{Name: "role"}}, MetricName: "y"}); len(ms) != 1 || ms[0].Dimensions[0].Value != "db" {
		t.Fatalf("role=* y: %+v", ms)
	}
	clk.Advance(4 * time.Hour)
	if err := s.PutMetricData(ctx, "other", []MetricDatum{{MetricName: "x", Value: f(2)}}); err != nil {
		t.Fatal(err)
	}
	if ms := list(ListMetricsInput{RecentlyActive: "PT3H"}); len(ms) != 1 || ms[0].Name != "x" {
		t.Fatalf("recently active: %+v", ms)
	}
	clk.Advance(14 * 24 * time.Hour)
	if ms := list(ListMetricsInput{}); len(ms) != 1 {
		t.Fatalf("after two weeks: %d", len(ms))
	}
	for _, in := range []ListMetricsInput{
		{RecentlyActive: "PT1H"}, {Namespace: ":x"}, {Dimensions: make([]DimensionFilter, 11)},
	} {
		_, _, err := s.ListMetrics(ctx, in)
		wantCode(t, err, CodeInvalidParameterValue)
	}
	_, _, err := s.ListMetrics(ctx, ListMetricsInput{NextToken: "nope"})
	wantCode(t, err, CodeInvalidNextToken)
}
