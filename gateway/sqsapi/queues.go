package sqsapi

import (
	"context"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/sqs"
)

// queueOps are the queue management operations.
func queueOps(q *sqs.Queues) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateQueue", func(ctx context.Context, in *createQueueInput) (*queueURLOutput, error) {
			url, err := q.CreateQueue(ctx, in.QueueName, in.Attributes, in.Tags)
			if err != nil {
				return nil, err
			}
			return &queueURLOutput{QueueUrl: &url}, nil
		}),
		gateway.Handle("GetQueueUrl", func(ctx context.Context, in *getQueueURLInput) (*queueURLOutput, error) {
			url, err := q.GetQueueURL(ctx, in.QueueName, in.QueueOwnerAWSAccountId)
			if err != nil {
				return nil, err
			}
			return &queueURLOutput{QueueUrl: &url}, nil
		}),
		gateway.Handle("ListQueues", func(ctx context.Context, in *listQueuesInput) (*listQueuesOutput, error) {
			urls, next, err := q.ListQueues(ctx, in.QueueNamePrefix, sqs.Page{MaxResults: intPtr(in.MaxResults), NextToken: in.NextToken})
			if err != nil {
				return nil, err
			}
			return &listQueuesOutput{QueueUrls: urls, NextToken: strPtr(next)}, nil
		}),
		gateway.Handle("DeleteQueue", func(ctx context.Context, in *queueInput) (*struct{}, error) {
			return nil, q.DeleteQueue(ctx, queueURL(ctx, in.QueueUrl))
		}),
		gateway.Handle("GetQueueAttributes", func(ctx context.Context, in *getQueueAttributesInput) (*getQueueAttributesOutput, error) {
			attrs, err := q.GetQueueAttributes(ctx, queueURL(ctx, in.QueueUrl), in.AttributeNames)
			if err != nil {
				return nil, err
			}
			if len(attrs) == 0 {
				attrs = nil
			}
			return &getQueueAttributesOutput{Attributes: attrs}, nil
		}),
		gateway.Handle("SetQueueAttributes", func(ctx context.Context, in *setQueueAttributesInput) (*struct{}, error) {
			return nil, q.SetQueueAttributes(ctx, queueURL(ctx, in.QueueUrl), in.Attributes)
		}),
		gateway.Handle("PurgeQueue", func(ctx context.Context, in *queueInput) (*struct{}, error) {
			return nil, q.PurgeQueue(ctx, queueURL(ctx, in.QueueUrl))
		}),
		gateway.Handle("ListDeadLetterSourceQueues", func(ctx context.Context, in *listDeadLetterSourceQueuesInput) (*listDeadLetterSourceQueuesOutput, error) {
			urls, next, err := q.ListDeadLetterSourceQueues(ctx, queueURL(ctx, in.QueueUrl), sqs.Page{MaxResults: intPtr(in.MaxResults), NextToken: in.NextToken})
			if err != nil {
				return nil, err
			}
			if urls == nil {
				urls = []string{}
			}
			return &listDeadLetterSourceQueuesOutput{QueueUrls: urls, NextToken: strPtr(next)}, nil
		}),
		gateway.Handle("TagQueue", func(ctx context.Context, in *tagQueueInput) (*struct{}, error) {
			return nil, q.TagQueue(ctx, queueURL(ctx, in.QueueUrl), in.Tags)
		}),
		gateway.Handle("UntagQueue", func(ctx context.Context, in *untagQueueInput) (*struct{}, error) {
			return nil, q.UntagQueue(ctx, queueURL(ctx, in.QueueUrl), in.TagKeys)
		}),
		gateway.Handle("ListQueueTags", func(ctx context.Context, in *queueInput) (*listQueueTagsOutput, error) {
			tags, err := q.ListQueueTags(ctx, queueURL(ctx, in.QueueUrl))
			if err != nil {
				return nil, err
			}
			if len(tags) == 0 {
				tags = nil
			}
			return &listQueueTagsOutput{Tags: tags}, nil
		}),
	}
}
