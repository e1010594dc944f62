package eventsapi

import (
	"context"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// tagOps are TagResource, UntagResource and ListTagsForResource (rules and
// event buses).
func tagOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("TagResource", func(ctx context.Context, in *tagResourceInput) (*struct{}, error) {
			return &struct{}{}, b.TagResource(ctx, in.ResourceARN, tagsIn(in.Tags))
		}),
		gateway.Handle("UntagResource", func(ctx context.Context, in *untagResourceInput) (*struct{}, error) {
			return &struct{}{}, b.UntagResource(ctx, in.ResourceARN, in.TagKeys)
		}),
		gateway.Handle("ListTagsForResource", func(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
			tags, err := b.ListTagsForResource(ctx, in.ResourceARN)
			if err != nil {
				return nil, err
			}
			out := &listTagsForResourceOutput{Tags: make([]tagWire, len(tags))}
			for i, t := range tags {
				out.Tags[i] = tagWire{Key: t.Key, Value: t.Value}
			}
			return out, nil
		}),
	}
}

type tagResourceInput struct {
	ResourceARN string    `json:"ResourceARN"`
	Tags        []tagWire `json:"Tags"`
}

type untagResourceInput struct {
	ResourceARN string   `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsForResourceInput struct {
	ResourceARN string `json:"ResourceARN"`
}

type listTagsForResourceOutput struct {
	Tags []tagWire `json:"Tags"`
}
