package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Publish and PublishBatch. Everything is validated before anything is
// written; then one transaction stores the messages and one delivery row per
// confirmed subscription whose filter policy matches (filtered-out
// subscriptions get no row), and the rows go to the engine in memory.
//
// Choices where AWS is unclear: Subject is UTF-8 (the current API reference:
// "UTF-8 text with no line breaks or control characters, and less than 100
// characters long"; older guides said ASCII), so the seed's Japanese subjects
// pass; an empty Subject is no subject. MessageGroupId is accepted on
// standard topics and passed to SQS (fair queues); MessageDeduplicationId is
// refused there. A FIFO message whose deduplication ID was seen in the last
// 5 minutes is accepted, not delivered again, and answered with the first
// message's ID and sequence number.

// PublishEntry is one message to publish.
type PublishEntry struct {
	Message          string
	Subject          string
	MessageStructure string
	Attributes       []MessageAttribute
	GroupID          string
	DeduplicationID  string
}

// PublishInput is a Publish request: exactly one of TopicARN and TargetARN
// (PhoneNumber is refused: Steward sends no SMS).
type PublishInput struct {
	TopicARN    string
	TargetARN   string
	PhoneNumber string
	PublishEntry
}

// PublishResult is a published message.
type PublishResult struct {
	MessageID      string
	SequenceNumber string // FIFO topics
}

// BatchEntry is one PublishBatch entry.
type BatchEntry struct {
	ID string
	PublishEntry
}

// BatchSuccess and BatchFailure are PublishBatch outcomes by entry ID.
type BatchSuccess struct {
	ID string
	PublishResult
}

// BatchFailure carries the error of one entry; the gateway renders its
// query code.
type BatchFailure struct {
	ID  string
	Err *steward.Error
}

// BatchResult is what PublishBatch answers.
type BatchResult struct {
	Successful []BatchSuccess
	Failed     []BatchFailure
}

// prepared is a validated message with its fan-out.
type prepared struct {
	msg     *MessageRecord
	bodies  map[string]string
	attrDoc []byte
	size    int
	deliver []*job
	result  PublishResult
}

// Publish publishes a message to a topic.
func (t *Topics) Publish(ctx context.Context, in PublishInput) (PublishResult, error) {
	arn := in.TopicARN
	switch {
	case in.PhoneNumber != "" && (arn != "" || in.TargetARN != ""):
		return PublishResult{}, invalid("TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber can be specified")
	case in.PhoneNumber != "":
		return PublishResult{}, invalid("PhoneNumber Reason: Steward does not send SMS")
	case arn != "" && in.TargetARN != "":
		return PublishResult{}, invalid("TopicArn or TargetArn Reason: Only one of TopicArn or TargetArn can be specified")
	case arn == "" && in.TargetARN == "":
		return PublishResult{}, invalid("TopicArn or TargetArn Reason: no value for required parameter")
	case arn == "":
		arn = in.TargetARN
		if strings.Contains(arn, ":endpoint/") {
			return PublishResult{}, invalid("TargetArn Reason: Steward has no platform application endpoints")
		}
		if err := t.checkTopicARN(ctx, arn, "TargetArn", "Publish"); err != nil {
			return PublishResult{}, err
		}
	default:
		if err := t.checkTopicARN(ctx, arn, "TopicArn", "Publish"); err != nil {
			return PublishResult{}, err
		}
	}
	p, err := t.prepare(in.PublishEntry)
	if err != nil {
		return PublishResult{}, err
	}
	if p.size > maxMessageBytes {
		return PublishResult{}, invalid("Message too long")
	}
	topic, err := t.getTopic(ctx, arn)
	if err != nil {
		return PublishResult{}, err
	}
	if err := checkFifo(topic, &in.PublishEntry, p.msg); err != nil {
		return PublishResult{}, err
	}
	if err := t.publish(ctx, topic, []*prepared{p}); err != nil {
		return PublishResult{}, err
	}
	return p.result, nil
}

