package sns

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Topics: CreateTopic (idempotent by name), DeleteTopic (idempotent),
// ListTopics, Get/SetTopicAttributes and the tagging operations.
//
// Choices where AWS documents none: CreateTopic with the name of an existing
// topic answers its ARN when every requested attribute equals the topic's
// current (or default) value and the requested tags are the topic's tags,
// else InvalidParameter ("Topic already exists with different attributes" /
// "… tags"), as AWS does since 2020. KmsMasterKeyId and the delivery-status
// feedback attributes are stored and echoed; Steward does not encrypt with
// KMS or log delivery status.

// Topic attributes.
const (
	AttrDisplayName               = "DisplayName"
	AttrPolicy                    = "Policy"
	AttrDeliveryPolicy            = "DeliveryPolicy"
	AttrFifoTopic                 = "FifoTopic"
	AttrContentBasedDeduplication = "ContentBasedDeduplication"
	AttrSignatureVersion          = "SignatureVersion"
	AttrTracingConfig             = "TracingConfig"
	AttrKmsMasterKeyID            = "KmsMasterKeyId"
	AttrArchivePolicy             = "ArchivePolicy"
	AttrFifoThroughputScope       = "FifoThroughputScope"
)

// settableTopicAttrs are the attributes SetTopicAttributes and CreateTopic
// accept, each with its check (topic is nil at creation before the FIFO
// flag is known; fifo tells the topic type).
var settableTopicAttrs = map[string]func(v string, fifo bool) error{
	AttrDisplayName: func(v string, _ bool) error {
		if utf8.RuneCountInString(v) > maxDisplayName {
			return invalid("DisplayName")
		}
		return nil
	},
	AttrPolicy: func(v string, _ bool) error {
		var obj map[string]any
		if len(v) > 30*1024 || json.Unmarshal([]byte(v), &obj) != nil {
			return invalid("Policy: Invalid policy")
		}
		return nil
	},
	AttrDeliveryPolicy: func(v string, _ bool) error {
		_, err := parseTopicDeliveryPolicy(v)
		return err
	},
	AttrSignatureVersion: func(v string, _ bool) error {
		if v != "1" && v != "2" {
			return invalid("Attributes Reason: SignatureVersion: Invalid value [%s]. Must be 1 or 2", v)
		}
		return nil
	},
	AttrTracingConfig: func(v string, _ bool) error {
		if v != "PassThrough" && v != "Active" {
			return invalid("Attributes Reason: TracingConfig: Invalid value [%s]. Must be PassThrough or Active", v)
		}
		return nil
	},
	AttrKmsMasterKeyID: func(v string, _ bool) error {
		if len(v) > 2048 {
			return invalid("KmsMasterKeyId")
		}
		return nil
	},
	AttrContentBasedDeduplication: func(v string, fifo bool) error {
		if !fifo {
			return invalid("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
		}
		return checkBool(AttrContentBasedDeduplication, v)
	},
	AttrArchivePolicy: func(v string, fifo bool) error {
		var obj map[string]any
		if !fifo {
			return invalid("Attributes Reason: ArchivePolicy can only be set for FIFO topics")
		}
		if v != "" && json.Unmarshal([]byte(v), &obj) != nil {
			return invalid("ArchivePolicy")
		}
		return nil
	},
	AttrFifoThroughputScope: func(v string, fifo bool) error {
		if !fifo || v != "Topic" && v != "MessageGroup" {
			return invalid("Attributes Reason: FifoThroughputScope: Invalid value [%s]", v)
		}
		return nil
	},
}

// feedbackProtocols have the delivery-status logging attributes
// <P>SuccessFeedbackRoleArn, <P>SuccessFeedbackSampleRate and
// <P>FailureFeedbackRoleArn.
var feedbackProtocols = []string{"Application", "Firehose", "HTTP", "Lambda", "SQS"}

func topicAttrCheck(name string) func(string, bool) error {
	if f, ok := settableTopicAttrs[name]; ok {
		return f
	}
	for _, p := range feedbackProtocols {
		switch name {
		case p + "SuccessFeedbackRoleArn", p + "FailureFeedbackRoleArn":
			return func(string, bool) error { return nil }
		case p + "SuccessFeedbackSampleRate":
			return func(v string, _ bool) error {
				if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 100 {
					return invalid("Attributes Reason: %s: Invalid value [%s]. Must be between 0 and 100", name, v)
				}
				return nil
			}
		}
	}
	return nil
}

func checkBool(name, v string) error {
	if v != "true" && v != "false" {
		return invalid("Attributes Reason: %s: Invalid value [%s]. Must be true or false", name, v)
	}
	return nil
}

// normBool lowercases a boolean attribute value ("True" → "true").
func normBool(v string) string {
	if l := strings.ToLower(v); l == "true" || l == "false" {
		return l
	}
	return v
}

// validTopicName: 1–256 of A-Za-z0-9_- ; a FIFO topic's ends in ".fifo".
func validTopicName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	if base == "" || len(name) > maxTopicName {
		return false
	}
	for _, c := range []byte(base) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CreateTopic creates a topic (or returns the ARN of the existing one with
// the same name and settings).
func (t *Topics) CreateTopic(ctx context.Context, name string, attrs map[string]string, tags []Tag) (string, error) {
	if name == "" || !validTopicName(name) {
		return "", invalid("Topic Name")
	}
	fifoAttr, hasFifo := attrs[AttrFifoTopic]
	fifoAttr = normBool(fifoAttr)
	if hasFifo {
		if err := checkBool(AttrFifoTopic, fifoAttr); err != nil {
			return "", err
		}
	}
	fifo := fifoAttr == "true"
	if fifo != strings.HasSuffix(name, ".fifo") {
		return "", invalid("Topic Name: Fifo Topic names must end with .fifo and Standard Topic cannot end with .fifo")
	}
	stored := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if k == AttrFifoTopic {
			continue
		}
		v := attrs[k]
		if k == AttrContentBasedDeduplication {
			v = normBool(v)
		}
		check := topicAttrCheck(k)
		if check == nil {
			return "", invalid("Attributes Reason: Unknown attribute %s", k)
		}
		if err := check(v, fifo); err != nil {
			return "", err
		}
		if v != "" {
			stored[k] = v
		}
	}
	if err := checkTags(tags); err != nil {
		return "", err
	}
	tags = dedupeTags(tags)
	arn := t.topicARN(name)
	err := t.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Topic(ctx, arn)
		if err != nil {
			return err
		}
		if cur == nil {
			return tx.InsertTopic(ctx, &TopicRecord{ARN: arn, Name: name, Fifo: fifo, Attributes: stored, CreatedAt: t.now()}, tags)
		}
		for k, v := range attrs {
			if k == AttrFifoTopic {
				v = fifoAttr
			} else if k == AttrContentBasedDeduplication {
				v = normBool(v)
			}
			if topicAttrValue(cur, k) != v {
				return invalid("Attributes Reason: Topic already exists with different attributes")
			}
		}
		if len(tags) > 0 {
			have, err := tx.Tags(ctx, arn)
			if err != nil {
				return err
			}
			if !sameTags(have, tags) {
				return invalid("Tags Reason: Topic already exists with different tags")
			}
		}
		return nil
	})
	if err != nil {
		return "", internal(err)
	}
	return arn, nil
}

