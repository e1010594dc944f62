package cloudwatchapi

import (
	"time"

	"github.com/stewardhq/steward/cloudwatch"
)

// Wire shapes (botocore cloudwatch/2010-08-01) and their conversions.

type dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func dimensionsIn(ds []dimension) []cloudwatch.Dimension {
	if len(ds) == 0 {
		return nil
	}
	out := make([]cloudwatch.Dimension, len(ds))
	for i, d := range ds {
		out[i] = cloudwatch.Dimension{Name: d.Name, Value: d.Value}
	}
	return out
}

func dimensionsOut(ds []cloudwatch.Dimension) []dimension {
	out := make([]dimension, len(ds))
	for i, d := range ds {
		out[i] = dimension{Name: d.Name, Value: d.Value}
	}
	return out
}

type metric struct {
	Namespace  *string     `json:"Namespace,omitempty"`
	MetricName *string     `json:"MetricName,omitempty"`
	Dimensions []dimension `json:"Dimensions,omitempty"`
}

func metricOut(m cloudwatch.Metric) metric {
	return metric{Namespace: &m.Namespace, MetricName: &m.Name, Dimensions: dimensionsOut(m.Dimensions)}
}

// PutMetricData

type putMetricDataInput struct {
	Namespace              string             `json:"Namespace"`
	MetricData             []metricDatum      `json:"MetricData,omitempty"`
	EntityMetricData       []entityMetricData `json:"EntityMetricData,omitempty"`
	StrictEntityValidation *bool              `json:"StrictEntityValidation,omitempty"`
}

type metricDatum struct {
	MetricName        string        `json:"MetricName"`
	Dimensions        []dimension   `json:"Dimensions,omitempty"`
	Timestamp         time.Time     `json:"Timestamp,omitempty"`
	Value             *float64      `json:"Value,omitempty"`
	StatisticValues   *statisticSet `json:"StatisticValues,omitempty"`
	Values            []float64     `json:"Values,omitempty"`
	Counts            []float64     `json:"Counts,omitempty"`
	Unit              string        `json:"Unit,omitempty"`
	StorageResolution int           `json:"StorageResolution,omitempty"`
}

type statisticSet struct {
	SampleCount float64 `json:"SampleCount"`
	Sum         float64 `json:"Sum"`
	Minimum     float64 `json:"Minimum"`
	Maximum     float64 `json:"Maximum"`
}

// entityMetricData carries data with the entity it is about; Steward keeps
// the data and ignores the entity.
type entityMetricData struct {
	Entity     *entity       `json:"Entity,omitempty"`
	MetricData []metricDatum `json:"MetricData,omitempty"`
}

type entity struct {
	KeyAttributes map[string]string `json:"KeyAttributes,omitempty"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

// data is MetricData followed by every EntityMetricData's data (the limit
// of 1,000 counts them together).
func (in *putMetricDataInput) data() []cloudwatch.MetricDatum {
	out := make([]cloudwatch.MetricDatum, 0, len(in.MetricData))
	add := func(ds []metricDatum) {
		for _, d := range ds {
			md := cloudwatch.MetricDatum{MetricName: d.MetricName, Dimensions: dimensionsIn(d.Dimensions),
				Timestamp: d.Timestamp, Value: d.Value, Values: d.Values, Counts: d.Counts, Unit: d.Unit,
				StorageResolution: d.StorageResolution}
			if s := d.StatisticValues; s != nil {
				md.StatisticValues = &cloudwatch.StatisticSet{SampleCount: s.SampleCount, Sum: s.Sum, Minimum: s.Minimum, Maximum: s.Maximum}
			}
			out = append(out, md)
		}
	}
	add(in.MetricData)
	for _, e := range in.EntityMetricData {
		add(e.MetricData)
	}
	return out
}

// GetMetricStatistics

type getMetricStatisticsInput struct {
	Namespace          string      `json:"Namespace"`
	MetricName         string      `json:"MetricName"`
	Dimensions         []dimension `json:"Dimensions,omitempty"`
	StartTime          time.Time   `json:"StartTime"`
	EndTime            time.Time   `json:"EndTime"`
	Period             int         `json:"Period"`
	Statistics         []string    `json:"Statistics,omitempty"`
	ExtendedStatistics []string    `json:"ExtendedStatistics,omitempty"`
	Unit               string      `json:"Unit,omitempty"`
}

func (in *getMetricStatisticsInput) domain() cloudwatch.GetMetricStatisticsInput {
	return cloudwatch.GetMetricStatisticsInput{Namespace: in.Namespace, MetricName: in.MetricName,
		Dimensions: dimensionsIn(in.Dimensions), StartTime: in.StartTime, EndTime: in.EndTime, Period: in.Period,
		Statistics: in.Statistics, ExtendedStatistics: in.ExtendedStatistics, Unit: in.Unit}
}

type getMetricStatisticsOutput struct {
	Label      *string     `json:"Label,omitempty"`
	Datapoints []datapoint `json:"Datapoints"`
}

type datapoint struct {
	Timestamp          time.Time          `json:"Timestamp"`
	SampleCount        *float64           `json:"SampleCount,omitempty"`
	Average            *float64           `json:"Average,omitempty"`
	Sum                *float64           `json:"Sum,omitempty"`
	Minimum            *float64           `json:"Minimum,omitempty"`
	Maximum            *float64           `json:"Maximum,omitempty"`
	Unit               string             `json:"Unit,omitempty"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
}

