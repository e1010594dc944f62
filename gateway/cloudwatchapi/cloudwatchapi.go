// Package cloudwatchapi is the CloudWatch operation table. CloudWatch speaks
// three protocols at once — Smithy RPC v2 CBOR (aws-sdk-go-v2, the JS SDK),
// awsJson1_0 (boto3 and the current CLI) and awsQuery (older CLIs) — and is
// query-compatible: errors carry their query code in x-amzn-query-error.
//
// For now it serves ListMetrics over an empty metric store; the CloudWatch
// issue adds metrics, alarms and the rest.
package cloudwatchapi

import (
	"context"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
)

type dimensionFilter struct {
	Name  string  `json:"Name"`
	Value *string `json:"Value,omitempty"`
}

type listMetricsInput struct {
	Namespace             *string           `json:"Namespace,omitempty"`
	MetricName            *string           `json:"MetricName,omitempty"`
	Dimensions            []dimensionFilter `json:"Dimensions,omitempty"`
	NextToken             *string           `json:"NextToken,omitempty"`
	RecentlyActive        *string           `json:"RecentlyActive,omitempty"`
	IncludeLinkedAccounts *bool             `json:"IncludeLinkedAccounts,omitempty"`
	OwningAccount         *string           `json:"OwningAccount,omitempty"`
}

type dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type metric struct {
	Namespace  *string     `json:"Namespace,omitempty"`
	MetricName *string     `json:"MetricName,omitempty"`
	Dimensions []dimension `json:"Dimensions,omitempty"`
}

type listMetricsOutput struct {
	Metrics        []metric `json:"Metrics"`
	NextToken      *string  `json:"NextToken,omitempty"`
	OwningAccounts []string `json:"OwningAccounts,omitempty"`
}

// Error codes (model shape names) and their query codes.
const (
	codeInvalidParameterValue = "InvalidParameterValueException"
	codeInvalidNextToken      = "InvalidNextToken"
)

// Service returns the CloudWatch operation table.
func Service() *gateway.Service {
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
		Errors: map[string]gateway.ErrorInfo{
			codeInvalidParameterValue:              {QueryCode: "InvalidParameterValue"},
			"InvalidParameterCombinationException": {QueryCode: "InvalidParameterCombination"},
			"MissingRequiredParameterException":    {QueryCode: "MissingParameter"},
			"ResourceNotFound":                     {Status: 404, QueryCode: "ResourceNotFound"},
			"ResourceNotFoundException":            {Status: 404},
			"LimitExceededFault":                   {QueryCode: "LimitExceeded"},
			codeInvalidNextToken:                   {},
			"InternalServiceFault":                 {Status: 500, QueryCode: "InternalServiceError", Server: true},
		},
		Ops: gateway.Ops(
			gateway.Handle("ListMetrics", listMetrics),
		),
	}
}

func listMetrics(ctx context.Context, in *listMetricsInput) (*listMetricsOutput, error) {
	if in.Namespace != nil && (len(*in.Namespace) < 1 || len(*in.Namespace) > 255) {
		return nil, steward.Errorf(codeInvalidParameterValue, "The parameter Namespace must be between 1 and 255 characters.")
	}
	if len(in.Dimensions) > 10 {
		return nil, steward.Errorf(codeInvalidParameterValue, "The collection Dimensions must not have a size greater than 10.")
	}
	if in.RecentlyActive != nil && *in.RecentlyActive != "PT3H" {
		return nil, steward.Errorf(codeInvalidParameterValue, "The parameter RecentlyActive must be PT3H.")
	}
	if in.NextToken != nil {
		// No metric store yet, so no token of ours can exist.
		return nil, steward.Errorf(codeInvalidNextToken, "The NextToken is not valid.")
	}
	return &listMetricsOutput{Metrics: []metric{}}, nil
}
