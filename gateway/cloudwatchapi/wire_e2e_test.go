package cloudwatchapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
)

// The metric operations through aws-sdk-go-v2 (RPC v2 CBOR) and both aws
// CLIs (awsJson1_0, awsQuery): timestamps lists, extended-statistic maps,
// pagination and error codes on every protocol.

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestMetricsOverEveryProtocol(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(srv.AWSConfig())
	base := time.Now().UTC().Truncate(time.Minute).Add(-30 * time.Minute)
	ns := aws.String("Wire/Test")
	dims := []cwtypes.Dimension{{Name: aws.String("Queue"), Value: aws.String("jobs")}}

	// Five minutes of 1..10 at high resolution through the SDK.
	var data []cwtypes.MetricDatum
	for m := range 5 {
		data = append(data, cwtypes.MetricDatum{MetricName: aws.String("Depth"), Dimensions: dims, StorageResolution: aws.Int32(1),
			Timestamp: aws.Time(base.Add(time.Duration(m) * time.Minute)), Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, Unit: cwtypes.StandardUnitCount})
	}
	if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: ns, MetricData: data}); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
	st, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: ns, MetricName: aws.String("Depth"), Dimensions: dims,
		StartTime: aws.Time(base), EndTime: aws.Time(base.Add(5 * time.Minute)), Period: aws.Int32(300),
		ExtendedStatistics: []string{"p90", "TM(10%:90%)", "PR(:5)"}})
	if err != nil {
		t.Fatalf("GetMetricStatistics: %v", err)
	}
	if len(st.Datapoints) != 1 || aws.ToString(st.Label) != "Depth" {
		t.Fatalf("GetMetricStatistics = %+v", st)
	}
	if ext := st.Datapoints[0].ExtendedStatistics; ext["p90"] != 9 || ext["TM(10%:90%)"] != 5.5 || ext["PR(:5)"] != 50 {
		t.Errorf("extended statistics = %v", ext)
	}

	// GetMetricData: ten datapoints at 30 s (high resolution), pages of 4.
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(base), EndTime: aws.Time(base.Add(5 * time.Minute)), MaxDatapoints: aws.Int32(4),
		ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("d"), MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{Namespace: ns, MetricName: aws.String("Depth"), Dimensions: dims}, Period: aws.Int32(30), Stat: aws.String("SampleCount")}}}}
	var times []time.Time
	for pages := 0; ; pages++ {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			t.Fatalf("GetMetricData: %v", err)
		}
		for _, r := range out.MetricDataResults {
			times = append(times, r.Timestamps...)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(times) != 5 || !times[0].Equal(base) || !times[4].Equal(base.Add(4*time.Minute)) {
		t.Errorf("GetMetricData timestamps = %v", times)
	}

	// Errors through the SDK (CBOR carries the query code for the SDK).
	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(base), EndTime: aws.Time(base.Add(time.Minute)),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("e"), Expression: aws.String("FILL(m1, 0)")}}})
	if c := apiCode(err); c != "InvalidParameterValue" {
		t.Errorf("expression: %v", err)
	}
	_, err = cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: ns, MetricName: aws.String("Depth"),
		StartTime: aws.Time(base.Add(-2 * 24 * time.Hour)), EndTime: aws.Time(base), Period: aws.Int32(60), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
	if c := apiCode(err); c != "InvalidParameterCombination" {
		t.Errorf("2 days at 60 s: %v", err)
	}
	_, err = cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{NextToken: aws.String("bogus")})
	if c := apiCode(err); c != "InvalidNextToken" {
		t.Errorf("bad token: %v", err)
	}

	ts := base.Add(10 * time.Minute).Format(time.RFC3339)
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(bin, func(t *testing.T) {
			servertest.NeedBinary(t, bin)
			c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
			name := fmt.Sprintf("Set%d", i)
			c.JSON("put-metric-data", "--namespace", "Wire/Test", "--metric-name", name, "--timestamp", ts, "--unit", "Seconds",
				"--statistic-values", "SampleCount=2,Sum=6,Minimum=3,Maximum=3")
			out := c.JSON("get-metric-statistics", "--namespace", "Wire/Test", "--metric-name", name, "--start-time", ts,
				"--end-time", base.Add(11*time.Minute).Format(time.RFC3339), "--period", "60", "--extended-statistics", "p50", "tc99")
			dps, _ := out["Datapoints"].([]any)
			if len(dps) != 1 {
				t.Fatalf("get-metric-statistics = %v", out)
			}
			d := dps[0].(map[string]any)
			ext, _ := d["ExtendedStatistics"].(map[string]any)
			if d["Unit"] != "Seconds" || ext["p50"] != 3.0 || ext["tc99"] == nil || !cliTime(d["Timestamp"]).Equal(base.Add(10*time.Minute)) {
				t.Errorf("datapoint = %v", d)
			}
			out = c.JSON("get-metric-data", "--start-time", base.Format(time.RFC3339), "--end-time", base.Add(5*time.Minute).Format(time.RFC3339),
				"--metric-data-queries", `[{"Id":"d","Label":"depth","MetricStat":{"Metric":{"Namespace":"Wire/Test","MetricName":"Depth","Dimensions":[{"Name":"Queue","Value":"jobs"}]},"Period":60,"Stat":"Maximum"}}]`)
			res, _ := out["MetricDataResults"].([]any)
			if len(res) != 1 {
				t.Fatalf("get-metric-data = %v", out)
			}
			r := res[0].(map[string]any)
			if r["Label"] != "depth" || r["StatusCode"] != "Complete" || fmt.Sprint(r["Values"]) != "[10 10 10 10 10]" {
				t.Errorf("get-metric-data result = %v", r)
			}
			if tss, _ := r["Timestamps"].([]any); len(tss) != 5 || !slices.ContainsFunc(tss, func(x any) bool {
				return cliTime(x).Equal(base.Add(4 * time.Minute))
			}) {
				t.Errorf("timestamps = %v", r["Timestamps"])
			}
			out = c.JSON("list-metrics", "--namespace", "Wire/Test", "--metric-name", "Depth")
			if ms, _ := out["Metrics"].([]any); len(ms) != 1 {
				t.Errorf("list-metrics = %v", out)
			}
			c.Fails("InvalidParameterValue", "put-metric-data", "--namespace", "Wire/Test", "--metric-name", "m", "--value", "1", "--unit", "Parsecs")
			c.Fails("InvalidParameterCombination", "get-metric-statistics", "--namespace", "Wire/Test", "--metric-name", "Depth",
				"--start-time", ts, "--end-time", base.Add(11*time.Minute).Format(time.RFC3339), "--period", "60",
				"--statistics", "Sum", "--extended-statistics", "p50")
			c.Fails("InvalidParameterValue", "get-metric-statistics", "--namespace", "Wire/Test", "--metric-name", "Depth",
				"--start-time", ts, "--end-time", base.Add(11*time.Minute).Format(time.RFC3339), "--period", "45", "--statistics", "Sum")
		})
	}
}

// cliTime reads a timestamp as a CLI prints it: the pip CLI v1 prints the
// wire value (epoch seconds on awsJson), the Debian CLI ISO 8601.
func cliTime(x any) time.Time {
	switch v := x.(type) {
	case float64:
		return time.Unix(int64(v), 0)
	case string:
		t, _ := time.Parse(time.RFC3339, v)
		return t
	}
	return time.Time{}
}
