package awsquery_test

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyquery "github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"github.com/google/go-cmp/cmp"

	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/awsquery"
)

// Wire shapes of the operations the real clients call below.
type (
	getCallerIdentityOutput struct {
		UserID  string `json:"UserId"`
		Account string `json:"Account"`
		Arn     string `json:"Arn"`
	}
	assumeRoleInput struct {
		RoleArn         string   `json:"RoleArn"`
		RoleSessionName string   `json:"RoleSessionName"`
		DurationSeconds *int32   `json:"DurationSeconds,omitempty"`
		Tags            []tag    `json:"Tags,omitempty"`
		TransitiveTags  []string `json:"TransitiveTagKeys,omitempty"`
	}
	tag struct {
		Key   string `json:"Key"`
		Value string `json:"Value"`
	}
	stsCredentials struct {
		AccessKeyID     string    `json:"AccessKeyId"`
		SecretAccessKey string    `json:"SecretAccessKey"`
		SessionToken    string    `json:"SessionToken"`
		Expiration      time.Time `json:"Expiration"`
	}
	assumedRoleUser struct {
		AssumedRoleID string `json:"AssumedRoleId"`
		Arn           string `json:"Arn"`
	}
	assumeRoleOutput struct {
		Credentials      *stsCredentials  `json:"Credentials,omitempty"`
		AssumedRoleUser  *assumedRoleUser `json:"AssumedRoleUser,omitempty"`
		PackedPolicySize *int32           `json:"PackedPolicySize,omitempty"`
	}

	dimension struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
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
	metric struct {
		Namespace  string      `json:"Namespace"`
		MetricName string      `json:"MetricName"`
		Dimensions []dimension `json:"Dimensions,omitempty"`
	}
	listMetricsInput struct {
		Namespace  *string     `json:"Namespace,omitempty"`
		Dimensions []dimension `json:"Dimensions,omitempty"`
	}
	listMetricsOutput struct {
		Metrics   []metric `json:"Metrics"`
		NextToken *string  `json:"NextToken,omitempty"`
	}
	datapoint struct {
		Timestamp          time.Time          `json:"Timestamp"`
		SampleCount        *float64           `json:"SampleCount,omitempty"`
		Average            *float64           `json:"Average,omitempty"`
		Maximum            *float64           `json:"Maximum,omitempty"`
		Unit               string             `json:"Unit,omitempty"`
		ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
	}
	getMetricStatisticsOutput struct {
		Label      string      `json:"Label"`
		Datapoints []datapoint `json:"Datapoints"`
	}
)