// PublishBatch publishes up to 10 messages; entries that fail validation are
// reported and the others published together.
func (t *Topics) PublishBatch(ctx context.Context, topicARN string, entries []BatchEntry) (BatchResult, error) {
	if err := t.checkTopicARN(ctx, topicARN, "TopicArn", "Publish"); err != nil {
		return BatchResult{}, err
	}
	switch {
	case len(entries) == 0:
		return BatchResult{}, steward.Errorf(CodeEmptyBatch, "The batch request doesn't contain any entries.")
	case len(entries) > maxBatchEntries:
		return BatchResult{}, steward.Errorf(CodeTooManyEntries, "The batch request contains more entries than permissible.")
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !validBatchID(e.ID) {
			return BatchResult{}, steward.Errorf(CodeInvalidBatchEntryID, "The Id of a batch entry in a batch request doesn't abide by the specification.")
		}
		if seen[e.ID] {
			return BatchResult{}, steward.Errorf(CodeBatchIDsNotDistinct, "Two or more batch entries in the request have the same Id.")
		}
		seen[e.ID] = true
	}
	topic, err := t.getTopic(ctx, topicARN)
	if err != nil {
		return BatchResult{}, err
	}
	var res BatchResult
	var ok []*prepared
	var okIDs []string
	total := 0
	for _, e := range entries {
		p, err := t.prepare(e.PublishEntry)
		if err == nil {
			if p.size > maxMessageBytes {
				err = invalid("Message too long")
			} else {
				err = checkFifo(topic, &e.PublishEntry, p.msg)
			}
		}
		if err != nil {
			res.Failed = append(res.Failed, BatchFailure{ID: e.ID, Err: steward.AsError(err)})
			continue
		}
		total += p.size
		ok = append(ok, p)
		okIDs = append(okIDs, e.ID)
	}
	if total > maxMessageBytes {
		return BatchResult{}, steward.Errorf(CodeBatchTooLong, "The length of all the messages put together is more than the limit.")
	}
	if len(ok) > 0 {
		if err := t.publish(ctx, topic, ok); err != nil {
			return BatchResult{}, err
		}
	}
	for i, p := range ok {
		res.Successful = append(res.Successful, BatchSuccess{ID: okIDs[i], PublishResult: p.result})
	}
	return res, nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > maxBatchIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// prepare validates one message (everything that does not need the topic).
func (t *Topics) prepare(e PublishEntry) (*prepared, error) {
	if e.Message == "" {
		return nil, invalid("Empty message")
	}
	if !utf8.ValidString(e.Message) || strings.ContainsFunc(e.Message, badXMLChar) {
		return nil, invalid("Message Reason: the message contains characters outside the allowed set")
	}
	if e.Subject != "" {
		if utf8.RuneCountInString(e.Subject) > maxSubjectChars || !utf8.ValidString(e.Subject) ||
			strings.ContainsFunc(e.Subject, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, invalid("Subject")
		}
	}
	p := &prepared{}
	switch e.MessageStructure {
	case "":
	case "json":
		bodies, err := ParseMessageStructure(e.Message)
		if err != nil {
			return nil, err
		}
		p.bodies = bodies
	default:
		return nil, invalid("MessageStructure")
	}
	attrs := append([]MessageAttribute(nil), e.Attributes...)
	sortAttributes(attrs)
	asize, err := checkAttributes(attrs)
	if err != nil {
		return nil, err
	}
	for _, id := range []struct{ v, name string }{{e.GroupID, "MessageGroupId"}, {e.DeduplicationID, "MessageDeduplicationId"}} {
		if len(id.v) > maxDedupIDLen || strings.ContainsFunc(id.v, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return nil, invalid("%s Reason: must be at most 128 characters of alphanumerics and punctuation", id.name)
		}
	}
	p.size = len(e.Message) + asize
	p.msg = &MessageRecord{
		ID: uuid.NewString(), Subject: e.Subject, Body: e.Message, Structure: e.MessageStructure,
		Attributes: attrs, GroupID: e.GroupID, DeduplicationID: e.DeduplicationID,
	}
	p.attrDoc = AttributeDocument(attrs)
	return p, nil
}

// checkFifo applies the FIFO rules and fills the content-based
// deduplication ID.
func checkFifo(topic *TopicRecord, e *PublishEntry, m *MessageRecord) error {
	if !topic.Fifo {
		if e.DeduplicationID != "" {
			return invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		return nil
	}
	if e.GroupID == "" {
		return invalid("The MessageGroupId parameter is required for FIFO topics")
	}
	if e.DeduplicationID == "" {
		if topicAttrValue(topic, AttrContentBasedDeduplication) != "true" {
			return invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		sum := sha256.Sum256([]byte(e.Message))
		m.DeduplicationID = hex.EncodeToString(sum[:])
	}
	return nil
}

// publish fans prepared messages out to the topic's subscriptions and
// commits them with their delivery rows in one transaction.
func (t *Topics) publish(ctx context.Context, topic *TopicRecord, ps []*prepared) error {
	subs, err := t.store.Subscriptions(ctx, topic.ARN)
	if err != nil {
		return internal(err)
	}
	now := t.now()
	for _, p := range ps {
		p.msg.TopicARN, p.msg.PublishedAt = topic.ARN, now
		cache := &sigCache{}
		for _, s := range subs {
			if !t.matches(s, p.attrDoc, bodyFor(p.msg, p.bodies, s.Protocol)) {
				continue
			}
			d := &Delivery{Kind: TypeNotification, SubscriptionARN: s.ARN, MessageID: p.msg.ID, DueAt: now, CreatedAt: now, Message: p.msg}
			p.deliver = append(p.deliver, &job{d: d, sub: s, topic: topic, msg: p.msg, bodies: p.bodies, sigs: cache})
		}
	}
	lease := now.Add(t.opts.Lease)
	sends := make([][]*job, len(ps))
	err = t.store.Update(ctx, func(tx Tx) error {
		for i, p := range ps {
			p.result, sends[i] = PublishResult{MessageID: p.msg.ID}, p.deliver
			if topic.Fifo {
				n, err := tx.NextSequence(ctx, topic.ARN)
				if err != nil {
					return err
				}
				p.msg.SequenceNumber = fmt.Sprintf("1%019d", n)
				id, seq, err := tx.Deduplicate(ctx, topic.ARN, p.msg.DeduplicationID, p.msg.ID, p.msg.SequenceNumber, now.Add(dedupWindow), now)
				if err != nil {
					return err
				}
				if id != "" {
					p.result, sends[i] = PublishResult{MessageID: id, SequenceNumber: seq}, nil
				} else {
					p.result.SequenceNumber = p.msg.SequenceNumber
				}
			}
			if len(sends[i]) == 0 {
				continue
			}
			ds := make([]*Delivery, len(sends[i]))
			for k, j := range sends[i] {
				ds[k] = j.d
			}
			if err := tx.AddDeliveries(ctx, p.msg, ds, lease); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internal(err)
	}
	var jobs []*job
	for _, js := range sends {
		jobs = append(jobs, js...)
	}
	t.engine.submit(jobs...)
	return nil
}
