package snsapi

import (
	"context"
	"slices"
	"strings"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/sns"
)

// publishOps are Publish and PublishBatch.
func publishOps(t *sns.Topics) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("Publish", func(ctx context.Context, in *publishInput) (*publishOutput, error) {
			res, err := t.Publish(ctx, sns.PublishInput{
				TopicARN: deref(in.TopicArn), TargetARN: deref(in.TargetArn), PhoneNumber: deref(in.PhoneNumber),
				PublishEntry: sns.PublishEntry{
					Message: in.Message, Subject: deref(in.Subject), MessageStructure: deref(in.MessageStructure),
					Attributes: attributesIn(in.MessageAttributes), GroupID: deref(in.MessageGroupId),
					DeduplicationID: deref(in.MessageDeduplicationId),
				},
			})
			if err != nil {
				return nil, err
			}
			out := &publishOutput{MessageId: res.MessageID}
			if res.SequenceNumber != "" {
				out.SequenceNumber = &res.SequenceNumber
			}
			return out, nil
		}),
		gateway.Handle("PublishBatch", func(ctx context.Context, in *publishBatchInput) (*publishBatchOutput, error) {
			entries := make([]sns.BatchEntry, len(in.PublishBatchRequestEntries))
			for i, e := range in.PublishBatchRequestEntries {
				entries[i] = sns.BatchEntry{ID: e.Id, PublishEntry: sns.PublishEntry{
					Message: e.Message, Subject: deref(e.Subject), MessageStructure: deref(e.MessageStructure),
					Attributes: attributesIn(e.MessageAttributes), GroupID: deref(e.MessageGroupId),
					DeduplicationID: deref(e.MessageDeduplicationId),
				}}
			}
			res, err := t.PublishBatch(ctx, in.TopicArn, entries)
			if err != nil {
				return nil, err
			}
			out := &publishBatchOutput{Successful: []publishBatchResultEntry{}, Failed: []batchResultErrorEntry{}}
			for _, s := range res.Successful {
				e := publishBatchResultEntry{Id: s.ID, MessageId: s.MessageID}
				if s.SequenceNumber != "" {
					e.SequenceNumber = &s.SequenceNumber
				}
				out.Successful = append(out.Successful, e)
			}
			for _, f := range res.Failed {
				msg := f.Err.Message
				out.Failed = append(out.Failed, batchResultErrorEntry{Id: f.ID, Code: queryCode(f.Err.Code), Message: &msg, SenderFault: f.Err.Status < 500})
			}
			return out, nil
		}),
	}
}

// attributesIn converts the wire message attributes to the domain's,
// sorted by name. Fuzzed: any decoded map converts without panicking.
func attributesIn(in map[string]messageAttributeValue) []sns.MessageAttribute {
	if len(in) == 0 {
		return nil
	}
	out := make([]sns.MessageAttribute, 0, len(in))
	for name, v := range in {
		out = append(out, sns.MessageAttribute{Name: name, DataType: v.DataType, StringValue: deref(v.StringValue), BinaryValue: v.BinaryValue})
	}
	slices.SortFunc(out, func(a, b sns.MessageAttribute) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Wire shapes (botocore sns/2010-03-31). MessageAttributes is a map whose
// query entries are named Name and Value.

type messageAttributeValue struct {
	DataType    string  `json:"DataType"`
	StringValue *string `json:"StringValue"`
	BinaryValue []byte  `json:"BinaryValue"`
}

type publishInput struct {
	TopicArn               *string                          `json:"TopicArn"`
	TargetArn              *string                          `json:"TargetArn"`
	PhoneNumber            *string                          `json:"PhoneNumber"`
	Message                string                           `json:"Message"`
	Subject                *string                          `json:"Subject"`
	MessageStructure       *string                          `json:"MessageStructure"`
	MessageAttributes      map[string]messageAttributeValue `json:"MessageAttributes" query:"MessageAttributes,key=Name,value=Value"`
	MessageDeduplicationId *string                          `json:"MessageDeduplicationId"`
	MessageGroupId         *string                          `json:"MessageGroupId"`
}

type publishOutput struct {
	MessageId      string  `json:"MessageId"`
	SequenceNumber *string `json:"SequenceNumber"`
}

type publishBatchRequestEntry struct {
	Id                     string                           `json:"Id"`
	Message                string                           `json:"Message"`
	Subject                *string                          `json:"Subject"`
	MessageStructure       *string                          `json:"MessageStructure"`
	MessageAttributes      map[string]messageAttributeValue `json:"MessageAttributes" query:"MessageAttributes,key=Name,value=Value"`
	MessageDeduplicationId *string                          `json:"MessageDeduplicationId"`
	MessageGroupId         *string                          `json:"MessageGroupId"`
}

type publishBatchInput struct {
	TopicArn                   string                     `json:"TopicArn"`
	PublishBatchRequestEntries []publishBatchRequestEntry `json:"PublishBatchRequestEntries"`
}

type publishBatchResultEntry struct {
	Id             string  `json:"Id"`
	MessageId      string  `json:"MessageId"`
	SequenceNumber *string `json:"SequenceNumber"`
}

type batchResultErrorEntry struct {
	Id          string  `json:"Id"`
	Code        string  `json:"Code"`
	Message     *string `json:"Message"`
	SenderFault bool    `json:"SenderFault"`
}

type publishBatchOutput struct {
	Successful []publishBatchResultEntry `json:"Successful"`
	Failed     []batchResultErrorEntry   `json:"Failed"`
}
