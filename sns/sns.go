// Package sns is the Simple Notification Service domain: topics,
// subscriptions with their confirmation handshake, Publish/PublishBatch with
// filter policies, and the durable delivery engine that sends notifications
// to SQS queues, HTTP/HTTPS endpoints and email addresses with AWS's
// envelopes, signatures and retry policies. It owns the types, their
// validation and the AWS rules, and declares the store and the small
// interfaces it needs from SQS and mail; it imports no transport and no SQL.
//
// Every error it returns is a *steward.Error carrying the SNS error code (the
// modeled shape name, e.g. "NotFoundException"; the gateway spells it
// "NotFound" on the wire).
//
// Durability: Publish answers after the message and one delivery row per
// matching subscription are committed. The rows are handed to the delivery
// engine in memory at once (no polling delay); the database stays the source
// of truth: a row is deleted only after its delivery succeeded (or ended in
// the dead-letter queue), so a crash at any point re-delivers rather than
// loses (at least once).
package sns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Error codes: the modeled shape names of the SNS API. The gateway's error
// table maps them to their query codes (NotFound, InvalidParameter, …).
const (
	CodeInvalidParameter      = "InvalidParameterException"
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeNotFound              = "NotFoundException"
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeAuthorizationError    = "AuthorizationErrorException"
	CodeInternalError         = "InternalErrorException"
	CodeTagLimitExceeded      = "TagLimitExceededException"
	CodeTagPolicy             = "TagPolicyException"
	CodeSubscriptionLimit     = "SubscriptionLimitExceededException"
	CodeFilterPolicyLimit     = "FilterPolicyLimitExceededException"
	CodeTopicLimitExceeded    = "TopicLimitExceededException"
	CodeEmptyBatch            = "EmptyBatchRequestException"
	CodeTooManyEntries        = "TooManyEntriesInBatchRequestException"
	CodeBatchIDsNotDistinct   = "BatchEntryIdsNotDistinctException"
	CodeBatchTooLong          = "BatchRequestTooLongException"
	CodeInvalidBatchEntryID   = "InvalidBatchEntryIdException"
)

// Limits (reference/limits-and-anchors.md §1.9, the API reference).
const (
	maxMessageBytes        = 262144 // message plus attributes; PublishBatch total
	maxSubjectChars        = 100
	maxTopicName           = 256
	maxBatchEntries        = 10
	maxBatchIDLen          = 80
	maxTagsPerTopic        = 50
	maxTagKey              = 128
	maxTagValue            = 256
	maxAttrNameLen         = 256
	maxDedupIDLen          = 128
	maxDisplayName         = 100
	maxFilterPoliciesTopic = 200
	listPageSize           = 100
	pendingTTL             = 3 * 24 * time.Hour // unconfirmed subscriptions and unsubscribe tombstones
	dedupWindow            = 5 * time.Minute    // FIFO deduplication interval
	tokenBytes             = 128                // confirmation tokens: 256 hex characters, like AWS's
)

// Subscription protocols Steward delivers to.
const (
	ProtocolHTTP      = "http"
	ProtocolHTTPS     = "https"
	ProtocolEmail     = "email"
	ProtocolEmailJSON = "email-json"
	ProtocolSQS       = "sqs"
)

// Subscription states.
const (
	StatePending   = "pending"
	StateConfirmed = "confirmed"
	StateDeleted   = "deleted" // unsubscribed; kept so the UnsubscribeConfirmation's SubscribeURL can restore it
)

// Message types of the JSON envelope (and of delivery rows).
const (
	TypeNotification             = "Notification"
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Store errors.
var (
	// ErrNotFound reports a topic or subscription that does not exist.
	ErrNotFound = errors.New("sns: not found")
	// ErrInvalidToken reports a pagination token the store did not make.
	ErrInvalidToken = errors.New("sns: invalid next token")
)

// Sealer encrypts values at rest (the keyring): the signing key.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Tag is a topic tag.
type Tag struct {
	Key   string
	Value string
}

// invalid returns an InvalidParameter error with AWS's message prefix.
func invalid(format string, args ...any) *steward.Error {
	e := steward.Errorf(CodeInvalidParameter, format, args...)
	e.Message = "Invalid parameter: " + e.Message
	return e
}

func invalidValue(format string, args ...any) *steward.Error {
	return steward.Errorf(CodeInvalidParameterValue, format, args...)
}

func topicNotFound() *steward.Error {
	return steward.Errorf(CodeNotFound, "Topic does not exist")
}

func subscriptionNotFound() *steward.Error {
	return steward.Errorf(CodeNotFound, "Subscription does not exist")
}

// internal wraps a store failure; ErrNotFound passes through as given.
func internal(err error) error {
	var se *steward.Error
	if errors.As(err, &se) {
		return err
	}
	return steward.Internal(err)
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// arnParts splits arn:aws:sns:REGION:ACCOUNT:RESOURCE (RESOURCE may hold
// further colons: a subscription is TOPIC:UUID).
func arnParts(arn, service string) (region, account, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != service || parts[3] == "" || parts[5] == "" {
		return "", "", "", false
	}
	return parts[3], parts[4], parts[5], true
}

// QueueARNName returns the queue name of an SQS ARN, or false.
func QueueARNName(arn string) (string, bool) {
	_, account, name, ok := arnParts(arn, "sqs")
	if !ok || len(account) != 12 || strings.Contains(name, ":") {
		return "", false
	}
	return name, true
}
