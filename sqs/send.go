package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// SendInput is one message to send.
type SendInput struct {
	Body             string
	DelaySeconds     *int // nil: the queue's DelaySeconds
	Attributes       map[string]MessageAttributeValue
	SystemAttributes map[string]MessageAttributeValue // AWSTraceHeader only
	GroupID          string                           // FIFO (required); fair standard queues
	DeduplicationID  string                           // FIFO
}

// SendResult is what a send answers. MD5OfAttributes and
// MD5OfSystemAttributes are "" when there were none; SequenceNumber is ""
// for a standard queue.
type SendResult struct {
	MessageID             string
	MD5OfBody             string
	MD5OfAttributes       string
	MD5OfSystemAttributes string
	SequenceNumber        string
}

// BatchSend is one entry of SendMessageBatch.
type BatchSend struct {
	ID string
	SendInput
}

// BatchResult is the outcome of one batch entry: Err (a *steward.Error
// whose Code goes into BatchResultErrorEntry) or success.
type BatchResult[T any] struct {
	ID     string
	Result T
	Err    *steward.Error
}

// Outbound is a message another service (SNS, EventBridge) delivers to a
// queue.
type Outbound struct {
	Body            string
	Attributes      map[string]MessageAttributeValue
	GroupID         string
	DeduplicationID string
}

// SendByARN sends one message to the queue named by ARN, as SNS and
// EventBridge deliveries do. A missing queue is a *steward.Error with code
// CodeQueueDoesNotExist; invalid messages get the codes SendMessage gives.
func (q *Queues) SendByARN(ctx context.Context, queueARN string, m Outbound) (messageID string, err error) {
	e, err := q.byARN(ctx, queueARN)
	if err != nil {
		return "", err
	}
	res, err := q.sendOne(ctx, e, SendInput{Body: m.Body, Attributes: m.Attributes, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID})
	if err != nil {
		return "", err
	}
	return res.MessageID, nil
}

// SendMessage sends one message. When it returns, the message is committed.
func (q *Queues) SendMessage(ctx context.Context, url string, in SendInput) (*SendResult, error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	return q.sendOne(ctx, e, in)
}

func (q *Queues) sendOne(ctx context.Context, e *queueEntry, in SendInput) (*SendResult, error) {
	now := q.now()
	p, err := q.prepare(ctx, e, in, now)
	if err != nil {
		return nil, err
	}
	if err := q.commitSends(ctx, e, []*pendingSend{p}, now); err != nil {
		return nil, err
	}
	return &p.result, nil
}

