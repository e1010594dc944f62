package sqsapi

import (
	"context"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/sqs"
)

// messageOps are the message operations.
func messageOps(q *sqs.Queues) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("SendMessage", func(ctx context.Context, in *sendMessageInput) (*sendMessageOutput, error) {
			r, err := q.SendMessage(ctx, queueURL(ctx, in.QueueUrl), sqs.SendInput{
				Body: in.MessageBody, DelaySeconds: intPtr(in.DelaySeconds), Attributes: attributesIn(in.MessageAttributes),
				SystemAttributes: attributesIn(in.MessageSystemAttributes), GroupID: in.MessageGroupId, DeduplicationID: in.MessageDeduplicationId,
			})
			if err != nil {
				return nil, err
			}
			return &sendMessageOutput{
				MD5OfMessageBody: strPtr(r.MD5OfBody), MD5OfMessageAttributes: strPtr(r.MD5OfAttributes),
				MD5OfMessageSystemAttributes: strPtr(r.MD5OfSystemAttributes), MessageId: strPtr(r.MessageID),
				SequenceNumber: strPtr(r.SequenceNumber),
			}, nil
		}),
		gateway.Handle("SendMessageBatch", func(ctx context.Context, in *sendMessageBatchInput) (*sendMessageBatchOutput, error) {
			entries := make([]sqs.BatchSend, len(in.Entries))
			for i, e := range in.Entries {
				entries[i] = sqs.BatchSend{ID: e.Id, SendInput: sqs.SendInput{
					Body: e.MessageBody, DelaySeconds: intPtr(e.DelaySeconds), Attributes: attributesIn(e.MessageAttributes),
					SystemAttributes: attributesIn(e.MessageSystemAttributes), GroupID: e.MessageGroupId, DeduplicationID: e.MessageDeduplicationId,
				}}
			}
			results, err := q.SendMessageBatch(ctx, queueURL(ctx, in.QueueUrl), entries)
			if err != nil {
				return nil, err
			}
			out := &sendMessageBatchOutput{Successful: []sendMessageBatchResultEntry{}, Failed: []batchResultErrorEntry{}}
			for _, r := range results {
				if r.Err != nil {
					out.Failed = append(out.Failed, batchError(r.ID, r.Err))
					continue
				}
				out.Successful = append(out.Successful, sendMessageBatchResultEntry{
					Id: r.ID, MessageId: r.Result.MessageID, MD5OfMessageBody: r.Result.MD5OfBody,
					MD5OfMessageAttributes: strPtr(r.Result.MD5OfAttributes), MD5OfMessageSystemAttributes: strPtr(r.Result.MD5OfSystemAttributes),
					SequenceNumber: strPtr(r.Result.SequenceNumber),
				})
			}
			return out, nil
		}),
		gateway.Handle("ReceiveMessage", func(ctx context.Context, in *receiveMessageInput) (*receiveMessageOutput, error) {
			msgs, err := q.ReceiveMessage(ctx, queueURL(ctx, in.QueueUrl), sqs.ReceiveInput{
				MaxNumberOfMessages:     intPtr(in.MaxNumberOfMessages),
				VisibilityTimeout:       intPtr(in.VisibilityTimeout),
				WaitTimeSeconds:         intPtr(in.WaitTimeSeconds),
				SystemAttributeNames:    append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...),
				MessageAttributeNames:   in.MessageAttributeNames,
				ReceiveRequestAttemptID: in.ReceiveRequestAttemptId,
			})
			if err != nil {
				return nil, err
			}
			out := &receiveMessageOutput{}
			for _, m := range msgs {
				out.Messages = append(out.Messages, message{
					MessageId: m.MessageID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: m.Body,
					Attributes: m.Attributes, MD5OfMessageAttributes: strPtr(m.MD5OfMessageAttributes),
					MessageAttributes: attributesOut(m.MessageAttributes),
				})
			}
			return out, nil
		}),
		gateway.Handle("DeleteMessage", func(ctx context.Context, in *deleteMessageInput) (*struct{}, error) {
			return nil, q.DeleteMessage(ctx, queueURL(ctx, in.QueueUrl), in.ReceiptHandle)
		}),
		gateway.Handle("DeleteMessageBatch", func(ctx context.Context, in *deleteMessageBatchInput) (*deleteMessageBatchOutput, error) {
			entries := make([]sqs.BatchReceipt, len(in.Entries))
			for i, e := range in.Entries {
				entries[i] = sqs.BatchReceipt{ID: e.Id, ReceiptHandle: e.ReceiptHandle}
			}
			results, err := q.DeleteMessageBatch(ctx, queueURL(ctx, in.QueueUrl), entries)
			if err != nil {
				return nil, err
			}
			out := &deleteMessageBatchOutput{}
			out.Successful, out.Failed = batchOut(results)
			return out, nil
		}),
		gateway.Handle("ChangeMessageVisibility", func(ctx context.Context, in *changeMessageVisibilityInput) (*struct{}, error) {
			if in.VisibilityTimeout == nil {
				return nil, steward.Errorf(steward.CodeMissingParameter, "The request must contain the parameter VisibilityTimeout.")
			}
			return nil, q.ChangeMessageVisibility(ctx, queueURL(ctx, in.QueueUrl), in.ReceiptHandle, int(*in.VisibilityTimeout))
		}),
		gateway.Handle("ChangeMessageVisibilityBatch", func(ctx context.Context, in *changeMessageVisibilityBatchInput) (*changeMessageVisibilityBatchOutput, error) {
			entries := make([]sqs.BatchReceipt, len(in.Entries))
			for i, e := range in.Entries {
				entries[i] = sqs.BatchReceipt{ID: e.Id, ReceiptHandle: e.ReceiptHandle, VisibilityTimeout: intPtr(e.VisibilityTimeout)}
			}
			results, err := q.ChangeMessageVisibilityBatch(ctx, queueURL(ctx, in.QueueUrl), entries)
			if err != nil {
				return nil, err
			}
			out := &changeMessageVisibilityBatchOutput{}
			out.Successful, out.Failed = batchOut(results)
			return out, nil
		}),
	}
}

// attributesIn converts message attributes to the domain's.
func attributesIn(in messageAttributes) map[string]sqs.MessageAttributeValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]sqs.MessageAttributeValue, len(in))
	for k, v := range in {
		mv := sqs.MessageAttributeValue{DataType: v.DataType, BinaryValue: v.BinaryValue, StringListValues: v.StringListValues, BinaryListValues: v.BinaryListValues}
		if v.StringValue != nil {
			mv.StringValue = *v.StringValue
		}
		out[k] = mv
	}
	return out
}

func attributesOut(in map[string]sqs.MessageAttributeValue) messageAttributes {
	if len(in) == 0 {
		return nil
	}
	out := make(messageAttributes, len(in))
	for k, v := range in {
		w := messageAttributeValue{DataType: v.DataType}
		if len(v.BinaryValue) > 0 {
			w.BinaryValue = v.BinaryValue
		} else {
			s := v.StringValue
			w.StringValue = &s
		}
		out[k] = w
	}
	return out
}

func batchOut(results []sqs.BatchResult[struct{}]) ([]batchResultEntry, []batchResultErrorEntry) {
	ok, failed := []batchResultEntry{}, []batchResultErrorEntry{}
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, batchError(r.ID, r.Err))
			continue
		}
		ok = append(ok, batchResultEntry{Id: r.ID})
	}
	return ok, failed
}
