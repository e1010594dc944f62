package rpcv2cbor_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/rpcv2cbor"
)

// Wire shapes of the CloudWatch operations the real client calls below.
type (
	dimension struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	listMetricsInput struct {
		Namespace  *string     `json:"Namespace,omitempty"`
		MetricName *string     `json:"MetricName,omitempty"`
		Dimensions []dimension `json:"Dimensions,omitempty"`
		NextToken  *string     `json:"NextToken,omitempty"`
	}
	metric struct {
		Namespace  string      `json:"Namespace"`
		MetricName string      `json:"MetricName"`
		Dimensions []dimension `json:"Dimensions,omitempty"`
	}
	listMetricsOutput struct {
		Metrics        []metric `json:"Metrics"`
		NextToken      *string  `json:"NextToken,omitempty"`
		OwningAccounts []string `json:"OwningAccounts,omitempty"`
	}
	statisticSet struct {
		SampleCount float64 `json:"SampleCount"`
		Sum         float64 `json:"Sum"`
		Minimum     float64 `json:"Minimum"`
		Maximum     float64 `json:"Maximum"`
	}
	metricDatum struct {
		MetricName        string        `json:"MetricName"`
		Dimensions        []dimension   `json:"Dimensions,omitempty"`
		Timestamp         *time.Time    `json:"Timestamp,omitempty"`
		Value             *float64      `json:"Value,omitempty"`
		StatisticValues   *statisticSet `json:"StatisticValues,omitempty"`
		Values            []float64     `json:"Values,omitempty"`
		Counts            []float64     `json:"Counts,omitempty"`
		Unit              string        `json:"Unit,omitempty"`
		StorageResolution *int32        `json:"StorageResolution,omitempty"`
	}
	putMetricDataInput struct {
		Namespace  string        `json:"Namespace"`
		MetricData []metricDatum `json:"MetricData"`
	}
	datapoint struct {
		Timestamp          time.Time          `json:"Timestamp"`
		SampleCount        *float64           `json:"SampleCount,omitempty"`
		Average            *float64           `json:"Average,omitempty"`
		Maximum            *float64           `json:"Maximum,omitempty"`
		Unit               string             `json:"Unit,omitempty"`
		ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
	}
	getMetricStatisticsInput struct {
		Namespace  string    `json:"Namespace"`
		MetricName string    `json:"MetricName"`
		StartTime  time.Time `json:"StartTime"`
		EndTime    time.Time `json:"EndTime"`
		Period     int32     `json:"Period"`
		Statistics []string  `json:"Statistics,omitempty"`
	}
	getMetricStatisticsOutput struct {
		Label      string      `json:"Label"`
		Datapoints []datapoint `json:"Datapoints"`
	}
)

