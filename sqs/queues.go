package sqs

import (
	"context"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stewardhq/steward"
)

// Queue management: create, look up, list, delete, attributes, tags, purge
// and the dead-letter source listing.

// CreateQueue creates a queue, or returns the URL of the existing one when
// every given attribute has the value the queue already has
// (QueueNameExists otherwise). Tags apply to a new queue only.
func (q *Queues) CreateQueue(ctx context.Context, name string, attrs, tags map[string]string) (string, error) {
	if err := checkQueueName(name); err != nil {
		return "", err
	}
	fifo := strings.HasSuffix(name, ".fifo")
	given, err := normalizeAttrs(attrs, fifo, true)
	if err != nil {
		return "", err
	}
	if v, ok := given[AttrFifoQueue]; ok && v == "true" && !fifo || fifo && given[AttrFifoQueue] != "true" {
		return "", invalidParam("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	}
	if !fifo {
		delete(given, AttrFifoQueue) // FifoQueue=false on a standard queue says nothing
	}
	if err := checkTags(tags); err != nil {
		return "", err
	}
	full := defaultAttrs(fifo)
	for k, v := range given {
		full[k] = v
	}
	now := q.now()
	arn := q.env.ARN(name)
	dlq, err := q.checkCombined(ctx, arn, full)
	if err != nil {
		return "", err
	}
	rec := &QueueRecord{
		ID: newQueueID(), Name: name, Attributes: full, DeadLetterTarget: dlq,
		CreatedAt: now, ModifiedAt: now,
	}
	existing, err := q.store.CreateQueue(ctx, rec, tags)
	switch {
	case errors.Is(err, ErrQueueExists):
		for k, v := range given {
			if existing.Attributes[k] != v {
				return "", steward.Errorf(CodeQueueNameExists, "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		q.cache.put(q.entry(existing))
		return q.QueueURL(ctx, name), nil
	case err != nil:
		return "", steward.Internal(err)
	}
	q.cache.put(q.entry(rec))
	return q.QueueURL(ctx, name), nil
}

func newQueueID() int64 { return rand.Int64N(1<<62) + 1 }

func defaultAttrs(fifo bool) map[string]string {
	m := make(map[string]string, 12)
	for name, spec := range queueAttrs {
		if spec.def != "" && (fifo || !spec.fifoOnly) {
			m[name] = spec.def
		}
	}
	return m
}

// normalizeAttrs validates the attributes of a CreateQueue (create) or
// SetQueueAttributes and returns them in stored form.
func normalizeAttrs(attrs map[string]string, fifo, create bool) (map[string]string, error) {
	out := make(map[string]string, len(attrs))
	for name, v := range attrs {
		spec, ok := queueAttrs[name]
		if !ok || spec.kind == attrReadOnly || spec.fifoOnly && !fifo && name != AttrFifoQueue {
			return nil, steward.Errorf(CodeInvalidAttributeName, "Unknown Attribute %s.", name)
		}
		if spec.kind == attrCreateOnly && !create {
			if n, ok := spec.norm(v); !ok || n != "true" || !fifo {
				return nil, steward.Errorf(CodeInvalidAttributeValue, "Invalid value for the parameter %s.", name)
			}
			continue // the queue type cannot change; saying what it is changes nothing
		}
		if spec.paramErr != nil {
			n, err := spec.paramErr(v)
			if err != nil {
				return nil, err
			}
			out[name] = n
			continue
		}
		n, ok := v, true
		if spec.norm != nil {
			n, ok = spec.norm(v)
		}
		if !ok {
			return nil, steward.Errorf(CodeInvalidAttributeValue, "Invalid value for the parameter %s.", name)
		}
		out[name] = n
	}
	return out, nil
}

// checkCombined applies the rules that involve several attributes or other
// queues to the full attributes of queue arn, filling in what follows from
// them, and returns the dead-letter target.
func (q *Queues) checkCombined(ctx context.Context, arn string, full map[string]string) (string, error) {
	if full[AttrFifoThroughputLimit] == "perMessageGroupId" && full[AttrDeduplicationScope] != "messageGroup" {
		return "", steward.Errorf(CodeInvalidAttributeValue, "Invalid value for the parameter %s. Reason: perMessageGroupId requires DeduplicationScope messageGroup.", AttrFifoThroughputLimit)
	}
	if full[AttrKmsMasterKeyID] != "" {
		if full[AttrSqsManagedSseEnabled] == "true" {
			full[AttrSqsManagedSseEnabled] = "false"
		}
		if full[AttrKmsDataKeyReusePeriod] == "" {
			full[AttrKmsDataKeyReusePeriod] = "300"
		}
	} else {
		delete(full, AttrKmsDataKeyReusePeriod)
	}
	for _, k := range []string{AttrPolicy, AttrRedrivePolicy, AttrRedriveAllowPolicy, AttrKmsMasterKeyID} {
		if full[k] == "" {
			delete(full, k)
		}
	}
	v := full[AttrRedrivePolicy]
	if v == "" {
		return "", nil
	}
	p, err := ParseRedrivePolicy(v)
	if err != nil {
		return "", err
	}
	dlq, err := q.byARN(ctx, p.DeadLetterTargetARN)
	if steward.ErrorCode(err) == CodeQueueDoesNotExist {
		return "", policyError(AttrRedrivePolicy, v, "Dead letter target does not exist.")
	}
	if err != nil {
		return "", err
	}
	if dlq.cfg.fifo != (full[AttrFifoQueue] == "true") {
		return "", policyError(AttrRedrivePolicy, v, "Dead-letter queue must be same type of queue as the source.")
	}
	if dlq.cfg.redriveAllow != nil && !dlq.cfg.redriveAllow.Allows(arn) {
		return "", policyError(AttrRedrivePolicy, v, "Queue "+dlq.arn+" does not allow this queue to use it as a dead-letter queue.")
	}
	return p.DeadLetterTargetARN, nil
}

// GetQueueURL returns the URL of queue name. owner, when given, must be the
// server's account.
func (q *Queues) GetQueueURL(ctx context.Context, name, owner string) (string, error) {
	if name == "" {
		return "", missingParam("QueueName")
	}
	if owner != "" && owner != q.env.Account {
		return "", notFound()
	}
	if _, err := q.byName(ctx, name); err != nil {
		return "", err
	}
	return q.QueueURL(ctx, name), nil
}

// Page is a page request: MaxResults (nil: not given) and NextToken.
type Page struct {
	MaxResults *int
	NextToken  string
}

// limit checks the page and returns the page size and the position after
// which it starts. Without MaxResults a listing returns up to 1,000 items
// and no token, as AWS does.
func (p Page) limit() (int, string, error) {
	n := MaxListQueues
	if p.MaxResults != nil {
		n = *p.MaxResults
		if n < 1 || n > MaxListQueues {
			return 0, "", invalidParam("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", n)
		}
	}
	after := ""
	if p.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.NextToken)
		if err != nil || len(b) < 2 || b[0] != 'q' || !utf8.Valid(b[1:]) {
			return 0, "", invalidParam("Invalid NextToken value.")
		}
		after = string(b[1:])
	}
	return n, after, nil
}

func nextToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte("q" + last)) }

// ListQueues returns the URLs of the queues whose names start with prefix,
// in name order, and the token of the next page (only with MaxResults).
func (q *Queues) ListQueues(ctx context.Context, prefix string, page Page) ([]string, string, error) {
	n, after, err := page.limit()
	if err != nil {
		return nil, "", err
	}
	recs, err := q.store.ListQueues(ctx, prefix, after, n+1)
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	return q.urlPage(ctx, recs, n, page.MaxResults != nil)
}

func (q *Queues) urlPage(ctx context.Context, recs []*QueueRecord, n int, paged bool) ([]string, string, error) {
	next := ""
	if len(recs) > n {
		recs = recs[:n]
		if paged {
			next = nextToken(recs[n-1].Name)
		}
	}
	urls := make([]string, len(recs))
	for i, r := range recs {
		urls[i] = q.QueueURL(ctx, r.Name)
	}
	return urls, next, nil
}

// ListDeadLetterSourceQueues returns the URLs of the queues whose
// RedrivePolicy targets the queue at url.
func (q *Queues) ListDeadLetterSourceQueues(ctx context.Context, url string, page Page) ([]string, string, error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, "", err
	}
	n, after, err := page.limit()
	if err != nil {
		return nil, "", err
	}
	recs, err := q.store.ListDeadLetterSources(ctx, e.arn, after, n+1)
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	return q.urlPage(ctx, recs, n, page.MaxResults != nil)
}

