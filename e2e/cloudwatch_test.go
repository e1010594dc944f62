package e2e

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
)

// CloudWatch metrics end to end with three clients on three protocols:
// aws-sdk-go-v2 (Smithy RPC v2 CBOR), the pip CLI v1 (awsJson1_0) and
// Debian's /usr/bin/aws 2.9 (awsQuery). Each puts data, and every client
// reads back what all of them put, with the same numbers.

// cwMinute is a whole minute a few minutes ago (data is accepted up to two
// weeks back).
func cwMinute(back int) time.Time {
	return time.Now().UTC().Truncate(time.Minute).Add(-time.Duration(back) * time.Minute)
}

func TestCloudWatchMetricsWithEveryClient(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(srv.AWSConfig())
	t0 := cwMinute(10)
	host := []cwtypes.Dimension{{Name: aws.String("Host"), Value: aws.String("web-1")}}

	// aws-sdk-go-v2 (CBOR): raw values at t0, a statistic set at t0+1m.
	values := make([]float64, 100)
	for i := range values {
		values[i] = float64(i + 1)
	}
	if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Steward/Test"), MetricData: []cwtypes.MetricDatum{
		{MetricName: aws.String("Latency"), Dimensions: host, Timestamp: aws.Time(t0.Add(10 * time.Second)), Values: values, Unit: cwtypes.StandardUnitMilliseconds},
		{MetricName: aws.String("Latency"), Dimensions: host, Timestamp: aws.Time(t0.Add(70 * time.Second)), Unit: cwtypes.StandardUnitMilliseconds,
			StatisticValues: &cwtypes.StatisticSet{SampleCount: aws.Float64(4), Sum: aws.Float64(40), Minimum: aws.Float64(5), Maximum: aws.Float64(20)}},
	}}); err != nil {
		t.Fatalf("SDK PutMetricData: %v", err)
	}
	// pip CLI v1 (JSON) and /usr/bin/aws (query): one value each at t0+2m.
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		c.JSON("put-metric-data", "--namespace", "Steward/Test", "--metric-name", "Latency", "--unit", "Milliseconds",
			"--dimensions", "Host=web-1", "--timestamp", t0.Add(2*time.Minute+time.Duration(i)*time.Second).Format(time.RFC3339),
			"--value", fmt.Sprint(100*(i+1)))
		c.JSON("put-metric-data", "--namespace", "Steward/Test", "--metric-data",
			`[{"MetricName":"Requests","Dimensions":[{"Name":"Host","Value":"web-`+fmt.Sprint(i+2)+`"}],"Value":1,"Unit":"Count"}]`)
	}

	// What every client must read for Latency, Host=web-1, period 60.
	type point struct {
		count, sum, min, max, avg float64
		p50                       *float64
	}
	// p50 of 1…100 and of {100, 200}; a statistic set has no distribution,
	// so no percentile.
	p50a, p50b := 50.0, 100.0
	want := map[time.Time]point{
		t0:                      {count: 100, sum: 5050, min: 1, max: 100, avg: 50.5, p50: &p50a},
		t0.Add(time.Minute):     {count: 4, sum: 40, min: 5, max: 20, avg: 10},
		t0.Add(2 * time.Minute): {count: 2, sum: 300, min: 100, max: 200, avg: 150, p50: &p50b},
	}
	check := func(client string, got map[time.Time]point) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d datapoints, want %d: %+v", client, len(got), len(want), got)
		}
		for ts, w := range want {
			g, ok := got[ts]
			if !ok {
				t.Errorf("%s: no datapoint at %s", client, ts)
				continue
			}
			if g.count != w.count || g.sum != w.sum || g.min != w.min || g.max != w.max || g.avg != w.avg {
				t.Errorf("%s at %s: %+v, want %+v", client, ts, g, w)
			}
			if (w.p50 == nil) != (g.p50 == nil) || (w.p50 != nil && math.Abs(*g.p50-*w.p50) > 1) {
				t.Errorf("%s at %s: p50 %v, want %v", client, ts, g.p50, w.p50)
			}
		}
	}

	// SDK reads: the basic statistics, then the percentile (AWS takes
	// Statistics or ExtendedStatistics in one call, not both).
	in := cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Steward/Test"), MetricName: aws.String("Latency"), Dimensions: host,
		StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(3 * time.Minute)), Period: aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount, cwtypes.StatisticSum, cwtypes.StatisticMinimum, cwtypes.StatisticMaximum, cwtypes.StatisticAverage},
	}
	stats, err := cw.GetMetricStatistics(ctx, &in)
	if err != nil {
		t.Fatalf("SDK GetMetricStatistics: %v", err)
	}
	in.Statistics, in.ExtendedStatistics = nil, []string{"p50"}
	pct, err := cw.GetMetricStatistics(ctx, &in)
	if err != nil {
		t.Fatalf("SDK GetMetricStatistics p50: %v", err)
	}
	got := map[time.Time]point{}
	for _, d := range stats.Datapoints {
		if d.Unit != cwtypes.StandardUnitMilliseconds {
			t.Errorf("SDK datapoint unit %q", d.Unit)
		}
		got[d.Timestamp.UTC()] = point{count: aws.ToFloat64(d.SampleCount), sum: aws.ToFloat64(d.Sum), min: aws.ToFloat64(d.Minimum), max: aws.ToFloat64(d.Maximum), avg: aws.ToFloat64(d.Average)}
	}
	for _, d := range pct.Datapoints {
		if v, ok := d.ExtendedStatistics["p50"]; ok {
			p := got[d.Timestamp.UTC()]
			p.p50 = &v
			got[d.Timestamp.UTC()] = p
		}
	}
	check("aws-sdk-go-v2", got)

	// CLI reads, the same two calls.
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		args := []string{"get-metric-statistics", "--namespace", "Steward/Test", "--metric-name", "Latency", "--dimensions", "Name=Host,Value=web-1",
			"--start-time", t0.Format(time.RFC3339), "--end-time", t0.Add(3 * time.Minute).Format(time.RFC3339), "--period", "60"}
		got := map[time.Time]point{}
		for _, extra := range [][]string{{"--statistics", "SampleCount", "Sum", "Minimum", "Maximum", "Average"}, {"--extended-statistics", "p50"}} {
			out := c.JSON(append(slices.Clone(args), extra...)...)
			dps, _ := out["Datapoints"].([]any)
			for _, x := range dps {
				d := x.(map[string]any)
				// The pip CLI prints JSON-protocol timestamps as they arrive
				// (epoch seconds); /usr/bin/aws prints ISO 8601.
				var ts time.Time
				switch v := d["Timestamp"].(type) {
				case float64:
					ts = time.Unix(int64(v), 0)
				case string:
					var err error
					if ts, err = time.Parse(time.RFC3339, v); err != nil {
						t.Fatalf("%s timestamp %v: %v", bin, v, err)
					}
				default:
					t.Fatalf("%s timestamp %v", bin, d["Timestamp"])
				}
				ts = ts.UTC()
				p := got[ts]
				f := func(k string, into *float64) {
					if v, ok := d[k].(float64); ok {
						*into = v
					}
				}
				f("SampleCount", &p.count)
				f("Sum", &p.sum)
				f("Minimum", &p.min)
				f("Maximum", &p.max)
				f("Average", &p.avg)
				if ext, ok := d["ExtendedStatistics"].(map[string]any); ok {
					if v, ok := ext["p50"].(float64); ok {
						p.p50 = &v
					}
				}
				got[ts] = p
			}
		}
		check(bin, got)
	}

	// GetMetricData, newest first by default, through the SDK and the CLIs.
	gmd, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(3 * time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("lat"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: aws.String("Steward/Test"), MetricName: aws.String("Latency"), Dimensions: host},
			Period: aws.Int32(60), Stat: aws.String("Maximum")}}},
	})
	if err != nil {
		t.Fatalf("SDK GetMetricData: %v", err)
	}
	if len(gmd.MetricDataResults) != 1 {
		t.Fatalf("GetMetricData results %+v", gmd.MetricDataResults)
	}
	r := gmd.MetricDataResults[0]
	if aws.ToString(r.Id) != "lat" || aws.ToString(r.Label) != "Latency" || r.StatusCode != cwtypes.StatusCodeComplete ||
		fmt.Sprint(r.Values) != "[200 20 100]" || len(r.Timestamps) != 3 || !r.Timestamps[0].Equal(t0.Add(2*time.Minute)) {
		t.Errorf("GetMetricData: id %q label %q status %q values %v timestamps %v", aws.ToString(r.Id), aws.ToString(r.Label), r.StatusCode, r.Values, r.Timestamps)
	}
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		out := c.JSON("get-metric-data", "--start-time", t0.Format(time.RFC3339), "--end-time", t0.Add(3*time.Minute).Format(time.RFC3339),
			"--scan-by", "TimestampAscending", "--metric-data-queries",
			`[{"Id":"lat","MetricStat":{"Metric":{"Namespace":"Steward/Test","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}]},"Period":60,"Stat":"Sum"}}]`)
		res, _ := out["MetricDataResults"].([]any)
		if len(res) != 1 || fmt.Sprint(res[0].(map[string]any)["Values"]) != "[5050 40 300]" {
			t.Errorf("%s get-metric-data: %v", bin, out)
		}
	}

	// ListMetrics: three metrics in the namespace; a dimension filter picks one.
	lm, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Steward/Test")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range lm.Metrics {
		var dims []string
		for _, d := range m.Dimensions {
			dims = append(dims, aws.ToString(d.Name)+"="+aws.ToString(d.Value))
		}
		names = append(names, aws.ToString(m.MetricName)+"{"+strings.Join(dims, ",")+"}")
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "Latency{Host=web-1} Requests{Host=web-2} Requests{Host=web-3}" {
		t.Errorf("ListMetrics: %v", names)
	}
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		out := c.JSON("list-metrics", "--namespace", "Steward/Test", "--metric-name", "Requests", "--dimensions", "Name=Host,Value=web-3")
		if ms, _ := out["Metrics"].([]any); len(ms) != 1 {
			t.Errorf("%s list-metrics with a dimension filter: %v", bin, out)
		}
	}
}

