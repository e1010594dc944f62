package snsapi

import (
	"context"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/sns"
)

// topicOps are the topic and tagging operations.
func topicOps(t *sns.Topics) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateTopic", func(ctx context.Context, in *createTopicInput) (*createTopicOutput, error) {
			arn, err := t.CreateTopic(ctx, in.Name, in.Attributes, tagsIn(in.Tags))
			if err != nil {
				return nil, err
			}
			return &createTopicOutput{TopicArn: arn}, nil
		}),
		gateway.Handle("DeleteTopic", func(ctx context.Context, in *deleteTopicInput) (*struct{}, error) {
			return nil, t.DeleteTopic(ctx, in.TopicArn)
		}),
		gateway.Handle("ListTopics", func(ctx context.Context, in *listTopicsInput) (*listTopicsOutput, error) {
			arns, next, err := t.ListTopics(ctx, deref(in.NextToken))
			if err != nil {
				return nil, err
			}
			out := &listTopicsOutput{Topics: make([]topic, len(arns)), NextToken: tokenOut(next)}
			for i, a := range arns {
				out.Topics[i] = topic{TopicArn: a}
			}
			return out, nil
		}),
		gateway.Handle("GetTopicAttributes", func(ctx context.Context, in *getTopicAttributesInput) (*attributesOutput, error) {
			attrs, err := t.GetTopicAttributes(ctx, in.TopicArn)
			if err != nil {
				return nil, err
			}
			return &attributesOutput{Attributes: attrs}, nil
		}),
		gateway.Handle("SetTopicAttributes", func(ctx context.Context, in *setTopicAttributesInput) (*struct{}, error) {
			return nil, t.SetTopicAttributes(ctx, in.TopicArn, in.AttributeName, deref(in.AttributeValue))
		}),
		gateway.Handle("TagResource", func(ctx context.Context, in *tagResourceInput) (*struct{}, error) {
			if err := t.TagResource(ctx, in.ResourceArn, tagsIn(in.Tags)); err != nil {
				return nil, err
			}
			return &struct{}{}, nil
		}),
		gateway.Handle("UntagResource", func(ctx context.Context, in *untagResourceInput) (*struct{}, error) {
			if err := t.UntagResource(ctx, in.ResourceArn, in.TagKeys); err != nil {
				return nil, err
			}
			return &struct{}{}, nil
		}),
		gateway.Handle("ListTagsForResource", func(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
			tags, err := t.ListTagsForResource(ctx, in.ResourceArn)
			if err != nil {
				return nil, err
			}
			out := &listTagsForResourceOutput{Tags: make([]tag, len(tags))}
			for i, tg := range tags {
				out.Tags[i] = tag{Key: tg.Key, Value: tg.Value}
			}
			return out, nil
		}),
	}
}

// Wire shapes (botocore sns/2010-03-31).

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsIn(in []tag) []sns.Tag {
	if in == nil {
		return nil
	}
	out := make([]sns.Tag, len(in))
	for i, t := range in {
		out[i] = sns.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

type createTopicInput struct {
	Name                 string            `json:"Name"`
	Attributes           map[string]string `json:"Attributes"`
	Tags                 []tag             `json:"Tags"`
	DataProtectionPolicy *string           `json:"DataProtectionPolicy"`
}

type createTopicOutput struct {
	TopicArn string `json:"TopicArn"`
}

type deleteTopicInput struct {
	TopicArn string `json:"TopicArn"`
}

type listTopicsInput struct {
	NextToken *string `json:"NextToken"`
}

type topic struct {
	TopicArn string `json:"TopicArn"`
}

type listTopicsOutput struct {
	Topics    []topic `json:"Topics"`
	NextToken *string `json:"NextToken"`
}

type getTopicAttributesInput struct {
	TopicArn string `json:"TopicArn"`
}

// attributesOutput is GetTopicAttributes' and GetSubscriptionAttributes'
// answer.
type attributesOutput struct {
	Attributes map[string]string `json:"Attributes"`
}

type setTopicAttributesInput struct {
	TopicArn       string  `json:"TopicArn"`
	AttributeName  string  `json:"AttributeName"`
	AttributeValue *string `json:"AttributeValue"`
}

type tagResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
	Tags        []tag  `json:"Tags"`
}

type untagResourceInput struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsForResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
}

type listTagsForResourceOutput struct {
	Tags []tag `json:"Tags"`
}
