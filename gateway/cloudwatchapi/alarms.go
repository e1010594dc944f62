package cloudwatchapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/gateway"
)

// Alarm operations and their wire shapes (botocore cloudwatch/2010-08-01).

func alarmOps(cw *cloudwatch.Service) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutMetricAlarm", func(ctx context.Context, in *putMetricAlarmInput) (*struct{}, error) {
			return nil, cw.PutMetricAlarm(ctx, in.domain())
		}),
		gateway.Handle("PutCompositeAlarm", func(ctx context.Context, in *putCompositeAlarmInput) (*struct{}, error) {
			return nil, cw.PutCompositeAlarm(ctx, cloudwatch.PutCompositeAlarmInput{AlarmName: in.AlarmName,
				AlarmDescription: in.AlarmDescription, ActionsEnabled: in.ActionsEnabled, OKActions: in.OKActions,
				AlarmActions: in.AlarmActions, InsufficientDataActions: in.InsufficientDataActions, AlarmRule: in.AlarmRule,
				ActionsSuppressor: in.ActionsSuppressor, ActionsSuppressorWaitPeriod: in.ActionsSuppressorWaitPeriod,
				ActionsSuppressorExtensionPeriod: in.ActionsSuppressorExtensionPeriod, Tags: tagsIn(in.Tags)})
		}),
		gateway.Handle("DescribeAlarms", func(ctx context.Context, in *describeAlarmsInput) (*describeAlarmsOutput, error) {
			as, next, err := cw.DescribeAlarms(ctx, cloudwatch.DescribeAlarmsInput{AlarmNames: in.AlarmNames,
				AlarmNamePrefix: in.AlarmNamePrefix, AlarmTypes: in.AlarmTypes, StateValue: in.StateValue,
				ActionPrefix: in.ActionPrefix, MaxRecords: in.MaxRecords, NextToken: deref(in.NextToken),
				ChildrenOf: in.ChildrenOfAlarmName, ParentsOf: in.ParentsOfAlarmName})
			if err != nil {
				return nil, err
			}
			out := &describeAlarmsOutput{MetricAlarms: []metricAlarm{}, CompositeAlarms: []compositeAlarm{}, NextToken: strOut(next)}
			for _, a := range as {
				if a.Type == cloudwatch.AlarmTypeComposite {
					out.CompositeAlarms = append(out.CompositeAlarms, compositeOut(cw, a))
				} else {
					out.MetricAlarms = append(out.MetricAlarms, alarmsOut(cw, []*cloudwatch.Alarm{a})...)
				}
			}
			return out, nil
		}),
		gateway.Handle("DescribeAlarmsForMetric", func(ctx context.Context, in *describeAlarmsForMetricInput) (*describeAlarmsForMetricOutput, error) {
			as, err := cw.DescribeAlarmsForMetric(ctx, cloudwatch.DescribeAlarmsForMetricInput{Namespace: in.Namespace,
				MetricName: in.MetricName, Dimensions: dimensionsIn(in.Dimensions), Statistic: in.Statistic,
				ExtendedStatistic: in.ExtendedStatistic, Period: in.Period, Unit: in.Unit})
			if err != nil {
				return nil, err
			}
			return &describeAlarmsForMetricOutput{MetricAlarms: alarmsOut(cw, as)}, nil
		}),
		gateway.Handle("DeleteAlarms", func(ctx context.Context, in *alarmNamesInput) (*struct{}, error) {
			return nil, cw.DeleteAlarms(ctx, in.AlarmNames)
		}),
		gateway.Handle("EnableAlarmActions", func(ctx context.Context, in *alarmNamesInput) (*struct{}, error) {
			return nil, cw.SetAlarmActions(ctx, in.AlarmNames, true)
		}),
		gateway.Handle("DisableAlarmActions", func(ctx context.Context, in *alarmNamesInput) (*struct{}, error) {
			return nil, cw.SetAlarmActions(ctx, in.AlarmNames, false)
		}),
		gateway.Handle("SetAlarmState", func(ctx context.Context, in *setAlarmStateInput) (*struct{}, error) {
			return nil, cw.SetAlarmState(ctx, in.AlarmName, in.StateValue, in.StateReason, in.StateReasonData)
		}),
		gateway.Handle("DescribeAlarmHistory", func(ctx context.Context, in *describeAlarmHistoryInput) (*describeAlarmHistoryOutput, error) {
			items, next, err := cw.DescribeAlarmHistory(ctx, cloudwatch.DescribeAlarmHistoryInput{AlarmName: in.AlarmName,
				AlarmTypes: in.AlarmTypes, HistoryItemType: in.HistoryItemType, StartDate: in.StartDate, EndDate: in.EndDate,
				MaxRecords: in.MaxRecords, NextToken: deref(in.NextToken), ScanBy: in.ScanBy})
			if err != nil {
				return nil, err
			}
			out := &describeAlarmHistoryOutput{AlarmHistoryItems: make([]alarmHistoryItem, len(items)), NextToken: strOut(next)}
			for i, h := range items {
				out.AlarmHistoryItems[i] = alarmHistoryItem{AlarmName: h.AlarmName, AlarmType: h.AlarmType, Timestamp: h.Time,
					HistoryItemType: h.Type, HistorySummary: h.Summary, HistoryData: h.Data}
			}
			return out, nil
		}),
		gateway.Handle("TagResource", func(ctx context.Context, in *tagResourceInput) (*struct{}, error) {
			return &struct{}{}, cw.TagResource(ctx, in.ResourceARN, tagsIn(in.Tags))
		}),
		gateway.Handle("UntagResource", func(ctx context.Context, in *untagResourceInput) (*struct{}, error) {
			return &struct{}{}, cw.UntagResource(ctx, in.ResourceARN, in.TagKeys)
		}),
		gateway.Handle("ListTagsForResource", func(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
			tags, err := cw.ListTagsForResource(ctx, in.ResourceARN)
			if err != nil {
				return nil, err
			}
			out := &listTagsForResourceOutput{Tags: make([]tag, len(tags))}
			for i, t := range tags {
				out.Tags[i] = tag{Key: t.Key, Value: t.Value}
			}
			return out, nil
		}),
	}
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsIn(ts []tag) []cloudwatch.Tag {
	if len(ts) == 0 {
		return nil
	}
	out := make([]cloudwatch.Tag, len(ts))
	for i, t := range ts {
		out[i] = cloudwatch.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

type promQLCriteria struct {
	Query          string `json:"Query"`
	PendingPeriod  *int   `json:"PendingPeriod,omitempty"`
	RecoveryPeriod *int   `json:"RecoveryPeriod,omitempty"`
}

type evaluationCriteria struct {
	PromQLCriteria *promQLCriteria `json:"PromQLCriteria,omitempty"`
}

type putMetricAlarmInput struct {
	AlarmName                        string              `json:"AlarmName"`
	AlarmDescription                 string              `json:"AlarmDescription,omitempty"`
	ActionsEnabled                   *bool               `json:"ActionsEnabled,omitempty"`
	OKActions                        []string            `json:"OKActions,omitempty"`
	AlarmActions                     []string            `json:"AlarmActions,omitempty"`
	InsufficientDataActions          []string            `json:"InsufficientDataActions,omitempty"`
	MetricName                       string              `json:"MetricName,omitempty"`
	Namespace                        string              `json:"Namespace,omitempty"`
	Statistic                        string              `json:"Statistic,omitempty"`
	ExtendedStatistic                string              `json:"ExtendedStatistic,omitempty"`
	Dimensions                       []dimension         `json:"Dimensions,omitempty"`
	Period                           int                 `json:"Period,omitempty"`
	Unit                             string              `json:"Unit,omitempty"`
	EvaluationPeriods                int                 `json:"EvaluationPeriods,omitempty"`
	DatapointsToAlarm                int                 `json:"DatapointsToAlarm,omitempty"`
	Threshold                        *float64            `json:"Threshold,omitempty"`
	ComparisonOperator               string              `json:"ComparisonOperator,omitempty"`
	TreatMissingData                 string              `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile string              `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                          []metricDataQuery   `json:"Metrics,omitempty"`
	Tags                             []tag               `json:"Tags,omitempty"`
	ThresholdMetricID                string              `json:"ThresholdMetricId,omitempty"`
	EvaluationCriteria               *evaluationCriteria `json:"EvaluationCriteria,omitempty"`
	EvaluationInterval               *int                `json:"EvaluationInterval,omitempty"`
}

func queriesIn(qs []metricDataQuery) []cloudwatch.MetricDataQuery {
	if len(qs) == 0 {
		return nil
	}
	in := getMetricDataInput{MetricDataQueries: qs}
	return in.domain().Queries
}

func (in *putMetricAlarmInput) domain() cloudwatch.PutMetricAlarmInput {
	return cloudwatch.PutMetricAlarmInput{AlarmName: in.AlarmName, AlarmDescription: in.AlarmDescription,
		ActionsEnabled: in.ActionsEnabled, OKActions: in.OKActions, AlarmActions: in.AlarmActions,
		InsufficientDataActions: in.InsufficientDataActions, Namespace: in.Namespace, MetricName: in.MetricName,
		Dimensions: dimensionsIn(in.Dimensions), Statistic: in.Statistic, ExtendedStatistic: in.ExtendedStatistic,
		Period: in.Period, Unit: in.Unit, EvaluationPeriods: in.EvaluationPeriods, DatapointsToAlarm: in.DatapointsToAlarm,
		Threshold: in.Threshold, ThresholdMetricID: in.ThresholdMetricID, ComparisonOperator: in.ComparisonOperator,
		TreatMissingData: in.TreatMissingData, EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile,
		Metrics: queriesIn(in.Metrics), Tags: tagsIn(in.Tags), PromQL: in.EvaluationCriteria != nil || in.EvaluationInterval != nil}
}

type describeAlarmsInput struct {
	AlarmNames          []string `json:"AlarmNames,omitempty"`
	AlarmNamePrefix     string   `json:"AlarmNamePrefix,omitempty"`
	AlarmTypes          []string `json:"AlarmTypes,omitempty"`
	ChildrenOfAlarmName string   `json:"ChildrenOfAlarmName,omitempty"`
	ParentsOfAlarmName  string   `json:"ParentsOfAlarmName,omitempty"`
	StateValue          string   `json:"StateValue,omitempty"`
	ActionPrefix        string   `json:"ActionPrefix,omitempty"`
	MaxRecords          int      `json:"MaxRecords,omitempty"`
	NextToken           *string  `json:"NextToken,omitempty"`
}

type describeAlarmsOutput struct {
	CompositeAlarms []compositeAlarm `json:"CompositeAlarms"`
	MetricAlarms    []metricAlarm    `json:"MetricAlarms"`
	NextToken       *string          `json:"NextToken,omitempty"`
}

type putCompositeAlarmInput struct {
	AlarmName                        string   `json:"AlarmName"`
	AlarmDescription                 string   `json:"AlarmDescription,omitempty"`
	ActionsEnabled                   *bool    `json:"ActionsEnabled,omitempty"`
	OKActions                        []string `json:"OKActions,omitempty"`
	AlarmActions                     []string `json:"AlarmActions,omitempty"`
	InsufficientDataActions          []string `json:"InsufficientDataActions,omitempty"`
	AlarmRule                        string   `json:"AlarmRule"`
	ActionsSuppressor                string   `json:"ActionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod      *int     `json:"ActionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod *int     `json:"ActionsSuppressorExtensionPeriod,omitempty"`
	Tags                             []tag    `json:"Tags,omitempty"`
}

type compositeAlarm struct {
	ActionsEnabled                     bool      `json:"ActionsEnabled"`
	AlarmActions                       []string  `json:"AlarmActions"`
	AlarmArn                           string    `json:"AlarmArn"`
	AlarmConfigurationUpdatedTimestamp time.Time `json:"AlarmConfigurationUpdatedTimestamp"`
	AlarmDescription                   *string   `json:"AlarmDescription,omitempty"`
	AlarmName                          string    `json:"AlarmName"`
	AlarmRule                          string    `json:"AlarmRule"`
	InsufficientDataActions            []string  `json:"InsufficientDataActions"`
	OKActions                          []string  `json:"OKActions"`
	StateReason                        string    `json:"StateReason"`
	StateReasonData                    *string   `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              time.Time `json:"StateUpdatedTimestamp"`
	StateValue                         string    `json:"StateValue"`
	StateTransitionedTimestamp         time.Time `json:"StateTransitionedTimestamp"`
	ActionsSuppressor                  *string   `json:"ActionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod        *int      `json:"ActionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod   *int      `json:"ActionsSuppressorExtensionPeriod,omitempty"`
}

func compositeOut(cw *cloudwatch.Service, a *cloudwatch.Alarm) compositeAlarm {
	c := compositeAlarm{ActionsEnabled: a.ActionsEnabled, AlarmActions: nonNil(a.AlarmActions), AlarmArn: cw.AlarmARN(a.Name),
		AlarmConfigurationUpdatedTimestamp: a.ConfigurationUpdated, AlarmDescription: strOut(a.Description), AlarmName: a.Name,
		AlarmRule: a.AlarmRule, InsufficientDataActions: nonNil(a.InsufficientDataActions), OKActions: nonNil(a.OKActions),
		StateReason: a.State.Reason, StateReasonData: strOut(a.State.ReasonData), StateUpdatedTimestamp: a.State.Updated,
		StateValue: a.State.Value, StateTransitionedTimestamp: a.State.Transitioned}
	if a.ActionsSuppressor != "" {
		arn := cw.AlarmARN(a.ActionsSuppressor)
		c.ActionsSuppressor = &arn
		c.ActionsSuppressorWaitPeriod, c.ActionsSuppressorExtensionPeriod = &a.ActionsSuppressorWaitPeriod, &a.ActionsSuppressorExtensionPeriod
	}
	return c
}

type describeAlarmsForMetricInput struct {
	MetricName        string      `json:"MetricName"`
	Namespace         string      `json:"Namespace"`
	Statistic         string      `json:"Statistic,omitempty"`
	ExtendedStatistic string      `json:"ExtendedStatistic,omitempty"`
	Dimensions        []dimension `json:"Dimensions,omitempty"`
	Period            int         `json:"Period,omitempty"`
	Unit              string      `json:"Unit,omitempty"`
}

type describeAlarmsForMetricOutput struct {
	MetricAlarms []metricAlarm `json:"MetricAlarms"`
}

type metricAlarm struct {
	AlarmName                          string            `json:"AlarmName"`
	AlarmArn                           string            `json:"AlarmArn"`
	AlarmDescription                   *string           `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time         `json:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     bool              `json:"ActionsEnabled"`
	OKActions                          []string          `json:"OKActions"`
	AlarmActions                       []string          `json:"AlarmActions"`
	InsufficientDataActions            []string          `json:"InsufficientDataActions"`
	StateValue                         string            `json:"StateValue"`
	StateReason                        string            `json:"StateReason"`
	StateReasonData                    *string           `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              time.Time         `json:"StateUpdatedTimestamp"`
	MetricName                         *string           `json:"MetricName,omitempty"`
	Namespace                          *string           `json:"Namespace,omitempty"`
	Statistic                          *string           `json:"Statistic,omitempty"`
	ExtendedStatistic                  *string           `json:"ExtendedStatistic,omitempty"`
	Dimensions                         []dimension       `json:"Dimensions"`
	Period                             *int              `json:"Period,omitempty"`
	Unit                               *string           `json:"Unit,omitempty"`
	EvaluationPeriods                  int               `json:"EvaluationPeriods"`
	DatapointsToAlarm                  *int              `json:"DatapointsToAlarm,omitempty"`
	Threshold                          float64           `json:"Threshold"`
	ComparisonOperator                 string            `json:"ComparisonOperator"`
	TreatMissingData                   *string           `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile   *string           `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                            []metricDataQuery `json:"Metrics,omitempty"`
	StateTransitionedTimestamp         time.Time         `json:"StateTransitionedTimestamp"`
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func alarmsOut(cw *cloudwatch.Service, as []*cloudwatch.Alarm) []metricAlarm {
	out := make([]metricAlarm, len(as))
	for i, a := range as {
		m := metricAlarm{AlarmName: a.Name, AlarmArn: cw.AlarmARN(a.Name), AlarmDescription: strOut(a.Description),
			AlarmConfigurationUpdatedTimestamp: a.ConfigurationUpdated, ActionsEnabled: a.ActionsEnabled,
			OKActions: nonNil(a.OKActions), AlarmActions: nonNil(a.AlarmActions), InsufficientDataActions: nonNil(a.InsufficientDataActions),
			StateValue: a.State.Value, StateReason: a.State.Reason, StateReasonData: strOut(a.State.ReasonData),
			StateUpdatedTimestamp: a.State.Updated, StateTransitionedTimestamp: a.State.Transitioned,
			MetricName: strOut(a.MetricName), Namespace: strOut(a.Namespace), Statistic: strOut(a.Statistic),
			ExtendedStatistic: strOut(a.ExtendedStatistic), Dimensions: dimensionsOut(a.Dimensions), Unit: strOut(a.Unit),
			EvaluationPeriods: a.EvaluationPeriods, Threshold: a.Threshold, ComparisonOperator: a.ComparisonOperator,
			TreatMissingData: strOut(a.TreatMissingData), EvaluateLowSampleCountPercentile: strOut(a.EvaluateLowSampleCountPercentile)}
		if a.Period > 0 {
			m.Period = &a.Period
		}
		if a.DatapointsToAlarm > 0 {
			m.DatapointsToAlarm = &a.DatapointsToAlarm
		}
		for _, q := range a.Metrics {
			wq := metricDataQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, ReturnData: q.ReturnData, Period: q.Period}
			if ms := q.MetricStat; ms != nil {
				wq.MetricStat = &metricStat{Metric: metricOut(ms.Metric), Period: ms.Period, Stat: ms.Stat, Unit: ms.Unit}
			}
			m.Metrics = append(m.Metrics, wq)
		}
		out[i] = m
	}
	return out
}

type alarmNamesInput struct {
	AlarmNames []string `json:"AlarmNames"`
}

type setAlarmStateInput struct {
	AlarmName       string `json:"AlarmName"`
	StateValue      string `json:"StateValue"`
	StateReason     string `json:"StateReason"`
	StateReasonData string `json:"StateReasonData,omitempty"`
}

type describeAlarmHistoryInput struct {
	AlarmName          string    `json:"AlarmName,omitempty"`
	AlarmContributorID string    `json:"AlarmContributorId,omitempty"`
	AlarmTypes         []string  `json:"AlarmTypes,omitempty"`
	HistoryItemType    string    `json:"HistoryItemType,omitempty"`
	StartDate          time.Time `json:"StartDate,omitempty"`
	EndDate            time.Time `json:"EndDate,omitempty"`
	MaxRecords         int       `json:"MaxRecords,omitempty"`
	NextToken          *string   `json:"NextToken,omitempty"`
	ScanBy             string    `json:"ScanBy,omitempty"`
}

type describeAlarmHistoryOutput struct {
	AlarmHistoryItems []alarmHistoryItem `json:"AlarmHistoryItems"`
	NextToken         *string            `json:"NextToken,omitempty"`
}

type alarmHistoryItem struct {
	AlarmName       string    `json:"AlarmName"`
	AlarmType       string    `json:"AlarmType"`
	Timestamp       time.Time `json:"Timestamp"`
	HistoryItemType string    `json:"HistoryItemType"`
	HistorySummary  string    `json:"HistorySummary"`
	HistoryData     string    `json:"HistoryData"`
}

type tagResourceInput struct {
	ResourceARN string `json:"ResourceARN"`
	Tags        []tag  `json:"Tags"`
}

type untagResourceInput struct {
	ResourceARN string   `json:"ResourceARN"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsForResourceInput struct {
	ResourceARN string `json:"ResourceARN"`
}

type listTagsForResourceOutput struct {
	Tags []tag `json:"Tags"`
}