// topicAttrValue is a settable attribute's current value, default included.
func topicAttrValue(rec *TopicRecord, k string) string {
	if v, ok := rec.Attributes[k]; ok {
		return v
	}
	switch k {
	case AttrFifoTopic:
		return strconv.FormatBool(rec.Fifo)
	case AttrContentBasedDeduplication:
		if rec.Fifo {
			return "false"
		}
	case AttrSignatureVersion:
		return "1"
	case AttrTracingConfig:
		return "PassThrough"
	case AttrPolicy:
		return defaultPolicy(rec.ARN)
	}
	return ""
}

// DeleteTopic deletes a topic and its subscriptions; deleting a topic that
// does not exist is not an error. Deliveries still outstanding are dropped.
func (t *Topics) DeleteTopic(ctx context.Context, arn string) error {
	if err := t.checkTopicARN(ctx, arn, "TopicArn", "DeleteTopic"); err != nil {
		return err
	}
	err := t.store.Update(ctx, func(tx Tx) error { return tx.DeleteTopic(ctx, arn) })
	return internalOrNil(err)
}

func internalOrNil(err error) error {
	if err == nil {
		return nil
	}
	return internal(err)
}

// ListTopics returns a page of up to 100 topic ARNs and the next token.
func (t *Topics) ListTopics(ctx context.Context, token string) ([]string, string, error) {
	arns, next, err := t.store.ListTopics(ctx, token, listPageSize)
	if errors.Is(err, ErrInvalidToken) {
		return nil, "", invalid("NextToken")
	}
	if err != nil {
		return nil, "", internal(err)
	}
	if arns == nil {
		arns = []string{}
	}
	return arns, next, nil
}