// SendMessageBatch sends up to 10 messages; each entry succeeds or fails on
// its own. Request-level problems (no entries, too many, repeated or
// invalid IDs, too large altogether) fail the whole call.
func (q *Queues) SendMessageBatch(ctx context.Context, url string, entries []BatchSend) ([]BatchResult[*SendResult], error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(entries))
	total := 0
	for i, en := range entries {
		ids[i] = en.ID
		total += len(en.Body) + attributesSize(en.Attributes)
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	if total > MaxMessageSizeLimit {
		return nil, steward.Errorf(CodeBatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", MaxMessageSizeLimit, total)
	}
	now := q.now()
	out := make([]BatchResult[*SendResult], len(entries))
	var pending []*pendingSend
	for i, en := range entries {
		out[i].ID = en.ID
		p, err := q.prepare(ctx, e, en.SendInput, now)
		if err != nil {
			out[i].Err = steward.AsError(err)
			continue
		}
		out[i].Result = &p.result
		pending = append(pending, p)
	}
	if len(pending) > 0 {
		if err := q.commitSends(ctx, e, pending, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkBatch checks the entry IDs of a batch request.
func checkBatch(ids []string) error {
	switch {
	case len(ids) == 0:
		return steward.Errorf(CodeEmptyBatchRequest, "There should be at least one entry in the request.")
	case len(ids) > MaxBatchEntries:
		return steward.Errorf(CodeTooManyEntriesInBatchRequest, "Maximum number of entries per request are %d. You have sent %d.", MaxBatchEntries, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !validBatchID(id) {
			return steward.Errorf(CodeInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most %d letters long.", MaxBatchIDLen)
		}
		if seen[id] {
			return steward.Errorf(CodeBatchEntryIdsNotDistinct, "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > MaxBatchIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// pendingSend is a validated message on its way to the store.
type pendingSend struct {
	rec    *MessageRecord
	scope  string // FIFO deduplication scope: "" (queue) or the group
	result SendResult
}

// prepare validates one message for queue e and builds its record.
func (q *Queues) prepare(ctx context.Context, e *queueEntry, in SendInput, now time.Time) (*pendingSend, error) {
	cfg := &e.cfg
	if in.Body == "" {
		return nil, missingParam("MessageBody")
	}
	if !validText(in.Body) {
		return nil, steward.Errorf(CodeInvalidMessageContents, "Invalid binary character was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	if err := checkAttributes(in.Attributes, false); err != nil {
		return nil, err
	}
	if err := checkAttributes(in.SystemAttributes, true); err != nil {
		return nil, err
	}
	if size := len(in.Body) + attributesSize(in.Attributes); size > cfg.maxSize {
		return nil, invalidParam("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", cfg.maxSize)
	}
	delay := cfg.delay
	if in.DelaySeconds != nil {
		d := *in.DelaySeconds
		switch {
		case d < 0 || d > MaxDelaySeconds:
			return nil, invalidParam("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= %d.", d, MaxDelaySeconds)
		case cfg.fifo && d != 0:
			return nil, invalidParam("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", d)
		}
		if !cfg.fifo {
			delay = time.Duration(d) * time.Second
		}
	}
	p := &pendingSend{rec: &MessageRecord{
		QueueID:          e.rec.ID,
		MessageID:        uuid.NewString(),
		Body:             in.Body,
		Attributes:       EncodeAttributes(in.Attributes),
		SystemAttributes: EncodeAttributes(in.SystemAttributes),
		SenderID:         senderID(ctx, q.env.Account),
		SentAt:           now,
		VisibleAt:        now.Add(delay),
		GroupID:          in.GroupID,
	}}
	if in.GroupID != "" && !validFIFOID(in.GroupID) {
		return nil, invalidParam("Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.", in.GroupID)
	}
	if cfg.fifo {
		if in.GroupID == "" {
			return nil, missingParam("MessageGroupId")
		}
		dedup := in.DeduplicationID
		switch {
		case dedup != "" && !validFIFOID(dedup):
			return nil, invalidParam("Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", dedup)
		case dedup == "" && cfg.contentDedup:
			sum := sha256.Sum256([]byte(in.Body))
			dedup = hex.EncodeToString(sum[:])
		case dedup == "":
			return nil, invalidParam("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		p.rec.DedupID = dedup
		if cfg.dedupByGroup {
			p.scope = in.GroupID
		}
	} else if in.DeduplicationID != "" {
		return nil, invalidParam("The request include parameter MessageDeduplicationId that is not valid for this queue type")
	}
	p.result = SendResult{
		MessageID:             p.rec.MessageID,
		MD5OfBody:             MD5OfBody(in.Body),
		MD5OfAttributes:       md5OrEmpty(p.rec.Attributes),
		MD5OfSystemAttributes: md5OrEmpty(p.rec.SystemAttributes),
	}
	return p, nil
}

func md5OrEmpty(enc []byte) string {
	if len(enc) == 0 {
		return ""
	}
	return MD5Hex(enc)
}

// validFIFOID: 1–128 characters, alphanumeric and ASCII punctuation.
func validFIFOID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// senderID is the SenderId system attribute: the caller's user ID (the
// access key ID when there is none), else the account.
func senderID(ctx context.Context, account string) string {
	c := steward.CallerFrom(ctx)
	switch {
	case c.UserID != "":
		return c.UserID
	case c.AccessKeyID != "":
		return c.AccessKeyID
	}
	return account
}

// sequenceBase makes FIFO sequence numbers look like AWS's: 20 decimal
// digits, increasing.
const sequenceBase = 18_000_000_000_000_000_000

// SequenceNumber renders a stored FIFO sequence.
func SequenceNumber(seq int64) string {
	if seq <= 0 {
		return ""
	}
	return strconv.FormatUint(sequenceBase+uint64(seq), 10)
}

// commitSends stores the messages of queue e in one transaction. FIFO
// duplicates within the deduplication window are accepted but not stored:
// they answer with the first message's ID and sequence number.
func (q *Queues) commitSends(ctx context.Context, e *queueEntry, ps []*pendingSend, now time.Time) error {
	fifo := e.cfg.fifo
	err := q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		for _, p := range ps {
			if !fifo {
				if err := tx.Insert(ctx, p.rec); err != nil {
					return err
				}
				continue
			}
			id, seq, found, err := tx.Dedup(ctx, e.rec.ID, p.scope, p.rec.DedupID, now)
			if err != nil {
				return err
			}
			if found {
				p.result.MessageID, p.result.SequenceNumber = id, SequenceNumber(seq)
				continue
			}
			if seq, err = tx.NextSequence(ctx, e.rec.ID); err != nil {
				return err
			}
			p.rec.Sequence = seq
			p.result.MessageID, p.result.SequenceNumber = p.rec.MessageID, SequenceNumber(seq)
			if err := tx.Insert(ctx, p.rec); err != nil {
				return err
			}
			if err := tx.PutDedup(ctx, e.rec.ID, p.scope, p.rec.DedupID, p.rec.MessageID, seq, now.Add(DedupWindow)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return q.storeErr(e.rec.Name, err)
	}
	q.wake(e.rec.ID)
	return nil
}