var (
	stsSvc = &protocol.Service{XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/"}
	cwSvc  = &protocol.Service{XMLNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/", QueryCompatible: true}
	creds  = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
)

// serve runs handle behind a real HTTP server; body is gunzipped as the
// gateway would, and op is the Action pair.
func serve(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, op string, body []byte)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var src io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
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
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("body %q: %v", body, err)
		}
		handle(w, r, form.Get("Action"), body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSTSClient(t *testing.T) {
	codec := awsquery.New()
	expires := time.Date(2026, 1, 21, 11, 15, 0, 359_000_000, time.UTC)
	url := serve(t, func(w http.ResponseWriter, r *http.Request, op string, body []byte) {
		switch op {
		case "GetCallerIdentity":
			codec.WriteResult(w, "req-1", stsSvc, op, &getCallerIdentityOutput{
				UserID: "AIDAEXAMPLE", Account: "000000000000", Arn: "arn:aws:iam::000000000000:user/admin",
			})
		case "AssumeRole":
			var in assumeRoleInput
			if err := codec.Decode(r, body, &in); err != nil {
				t.Errorf("decode %s: %v", body, err)
			}
			if in.RoleSessionName == "bad" {
				codec.WriteError(w, "req-err", stsSvc, &protocol.Fault{Code: "MalformedPolicyDocumentException", QueryCode: "MalformedPolicyDocument", Message: "bad policy", Sender: true})
				return
			}
			if in.RoleSessionName == "denied" {
				codec.WriteError(w, "req-err", stsSvc, &protocol.Fault{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403, Sender: true})
				return
			}
			want := assumeRoleInput{RoleArn: "arn:aws:iam::000000000000:role/ops", RoleSessionName: "s & <1>", DurationSeconds: aws.Int32(900),
				Tags: []tag{{"team", "ops"}, {"env", "a=b&c"}}, TransitiveTags: []string{"team"}}
			if d := cmp.Diff(want, in); d != "" {
				t.Errorf("AssumeRole read (-want +got):\n%s", d)
			}
			codec.WriteResult(w, "req-2", stsSvc, op, &assumeRoleOutput{
				Credentials:      &stsCredentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s/e+c=r", SessionToken: "tok<&>", Expiration: expires},
				AssumedRoleUser:  &assumedRoleUser{AssumedRoleID: "AROA:s", Arn: "arn:aws:sts::000000000000:assumed-role/ops/s"},
				PackedPolicySize: aws.Int32(6),
			})
		default:
			t.Errorf("unexpected action %q", op)
		}
	})
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1})
	ctx := context.Background()

	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "000000000000" || aws.ToString(id.UserId) != "AIDAEXAMPLE" || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/admin" {
		t.Errorf("GetCallerIdentity returned %+v", id)
	}
	if rid, _ := awsmiddleware.GetRequestIDMetadata(id.ResultMetadata); rid != "req-1" {
		t.Errorf("request id %q", rid)
	}

	role, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/ops"), RoleSessionName: aws.String("s & <1>"), DurationSeconds: aws.Int32(900),
		Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}, {Key: aws.String("env"), Value: aws.String("a=b&c")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := role.Credentials
	if aws.ToString(c.SecretAccessKey) != "s/e+c=r" || aws.ToString(c.SessionToken) != "tok<&>" || !c.Expiration.Equal(expires) ||
		aws.ToString(role.AssumedRoleUser.AssumedRoleId) != "AROA:s" || aws.ToInt32(role.PackedPolicySize) != 6 {
		t.Errorf("AssumeRole returned %+v %+v (expires %v)", c, role.AssumedRoleUser, c.Expiration)
	}

	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:x"), RoleSessionName: aws.String("bad")})
	var mp *ststypes.MalformedPolicyDocumentException
	if !errors.As(err, &mp) || mp.ErrorMessage() != "bad policy" {
		t.Errorf("got %v, want MalformedPolicyDocument", err)
	}
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:x"), RoleSessionName: aws.String("denied")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidClientTokenId" {
		t.Errorf("got %v, want InvalidClientTokenId", err)
	}
}

