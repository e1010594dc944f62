// Package cloudwatchapi is the CloudWatch operation table. CloudWatch speaks
// three protocols at once — Smithy RPC v2 CBOR (aws-sdk-go-v2, the JS SDK),
// awsJson1_0 (boto3 and the current CLI) and awsQuery (older CLIs) — and is
// query-compatible: errors carry their query code in x-amzn-query-error.
//
// Metrics (PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics)
// are the cloudwatch domain's; wire shapes (shapes.go) follow botocore's
// cloudwatch/2010-08-01 model. Metric alarms (alarms.go) are the domain's
// too.
package cloudwatchapi

import (
	"context"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
)

// errorTable maps the model's error shapes to their query codes.
var errorTable = map[string]gateway.ErrorInfo{
	cloudwatch.CodeInvalidParameterValue:       {QueryCode: "InvalidParameterValue"},
	cloudwatch.CodeInvalidParameterCombination: {QueryCode: "InvalidParameterCombination"},
	cloudwatch.CodeMissingParameter:            {QueryCode: "MissingParameter"},
	cloudwatch.CodeInvalidNextToken:            {},
	cloudwatch.CodeResourceNotFound:            {Status: 404, QueryCode: "ResourceNotFound"},
	cloudwatch.CodeResourceNotFoundException:   {Status: 404},
	cloudwatch.CodeLimitExceeded:               {QueryCode: "LimitExceeded"},
	cloudwatch.CodeInvalidFormat:               {QueryCode: "InvalidFormat"},
	"InternalServiceFault":                     {Status: 500, QueryCode: "InternalServiceError", Server: true},
}

// Service returns the CloudWatch operation table over cw.
func Service(cw *cloudwatch.Service) *gateway.Service {
	return &gateway.Service{
		Name:        "cloudwatch",
		SigningName: "monitoring",
		Accepts:     gateway.CBOR | gateway.JSON | gateway.Query,
		CBORService: "GraniteServiceVersion20100801",
		Wire: protocol.Service{
			TargetPrefix:    "GraniteServiceVersion20100801",
			JSONVersion:     "1.0",
			ShapeNamespace:  "com.amazonaws.cloudwatch",
			XMLNamespace:    "http://monitoring.amazonaws.com/doc/2010-08-01/",
			QueryCompatible: true,
		},
		Errors: errorTable,
		Ops: gateway.Ops(append(alarmOps(cw),
			gateway.Handle("PutMetricData", func(ctx context.Context, in *putMetricDataInput) (*struct{}, error) {
				return nil, cw.PutMetricData(ctx, in.Namespace, in.data())
			}),
			gateway.Handle("GetMetricStatistics", func(ctx context.Context, in *getMetricStatisticsInput) (*getMetricStatisticsOutput, error) {
				res, err := cw.GetMetricStatistics(ctx, in.domain())
				if err != nil {
					return nil, err
				}
				return statisticsOut(res), nil
			}),
			gateway.Handle("GetMetricData", func(ctx context.Context, in *getMetricDataInput) (*getMetricDataOutput, error) {
				res, err := cw.GetMetricData(ctx, in.domain())
				if err != nil {
					return nil, err
				}
				return metricDataOut(res), nil
			}),
			gateway.Handle("ListMetrics", func(ctx context.Context, in *listMetricsInput) (*listMetricsOutput, error) {
				ms, next, err := cw.ListMetrics(ctx, in.domain())
				if err != nil {
					return nil, err
				}
				out := &listMetricsOutput{Metrics: make([]metric, len(ms)), NextToken: strOut(next)}
				for i, m := range ms {
					out.Metrics[i] = metricOut(m)
				}
				return out, nil
			}),
		)...),
	}
}

func strOut(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
