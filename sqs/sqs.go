// Package sqs is the Simple Queue Service domain: standard and FIFO queues,
// their attributes and tags, messages with attributes and the MD5 digests
// AWS computes over them, visibility timeouts, long polling, dead-letter
// redrive, deduplication, purge and retention. It owns the types, the
// validation and the AWS rules, and declares the store it needs
// (QueueStore); it imports no transport and no SQL.
//
// Every error it returns is a *steward.Error carrying the SQS error code
// (the model's shape name, e.g. QueueDoesNotExist); the gateway renders the
// query code (AWS.SimpleQueueService.NonExistentQueue) from its table.
//
// Durability: a send returns only after the message is committed. Long
// polls wait in process: a send, a redrive or a visibility change wakes the
// waiters of that queue at once, and a waiter re-checks the store when the
// earliest hidden message of its queue becomes visible.
package sqs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/stewardhq/steward"
)

// Error codes (botocore sqs shape names; the gateway maps the query codes).
const (
	CodeQueueDoesNotExist            = "QueueDoesNotExist"
	CodeQueueNameExists              = "QueueNameExists"
	CodeInvalidAttributeName         = "InvalidAttributeName"
	CodeInvalidAttributeValue        = "InvalidAttributeValue"
	CodeInvalidMessageContents       = "InvalidMessageContents"
	CodeReceiptHandleIsInvalid       = "ReceiptHandleIsInvalid"
	CodeMessageNotInflight           = "MessageNotInflight"
	CodePurgeQueueInProgress         = "PurgeQueueInProgress"
	CodeEmptyBatchRequest            = "EmptyBatchRequest"
	CodeTooManyEntriesInBatchRequest = "TooManyEntriesInBatchRequest"
	CodeBatchEntryIdsNotDistinct     = "BatchEntryIdsNotDistinct"
	CodeBatchRequestTooLong          = "BatchRequestTooLong"
	CodeInvalidBatchEntryID          = "InvalidBatchEntryId"
	CodeOverLimit                    = "OverLimit"
	CodeUnsupportedOperation         = "UnsupportedOperation"
	CodeInvalidParameterValue        = steward.CodeInvalidParameterValue
	CodeMissingParameter             = steward.CodeMissingParameter
)

// Limits (AWS quotas; limits-and-anchors.md §1.10 and the API reference).
const (
	MaxBatchEntries        = 10
	MaxBatchIDLen          = 80
	MaxMessageAttributes   = 10
	MaxAttributeNameLen    = 256
	MaxDataTypeLen         = 256
	MaxQueueNameLen        = 80
	MaxTagsPerQueue        = 50
	MaxReceiveMessages     = 10
	MaxWaitSeconds         = 20
	MaxVisibilitySeconds   = 43200
	MaxDelaySeconds        = 900
	MaxListQueues          = 1000
	MinMessageSizeLimit    = 1024
	MaxMessageSizeLimit    = 1 << 20 // 1 MiB since 2025
	DefaultMaxMessageSize  = 1 << 20
	DefaultRetention       = 345600 // 4 days
	MinRetention           = 60
	MaxRetention           = 1209600 // 14 days
	DefaultVisibility      = 30
	DedupWindow            = 5 * time.Minute
	PurgeInterval          = 60 * time.Second
	MaxInflightStandard    = 120000
	MaxInflightFIFO        = 20000
	MaxReceiveCountLimit   = 1000
	MaxRedriveAllowSources = 10
)

// Env is what the queues need from their surroundings.
type Env struct {
	Clock   steward.Clock
	Account string // 12-digit account ID: queue URLs and ARNs
	Region  string // the server's region, used in ARNs
}

// ARN returns arn:aws:sqs:REGION:ACCOUNT:name.
func (e Env) ARN(name string) string {
	return "arn:aws:sqs:" + e.Region + ":" + e.Account + ":" + name
}

// Options tune Queues. The zero value is usable.
type Options struct {
	Logger *slog.Logger
	// SweepEvery is how often expired messages and deduplication entries are
	// deleted (default 10 s).
	SweepEvery time.Duration
	// RecheckEvery makes long polls re-read the store this often even when
	// nothing in this process woke them: set it when several processes share
	// one database (PostgreSQL replicas); 0 relies on in-process wakes and
	// visibility expiry alone.
	RecheckEvery time.Duration
	// OnWake, when set, is called (it must not block) after something that
	// may make messages of queue id receivable woke this process's long
	// polls; replicas sharing a database forward it to each other, which
	// call WakeQueue.
	OnWake func(id int64)
	// After returns a channel that fires after d (default time.After); tests
	// replace it to drive long-poll timeouts without waiting.
	After func(d time.Duration) <-chan time.Time
	// CacheTTL is how long queue metadata read from the store is reused
	// (default 1 s; AWS documents up to 60 s for attribute changes to
	// propagate; negative: never reused). Changes made through this process
	// are seen at once.
	CacheTTL time.Duration
}

// Queues is SQS.
type Queues struct {
	store QueueStore
	env   Env
	opt   Options
	log   *slog.Logger

	cache   queueCache
	waiters waiters
	attempt attempts

	mu      sync.Mutex
	stop    context.CancelFunc
	done    chan struct{}
	closing chan struct{}
}

// New returns SQS on store. Call Open to start the retention sweep.
func New(store QueueStore, env Env, opt Options) *Queues {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.SweepEvery <= 0 {
		opt.SweepEvery = 10 * time.Second
	}
	if opt.After == nil {
		opt.After = time.After
	}
	if opt.CacheTTL == 0 {
		opt.CacheTTL = time.Second
	}
	q := &Queues{store: store, env: env, opt: opt, log: opt.Logger, closing: make(chan struct{})}
	q.cache.init()
	q.waiters.init()
	q.attempt.init()
	return q
}

// Open starts the background sweep of expired messages and deduplication
// entries. It returns at once.
func (q *Queues) Open(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stop != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.stop = cancel
	q.done = make(chan struct{})
	go func() {
		defer close(q.done)
		q.sweepLoop(ctx)
	}()
	return nil
}

// Close releases every waiting long poll (they answer with what they have,
// usually nothing), stops the sweep and waits for it. It is safe to call
// more than once, and without Open.
func (q *Queues) Close() error {
	q.mu.Lock()
	select {
	case <-q.closing:
	default:
		close(q.closing)
	}
	stop, done := q.stop, q.done
	q.stop = nil
	q.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	return nil
}

func (q *Queues) now() time.Time { return q.env.Clock.Now() }

// notFound is the QueueDoesNotExist error.
func notFound() *steward.Error {
	return steward.Errorf(CodeQueueDoesNotExist, "The specified queue does not exist.")
}

func invalidParam(format string, args ...any) *steward.Error {
	return steward.Errorf(CodeInvalidParameterValue, format, args...)
}

func missingParam(name string) *steward.Error {
	return steward.Errorf(CodeMissingParameter, "The request must contain the parameter %s.", name)
}