// Bad input gets the AWS error on every protocol and stores nothing.
func TestCloudWatchPutMetricDataValidation(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(srv.AWSConfig())
	dims := make([]cwtypes.Dimension, 31)
	for i := range dims {
		dims[i] = cwtypes.Dimension{Name: aws.String(fmt.Sprintf("d%d", i)), Value: aws.String("v")}
	}
	for _, tc := range []struct {
		name  string
		in    cloudwatch.PutMetricDataInput
		codes []string // accepted codes (the CBOR/JSON shape name or the query code)
	}{
		{"AWS/ namespace", cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}},
			[]string{"InvalidParameterValue", "InvalidParameterValueException"}},
		{"31 dimensions", cloudwatch.PutMetricDataInput{Namespace: aws.String("Ok"), MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: dims}}},
			[]string{"InvalidParameterValue", "InvalidParameterValueException"}},
		{"value and statistic set", cloudwatch.PutMetricDataInput{Namespace: aws.String("Ok"), MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1),
			StatisticValues: &cwtypes.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}}},
			[]string{"InvalidParameterCombination", "InvalidParameterCombinationException"}},
		{"too old", cloudwatch.PutMetricDataInput{Namespace: aws.String("Ok"), MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(time.Now().Add(-15 * 24 * time.Hour))}}},
			[]string{"InvalidParameterValue", "InvalidParameterValueException"}},
	} {
		_, err := cw.PutMetricData(ctx, &tc.in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || !slices.Contains(tc.codes, ae.ErrorCode()) {
			t.Errorf("%s: %v, want one of %v", tc.name, err, tc.codes)
		}
	}
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		c.Fails("InvalidParameterValue", "put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "m", "--value", "1")
	}
	lm, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	if err != nil || len(lm.Metrics) != 0 {
		t.Errorf("after refused puts, ListMetrics = %v, %v", lm, err)
	}
}
