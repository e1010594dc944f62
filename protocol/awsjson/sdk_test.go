package awsjson_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyjson "github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/awsjson"
)

// Wire shapes of the operations the real clients call below.
type (
	getParameterInput struct {
		Name           string `json:"Name"`
		WithDecryption *bool  `json:"WithDecryption,omitempty"`
	}
	parameter struct {
		Name             string    `json:"Name"`
		Type             string    `json:"Type"`
		Value            string    `json:"Value"`
		Version          int64     `json:"Version"`
		LastModifiedDate time.Time `json:"LastModifiedDate,omitzero"`
		ARN              string    `json:"ARN"`
		DataType         string    `json:"DataType"`
	}
	getParameterOutput struct {
		Parameter *parameter `json:"Parameter,omitempty"`
	}
	getParametersByPathOutput struct {
		Parameters []parameter `json:"Parameters"`
		NextToken  *string     `json:"NextToken,omitempty"`
	}
	dimension struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	listMetricsInput struct {
		Namespace  *string     `json:"Namespace,omitempty"`
		MetricName *string     `json:"MetricName,omitempty"`
		Dimensions []dimension `json:"Dimensions,omitempty"`
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
)

// serve runs handle behind a real HTTP server for the duration of the test.
func serve(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, op string, body []byte)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		target := r.Header.Get("X-Amz-Target")
		_, op, _ := strings.Cut(target, ".")
		handle(w, r, op, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

var creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")

func TestSSMClient(t *testing.T) {
	codec := awsjson.New("1.1")
	modified := time.Date(2026, 1, 21, 10, 15, 0, 125_000_000, time.UTC)
	url := serve(t, func(w http.ResponseWriter, r *http.Request, op string, body []byte) {
		if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("request Content-Type %q", ct)
		}
		switch op {
		case "GetParameter":
			var in getParameterInput
			if err := codec.Decode(r, body, &in); err != nil {
				t.Errorf("decode %s: %v", body, err)
			}
			if in.Name == "/missing" {
				codec.WriteError(w, "req-404", svc11, &protocol.Fault{Code: "ParameterNotFound", QueryCode: "ParameterNotFound", Message: "Parameter /missing not found.", Sender: true})
				return
			}
			if in.WithDecryption == nil || !*in.WithDecryption {
				t.Errorf("WithDecryption not read: %s", body)
			}
			codec.WriteResult(w, "req-1", svc11, op, &getParameterOutput{Parameter: &parameter{
				Name: in.Name, Type: "SecureString", Value: "postgres://db/\"x\"\n", Version: 7,
				LastModifiedDate: modified, ARN: "arn:aws:ssm:us-east-1:000000000000:parameter" + in.Name, DataType: "text",
			}})
		case "GetParametersByPath":
			codec.WriteResult(w, "req-2", svc11, op, &getParametersByPathOutput{Parameters: []parameter{}})
		default:
			t.Errorf("unexpected operation %q", op)
		}
	})
	client := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1})
	ctx := context.Background()

	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/url"), WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Parameter
	if aws.ToString(p.Name) != "/app/db/url" || p.Type != ssmtypes.ParameterTypeSecureString ||
		aws.ToString(p.Value) != "postgres://db/\"x\"\n" || p.Version != 7 || aws.ToString(p.DataType) != "text" ||
		!p.LastModifiedDate.Equal(modified) {
		t.Errorf("GetParameter returned %+v (LastModifiedDate %v)", p, p.LastModifiedDate)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != "req-1" {
		t.Errorf("request id %q", id)
	}

	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/missing")})
	var nf *ssmtypes.ParameterNotFound
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Parameter /missing not found." {
		t.Errorf("got %v, want ParameterNotFound", err)
	}

	byPath, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if byPath.Parameters == nil || len(byPath.Parameters) != 0 {
		t.Errorf("Parameters = %#v, want empty and non-nil", byPath.Parameters)
	}
}

// TestCloudWatchJSON10 drives awsJson1_0 with a query-compatible service, as
// boto3 talks to CloudWatch.
func TestCloudWatchJSON10(t *testing.T) {
	codec := awsjson.New("1.0")
	svc := &protocol.Service{TargetPrefix: "GraniteServiceVersion20100801", JSONVersion: "1.0",
		ShapeNamespace: "com.amazonaws.cloudwatch", QueryCompatible: true}
	url := serve(t, func(w http.ResponseWriter, r *http.Request, op string, body []byte) {
		if r.Header.Get("X-Amzn-Query-Mode") != "true" {
			t.Error("no X-Amzn-Query-Mode header")
		}
		var in listMetricsInput
		if err := codec.Decode(r, body, &in); err != nil {
			t.Errorf("decode %s: %v", body, err)
		}
		if aws.ToString(in.Namespace) == "Missing" {
			codec.WriteError(w, "req-err", svc, &protocol.Fault{Code: "ResourceNotFound", QueryCode: "ResourceNotFound", Message: "no such namespace", Status: 404, Sender: true})
			return
		}
		if aws.ToString(in.Namespace) == "Invalid" {
			codec.WriteError(w, "req-err", svc, &protocol.Fault{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue", Message: "bad", Sender: true})
			return
		}
		if len(in.Dimensions) != 1 || in.Dimensions[0] != (dimension{"InstanceId", "i-1"}) {
			t.Errorf("dimensions %+v", in.Dimensions)
		}
		codec.WriteResult(w, "req-1", svc, op, &listMetricsOutput{
			Metrics:   []metric{{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: []dimension{{"InstanceId", "i-1"}}}},
			NextToken: aws.String("next"),
		})
	})
	client := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1},
		func(o *cloudwatch.Options) { o.Protocol = smithyjson.New10(cwschemas.GraniteServiceVersion20100801) })
	ctx := context.Background()

	out, err := client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{
		Namespace:  aws.String("AWS/EC2"),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Metrics) != 1 || aws.ToString(out.Metrics[0].MetricName) != "CPUUtilization" ||
		aws.ToString(out.Metrics[0].Dimensions[0].Value) != "i-1" || aws.ToString(out.NextToken) != "next" {
		t.Errorf("ListMetrics returned %+v", out)
	}

	_, err = client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Missing")})
	var rnf *cwtypes.ResourceNotFound
	if !errors.As(err, &rnf) || rnf.ErrorCode() != "ResourceNotFound" {
		t.Errorf("got %v, want ResourceNotFound", err)
	}
	_, err = client.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Invalid")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("got %v, want the query code InvalidParameterValue", err)
	}
}
