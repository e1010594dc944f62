package ssm

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/stewardhq/steward"
)

// Resource tags: AddTagsToResource, ListTagsForResource and
// RemoveTagsFromResource for every SSM resource type whose feature exists.

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Tagging error codes.
const (
	CodeInvalidResourceType = "InvalidResourceType"
	CodeInvalidResourceID   = "InvalidResourceId"
	CodeTooManyTagsError    = "TooManyTagsError"
)

// The resource types of ResourceTypeForTagging, in model order.
const (
	ResourceDocument          = "Document"
	ResourceManagedInstance   = "ManagedInstance"
	ResourceMaintenanceWindow = "MaintenanceWindow"
	ResourceParameter         = "Parameter"
	ResourcePatchBaseline     = "PatchBaseline"
	ResourceOpsItem           = "OpsItem"
	ResourceOpsMetadata       = "OpsMetadata"
	ResourceAutomation        = "Automation"
	ResourceAssociation       = "Association"
)

var taggableTypes = []string{
	ResourceDocument, ResourceManagedInstance, ResourceMaintenanceWindow, ResourceParameter,
	ResourcePatchBaseline, ResourceOpsItem, ResourceOpsMetadata, ResourceAutomation, ResourceAssociation,
}

// Tag limits (API model; AddTagsToResource documentation: 50 tags per
// resource, 5 for automations).
const (
	tagKeyMax           = 128
	tagValueMax         = 256
	tagListMax          = 1000
	maxTagsPerResource  = 50
	maxTagsOnAutomation = 5
)

var tagPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)

// TagStore persists tags by (resource type, resource ID).
//
// ListTags returns a resource's tags sorted by key (none is not an error).
// UpdateTags reads a resource's tags and replaces them with what update
// returns, in one transaction; an error from update is returned unchanged and
// nothing is written.
type TagStore interface {
	ListTags(ctx context.Context, resourceType, resourceID string) ([]Tag, error)
	UpdateTags(ctx context.Context, resourceType, resourceID string, update func(current []Tag) ([]Tag, error)) error
}

// Tags serves the tagging operations.
type Tags struct {
	store  TagStore
	exists map[string]func(ctx context.Context, id string) error
}

// NewTags returns the tagging service. exists maps each resource type whose
// feature is present to its checker: nil when the resource exists, an error
// carrying an AWS code when it does not (reported as InvalidResourceId).
// Other types are refused with InvalidResourceType.
func NewTags(store TagStore, exists map[string]func(ctx context.Context, id string) error) *Tags {
	return &Tags{store: store, exists: exists}
}

// resource checks the type and ID of a tagging request and returns the ID
// tags are stored under (a parameter's key for parameters).
func (t *Tags) resource(ctx context.Context, fe *fieldErrors, resourceType, resourceID string) (string, error) {
	if resourceType == "" {
		fe.null("resourceType")
	} else {
		fe.enum(resourceType, "resourceType", taggableTypes...)
	}
	if resourceID == "" {
		fe.null("resourceId")
	}
	if err := fe.err(); err != nil {
		return "", err
	}
	check, ok := t.exists[resourceType]
	if !ok || check == nil {
		return "", steward.Errorf(CodeInvalidResourceType, "The resource type %s isn't supported by this server.", resourceType)
	}
	if err := check(ctx, resourceID); err != nil {
		if code := steward.ErrorCode(err); code == "" || code == steward.CodeInternalFailure {
			return "", err
		}
		return "", steward.Errorf(CodeInvalidResourceID, "The resource ID isn't valid. Verify that you entered the correct ID and try again.")
	}
	if resourceType == ResourceParameter {
		// Tags belong to the parameter, whichever spelling names it ("/a",
		// "a" or its ARN).
		if ref, err := parseParamRef(Env{}, resourceID, false); err == nil {
			return ref.key, nil
		}
	}
	return resourceID, nil
}

// AddTagsToResource adds tags to a resource, replacing the values of keys it
// already has.
func (t *Tags) AddTagsToResource(ctx context.Context, resourceType, resourceID string, tags []Tag) error {
	var fe fieldErrors
	if tags == nil {
		fe.null("tags")
	}
	checkTagList(&fe, tags, "tags")
	id, err := t.resource(ctx, &fe, resourceType, resourceID)
	if err != nil {
		return err
	}
	limit := maxTagsPerResource
	if resourceType == ResourceAutomation {
		limit = maxTagsOnAutomation
	}
	return t.store.UpdateTags(ctx, resourceType, id, func(cur []Tag) ([]Tag, error) {
		merged := slices.Clone(cur)
		for _, tag := range tags {
			i := slices.IndexFunc(merged, func(c Tag) bool { return c.Key == tag.Key })
			if i >= 0 {
				merged[i].Value = tag.Value
			} else {
				merged = append(merged, tag)
			}
		}
		if len(merged) > limit {
			return nil, steward.Errorf(CodeTooManyTagsError, "The %s %s would have %d tags; a resource can have at most %d.", resourceType, resourceID, len(merged), limit)
		}
		return merged, nil
	})
}

// ListTagsForResource returns a resource's tags sorted by key.
func (t *Tags) ListTagsForResource(ctx context.Context, resourceType, resourceID string) ([]Tag, error) {
	var fe fieldErrors
	id, err := t.resource(ctx, &fe, resourceType, resourceID)
	if err != nil {
		return nil, err
	}
	tags, err := t.store.ListTags(ctx, resourceType, id)
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []Tag{}
	}
	return tags, nil
}

// RemoveTagsFromResource removes the tags with the given keys; keys the
// resource does not have are ignored.
func (t *Tags) RemoveTagsFromResource(ctx context.Context, resourceType, resourceID string, keys []string) error {
	var fe fieldErrors
	if keys == nil {
		fe.null("tagKeys")
	}
	for i, k := range keys {
		checkTagKey(&fe, k, fmt.Sprintf("tagKeys.%d.member", i+1))
	}
	id, err := t.resource(ctx, &fe, resourceType, resourceID)
	if err != nil {
		return err
	}
	return t.store.UpdateTags(ctx, resourceType, id, func(cur []Tag) ([]Tag, error) {
		return slices.DeleteFunc(slices.Clone(cur), func(c Tag) bool { return slices.Contains(keys, c.Key) }), nil
	})
}

// checkTagList applies the model constraints of TagList.
func checkTagList(fe *fieldErrors, tags []Tag, member string) {
	if len(tags) > tagListMax {
		fe.add(fmt.Sprintf("%d tags", len(tags)), member, fmt.Sprintf("Member must have length less than or equal to %d", tagListMax))
	}
	for i, tag := range tags {
		at := fmt.Sprintf("%s.%d.member", member, i+1)
		checkTagKey(fe, tag.Key, at+".key")
		fe.length(tag.Value, at+".value", 0, tagValueMax, false)
		if !tagPattern.MatchString(tag.Value) {
			fe.add(tag.Value, at+".value", `Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
		}
	}
}

func checkTagKey(fe *fieldErrors, key, member string) {
	fe.length(key, member, 1, tagKeyMax, false)
	if !tagPattern.MatchString(key) {
		fe.add(key, member, `Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
	}
}

// dedupeTags keeps the last value given for each key, in first-seen order.
func dedupeTags(tags []Tag) []Tag {
	var out []Tag
	for _, tag := range tags {
		if i := slices.IndexFunc(out, func(t Tag) bool { return t.Key == tag.Key }); i >= 0 {
			out[i].Value = tag.Value
			continue
		}
		out = append(out, tag)
	}
	return out
}