// TestCloudWatchQuery drives CloudWatch over awsQuery, as the Debian aws CLI
// does: nested lists of structures in, lists and maps out.
func TestCloudWatchQuery(t *testing.T) {
	codec := awsquery.New()
	stamp := time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC)
	var gotPut putMetricDataInput
	url := serve(t, func(w http.ResponseWriter, r *http.Request, op string, body []byte) {
		switch op {
		case "PutMetricData":
			if err := codec.Decode(r, body, &gotPut); err != nil {
				t.Errorf("decode %s: %v", body, err)
			}
			codec.WriteResult(w, "req-1", cwSvc, op, nil)
		case "ListMetrics":
			var in listMetricsInput
			if err := codec.Decode(r, body, &in); err != nil {
				t.Errorf("decode %s: %v", body, err)
			}
			if aws.ToString(in.Namespace) == "Missing" {
				codec.WriteError(w, "req-err", cwSvc, &protocol.Fault{Code: "ResourceNotFound", QueryCode: "ResourceNotFound", Message: "gone", Status: 404, Sender: true})
				return
			}
			codec.WriteResult(w, "req-2", cwSvc, op, &listMetricsOutput{
				Metrics: []metric{{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: in.Dimensions}, {Namespace: "AWS/EC2", MetricName: "NetworkIn"}},
			})
		case "GetMetricStatistics":
			codec.WriteResult(w, "req-3", cwSvc, op, &getMetricStatisticsOutput{
				Label: "CPUUtilization",
				Datapoints: []datapoint{
					{Timestamp: stamp, SampleCount: aws.Float64(3), Average: aws.Float64(0.5), Unit: "Percent",
						ExtendedStatistics: map[string]float64{"p99": 0.9, "p50": 0.4}},
					{Timestamp: stamp.Add(time.Minute), Maximum: aws.Float64(math.Inf(1))},
				},
			})
		default:
			t.Errorf("unexpected action %q", op)
		}
	})
	client := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1},
		func(o *cloudwatch.Options) { o.Protocol = smithyquery.New(cwschemas.GraniteServiceVersion20100801) })
	ctx := context.Background()

	_, err := client.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("App"),
		MetricData: []cwtypes.MetricDatum{
			{MetricName: aws.String("Latency"), Timestamp: aws.Time(stamp), Value: aws.Float64(12.5), Unit: cwtypes.StandardUnitMilliseconds,
				Dimensions:        []cwtypes.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}, {Name: aws.String("Zone"), Value: aws.String("b c")}},
				StorageResolution: aws.Int32(1)},
			{MetricName: aws.String("Sizes"), Values: []float64{1, 2.5, 1e300}, Counts: []float64{3, 1, 1},
				StatisticValues: &cwtypes.StatisticSet{SampleCount: aws.Float64(5), Sum: aws.Float64(10), Minimum: aws.Float64(0), Maximum: aws.Float64(4)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPut := putMetricDataInput{Namespace: "App", MetricData: []metricDatum{
		{MetricName: "Latency", Timestamp: &stamp, Value: aws.Float64(12.5), Unit: "Milliseconds",
			Dimensions: []dimension{{"Host", "a"}, {"Zone", "b c"}}, StorageResolution: aws.Int32(1)},
		{MetricName: "Sizes", Values: []float64{1, 2.5, 1e300}, Counts: []float64{3, 1, 1},
			StatisticValues: &statisticSet{SampleCount: 5, Sum: 10, Minimum: 0, Maximum: 4}},
	}}
	if d := cmp.Diff(wantPut, gotPut); d != "" {
		t.Errorf("PutMetricData read (-want +got):\n%s", d)
	}

	lm, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2"),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lm.Metrics) != 2 || aws.ToString(lm.Metrics[0].Dimensions[0].Value) != "i-1" || lm.NextToken != nil {
		t.Errorf("ListMetrics returned %+v", lm)
	}

	stats, err := client.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("CPUUtilization"),
		StartTime: aws.Time(stamp), EndTime: aws.Time(stamp.Add(time.Hour)), Period: aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticAverage},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 2 || aws.ToString(stats.Label) != "CPUUtilization" {
		t.Fatalf("GetMetricStatistics returned %+v", stats)
	}
	d0, d1 := stats.Datapoints[0], stats.Datapoints[1]
	if !d0.Timestamp.Equal(stamp) || aws.ToFloat64(d0.Average) != 0.5 || d0.Unit != cwtypes.StandardUnitPercent ||
		d0.ExtendedStatistics["p99"] != 0.9 || d0.ExtendedStatistics["p50"] != 0.4 {
		t.Errorf("datapoint 0: %+v (timestamp %v)", d0, d0.Timestamp)
	}
	if !d1.Timestamp.Equal(stamp.Add(time.Minute)) || !math.IsInf(aws.ToFloat64(d1.Maximum), 1) {
		t.Errorf("datapoint 1: %+v", d1)
	}

	_, err = client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Missing")})
	var rnf *cwtypes.ResourceNotFound
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "gone" {
		t.Errorf("got %v, want ResourceNotFound", err)
	}
}
