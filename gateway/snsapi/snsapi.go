// Package snsapi is the SNS operation table (awsQuery, Version 2010-03-31,
// signing name "sns"): wire shapes converted to and from the sns domain, one
// file per feature, and the unauthenticated link handler (Links) that serves
// SubscribeURL, UnsubscribeURL, the mail confirmation pages and the signing
// certificate.
package snsapi

import (
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/sns"
)

// wire is SNS's protocol facts.
var wire = protocol.Service{
	XMLNamespace:   "http://sns.amazonaws.com/doc/2010-03-31/",
	ShapeNamespace: "com.amazonaws.sns",
}

// errorTable is SNS's error table: the model's shape names, their query codes
// and HTTP statuses (botocore sns/2010-03-31).
var errorTable = map[string]gateway.ErrorInfo{
	sns.CodeInvalidParameter:      {QueryCode: "InvalidParameter"},
	sns.CodeInvalidParameterValue: {QueryCode: "ParameterValueInvalid"},
	sns.CodeNotFound:              {Status: 404, QueryCode: "NotFound"},
	sns.CodeResourceNotFound:      {Status: 404, QueryCode: "ResourceNotFound"},
	sns.CodeAuthorizationError:    {Status: 403, QueryCode: "AuthorizationError"},
	sns.CodeInternalError:         {Status: 500, QueryCode: "InternalError", Server: true},
	sns.CodeTagLimitExceeded:      {QueryCode: "TagLimitExceeded"},
	sns.CodeTagPolicy:             {QueryCode: "TagPolicy"},
	sns.CodeSubscriptionLimit:     {Status: 403, QueryCode: "SubscriptionLimitExceeded"},
	sns.CodeFilterPolicyLimit:     {Status: 403, QueryCode: "FilterPolicyLimitExceeded"},
	sns.CodeTopicLimitExceeded:    {Status: 403, QueryCode: "TopicLimitExceeded"},
	sns.CodeEmptyBatch:            {QueryCode: "EmptyBatchRequest"},
	sns.CodeTooManyEntries:        {QueryCode: "TooManyEntriesInBatchRequest"},
	sns.CodeBatchIDsNotDistinct:   {QueryCode: "BatchEntryIdsNotDistinct"},
	sns.CodeBatchTooLong:          {QueryCode: "BatchRequestTooLong"},
	sns.CodeInvalidBatchEntryID:   {QueryCode: "InvalidBatchEntryId"},
}

// queryCode is the wire code of a domain error code.
func queryCode(code string) string {
	if info, ok := errorTable[code]; ok && info.QueryCode != "" {
		return info.QueryCode
	}
	return code
}

// Service returns the SNS operation table.
func Service(t *sns.Topics) *gateway.Service {
	var ops []gateway.Op
	ops = append(ops, topicOps(t)...)
	ops = append(ops, subscriptionOps(t)...)
	ops = append(ops, publishOps(t)...)
	return &gateway.Service{
		Name:        "sns",
		SigningName: "sns",
		Accepts:     gateway.Query,
		Wire:        wire,
		Errors:      errorTable,
		Ops:         gateway.Ops(ops...),
	}
}

func deref[T any](p *T) T {
	if p == nil {
		var z T
		return z
	}
	return *p
}

func tokenOut(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}
