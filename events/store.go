package events

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
)

// BusRecord is a stored event bus. The default bus has a row too (made at
// Open). ARNs are derived from the name, the account and the region.
type BusRecord struct {
	Name        string
	Description string
	CreatedAt   time.Time
	ModifiedAt  time.Time
}

// RuleRecord is a stored rule. NextFireAt is the next time a schedule rule
// fires (zero for pattern rules and disabled ones).
type RuleRecord struct {
	Bus                string
	Name               string
	EventPattern       string
	ScheduleExpression string
	State              string
	Description        string
	RoleARN            string
	ManagedBy          string
	CreatedBy          string // account ID
	CreatedAt          time.Time
	ModifiedAt         time.Time
	NextFireAt         time.Time
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// Target is one target of a rule, as PutTargets sets it.
type Target struct {
	ID               string
	ARN              string
	RoleARN          string
	Input            *string
	InputPath        *string
	InputTransformer *InputTransformer
	RetryPolicy      *RetryPolicy
	DeadLetterARN    string
	SQSMessageGroup  *string // SqsParameters.MessageGroupId; nil without SqsParameters
	RunCommand       []RunCommandTarget
	HasRunCommand    bool // RunCommandParameters given
	HTTP             *HTTPParametersTarget
}

// InputTransformer is a target's InputTransformer.
type InputTransformer struct {
	PathsMap map[string]string
	Template string
}

// RetryPolicy is a target's RetryPolicy; nil members take the defaults
// (185 attempts, 24 hours).
type RetryPolicy struct {
	MaximumRetryAttempts     *int
	MaximumEventAgeInSeconds *int
}

// RunCommandTarget is one RunCommandParameters.RunCommandTargets entry.
type RunCommandTarget struct {
	Key    string
	Values []string
}

// TargetRecord is a stored target.
type TargetRecord struct {
	Bus  string
	Rule string
	Target
}

// Delivery is one unit of delivery work: an event for one target of one
// rule. Event is the event as delivered (JSON). Attempts counts the attempts
// made. Failure, when set, is the failure that sends the event to the
// dead-letter queue next (the row waits for the queue).
type Delivery struct {
	ID         int64
	Bus        string
	Rule       string
	TargetID   string
	EventID    string
	Event      []byte
	IngestedAt time.Time
	Hops       int
	Attempts   int
	DueAt      time.Time
	Failure    string
}

// Metric is a counter increment of one rule (Rule "" for the bus) for the
// minute starting at Minute.
type Metric struct {
	Bus    string
	Rule   string
	Name   string
	Minute time.Time
	Value  int64
}

// The metric names (namespace AWS/Events).
const (
	MetricMatchedEvents                  = "MatchedEvents"
	MetricTriggeredRules                 = "TriggeredRules"
	MetricInvocations                    = "Invocations"
	MetricFailedInvocations              = "FailedInvocations"
	MetricInvocationsSentToDLQ           = "InvocationsSentToDlq"
	MetricInvocationsFailedToBeSentToDLQ = "InvocationsFailedToBeSentToDlq"
	MetricDeadLetterInvocations          = "DeadLetterInvocations"
)

// Ingest is what one data-plane transaction writes: new delivery rows
// (inserted leased until LeaseUntil, so that this process delivers them
// from memory) and metric increments. It may also advance a schedule
// (compare-and-set: ErrConflict when the rule's NextFireAt is no longer
// Fire.From).
type Ingest struct {
	Deliveries []*Delivery
	Metrics    []Metric
	LeaseUntil time.Time
	Fire       *Fire
}

// Fire moves a schedule rule's NextFireAt from From to To.
type Fire struct {
	Bus, Rule string
	From, To  time.Time
}

// OutboxEvent is a service event waiting in the outbox.
type OutboxEvent struct {
	Seq   int64
	Event steward.Event
}

// RuleQuery is a page of ListRules.
type RuleQuery struct {
	Bus    string
	Prefix string
	Token  string
	Limit  int
}

// Store persists EventBridge. Not-found reads return ErrNotFound; tokens the
// store did not make return ErrInvalidToken.
//
// AllRules and AllTargets load everything for the router at Open.
// RulesVersion changes with every Update that commits (replicas poll it).
//
// Update runs fn in a write transaction and commits when it returns nil.
//
// Ingest writes in one transaction (see Ingest). DrainOutbox takes up to
// limit of the oldest outbox events, calls fn with them, and writes what fn
// returns while deleting those events, all in one transaction: an event
// leaves the outbox exactly when its deliveries exist. fn must have no
// other effects.
//
// ClaimDeliveries leases up to limit rows whose time has come (due, and not
// leased or the lease ran out) until leaseUntil. FinishDeliveries deletes
// rows and adds metrics in one transaction. RetryDelivery records an
// attempt count, a failure ("" for a retry) and when the row is due again,
// releasing its lease. ReleaseLeases releases every lease (a single process
// starting: nothing of a previous run is in flight).
type Store interface {
	GetBus(ctx context.Context, name string) (*BusRecord, error)
	ListBuses(ctx context.Context, prefix, token string, limit int) ([]*BusRecord, string, error)
	GetRule(ctx context.Context, bus, name string) (*RuleRecord, error)
	ListRules(ctx context.Context, q RuleQuery) ([]*RuleRecord, string, error)
	ListTargets(ctx context.Context, bus, rule, token string, limit int) ([]*TargetRecord, string, error)
	RuleNamesByTarget(ctx context.Context, bus, arn, token string, limit int) ([]string, string, error)
	Tags(ctx context.Context, bus, rule string) ([]Tag, error)
	AllRules(ctx context.Context) ([]*RuleRecord, error)
	AllTargets(ctx context.Context) ([]*TargetRecord, error)
	RulesVersion(ctx context.Context) (int64, error)
	Update(ctx context.Context, fn func(Tx) error) error

	Ingest(ctx context.Context, in *Ingest) error
	DrainOutbox(ctx context.Context, limit int, fn func([]OutboxEvent) (*Ingest, error)) (int, error)
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Delivery, error)
	FinishDeliveries(ctx context.Context, ids []int64, metrics []Metric) error
	RetryDelivery(ctx context.Context, id int64, attempts int, failure string, due time.Time) error
	ReleaseLeases(ctx context.Context) error
	CountDeliveries(ctx context.Context) (int, error)
	DueSchedules(ctx context.Context, now time.Time) ([]*RuleRecord, error)
	Metrics(ctx context.Context, since time.Time) ([]Metric, error)
	PurgeMetrics(ctx context.Context, before time.Time) error

	ConnectionStore
}

