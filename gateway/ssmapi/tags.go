package ssmapi

import (
	"context"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// tagOps are AddTagsToResource, ListTagsForResource and
// RemoveTagsFromResource.
func tagOps(t *ssm.Tags) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("AddTagsToResource", func(ctx context.Context, in *addTagsToResourceInput) (*struct{}, error) {
			return &struct{}{}, t.AddTagsToResource(ctx, in.ResourceType, in.ResourceId, resourceTagsIn(in.Tags))
		}),
		gateway.Handle("ListTagsForResource", func(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
			tags, err := t.ListTagsForResource(ctx, in.ResourceType, in.ResourceId)
			if err != nil {
				return nil, err
			}
			out := &listTagsForResourceOutput{TagList: make([]resourceTag, len(tags))}
			for i, tag := range tags {
				out.TagList[i] = resourceTag{Key: tag.Key, Value: tag.Value}
			}
			return out, nil
		}),
		gateway.Handle("RemoveTagsFromResource", func(ctx context.Context, in *removeTagsFromResourceInput) (*struct{}, error) {
			return &struct{}{}, t.RemoveTagsFromResource(ctx, in.ResourceType, in.ResourceId, in.TagKeys)
		}),
	}
}

// resourceTag is the Tag shape.
type resourceTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type addTagsToResourceInput struct {
	ResourceType string        `json:"ResourceType"`
	ResourceId   string        `json:"ResourceId"`
	Tags         []resourceTag `json:"Tags"`
}

type listTagsForResourceInput struct {
	ResourceType string `json:"ResourceType"`
	ResourceId   string `json:"ResourceId"`
}

type listTagsForResourceOutput struct {
	TagList []resourceTag `json:"TagList"`
}

type removeTagsFromResourceInput struct {
	ResourceType string   `json:"ResourceType"`
	ResourceId   string   `json:"ResourceId"`
	TagKeys      []string `json:"TagKeys"`
}

// resourceTagsIn converts a TagList; nil stays nil (the member was absent).
func resourceTagsIn(in []resourceTag) []ssm.Tag {
	if in == nil {
		return nil
	}
	out := make([]ssm.Tag, len(in))
	for i, t := range in {
		out[i] = ssm.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}
