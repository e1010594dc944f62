package cloudwatch

import (
	"context"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Alarm history: every configuration change, state change and action of an
// alarm is an item (written in the transaction of the change, actions
// after they ran), kept AlarmLimits.HistoryRetention (the engine purges
// older ones hourly); items outlive a deleted alarm.

// DescribeAlarmHistoryInput is DescribeAlarmHistory's request.
type DescribeAlarmHistoryInput struct {
	AlarmName       string
	AlarmTypes      []string
	HistoryItemType string
	StartDate       time.Time
	EndDate         time.Time
	MaxRecords      int
	NextToken       string
	ScanBy          string
}

// DescribeAlarmHistory returns history items (kept two weeks), newest
// first unless ScanBy is TimestampAscending.
func (s *Service) DescribeAlarmHistory(ctx context.Context, in DescribeAlarmHistoryInput) ([]HistoryItem, string, error) {
	if err := s.alarmsOn(); err != nil {
		return nil, "", err
	}
	if in.AlarmName != "" {
		if err := checkAlarmName("AlarmName", in.AlarmName); err != nil {
			return nil, "", err
		}
	}
	switch in.HistoryItemType {
	case "", HistoryConfigurationUpdate, HistoryStateUpdate, HistoryAction, "AlarmContributorStateUpdate", "AlarmContributorAction":
	default:
		return nil, "", invalid("The parameter HistoryItemType must be a value in the set [ ConfigurationUpdate, StateUpdate, Action, AlarmContributorStateUpdate, AlarmContributorAction ].")
	}
	q := HistoryQuery{AlarmName: in.AlarmName, Type: in.HistoryItemType, Start: in.StartDate, End: in.EndDate, Descending: true, Limit: in.MaxRecords}
	switch in.ScanBy {
	case "", ScanDescending:
	case ScanAscending:
		q.Descending = false
	default:
		return nil, "", invalid("The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].")
	}
	if q.Limit < 0 || q.Limit > AlarmLimits.MaxRecords {
		return nil, "", invalid("The parameter MaxRecords must be between 1 and %d.", AlarmLimits.MaxRecords)
	}
	if q.Limit == 0 {
		q.Limit = AlarmLimits.MaxRecords
	}
	if !in.StartDate.IsZero() && !in.EndDate.IsZero() && !in.StartDate.Before(in.EndDate) {
		return nil, "", invalid("The parameter StartDate must be less than the parameter EndDate.")
	}
	types, err := alarmTypes(in.AlarmTypes)
	if err != nil {
		return nil, "", err
	}
	if len(types) == 1 {
		for t := range types {
			q.AlarmType = t
		}
	}
	if in.NextToken != "" {
		off, ok := parseOffsetToken(in.NextToken)
		if !ok {
			return nil, "", steward.Errorf(CodeInvalidNextToken, "The NextToken is not valid.")
		}
		q.After = int64(off)
	}
	if strings.HasPrefix(in.HistoryItemType, "AlarmContributor") {
		return []HistoryItem{}, "", nil
	}
	if q.Start.IsZero() || q.Start.Before(s.env.Clock.Now().Add(-AlarmLimits.HistoryRetention)) {
		q.Start = s.env.Clock.Now().Add(-AlarmLimits.HistoryRetention)
	}
	limit := q.Limit
	q.Limit++
	items, err := s.alarms.History(ctx, q)
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	if items == nil {
		items = []HistoryItem{}
	}
	if len(items) > limit {
		items = items[:limit]
		return items, offsetToken(int(items[limit-1].ID)), nil
	}
	return items, "", nil
}
