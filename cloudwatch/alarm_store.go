package cloudwatch

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward"
)

// Alarm is a metric alarm: its configuration (PutMetricAlarm's fields),
// its tags and its state. Exactly one of the single-metric form
// (Namespace, MetricName, Dimensions, Statistic | ExtendedStatistic,
// Period, Unit) and Metrics is set, unless Type is CompositeAlarm (then
// AlarmRule and the suppressor fields are). DatapointsToAlarm 0 means unset
// (EvaluationPeriods applies); TreatMissingData and
// EvaluateLowSampleCountPercentile "" mean unset (missing, evaluate).
//
// NextEvaluation is when the engine evaluates it next; Version counts
// writes (the store's optimistic lock).
type Alarm struct {
	Name                             string
	Description                      string
	ActionsEnabled                   bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	Namespace                        string
	MetricName                       string
	Dimensions                       []Dimension
	Statistic                        string
	ExtendedStatistic                string
	Period                           int
	Unit                             string
	EvaluationPeriods                int
	DatapointsToAlarm                int
	Threshold                        float64
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	Metrics                          []MetricDataQuery
	Type                             string // "" (a metric alarm) or AlarmTypeComposite
	AlarmRule                        string // composite alarms
	ActionsSuppressor                string // composite alarms: an alarm name
	ActionsSuppressorWaitPeriod      int
	ActionsSuppressorExtensionPeriod int
	Tags                             []Tag
	ConfigurationUpdated             time.Time
	State                            AlarmState
	NextEvaluation                   time.Time
	Version                          int64
}

// AlarmState is an alarm's state: its value, the reason and reason data
// (JSON text), when it was last updated and when the value last changed.
type AlarmState struct {
	Value        string
	Reason       string
	ReasonData   string
	Updated      time.Time
	Transitioned time.Time
}

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// History item types.
const (
	HistoryConfigurationUpdate = "ConfigurationUpdate"
	HistoryStateUpdate         = "StateUpdate"
	HistoryAction              = "Action"
)

// Alarm types.
const (
	AlarmTypeMetric    = "MetricAlarm"
	AlarmTypeComposite = "CompositeAlarm"
)

// AlarmType is a's type, MetricAlarm or CompositeAlarm.
func (a *Alarm) AlarmType() string {
	if a.Type == AlarmTypeComposite {
		return AlarmTypeComposite
	}
	return AlarmTypeMetric
}

// HistoryItem is an entry of an alarm's history. ID is assigned by the
// store, increasing with every item written.
type HistoryItem struct {
	ID        int64
	AlarmName string
	AlarmType string
	Time      time.Time
	Type      string
	Summary   string
	Data      string
}

// AlarmQuery selects alarms: by Names (any of them; none means all), name
// Prefix and State when set, with names after After; in name order.
type AlarmQuery struct {
	Names  []string
	Prefix string
	State  string
	After  string
}

// HistoryQuery selects history items: of AlarmName, of AlarmType and of
// Type when set,
// with Start <= Time < End when set; in ID order (Descending reversed),
// continuing beyond the item with ID After (0: from the start), at most
// Limit.
type HistoryQuery struct {
	AlarmName  string
	AlarmType  string
	Type       string
	Start, End time.Time
	Descending bool
	After      int64
	Limit      int
}

// AlarmWrite is one transaction of the alarm store: Put stores an alarm
// (inserted when Expect is 0, else only over the stored Version Expect;
// stored with Version Expect+1), Delete removes alarms by name (and their
// tags, not their history), History and Events are appended (Events to the
// outbox, for EventBridge).
type AlarmWrite struct {
	Put     *Alarm
	Expect  int64
	Delete  []string
	History []HistoryItem
	Events  []*steward.Event
}

// ErrAlarmConflict is AlarmStore.Write's answer when the stored alarm is
// not the Expect-ed version (or exists when Expect is 0).
var ErrAlarmConflict = errors.New("cloudwatch: alarm changed concurrently")

// AlarmStore persists alarms and their history. Implementations: sqlstore
// (SQLite and PostgreSQL), checked by storetest.
//
// GetAlarm returns the alarm or nil when there is none. ListAlarms answers
// an AlarmQuery. Write applies an AlarmWrite atomically, or returns
// ErrAlarmConflict and changes nothing. Reschedule moves an alarm's
// NextEvaluation when its Version is still version (else does nothing).
// ClaimDue returns up to limit alarms whose NextEvaluation <= now, oldest
// due first, and moves their NextEvaluation to leaseUntil in the same
// statement, so that two servers on one PostgreSQL database never evaluate
// an alarm twice (the claim skips rows another transaction has locked).
// History answers a HistoryQuery; PurgeHistory deletes items older than
// before and returns how many.
type AlarmStore interface {
	GetAlarm(ctx context.Context, name string) (*Alarm, error)
	ListAlarms(ctx context.Context, q AlarmQuery) ([]*Alarm, error)
	Write(ctx context.Context, w AlarmWrite) error
	Reschedule(ctx context.Context, name string, version int64, at time.Time) error
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Alarm, error)
	History(ctx context.Context, q HistoryQuery) ([]HistoryItem, error)
	PurgeHistory(ctx context.Context, before time.Time) (int, error)
}

// TopicPublisher publishes an alarm notification to an SNS topic (the
// server wires it to SNS). An error is recorded as a failed Action in the
// alarm's history.
type TopicPublisher interface {
	PublishAlarm(ctx context.Context, topicARN, subject, message string) error
}