// GetTopicAttributes returns a topic's attributes, read-only ones included.
func (t *Topics) GetTopicAttributes(ctx context.Context, arn string) (map[string]string, error) {
	if err := t.checkTopicARN(ctx, arn, "TopicArn", "GetTopicAttributes"); err != nil {
		return nil, err
	}
	rec, err := t.getTopic(ctx, arn)
	if err != nil {
		return nil, err
	}
	counts, err := t.store.SubscriptionCounts(ctx, arn)
	if err != nil {
		return nil, internal(err)
	}
	out := maps.Clone(rec.Attributes)
	if out == nil {
		out = map[string]string{}
	}
	out["TopicArn"] = rec.ARN
	out["Owner"] = t.opts.Account
	out[AttrPolicy] = topicAttrValue(rec, AttrPolicy)
	out[AttrDisplayName] = rec.Attributes[AttrDisplayName]
	out["SubscriptionsConfirmed"] = strconv.Itoa(counts.Confirmed)
	out["SubscriptionsPending"] = strconv.Itoa(counts.Pending)
	out["SubscriptionsDeleted"] = strconv.Itoa(counts.Deleted)
	out["EffectiveDeliveryPolicy"] = effectiveTopicDeliveryPolicy(rec.Attributes[AttrDeliveryPolicy])
	if rec.Fifo {
		out[AttrFifoTopic] = "true"
		out[AttrContentBasedDeduplication] = topicAttrValue(rec, AttrContentBasedDeduplication)
	}
	return out, nil
}

// SetTopicAttributes sets one attribute; an empty value resets it to its
// default.
func (t *Topics) SetTopicAttributes(ctx context.Context, arn, name, value string) error {
	if err := t.checkTopicARN(ctx, arn, "TopicArn", "SetTopicAttributes"); err != nil {
		return err
	}
	check := topicAttrCheck(name)
	if check == nil || name == AttrFifoTopic {
		return invalid("AttributeName")
	}
	if name == AttrContentBasedDeduplication {
		value = normBool(value)
	}
	err := t.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.Topic(ctx, arn)
		if err != nil {
			return err
		}
		if rec == nil {
			return topicNotFound()
		}
		if value != "" || name == AttrContentBasedDeduplication {
			if err := check(value, rec.Fifo); err != nil {
				return err
			}
		}
		if rec.Attributes == nil {
			rec.Attributes = map[string]string{}
		}
		if value == "" {
			delete(rec.Attributes, name)
		} else {
			rec.Attributes[name] = value
		}
		return tx.UpdateTopic(ctx, rec)
	})
	return internalOrNil(err)
}

// defaultPolicy is the access policy AWS gives a new topic.
func defaultPolicy(topicARN string) string {
	account := ""
	if _, a, _, ok := arnParts(topicARN, "sns"); ok {
		account = a
	}
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		topicARN + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + account + `"}}}]}`
}

// Tagging.

