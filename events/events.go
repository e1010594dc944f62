// Package events is the EventBridge domain: event buses, rules (event
// patterns and schedules), targets with their input shaping, PutEvents, and
// the durable delivery engine with retries and dead-letter queues. It owns
// the types, their validation and the AWS rules, and declares the store and
// the small interfaces it needs from the services it delivers to (SQS, SNS,
// Run Command, IAM); it imports no transport and no SQL.
//
// Every error it returns is a *steward.Error carrying the EventBridge error
// code.
//
// Matching: the enabled pattern rules of each bus live in one pattern.Set,
// updated when a rule changes and loaded from the store at Open; an event is
// read once against the set, never against each rule.
//
// Durability: PutEvents answers after one delivery row per (event, matched
// target) is committed. The rows go to the delivery workers in memory at
// once; the database stays the source of truth: a row is deleted only after
// its target took the event (or the dead-letter queue did, or it was
// dropped), so a crash re-delivers rather than loses (at least once).
// Scheduled rules and the service-event outbox feed the same rows, each in
// the transaction that records the fire or drains the outbox entry.
package events

import (
	"errors"
	"time"

	"github.com/stewardhq/steward"
)

// Error codes: the modeled shape names of the EventBridge API.
const (
	CodeResourceNotFound        = "ResourceNotFoundException"
	CodeResourceAlreadyExists   = "ResourceAlreadyExistsException"
	CodeInvalidEventPattern     = "InvalidEventPatternException"
	CodeLimitExceeded           = "LimitExceededException"
	CodeConcurrentModification  = "ConcurrentModificationException"
	CodeManagedRule             = "ManagedRuleException"
	CodeInternal                = "InternalException"
	CodeValidation              = steward.CodeValidation
	CodeOperationDisabled       = "OperationDisabledException"
	CodeInvalidState            = "InvalidStateException"
	CodeIllegalStatus           = "IllegalStatusException"
	CodeAccessDenied            = steward.CodeAccessDenied
	CodeThrottling              = steward.CodeThrottling
	CodeInvalidArgument         = "InvalidArgument" // PutEvents entries
	CodeMalformedDetail         = "MalformedDetail"
	CodeNotAuthorizedForSource  = "NotAuthorizedForSourceException"
	CodeNotAuthorizedDetailType = "NotAuthorizedForDetailTypeException"
)

// Limits (reference/events-cloudwatch-sns-sqs.md A2; the botocore model).
// Rules per bus is AWS's 300 raised to Steward's own ceiling (one indexed
// pattern set per bus: the cost of a rule is not paid per event).
const (
	maxPutEventsEntries   = 10
	maxPutEventsBytes     = 256 * 1024 // the entries' sizes together, computed as AWS documents
	maxTargetsPerRule     = 5
	maxTargetsPerCall     = 100
	maxBuses              = 100
	defaultMaxRules       = 10000
	maxEventPattern       = 4096
	maxScheduleExpression = 256
	maxDescription        = 512
	maxRuleName           = 64
	maxBusName            = 256
	maxARN                = 1600
	maxInput              = 8192
	maxInputPath          = 256
	maxTags               = 50
	maxTagKey             = 128
	maxTagValue           = 256
	maxPageSize           = 100
	maxRetryAttempts      = 185
	minEventAge           = 60
	maxEventAge           = 86400
	maxRunCommandTargets  = 5
	maxRunCommandValues   = 50
	maxRunCommandKey      = 128
	maxRunCommandValue    = 256
	maxMessageGroupID     = 100
	maxResourceLength     = 2048
	maxTraceHeader        = 500
	maxHops               = 5 // bus-to-bus forwards before an event is dropped (loop protection)
)

// Rule states.
const (
	StateEnabled           = "ENABLED"
	StateDisabled          = "DISABLED"
	StateEnabledCloudTrail = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// DefaultBus is the name of the bus every account has.
const DefaultBus = "default"

// Store errors.
var (
	// ErrNotFound reports a bus or rule that does not exist.
	ErrNotFound = errors.New("events: not found")
	// ErrInvalidToken reports a pagination token the store did not make.
	ErrInvalidToken = errors.New("events: invalid next token")
	// ErrConflict reports a conditional write that lost to another writer
	// (a schedule fired by another replica, an outbox entry drained by one).
	ErrConflict = errors.New("events: conflicting write")
)

// internal wraps an unexpected failure; *steward.Error values and nil pass.
func internal(err error) error {
	if err == nil {
		return nil
	}
	var se *steward.Error
	if errors.As(err, &se) {
		return err
	}
	return steward.Internal(err)
}

func notFound(format string, args ...any) *steward.Error {
	return steward.Errorf(CodeResourceNotFound, format, args...)
}

// millis truncates t to what the store keeps.
func millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