// DeleteQueue deletes a queue and its messages. Long polls waiting on it
// return.
func (q *Queues) DeleteQueue(ctx context.Context, url string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	err = q.store.DeleteQueue(ctx, e.rec.ID)
	q.cache.forget(e.rec.Name)
	q.wake(e.rec.ID)
	if errors.Is(err, ErrQueueNotFound) {
		return notFound()
	}
	if err != nil {
		return steward.Internal(err)
	}
	return nil
}

// GetQueueAttributes returns the named attributes ("All" for every one);
// attributes a queue does not have (Policy unset, FIFO ones on a standard
// queue) are left out.
func (q *Queues) GetQueueAttributes(ctx context.Context, url string, names []string) (map[string]string, error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		if _, ok := queueAttrs[n]; !ok && n != AttrAll {
			return nil, steward.Errorf(CodeInvalidAttributeName, "Unknown Attribute %s.", n)
		}
		want[n] = true
	}
	all := want[AttrAll]
	wanted := func(n string) bool { return all || want[n] }
	// Fresh metadata: attributes read here must reflect the latest change.
	rec, err := q.store.GetQueue(ctx, e.rec.Name)
	if err != nil {
		return nil, q.storeErr(e.rec.Name, err)
	}
	out := make(map[string]string)
	for _, n := range attrOrder {
		if !wanted(n) {
			continue
		}
		if v, ok := rec.Attributes[n]; ok {
			out[n] = v
		}
	}
	if wanted(AttrQueueArn) {
		out[AttrQueueArn] = e.arn
	}
	if wanted(AttrCreatedTimestamp) {
		out[AttrCreatedTimestamp] = strconv.FormatInt(rec.CreatedAt.Unix(), 10)
	}
	if wanted(AttrLastModifiedTimestamp) {
		out[AttrLastModifiedTimestamp] = strconv.FormatInt(rec.ModifiedAt.Unix(), 10)
	}
	if wanted(AttrApproximateNumberOfMessages) || wanted(AttrApproximateNotVisible) || wanted(AttrApproximateDelayed) {
		cfg := configOf(rec.Attributes)
		now := q.now()
		c, err := q.store.CountMessages(ctx, rec.ID, now, now.Add(-cfg.retention))
		if err != nil {
			return nil, steward.Internal(err)
		}
		if wanted(AttrApproximateNumberOfMessages) {
			out[AttrApproximateNumberOfMessages] = strconv.FormatInt(c.Visible, 10)
		}
		if wanted(AttrApproximateNotVisible) {
			out[AttrApproximateNotVisible] = strconv.FormatInt(c.InFlight, 10)
		}
		if wanted(AttrApproximateDelayed) {
			out[AttrApproximateDelayed] = strconv.FormatInt(c.Delayed, 10)
		}
	}
	return out, nil
}