// ConnectionStore persists connections and API destinations. Gets and
// deletes of a missing name return ErrNotFound; Put with create inserts
// (ErrConflict when the name exists), without it updates (ErrNotFound when
// it does not); List filters by name prefix and by state or connection ARN
// ("" for any) and returns ErrInvalidToken for tokens it did not make.
type ConnectionStore interface {
	GetConnection(ctx context.Context, name string) (*ConnectionRecord, error)
	ListConnections(ctx context.Context, prefix, state, token string, limit int) ([]*ConnectionRecord, string, error)
	PutConnection(ctx context.Context, c *ConnectionRecord, create bool) error
	DeleteConnection(ctx context.Context, name string) error
	GetAPIDestination(ctx context.Context, name string) (*APIDestinationRecord, error)
	ListAPIDestinations(ctx context.Context, prefix, connectionARN, token string, limit int) ([]*APIDestinationRecord, string, error)
	PutAPIDestination(ctx context.Context, d *APIDestinationRecord, create bool) error
	DeleteAPIDestination(ctx context.Context, name string) error
}

// Tx is a control-plane write transaction. GetBus, GetRule and Targets
// read inside it; CountBuses and CountRules count; InsertBus adds a bus
// (ErrConflict when it exists); DeleteBus removes a bus with its rules,
// targets and tags; PutRule inserts or replaces a rule (its tags and
// targets stay); DeleteRule removes a rule with its targets and tags;
// PutTargets inserts or replaces targets by ID; DeleteTargets removes
// targets by ID and returns the IDs it removed; SetTags merges tags and
// RemoveTags deletes keys (rule "" addresses the bus).
type Tx interface {
	GetBus(ctx context.Context, name string) (*BusRecord, error)
	GetRule(ctx context.Context, bus, name string) (*RuleRecord, error)
	Targets(ctx context.Context, bus, rule string) ([]*TargetRecord, error)
	CountBuses(ctx context.Context) (int, error)
	CountRules(ctx context.Context, bus string) (int, error)
	InsertBus(ctx context.Context, b *BusRecord) error
	UpdateBus(ctx context.Context, b *BusRecord) error
	DeleteBus(ctx context.Context, name string) error
	PutRule(ctx context.Context, r *RuleRecord) error
	DeleteRule(ctx context.Context, bus, name string) error
	PutTargets(ctx context.Context, ts []*TargetRecord) error
	DeleteTargets(ctx context.Context, bus, rule string, ids []string) ([]string, error)
	SetTags(ctx context.Context, bus, rule string, tags []Tag) error
	RemoveTags(ctx context.Context, bus, rule string, keys []string) error
}
