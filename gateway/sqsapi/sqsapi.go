// Package sqsapi is the SQS operation table: AmazonSQS.* over awsJson1_0
// (query-compatible: errors carry their query code in x-amzn-query-error)
// and the older awsQuery protocol (Version=2012-11-05, which clients may
// POST to a queue URL), wire shapes converted to and from the sqs domain.
package sqsapi

import (
	"context"
	"strings"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/sqs"
)

// errorTable maps the domain's codes (the model's shape names) to their
// status and awsQuery code (aws-sdk-go-v2 service/sqs schemas: the
// awsQueryError and httpError traits). Codes not listed are 400 client
// faults whose query code is the code itself (InvalidAttributeName,
// InvalidAttributeValue, InvalidMessageContents, InvalidParameterValue,
// MissingParameter, …).
var errorTable = map[string]gateway.ErrorInfo{
	sqs.CodeQueueDoesNotExist:            {QueryCode: "AWS.SimpleQueueService.NonExistentQueue"},
	sqs.CodeQueueNameExists:              {QueryCode: "QueueAlreadyExists"},
	"QueueDeletedRecently":               {QueryCode: "AWS.SimpleQueueService.QueueDeletedRecently"},
	sqs.CodePurgeQueueInProgress:         {Status: 403, QueryCode: "AWS.SimpleQueueService.PurgeQueueInProgress"},
	sqs.CodeMessageNotInflight:           {QueryCode: "AWS.SimpleQueueService.MessageNotInflight"},
	sqs.CodeTooManyEntriesInBatchRequest: {QueryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
	sqs.CodeEmptyBatchRequest:            {QueryCode: "AWS.SimpleQueueService.EmptyBatchRequest"},
	sqs.CodeBatchEntryIdsNotDistinct:     {QueryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
	sqs.CodeBatchRequestTooLong:          {QueryCode: "AWS.SimpleQueueService.BatchRequestTooLong"},
	sqs.CodeInvalidBatchEntryID:          {QueryCode: "AWS.SimpleQueueService.InvalidBatchEntryId"},
	sqs.CodeUnsupportedOperation:         {QueryCode: "AWS.SimpleQueueService.UnsupportedOperation"},
	sqs.CodeReceiptHandleIsInvalid:       {Status: 404},
	sqs.CodeOverLimit:                    {Status: 403},
	"RequestThrottled":                   {Status: 403},
	"InvalidAddress":                     {Status: 404},
	"InvalidSecurity":                    {Status: 403},
	"ResourceNotFoundException":          {Status: 404},
}

// Service returns the SQS operation table.
func Service(q *sqs.Queues) *gateway.Service {
	ops := append(queueOps(q), messageOps(q)...)
	return &gateway.Service{
		Name:        "sqs",
		SigningName: "sqs",
		Accepts:     gateway.JSON | gateway.Query,
		Wire: protocol.Service{
			TargetPrefix:    "AmazonSQS",
			JSONVersion:     "1.0",
			ShapeNamespace:  "com.amazonaws.sqs",
			XMLNamespace:    "http://queue.amazonaws.com/doc/2012-11-05/",
			QueryCompatible: true,
		},
		Errors: errorTable,
		Ops:    gateway.Ops(ops...),
	}
}

// queueURL is the request's QueueUrl or, for an awsQuery request POSTed to
// a queue URL without one, that URL's path.
func queueURL(ctx context.Context, given string) string {
	if given != "" {
		return given
	}
	if p := steward.CallerFrom(ctx).Path; strings.Count(p, "/") == 2 && len(p) > 1 {
		return p
	}
	return ""
}

// batchError renders a per-entry failure: the code clients see in that
// protocol's BatchResultErrorEntry is the query code, as AWS sends it.
func batchError(id string, e *steward.Error) batchResultErrorEntry {
	code := e.Code
	if info, ok := errorTable[code]; ok && info.QueryCode != "" {
		code = info.QueryCode
	}
	msg := e.Message
	return batchResultErrorEntry{Id: id, SenderFault: e.Code != steward.CodeInternalFailure, Code: code, Message: &msg}
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