// SetQueueAttributes changes settable attributes. An empty Policy,
// RedrivePolicy, RedriveAllowPolicy or KmsMasterKeyId removes it.
func (q *Queues) SetQueueAttributes(ctx context.Context, url string, attrs map[string]string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	if len(attrs) == 0 {
		return missingParam("Attributes")
	}
	given, err := normalizeAttrs(attrs, e.cfg.fifo, false)
	if err != nil {
		return err
	}
	rec, err := q.store.GetQueue(ctx, e.rec.Name)
	if err != nil {
		return q.storeErr(e.rec.Name, err)
	}
	full := make(map[string]string, len(rec.Attributes)+len(given))
	for k, v := range rec.Attributes {
		full[k] = v
	}
	for k, v := range given {
		full[k] = v
	}
	dlq, err := q.checkCombined(ctx, e.arn, full)
	if err != nil {
		return err
	}
	now := q.now()
	if err := q.store.SetQueueAttributes(ctx, rec.ID, full, dlq, now); err != nil {
		return q.storeErr(rec.Name, err)
	}
	rec.Attributes, rec.DeadLetterTarget, rec.ModifiedAt = full, dlq, now
	q.cache.put(q.entry(rec))
	q.wake(rec.ID) // a shorter delay or wait changes what waiters see
	return nil
}

// PurgeQueue deletes every message in the queue; only one purge per 60 s.
func (q *Queues) PurgeQueue(ctx context.Context, url string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	err = q.store.PurgeQueue(ctx, e.rec.ID, q.now(), PurgeInterval)
	if errors.Is(err, ErrPurgeInProgress) {
		return steward.Errorf(CodePurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", e.rec.Name)
	}
	return q.storeErr(e.rec.Name, err)
}

// Tags.

// checkTags validates tag keys (1–128 characters, not aws:) and values
// (≤ 256) and the count.
func checkTags(tags map[string]string) error {
	if len(tags) > MaxTagsPerQueue {
		return invalidParam("Too many tags added for queue. A queue can have at most %d tags.", MaxTagsPerQueue)
	}
	for k, v := range tags {
		switch {
		case k == "" || utf8.RuneCountInString(k) > 128:
			return invalidParam("Tag keys must be between 1 and 128 characters in length.")
		case utf8.RuneCountInString(v) > 256:
			return invalidParam("Tag values must be between 0 and 256 characters in length.")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return invalidParam("Tag keys must not begin with aws:.")
		}
	}
	return nil
}

// TagQueue adds or replaces tags.
func (q *Queues) TagQueue(ctx context.Context, url string, tags map[string]string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return missingParam("Tags")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	err = q.store.UpdateQueueTags(ctx, e.rec.ID, func(cur map[string]string) error {
		for k, v := range tags {
			cur[k] = v
		}
		if len(cur) > MaxTagsPerQueue {
			return invalidParam("Too many tags added for queue %s. A queue can have at most %d tags.", e.rec.Name, MaxTagsPerQueue)
		}
		return nil
	})
	return q.storeErr(e.rec.Name, err)
}

// UntagQueue removes tags; unknown keys are ignored.
func (q *Queues) UntagQueue(ctx context.Context, url string, keys []string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return missingParam("TagKeys")
	}
	err = q.store.UpdateQueueTags(ctx, e.rec.ID, func(cur map[string]string) error {
		for _, k := range keys {
			delete(cur, k)
		}
		return nil
	})
	return q.storeErr(e.rec.Name, err)
}

// ListQueueTags returns a queue's tags.
func (q *Queues) ListQueueTags(ctx context.Context, url string) (map[string]string, error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	tags, err := q.store.QueueTags(ctx, e.rec.ID)
	if err != nil {
		return nil, q.storeErr(e.rec.Name, err)
	}
	return tags, nil
}