func newClient(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, op string, body []byte)) *cloudwatch.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
			t.Errorf("request Smithy-Protocol %q", r.Header.Get("Smithy-Protocol"))
		}
		var src io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" { // the gateway's job
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Error(err)
				return
			}
			src = zr
		}
		body, err := io.ReadAll(src)
		if err != nil {
			t.Error(err)
			return
		}
		handle(w, r, path.Base(r.URL.Path), body)
	}))
	t.Cleanup(srv.Close)
	return cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func TestCloudWatchClient(t *testing.T) {
	codec := rpcv2cbor.New()
	stamp := time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC)
	var gotPut putMetricDataInput
	client := newClient(t, func(w http.ResponseWriter, r *http.Request, op string, body []byte) {
		switch op {
		case "ListMetrics":
			var in listMetricsInput
			if err := codec.Decode(r, body, &in); err != nil {
				t.Errorf("decode %x: %v", body, err)
			}
			switch aws.ToString(in.Namespace) {
			case "Missing":
				codec.WriteError(w, "req-404", svc, &protocol.Fault{Code: "ResourceNotFound", QueryCode: "ResourceNotFound", Message: "gone", Status: 404, Sender: true})
				return
			case "Invalid":
				codec.WriteError(w, "req-400", svc, &protocol.Fault{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue", Message: "bad", Sender: true})
				return
			}
			if len(in.Dimensions) != 1 || in.Dimensions[0] != (dimension{"InstanceId", "i-1"}) || aws.ToString(in.MetricName) != "CPUUtilization" {
				t.Errorf("ListMetrics input %+v", in)
			}
			codec.WriteResult(w, "req-1", svc, op, &listMetricsOutput{
				Metrics: []metric{
					{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: []dimension{{"InstanceId", "i-1"}}},
					{Namespace: "AWS/EC2", MetricName: "NetworkIn"},
				},
				NextToken:      aws.String("page-2"),
				OwningAccounts: []string{"000000000000"},
			})
		case "PutMetricData":
			if err := codec.Decode(r, body, &gotPut); err != nil {
				t.Errorf("decode %x: %v", body, err)
			}
			codec.WriteResult(w, "req-2", svc, op, nil)
		case "GetMetricStatistics":
			var in getMetricStatisticsInput
			if err := codec.Decode(r, body, &in); err != nil {
				t.Errorf("decode %x: %v", body, err)
			}
			if !in.StartTime.Equal(stamp) || !in.EndTime.Equal(stamp.Add(time.Hour)) || in.Period != 60 {
				t.Errorf("GetMetricStatistics input %+v", in)
			}
			codec.WriteResult(w, "req-3", svc, op, &getMetricStatisticsOutput{
				Label: "CPUUtilization",
				Datapoints: []datapoint{
					{Timestamp: stamp, SampleCount: aws.Float64(3), Average: aws.Float64(0.5), Unit: "Percent",
						ExtendedStatistics: map[string]float64{"p99": 0.9, "p50": 0.4}},
					{Timestamp: stamp.Add(time.Minute + 999*time.Millisecond), Maximum: aws.Float64(math.Inf(1))},
				},
			})
		default:
			t.Errorf("unexpected operation %q", op)
		}
	})
	ctx := context.Background()

	out, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{
		Namespace:  aws.String("AWS/EC2"),
		MetricName: aws.String("CPUUtilization"),
		Dimensions: []types.DimensionFilter{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Metrics) != 2 || aws.ToString(out.Metrics[0].Dimensions[0].Value) != "i-1" || out.Metrics[1].Dimensions != nil ||
		aws.ToString(out.NextToken) != "page-2" || len(out.OwningAccounts) != 1 {
		t.Errorf("ListMetrics returned %+v", out)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != "req-1" {
		t.Errorf("request id %q", id)
	}

	_, err = client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("App"),
		MetricData: []types.MetricDatum{
			{MetricName: aws.String("Latency"), Timestamp: aws.Time(stamp), Value: aws.Float64(12.5), Unit: types.StandardUnitMilliseconds,
				Dimensions:        []types.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}, {Name: aws.String("Zone"), Value: aws.String("b")}},
				StorageResolution: aws.Int32(1)},
			{MetricName: aws.String("Sizes"), Values: []float64{1, 2.5, 1e300}, Counts: []float64{3, 1, 1},
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(5), Sum: aws.Float64(10), Minimum: aws.Float64(0), Maximum: aws.Float64(4)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPut := putMetricDataInput{Namespace: "App", MetricData: []metricDatum{
		{MetricName: "Latency", Timestamp: &stamp, Value: aws.Float64(12.5), Unit: "Milliseconds",
			Dimensions: []dimension{{"Host", "a"}, {"Zone", "b"}}, StorageResolution: aws.Int32(1)},
		{MetricName: "Sizes", Values: []float64{1, 2.5, 1e300}, Counts: []float64{3, 1, 1},
			StatisticValues: &statisticSet{SampleCount: 5, Sum: 10, Minimum: 0, Maximum: 4}},
	}}
	if d := cmp.Diff(wantPut, gotPut, cmp.AllowUnexported(metricDatum{})); d != "" {
		t.Errorf("PutMetricData read (-want +got):\n%s", d)
	}

	stats, err := client.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("CPUUtilization"),
		StartTime: aws.Time(stamp), EndTime: aws.Time(stamp.Add(time.Hour)), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticAverage},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 2 {
		t.Fatalf("Datapoints %+v", stats.Datapoints)
	}
	d0, d1 := stats.Datapoints[0], stats.Datapoints[1]
	if !d0.Timestamp.Equal(stamp) || aws.ToFloat64(d0.Average) != 0.5 || d0.Unit != types.StandardUnitPercent ||
		d0.ExtendedStatistics["p99"] != 0.9 || d0.ExtendedStatistics["p50"] != 0.4 {
		t.Errorf("datapoint 0: %+v (timestamp %v)", d0, d0.Timestamp)
	}
	if !d1.Timestamp.Equal(stamp.Add(time.Minute+999*time.Millisecond)) || !math.IsInf(aws.ToFloat64(d1.Maximum), 1) {
		t.Errorf("datapoint 1: %+v (timestamp %v)", d1, d1.Timestamp)
	}

	_, err = client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Missing")})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "gone" {
		t.Errorf("got %v, want ResourceNotFound", err)
	}
	_, err = client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Invalid")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("got %v, want the query code InvalidParameterValue", err)
	}
}