func statisticsOut(res *cloudwatch.GetMetricStatisticsOutput) *getMetricStatisticsOutput {
	out := &getMetricStatisticsOutput{Label: &res.Label, Datapoints: make([]datapoint, len(res.Datapoints))}
	for i, d := range res.Datapoints {
		out.Datapoints[i] = datapoint{Timestamp: d.Timestamp, SampleCount: d.SampleCount, Average: d.Average,
			Sum: d.Sum, Minimum: d.Minimum, Maximum: d.Maximum, Unit: d.Unit}
		if len(d.ExtendedStatistics) > 0 {
			out.Datapoints[i].ExtendedStatistics = d.ExtendedStatistics
		}
	}
	return out
}

// GetMetricData

type getMetricDataInput struct {
	MetricDataQueries []metricDataQuery `json:"MetricDataQueries"`
	StartTime         time.Time         `json:"StartTime"`
	EndTime           time.Time         `json:"EndTime"`
	NextToken         *string           `json:"NextToken,omitempty"`
	ScanBy            string            `json:"ScanBy,omitempty"`
	MaxDatapoints     *int              `json:"MaxDatapoints,omitempty"`
	LabelOptions      *labelOptions     `json:"LabelOptions,omitempty"`
}

type labelOptions struct {
	Timezone *string `json:"Timezone,omitempty"`
}

type metricDataQuery struct {
	ID         string      `json:"Id"`
	MetricStat *metricStat `json:"MetricStat,omitempty"`
	Expression string      `json:"Expression,omitempty"`
	Label      string      `json:"Label,omitempty"`
	ReturnData *bool       `json:"ReturnData,omitempty"`
	Period     int         `json:"Period,omitempty"`
	AccountID  string      `json:"AccountId,omitempty"`
}

type metricStat struct {
	Metric metric `json:"Metric"`
	Period int    `json:"Period"`
	Stat   string `json:"Stat"`
	Unit   string `json:"Unit,omitempty"`
}

func (in *getMetricDataInput) domain() cloudwatch.GetMetricDataInput {
	out := cloudwatch.GetMetricDataInput{Queries: make([]cloudwatch.MetricDataQuery, len(in.MetricDataQueries)),
		StartTime: in.StartTime, EndTime: in.EndTime, ScanBy: in.ScanBy, NextToken: deref(in.NextToken)}
	if in.MaxDatapoints != nil {
		out.MaxDatapoints = *in.MaxDatapoints
		if out.MaxDatapoints == 0 {
			out.MaxDatapoints = -1 // explicitly zero: invalid, not the default
		}
	}
	for i, q := range in.MetricDataQueries {
		dq := cloudwatch.MetricDataQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, ReturnData: q.ReturnData, Period: q.Period}
		if ms := q.MetricStat; ms != nil {
			dq.MetricStat = &cloudwatch.MetricStat{Metric: cloudwatch.Metric{Namespace: deref(ms.Metric.Namespace),
				Name: deref(ms.Metric.MetricName), Dimensions: dimensionsIn(ms.Metric.Dimensions)},
				Period: ms.Period, Stat: ms.Stat, Unit: ms.Unit}
		}
		out.Queries[i] = dq
	}
	return out
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResult `json:"MetricDataResults"`
	NextToken         *string            `json:"NextToken,omitempty"`
	Messages          []messageData      `json:"Messages,omitempty"`
}

type metricDataResult struct {
	ID         string        `json:"Id"`
	Label      string        `json:"Label"`
	Timestamps []time.Time   `json:"Timestamps"`
	Values     []float64     `json:"Values"`
	StatusCode string        `json:"StatusCode"`
	Messages   []messageData `json:"Messages,omitempty"`
}

type messageData struct {
	Code  string `json:"Code,omitempty"`
	Value string `json:"Value,omitempty"`
}

func metricDataOut(res *cloudwatch.GetMetricDataOutput) *getMetricDataOutput {
	out := &getMetricDataOutput{MetricDataResults: make([]metricDataResult, len(res.Results)), NextToken: strOut(res.NextToken),
		Messages: []messageData{}}
	for i, r := range res.Results {
		out.MetricDataResults[i] = metricDataResult{ID: r.ID, Label: r.Label, Timestamps: r.Timestamps, Values: r.Values, StatusCode: r.StatusCode}
	}
	return out
}

// ListMetrics

type dimensionFilter struct {
	Name  string  `json:"Name"`
	Value *string `json:"Value,omitempty"`
}

type listMetricsInput struct {
	Namespace             string            `json:"Namespace,omitempty"`
	MetricName            string            `json:"MetricName,omitempty"`
	Dimensions            []dimensionFilter `json:"Dimensions,omitempty"`
	NextToken             *string           `json:"NextToken,omitempty"`
	RecentlyActive        string            `json:"RecentlyActive,omitempty"`
	IncludeLinkedAccounts *bool             `json:"IncludeLinkedAccounts,omitempty"`
	OwningAccount         *string           `json:"OwningAccount,omitempty"`
}

func (in *listMetricsInput) domain() cloudwatch.ListMetricsInput {
	out := cloudwatch.ListMetricsInput{Namespace: in.Namespace, MetricName: in.MetricName,
		RecentlyActive: in.RecentlyActive, NextToken: deref(in.NextToken)}
	for _, d := range in.Dimensions {
		out.Dimensions = append(out.Dimensions, cloudwatch.DimensionFilter{Name: d.Name, Value: d.Value})
	}
	return out
}

type listMetricsOutput struct {
	Metrics        []metric `json:"Metrics"`
	NextToken      *string  `json:"NextToken,omitempty"`
	OwningAccounts []string `json:"OwningAccounts,omitempty"`
}