// TagResource adds tags to a topic, replacing values of keys it has.
func (t *Topics) TagResource(ctx context.Context, arn string, tags []Tag) error {
	if err := t.checkTaggable(ctx, arn, "TagResource"); err != nil {
		return err
	}
	if len(tags) == 0 {
		return invalid("Tags")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	return t.updateTags(ctx, arn, func(cur []Tag) ([]Tag, error) {
		merged := slices.Clone(cur)
		for _, tag := range dedupeTags(tags) {
			if i := slices.IndexFunc(merged, func(c Tag) bool { return c.Key == tag.Key }); i >= 0 {
				merged[i].Value = tag.Value
			} else {
				merged = append(merged, tag)
			}
		}
		if len(merged) > maxTagsPerTopic {
			return nil, steward.Errorf(CodeTagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
		}
		return merged, nil
	})
}

// UntagResource removes the tags with the given keys.
func (t *Topics) UntagResource(ctx context.Context, arn string, keys []string) error {
	if err := t.checkTaggable(ctx, arn, "UntagResource"); err != nil {
		return err
	}
	for _, k := range keys {
		if k == "" || len(k) > maxTagKey {
			return invalid("TagKeys")
		}
	}
	return t.updateTags(ctx, arn, func(cur []Tag) ([]Tag, error) {
		return slices.DeleteFunc(slices.Clone(cur), func(c Tag) bool { return slices.Contains(keys, c.Key) }), nil
	})
}

// ListTagsForResource returns a topic's tags sorted by key.
func (t *Topics) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	if err := t.checkTaggable(ctx, arn, "ListTagsForResource"); err != nil {
		return nil, err
	}
	if _, err := t.store.GetTopic(ctx, arn); errors.Is(err, ErrNotFound) {
		return nil, resourceNotFound()
	} else if err != nil {
		return nil, internal(err)
	}
	tags, err := t.store.TopicTags(ctx, arn)
	if err != nil {
		return nil, internal(err)
	}
	if tags == nil {
		tags = []Tag{}
	}
	return tags, nil
}

func resourceNotFound() error {
	return steward.Errorf(CodeResourceNotFound, "Resource does not exist")
}

func (t *Topics) checkTaggable(ctx context.Context, arn, action string) error {
	if err := t.checkTopicARN(ctx, arn, "ResourceArn", action); err != nil {
		if steward.ErrorCode(err) == CodeInvalidParameter {
			return invalid("ResourceArn")
		}
		return err
	}
	return nil
}

func (t *Topics) updateTags(ctx context.Context, arn string, fn func([]Tag) ([]Tag, error)) error {
	err := t.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.Topic(ctx, arn)
		if err != nil {
			return err
		}
		if rec == nil {
			return resourceNotFound()
		}
		cur, err := tx.Tags(ctx, arn)
		if err != nil {
			return err
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		return tx.SetTags(ctx, arn, next)
	})
	return internalOrNil(err)
}

// checkTags applies the Tag shape constraints.
func checkTags(tags []Tag) error {
	if len(tags) > maxTagsPerTopic {
		return steward.Errorf(CodeTagLimitExceeded, "Could not complete request: tag quota of per resource exceeded")
	}
	for _, tag := range tags {
		if tag.Key == "" || utf8.RuneCountInString(tag.Key) > maxTagKey || !utf8.ValidString(tag.Key) {
			return invalid("Tags Reason: Tag key must be between 1 and %d characters", maxTagKey)
		}
		if utf8.RuneCountInString(tag.Value) > maxTagValue || !utf8.ValidString(tag.Value) {
			return invalid("Tags Reason: Tag value must be between 0 and %d characters", maxTagValue)
		}
		if strings.HasPrefix(strings.ToLower(tag.Key), "aws:") {
			return invalid("Tags Reason: Tag keys can't start with aws:")
		}
	}
	return nil
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

func sameTags(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	m := make(map[string]string, len(a))
	for _, t := range a {
		m[t.Key] = t.Value
	}
	for _, t := range b {
		if v, ok := m[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}
