package events

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardhq/steward"
)

// Tags on rules and event buses: TagResource, UntagResource,
// ListTagsForResource. Tags are kept by resource (bus, rule), not by ARN.

// resourceOf parses a rule or bus ARN of this account and region into
// (bus, rule); rule is "" for a bus.
func (b *Buses) resourceOf(arn string) (bus, rule string, ok bool) {
	prefix := "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":"
	rest, found := strings.CutPrefix(arn, prefix)
	if !found {
		return "", "", false
	}
	if name, isBus := strings.CutPrefix(rest, "event-bus/"); isBus && name != "" {
		return name, "", true
	}
	name, isRule := strings.CutPrefix(rest, "rule/")
	if !isRule || name == "" {
		return "", "", false
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:], name[:i] != "" && name[i+1:] != ""
	}
	return DefaultBus, name, true
}

// exists returns ResourceNotFoundException unless the resource exists.
func (b *Buses) exists(ctx context.Context, arn, bus, rule string) error {
	var err error
	if rule == "" {
		_, err = b.store.GetBus(ctx, bus)
	} else {
		_, err = b.store.GetRule(ctx, bus, rule)
	}
	if errors.Is(err, ErrNotFound) {
		return notFound("Resource %s does not exist.", arn)
	}
	return internal(err)
}

func checkTagRules(tags []Tag) error {
	if len(tags) > maxTags {
		return steward.Validation("A resource can have at most %d tags.", maxTags)
	}
	for _, t := range tags {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return steward.Validation("Tag keys may not start with aws:.")
		}
	}
	return nil
}

func (b *Buses) parseTagged(arn string, f *fieldErrors) (bus, rule string, err error) {
	f.length(arn, "resourceARN", 1, maxARN)
	if err := f.err(); err != nil {
		return "", "", err
	}
	bus, rule, ok := b.resourceOf(arn)
	if !ok {
		return "", "", notFound("Resource %s does not exist.", arn)
	}
	return bus, rule, nil
}

// TagResource adds tags to a rule or bus, replacing values of keys it has.
func (b *Buses) TagResource(ctx context.Context, arn string, tags []Tag) error {
	var f fieldErrors
	f.tags(tags, "tags")
	bus, rule, err := b.parseTagged(arn, &f)
	if err != nil {
		return err
	}
	if err := checkTagRules(tags); err != nil {
		return err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if err := b.exists(ctx, arn, bus, rule); err != nil {
		return err
	}
	cur, err := b.store.Tags(ctx, bus, rule)
	if err != nil {
		return internal(err)
	}
	keys := map[string]bool{}
	for _, t := range cur {
		keys[t.Key] = true
	}
	for _, t := range tags {
		keys[t.Key] = true
	}
	if len(keys) > maxTags {
		return steward.Validation("A resource can have at most %d tags.", maxTags)
	}
	if err := b.store.Update(ctx, func(tx Tx) error { return tx.SetTags(ctx, bus, rule, tags) }); err != nil {
		return internal(err)
	}
	b.router.noteVersion(ctx)
	return nil
}

// UntagResource removes tags by key.
func (b *Buses) UntagResource(ctx context.Context, arn string, keys []string) error {
	var f fieldErrors
	for i, k := range keys {
		f.length(k, fmt.Sprintf("tagKeys.%d.member", i+1), 1, maxTagKey)
	}
	bus, rule, err := b.parseTagged(arn, &f)
	if err != nil {
		return err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if err := b.exists(ctx, arn, bus, rule); err != nil {
		return err
	}
	if err := b.store.Update(ctx, func(tx Tx) error { return tx.RemoveTags(ctx, bus, rule, keys) }); err != nil {
		return internal(err)
	}
	b.router.noteVersion(ctx)
	return nil
}

// ListTagsForResource returns a resource's tags sorted by key.
func (b *Buses) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	var f fieldErrors
	bus, rule, err := b.parseTagged(arn, &f)
	if err != nil {
		return nil, err
	}
	if err := b.exists(ctx, arn, bus, rule); err != nil {
		return nil, err
	}
	tags, err := b.store.Tags(ctx, bus, rule)
	if err != nil {
		return nil, internal(err)
	}
	if tags == nil {
		tags = []Tag{}
	}
	return tags, nil
}
